import HVModel
import HVSystem

extension GuestMapper {
    /// Who a process belongs to, and how we know.
    struct Owner {
        var key: String
        var evidence: String
        /// Role of the whole process (helpers, containers, per-VM kernel threads); nil for a
        /// QEMU process, whose threads get their roles one by one.
        var role: String?
    }

    /// Attributes the scanned processes to `snapshot.guests`, adding guests libvirt does not
    /// know (containers; QEMU processes of another libvirtd), and writes the results.
    func attributeLocked(_ s: inout State, _ snapshot: inout Snapshot, _ stats: inout MapperScanStats) {
        var index = GuestIndex(snapshot.guests)
        var owners: [Int: Owner] = [:]
        owners.reserveCapacity(64)
        /// Guest cgroup path -> guest key, learned from identified QEMU processes (helpers in the
        /// same cgroup follow, whatever libvirtd they came from).
        var pathOwner: [String: String] = [:]
        let procs = s.processes

        // 1. QEMU processes: cmdline UUID, pidfile, cgroup domain ID.
        for p in procs.values where p.isQEMU {
            var found: (String, String)?
            if let uuid = p.qemuUUID {
                if let k = index.key(uuid: uuid) {
                    found = (k, p.pidfileName != nil ? "pidfile+cmdline-uuid" : "cmdline-uuid")
                } else {
                    // Not in this libvirt's list: a qemu of another libvirtd, or libvirt is down.
                    var g = Guest(name: p.qemuName ?? uuid, uuid: uuid, kind: .vm, driver: "qemu", state: .nostate)
                    g.domainID = nil
                    found = (index.add(g, to: &snapshot.guests), "cmdline-uuid")
                }
            } else if let name = p.pidfileName, let k = index.key(qemuPidfileName: name) {
                found = (k, "pidfile")
            } else if case .libvirtQEMU(let id?, let frag)? = p.placement?.owner,
                let k = index.key(domainID: id, driver: "qemu", nameFragment: frag)
            {
                found = (k, "cgroup")
            }
            guard let (key, evidence) = found else { continue }
            owners[p.pid] = Owner(key: key, evidence: evidence, role: nil)
            if let pl = p.placement { pathOwner[pl.guestPath] = key }
        }

        // 2. Per-VM kernel threads: vhost-<qemupid> (before Linux 6.4), kvm-pit/<qemupid>.
        for p in procs.values where p.kernelThread {
            guard let (qpid, role) = ThreadRole.ownerPID(kernelThreadComm: p.comm),
                let o = owners[qpid], o.role == nil
            else { continue }
            owners[p.pid] = Owner(key: o.key, evidence: "vhost", role: role)
        }

        // 3. LXC monitors tell which tool runs a container (lxcpath of LXD, Incus, or lxc-tools).
        //    A monitor also tells the container's real name when LXC had to give its cgroups
        //    another one: a start that finds a leftover `lxc.payload.NAME` (processes killed,
        //    cgroup kept) quietly uses `lxc.payload.NAME-1`.
        var monitorPath: [String: String] = [:]
        var cgroupAlias: [String: String] = [:]
        for p in procs.values {
            guard let n = p.lxcMonitorName, let path = p.lxcMonitorPath else { continue }
            monitorPath[n] = path
            if case .lxcMonitor(let raw)? = p.placement?.owner, raw != n { cgroupAlias[raw] = n }
        }
        /// The container name behind a cgroup name: itself when a monitor runs under that name,
        /// else the monitor that runs from the same cgroup, else `NAME` for `NAME-<digits>` when
        /// a monitor of `NAME` runs and none of `NAME-<digits>` does.
        func containerName(_ raw: String) -> String {
            if monitorPath[raw] != nil { return raw }
            if let n = cgroupAlias[raw] { return n }
            if let base = GuestMapper.lxcRenamedBase(raw), monitorPath[base] != nil { return base }
            return raw
        }

        // 4. cgroup placement of everything else.
        for p in procs.values where owners[p.pid] == nil {
            if let uuid = p.helperUUID, let k = index.key(uuid: uuid) {
                owners[p.pid] = Owner(key: k, evidence: "cmdline-uuid", role: ThreadRole.helper)
                continue
            }
            guard let pl = p.placement else { continue }
            switch pl.owner {
            case .libvirtQEMU(let id, let frag):
                let k = pathOwner[pl.guestPath] ?? id.flatMap { index.key(domainID: $0, driver: "qemu", nameFragment: frag) }
                if let k { owners[p.pid] = Owner(key: k, evidence: "cgroup", role: ThreadRole.helper) }
            case .libvirtLXC(let id, let name):
                let k =
                    id.flatMap { index.key(domainID: $0, driver: "lxc", nameFragment: name) }
                    ?? index.ensure(name: name, kind: .container, driver: "lxc", in: &snapshot.guests)
                let role = p.comm == "libvirt_lxc" ? ThreadRole.helper : ThreadRole.container
                owners[p.pid] = Owner(key: k, evidence: "cgroup", role: role)
            case .lxc(let raw):
                let real = containerName(raw)
                let (name, driver) = GuestMapper.containerIdentity(real, lxcpath: monitorPath[real])
                let k = index.ensure(name: name, kind: .container, driver: driver, in: &snapshot.guests)
                owners[p.pid] = Owner(key: k, evidence: "cgroup", role: ThreadRole.container)
            case .lxcMonitor(let raw):
                let real = p.lxcMonitorName ?? containerName(raw)
                let (name, driver) = GuestMapper.containerIdentity(real, lxcpath: monitorPath[real] ?? p.lxcMonitorPath)
                let k = index.ensure(name: name, kind: .container, driver: driver, in: &snapshot.guests)
                owners[p.pid] = Owner(key: k, evidence: "cgroup", role: ThreadRole.helper)
            case .nspawn(let name):
                let k = index.ensure(name: name, kind: .container, driver: "nspawn", in: &snapshot.guests)
                let role = pl.part == .supervisor ? ThreadRole.helper : ThreadRole.container
                owners[p.pid] = Owner(key: k, evidence: "cgroup", role: role)
            }
        }

        // 5. Container inits and their PID namespaces; processes that left the cgroup but
        //    share the namespace are the container's too.
        var initPID: [String: Int] = [:]
        var namespaceOwner: [UInt64: String] = [:]
        for p in procs.values {
            guard let o = owners[p.pid], o.role == ThreadRole.container,
                let ns = p.pidNamespace, ns != hostPidNamespace
            else { continue }
            if p.innermostPID == 1 {
                // The earliest started (a nested container's init is a later one).
                let earlier = initPID[o.key].flatMap { procs[$0] }.map { ($0.startTime, $0.pid) < (p.startTime, p.pid) } ?? false
                if !earlier { initPID[o.key] = p.pid }
                namespaceOwner[ns] = o.key
            } else if namespaceOwner[ns] == nil {
                namespaceOwner[ns] = o.key
            }
        }
        for p in procs.values where owners[p.pid] == nil {
            guard let ns = p.pidNamespace, ns != hostPidNamespace, let k = namespaceOwner[ns] else { continue }
            owners[p.pid] = Owner(key: k, evidence: "pidns", role: ThreadRole.container)
            if p.innermostPID == 1, initPID[k] == nil { initPID[k] = p.pid }
        }

        write(&s, owners: owners, initPID: initPID, into: &snapshot, stats: &stats)
    }

