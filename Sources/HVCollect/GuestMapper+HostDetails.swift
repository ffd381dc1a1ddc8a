import HVModel
import HVSystem

extension GuestMapper {
    /// Reads `/proc/<pid>/stat` of up to `limit` host processes waiting for it (see
    /// `State.pendingFresh`): their comm for the process table, and the evidence that makes a
    /// process outside every guest cgroup a guest candidate (`promotes`). When more new
    /// processes appear than the limit allows (the first scan), the kernel threads (kthreadd's
    /// children) go first: the per-VM ones among them are only found by their comm.
    func readHostDetails(_ s: inout State, limit: Int, now: Double, stats: inout MapperScanStats) {
        let waiting = s.pendingFresh.count + s.pendingBacklog.count + s.pendingYoung.count
        guard limit > 0, waiting > 0 else { stats.hostDetailsPending = waiting; return }
        var order: [Int] = []
        order.reserveCapacity(min(limit, waiting))
        if s.pendingFresh.count > limit, let kernelThreads = try? proc.children(2, tid: 2), !kernelThreads.isEmpty {
            // A first scan (or a burst of new processes): kernel threads first.
            let k = Set(kernelThreads)
            for i in s.pendingFresh where k.contains(s.listed[i]) && order.count < limit { order.append(i) }
            if !order.isEmpty {
                let taken = Set(order)
                s.pendingFresh.removeAll { taken.contains($0) }
            }
        }
        // What is not read now waits for the next scan (or the fallback in this one).
        func take(_ list: inout [Int]) {
            let n = min(max(0, limit - order.count), list.count)
            guard n > 0 else { return }
            order.append(contentsOf: list[..<n])
            list.removeFirst(n)
        }
        take(&s.pendingFresh)
        take(&s.pendingBacklog)
        take(&s.pendingYoung)

        for i in order {
            let pid = s.listed[i]
            guard s.processes[pid] == nil, !s.hosts[i].hasDetails || s.hosts[i].young else { continue }
            guard let st = try? proc.stat(pid) else { continue }   // exited: the next listing drops it
            stats.hostDetailsRead += 1
            s.hosts[i].comm = st.comm
            s.hosts[i].startTime = st.startTimeTicks
            s.hosts[i].kernelThread = st.isKernelThread
            s.hosts[i].young = now - Double(st.startTimeTicks) / ticksPerSecond < youngProcessSeconds
            if GuestMapper.promotes(st),
                let p = observe(
                    &s.cgroups, pid, walk: nil, pidfile: nil, previous: nil, promotion: .comm,
                    namespace: nil, now: now, counted: false, stats: &stats)
            {
                s.processes[pid] = p
                GuestMapper.copyDetails(p, to: &s.hosts[i])
            }
        }
        stats.hostDetailsPending = s.pendingFresh.count + s.pendingBacklog.count + s.pendingYoung.count
    }

    /// A host process whose comm makes it a guest candidate: a QEMU emulator, swtpm, an LXC
    /// monitor started by lxc-start, or a per-VM kernel thread (`vhost-<pid>`, `kvm-pit/<pid>`).
    static func promotes(_ st: ProcStat) -> Bool {
        if st.isKernelThread { return ThreadRole.ownerPID(kernelThreadComm: st.comm) != nil }
        return isQEMUComm(st.comm) || st.comm == "swtpm" || st.comm == "lxc-start"
    }

    /// True when a running libvirt QEMU guest (one with a domain ID) has no QEMU process among
    /// the guest candidates (by UUID, pidfile name or cgroup domain ID) and host processes are
    /// still waiting for their details: `attribute` then reads them all (the fallback).
    func hasUnfoundQEMUGuest(_ s: State, _ guests: [Guest]) -> Bool {
        guard s.pendingFresh.count + s.pendingBacklog.count + s.pendingYoung.count > 0 else { return false }
        let active = guests.filter { $0.driver == "qemu" && $0.domainID != nil }
        guard !active.isEmpty else { return false }
        var uuids = Set<String>()
        var names = Set<String>()
        var ids = Set<Int>()
        for p in s.processes.values where p.isQEMU {
            if let u = p.qemuUUID { uuids.insert(u.lowercased()) }
            if let n = p.pidfileName { names.insert(n); names.insert(GuestIndex.xmlUnescape(n)) }
            if case .libvirtQEMU(let id?, _)? = p.placement?.owner { ids.insert(id) }
        }
        return active.contains { g in
            !(g.uuid.map { uuids.contains($0.lowercased()) } ?? false) && !names.contains(g.name)
                && !(g.domainID.map { ids.contains($0) } ?? false)
        }
    }
}
