import HVSystem

extension GuestMapper {
    /// Finds container processes outside their container's cgroup by their PID namespace,
    /// reading `ns/pid` of host processes only when one may exist.
    ///
    /// For each container (guest candidates in an LXC / LXD / libvirt-lxc / nspawn cgroup), its
    /// init (innermost PID 1, earliest started) shows the container's own procfs at
    /// `/proc/<init>/root/proc`; when that procfs belongs to the container's PID namespace (its
    /// PID 1 has the init's `ns/pid`) and lists no more processes than the container's cgroups
    /// hold plus its known escapees (counted twice, cgroups first, before concluding), nothing
    /// is read. Otherwise (more processes, no init, no
    /// procfs) the `ns/pid` link of every host process not read before is read once; processes
    /// in a container's namespace become guest candidates (`Promotion.namespace`), on this and
    /// every later scan.
    func checkNamespaces(_ s: inout State, now: Double, stats: inout MapperScanStats) {
        struct Container {
            var members = 0
            var namespaces = Set<UInt64>()
            var initPID: Int?
            var initStart: UInt64 = 0
            var initNamespace: UInt64?
        }
        var containers: [String: Container] = [:]
        var escapees: [UInt64: Int] = [:]
        for p in s.processes.values {
            guard let ns = p.pidNamespace, ns != hostPidNamespace else { continue }
            if p.promotion == .namespace { escapees[ns, default: 0] += 1; continue }
            guard let pl = p.placement else { continue }
            switch pl.owner {
            case .lxc, .libvirtLXC, .nspawn: break
            default: continue
            }
            if pl.part == .supervisor || p.comm == "libvirt_lxc" { continue }
            var c = containers[pl.guestPath] ?? Container()
            c.members += 1
            c.namespaces.insert(ns)
            if p.innermostPID == 1, c.initPID.map({ (p.startTime, p.pid) < (c.initStart, $0) }) ?? true {
                c.initPID = p.pid
                c.initStart = p.startTime
                c.initNamespace = ns
            }
            containers[pl.guestPath] = c
        }
        guard !containers.isEmpty else { return }
        // Nothing new and the same processes in every container's cgroups as at the last
        // check that found nothing to search for: nothing to do.
        let members = containers.mapValues(\.members)
        if s.settledContainers == members { return }

        var containerNamespaces = Set<UInt64>()
        var suspect = false
        for (path, c) in containers {
            containerNamespaces.formUnion(c.namespaces)
            guard let initPID = c.initPID, let ns = c.initNamespace else { suspect = true; continue }
            let inner = proc.procfsSeen(by: initPID)
            stats.namespaceReads += 1
            guard (try? inner.namespaceInode(1, "pid")) == ns, let listed = try? inner.processCount() else {
                suspect = true
                continue
            }
            let known = escapees[ns] ?? 0
            if listed > c.members + known {
                // A process may have started since the cgroups were read: count both again,
                // the cgroups first.
                if let again = s.cgroups.countProcesses(ofGuest: path, cgroupfs: cgroupfs),
                    let relisted = try? inner.processCount(), relisted <= again + known
                {
                    continue
                }
                suspect = true
            }
        }

        s.settledContainers = suspect ? nil : members

        var promote: [Int] = []
        for i in s.foreignNamespace {
            if let ns = s.hosts[i].pidNamespace, containerNamespaces.contains(ns), s.processes[s.listed[i]] == nil {
                promote.append(i)
            }
        }
        if suspect {
            stats.namespaceSearch = true
            for i in s.listed.indices {
                let h = s.hosts[i]
                guard !h.namespaceChecked, !(h.hasDetails && h.kernelThread), s.processes[s.listed[i]] == nil else { continue }
                let ns = try? proc.namespaceInode(s.listed[i], "pid")
                stats.namespaceReads += 1
                s.hosts[i].namespaceChecked = true
                s.hosts[i].pidNamespace = ns
                if let ns, ns != hostPidNamespace {
                    s.foreignNamespace.append(i)
                    if containerNamespaces.contains(ns) { promote.append(i) }
                }
            }
        }
        for i in promote {
            let pid = s.listed[i]
            if let p = observe(
                &s.cgroups, pid, walk: nil, pidfile: nil, previous: nil, promotion: .namespace,
                namespace: s.hosts[i].pidNamespace, now: now, counted: false, stats: &stats)
            {
                s.processes[pid] = p
                GuestMapper.copyDetails(p, to: &s.hosts[i])
            }
        }
    }
}