    /// Writes `snapshot.processes` and each guest's `cgroup` figures; keeps the per-role CPU
    /// counters monotonic across scans.
    func write(
        _ s: inout State, owners: [Int: Owner], initPID: [String: Int],
        into snapshot: inout Snapshot, stats: inout MapperScanStats
    ) {
        struct Acc {
            var processes = 0
            var threads: [String: Int] = [:]
            var primary: ObservedProcess?
            var primaryRank = Int.max
            var vcpuThreads: [Int: Int] = [:]
        }
        var acc: [String: Acc] = [:]
        var entries: [ProcessEntry] = []
        entries.reserveCapacity(s.listed.count + 4 * s.processes.count)
        var newLast: [ThreadKey: UInt64] = [:]
        newLast.reserveCapacity(s.lastTicks.count + 16)
        let hz = ticksPerSecond

        let candidates = s.processes.keys.sorted()
        var k = 0
        for (i, pid) in s.listed.enumerated() {
            while k < candidates.count && candidates[k] < pid { k += 1 }
            guard k < candidates.count, candidates[k] == pid, let p = s.processes[pid] else {
                // A host process: its comm when read (once), CPU and RSS not measured.
                entries.append(
                    ProcessEntry(
                        pid: pid, tid: pid, comm: s.hosts[i].comm, role: ThreadRole.host,
                        guestKey: nil, cpuSeconds: 0, rssBytes: 0, evidence: ""))
                continue
            }
            let rss = p.rssPages &* pageSize
            guard let o = owners[pid] else {
                entries.append(
                    ProcessEntry(
                        pid: pid, tid: pid, comm: p.comm, role: ThreadRole.host, guestKey: nil,
                        cpuSeconds: Double(p.ticks) / hz, rssBytes: rss, evidence: ""))
                continue
            }
            stats.guestProcesses += 1
            var a = acc[o.key] ?? Acc()
            a.processes += 1
            // The process whose cgroup stands for the guest: qemu main, container init, others.
            let rank = o.role == nil ? 0 : (initPID[o.key] == pid ? 1 : (o.role == ThreadRole.container ? 2 : 3))
            if rank < a.primaryRank, p.placement != nil { a.primary = p; a.primaryRank = rank }

            let units: [ObservedThread] =
                p.threads.isEmpty
                ? [ObservedThread(tid: pid, startTime: p.startTime, comm: p.comm, ticks: p.ticks, part: p.placement?.part)]
                : p.threads.keys.sorted().map { p.threads[$0]! }
            for t in units {
                let role: String
                var vcpu: Int?
                if let r = o.role {
                    role = r
                } else {
                    (role, vcpu) = ThreadRole.qemuThread(comm: t.comm, isMain: t.tid == pid, part: t.part)
                    if role == ThreadRole.vcpu, let v = vcpu { a.vcpuThreads[v] = t.tid }
                }
                a.threads[role, default: 0] += 1
                let key = ThreadKey(tid: t.tid, startTime: t.startTime)
                let delta: UInt64
                if let last = s.lastTicks[key], t.ticks >= last { delta = t.ticks - last } else { delta = t.ticks }
                s.cpuTicks[o.key, default: [:]][role, default: 0] &+= delta
                newLast[key] = t.ticks
                entries.append(
                    ProcessEntry(
                        pid: pid, tid: t.tid, comm: t.comm, role: role, vcpu: vcpu, guestKey: o.key,
                        cpuSeconds: Double(t.ticks) / hz, rssBytes: rss, evidence: o.evidence))
            }
            acc[o.key] = a
        }
        s.lastTicks = newLast
        snapshot.processes = entries

        // Per-guest figures.
        let liveKeys = Set(snapshot.guests.map(\.key))
        for key in s.cpuTicks.keys where !liveKeys.contains(key) && acc[key] == nil { s.cpuTicks[key] = nil }
        for i in snapshot.guests.indices {
            let key = snapshot.guests[i].key
            guard let a = acc[key] else { continue }
            var cg = snapshot.guests[i].cgroup ?? GuestCgroupStats(path: "")
            if let p = a.primary, let pl = p.placement {
                cg.path = pl.guestPath
                if let paths = s.cgroups.paths(ofGuest: pl.guestPath) {
                    // Every hierarchy where the guest's directory exists.
                    cg.unifiedPath = paths.unified
                    cg.controllerPaths = paths.v1
                } else if let m = p.membership {
                    // A guest cgroup outside the scanned parents: as the process sees it.
                    let paths = m.guestPaths(for: pl.owner)
                    cg.unifiedPath = paths.unified
                    cg.controllerPaths = paths.v1
                }
            }
            cg.initPID = initPID[key]
            cg.processes = a.processes
            cg.threadsByRole = a.threads
            cg.cpuSecondsByRole = (s.cpuTicks[key] ?? [:]).mapValues { Double($0) / hz }
            snapshot.guests[i].cgroup = cg
            for (v, tid) in a.vcpuThreads {
                if let j = snapshot.guests[i].vcpus.firstIndex(where: { $0.index == v }) {
                    snapshot.guests[i].vcpus[j].threadID = tid
                } else {
                    var vs = VCPUStats(index: v)
                    vs.threadID = tid
                    snapshot.guests[i].vcpus.append(vs)
                    snapshot.guests[i].vcpus.sort { $0.index < $1.index }
                }
            }
        }
    }

    /// `NAME` for a cgroup name `NAME-<digits>` (LXC's name for a container's cgroup when
    /// `NAME` was taken), else nil.
    static func lxcRenamedBase(_ raw: String) -> String? {
        guard let dash = raw.lastIndex(of: "-"), dash != raw.startIndex else { return nil }
        let digits = raw[raw.index(after: dash)...]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return String(raw[..<dash])
    }

    /// Container name and driver from the cgroup name and the monitor's lxcpath.
    /// LXD/Incus name payloads `<project>_<name>` (instance names cannot contain "_"; the
    /// default project has no prefix); the guest name is then `<project>/<name>`.
    static func containerIdentity(_ raw: String, lxcpath: String?) -> (name: String, driver: String) {
        let driver: String
        if let path = lxcpath {
            if path.contains("/incus/") || path.hasSuffix("/incus") {
                driver = "incus"
            } else if path.contains("/lxd/") || path.hasSuffix("/lxd") || path.contains("/lxd-") {
                driver = "lxd"
            } else {
                driver = "lxc-tools"
            }
        } else {
            driver = raw.contains("_") ? "lxd" : "lxc-tools"
        }
        if driver != "lxc-tools", let us = raw.lastIndex(of: "_") {
            let project = raw[raw.startIndex..<us]
            let name = raw[raw.index(after: us)...]
            if !project.isEmpty, !name.isEmpty { return ("\(project)/\(name)", driver) }
        }
        return (raw, driver)
    }
}

/// Lookups into the guest list while attributing (keys are `Guest.key`).
struct GuestIndex {
    private var byUUID: [String: String] = [:]
    private var byKey: Set<String> = []
    private var byDomainID: [String: [(id: Int, name: String, key: String)]] = [:]
    private var qemuByName: [String: String] = [:]

    init(_ guests: [Guest]) {
        for g in guests { note(g) }
    }

    private mutating func note(_ g: Guest) {
        byKey.insert(g.key)
        if let u = g.uuid { byUUID[u.lowercased()] = g.key }
        if let id = g.domainID { byDomainID[g.driver, default: []].append((id, g.name, g.key)) }
        // Pidfiles are the configured libvirtd's: its domain keeps the name when a QEMU guest
        // of another libvirt daemon has the same one (libvirt's guests are noted first).
        if g.driver == "qemu", qemuByName[g.name] == nil { qemuByName[g.name] = g.key }
    }

    func key(uuid: String) -> String? { byUUID[uuid.lowercased()] }

    /// libvirt names QEMU pidfiles after the domain; names with XML-special characters appear
    /// XML-escaped on disk (`we&quot;ird.pid` for `we"ird`).
    func key(qemuPidfileName name: String) -> String? {
        qemuByName[name] ?? qemuByName[GuestIndex.xmlUnescape(name)]
    }

    /// A running domain by ID, checked against the (lossy) name fragment from the cgroup path.
    func key(domainID: Int, driver: String, nameFragment: String) -> String? {
        let frag = GuestIndex.alnum(nameFragment)
        return byDomainID[driver]?.first { $0.id == domainID && GuestIndex.alnum($0.name).hasPrefix(frag) }?.key
    }

    /// The key of a guest with this name and driver, adding it (running, no UUID) if new.
    mutating func ensure(name: String, kind: GuestKind, driver: String, in guests: inout [Guest]) -> String {
        let key = "\(driver):\(name)"
        if byKey.contains(key) { return key }
        return add(Guest(name: name, uuid: nil, kind: kind, driver: driver, state: .running), to: &guests)
    }

    mutating func add(_ g: Guest, to guests: inout [Guest]) -> String {
        guests.append(g)
        note(g)
        return g.key
    }

    /// ASCII letters and digits only (libvirt drops other characters from machine names).
    static func alnum(_ s: String) -> String {
        String(
            String.UnicodeScalarView(
                s.unicodeScalars.filter {
                    $0.isASCII && (($0.value >= 48 && $0.value <= 57) || ($0.value | 0x20 >= 97 && $0.value | 0x20 <= 122))
                }))
    }

    static func xmlUnescape(_ s: String) -> String {
        guard s.contains("&") else { return s }
        return s.replacing("&quot;", with: "\"").replacing("&apos;", with: "'")
            .replacing("&lt;", with: "<").replacing("&gt;", with: ">").replacing("&amp;", with: "&")
    }
}
