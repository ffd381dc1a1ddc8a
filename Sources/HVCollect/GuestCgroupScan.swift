import HVSystem

/// Guest cgroups and the processes in them, found from the guest side: a few directory
/// listings and `cgroup.procs` reads per scan instead of a file per host process.
///
/// 1. Discovery: in every mounted hierarchy (v2 and each v1 controller), the directories where
///    guest cgroups live are listed: the root (`lxc.payload.NAME`, `lxc.monitor.NAME`,
///    `machine-*.scope` ...) and the parents `machine/`, `machine.slice/`, `*.partition/`,
///    `machine-*.slice/`, `lxc/`, `lxc.payload/`, `lxc.monitor/` (nested up to
///    `maxParentDepth`). `CgroupPlacement.classify` tells which directory is which guest.
/// 2. Membership: each guest's subtree is walked in one hierarchy only (`preferredHierarchy`:
///    v2 where the guest is there, else a v1 tree: cpu/cpuacct for QEMU, pids or memory for
///    containers), reading `cgroup.procs` of every directory. v2 lists the processes of a
///    threaded subtree (libvirt's emulator / vcpuN / iothreadN) at its threaded domain.
/// 3. Thread parts, on demand (`threadParts(ofGuest:)`): the thread lists (v2
///    `cgroup.threads`, v1 `tasks`) of a QEMU guest's emulator / vcpuN / iothreadN cgroups,
///    read only for a QEMU whose vCPU threads are not named (without `debug-threads=on`).
///
/// Which hierarchies hold a guest directory is kept (`GuestDirectory.hierarchies`): the cgroup
/// collector reads the guest's figures there.
///
/// What a scan with new host processes costs (`probeUnchanged`, `rewalked`): a busy host starts
/// processes between any two scrapes, and before, each of those scans listed the parent
/// directories in every hierarchy (a dozen on a hybrid host) and every guest's subtree. Now the
/// parents are listed in one hierarchy (`probeHierarchy`) and the full discovery runs only when
/// that listing finds a guest set other than the known one (or every few scans, see
/// `GuestMapper.rediscoveryScans`); a QEMU guest's subtree (libvirt's `emulator`, `vcpuN`,
/// `iothreadN`, `libvirt/`, made when the domain starts) is listed at discovery and then only
/// its `cgroup.procs` are read. Containers' subtrees are listed every scan (their own cgroups
/// come and go).
struct GuestCgroupScan: Sendable {
    /// A guest's own cgroup directory (the guest level, e.g. `/machine/qemu-1-vm.libvirt-qemu`).
    struct GuestDirectory: Sendable {
        var placement: CgroupPlacement
        /// Indices into `hierarchies` of the trees where the directory exists.
        var hierarchies: [Int]
    }

    var hierarchies: [CgroupHierarchy] = []
    /// Guest directories by guest path, and their discovery order.
    var guests: [String: GuestDirectory] = [:]
    var guestPaths: [String] = []
    /// PID -> placement of the cgroup it was found in (part `guest`/`emulator`/`supervisor`
    /// preferred over `vcpuN`/`iothreadN`, where v1 lists the QEMU process too).
    var processes: [Int: CgroupPlacement] = [:]
    /// A QEMU guest's emulator / vcpuN / iothreadN directories in the walked hierarchy.
    var partDirectories: [String: [(dir: String, part: CgroupPlacement.Part, hierarchy: Int)]] = [:]
    /// Thread lists read so far this scan, by guest path.
    var loadedParts: [String: [Int: CgroupPlacement.Part]] = [:]
    /// Subdirectory names of the directories walked in QEMU guests' subtrees (absolute path ->
    /// names), reused by `rewalked` instead of listing them again.
    var qemuChildren: [String: [String]] = [:]
    /// Directory listings plus files read.
    var reads = 0

    static let maxParentDepth = 4
    static let maxGuestDepth = 12

    init() {}

    init(cgroupfs: CgroupFS) {
        hierarchies = cgroupfs.hierarchies()
        for i in hierarchies.indices { discover(hierarchies[i].mount, "", depth: 0, hierarchy: i) }
        walkGuests(cgroupfs)
    }

    /// The same guest directories, their processes read again (for a scan in which no new
    /// guest can have appeared: no new process, or `probeUnchanged`). QEMU guests' subtrees are
    /// not listed again (see the type's notes).
    func rewalked(_ cgroupfs: CgroupFS) -> GuestCgroupScan {
        var next = GuestCgroupScan()
        next.hierarchies = hierarchies
        next.guests = guests
        next.guestPaths = guestPaths
        next.walkGuests(cgroupfs, known: qemuChildren)
        return next
    }

    mutating func walkGuests(_ cgroupfs: CgroupFS, known: [String: [String]] = [:]) {
        for path in guestPaths {
            guard let g = guests[path], let h = preferredHierarchy(g) else { continue }
            let qemu: Bool
            if case .libvirtQEMU = g.placement.owner { qemu = true } else { qemu = false }
            walk(cgroupfs, h, path, g.placement, qemu: qemu, depth: 0, known: known)
        }
    }

    /// The hierarchy whose parent directories `probeUnchanged` lists: the one holding the most
    /// known guests (v2 on a hybrid host where libvirt and LXC use it), nil when no guest is known.
    var probeHierarchy: Int? {
        guard !guests.isEmpty else { return nil }
        var count = [Int](repeating: 0, count: hierarchies.count)
        for g in guests.values { for i in g.hierarchies where i < count.count { count[i] += 1 } }
        guard let best = count.indices.max(by: { (count[$0], -$0) < (count[$1], -$1) }), count[best] > 0 else { return nil }
        return best
    }

    /// True when the guest directories in `probeHierarchy` are exactly the known ones there (the
    /// parents listed in that one tree). False when they differ, cannot be listed, or no guest
    /// is known: then the full discovery is due.
    mutating func probeUnchanged(_ cgroupfs: CgroupFS) -> Bool {
        guard let hi = probeHierarchy else { return false }
        var probe = GuestCgroupScan()
        probe.hierarchies = hierarchies
        probe.discover(hierarchies[hi].mount, "", depth: 0, hierarchy: hi)
        reads += probe.reads
        guard probe.guestPaths.count == guests.values.lazy.filter({ $0.hierarchies.contains(hi) }).count else { return false }
        return probe.guestPaths.allSatisfy { guests[$0]?.hierarchies.contains(hi) == true }
    }

    /// TID -> part of the threads in a QEMU guest's emulator / vcpuN / iothreadN cgroups (read
    /// once per scan, on the first call); nil when the walked hierarchy has none.
    mutating func threadParts(ofGuest path: String, cgroupfs: CgroupFS) -> [Int: CgroupPlacement.Part]? {
        if let done = loadedParts[path] { return done }
        guard let dirs = partDirectories[path], !dirs.isEmpty else { return nil }
        var out: [Int: CgroupPlacement.Part] = [:]
        for d in dirs {
            reads += 1
            if let tids = try? cgroupfs.threads(d.dir, in: hierarchies[d.hierarchy]) {
                for tid in tids where tid > 0 { out[tid] = d.part }
            }
        }
        loadedParts[path] = out
        return out
    }

    /// The v2 path and v1 controller paths of a guest directory (for `GuestCgroupStats`).
    func paths(ofGuest path: String) -> (unified: String?, v1: [String: String])? {
        guard let g = guests[path] else { return nil }
        var unified: String?
        var v1: [String: String] = [:]
        for i in g.hierarchies {
            let h = hierarchies[i]
            if h.isUnified { unified = path } else { for c in h.controllers { v1[c] = path } }
        }
        return (unified, v1)
    }

    /// Number of processes in a guest's cgroup subtree now (read again, in the walked
    /// hierarchy); nil for an unknown guest.
    mutating func countProcesses(ofGuest path: String, cgroupfs: CgroupFS) -> Int? {
        guard let g = guests[path], let hi = preferredHierarchy(g) else { return nil }
        let h = hierarchies[hi]
        var seen = Set<Int>()
        func visit(_ dir: String, _ depth: Int) {
            reads += 2
            if let pids = try? cgroupfs.procs(dir) { for pid in pids where pid > 0 { seen.insert(pid) } }
            guard depth < GuestCgroupScan.maxGuestDepth else { return }
            for name in (try? DirectoryReader.subdirectories(dir)) ?? [] { visit(dir + "/" + name, depth + 1) }
        }
        visit(h.mount + path, 0)
        return seen.count
    }

    // MARK: - Discovery

    mutating func discover(_ mount: String, _ rel: String, depth: Int, hierarchy: Int) {
        reads += 1
        guard let names = try? DirectoryReader.subdirectories(mount + rel) else { return }
        let lxcParent = rel.hasSuffix("/lxc") || rel.hasSuffix("/lxc.payload") || rel.hasSuffix("/lxc.monitor")
        for name in names {
            let path = rel + "/" + name
            if guests[path] != nil {
                guests[path]!.hierarchies.append(hierarchy)
            } else if lxcParent || GuestCgroupScan.mayBeGuest(name), let pl = CgroupPlacement.classify(path),
                pl.guestPath == path
            {
                guests[path] = GuestDirectory(placement: pl, hierarchies: [hierarchy])
                guestPaths.append(path)
            } else if depth < GuestCgroupScan.maxParentDepth, GuestCgroupScan.isGuestParent(name) {
                discover(mount, path, depth: depth + 1, hierarchy: hierarchy)
            }
        }
    }

    /// A directory name `CgroupPlacement.classify` may take for a guest's (a cheap test on
    /// bytes, so that the many other names cost no parsing).
    static func mayBeGuest(_ name: String) -> Bool {
        let b = name.utf8
        func prefix(_ p: StaticString) -> Bool {
            p.withUTF8Buffer { b.count >= $0.count && b.prefix($0.count).elementsEqual($0) }
        }
        func suffix(_ p: StaticString) -> Bool {
            p.withUTF8Buffer { b.count >= $0.count && b.suffix($0.count).elementsEqual($0) }
        }
        return suffix(".libvirt-qemu") || suffix(".libvirt-lxc") || (prefix("machine-") && suffix(".scope"))
            || prefix("systemd-nspawn@") || prefix("lxc.payload.") || prefix("lxc.monitor.")
    }

    /// Directories that hold guest cgroups (libvirt's `machine` and its partitions, systemd's
    /// `machine.slice` and its sub-slices, LXC's grouping directories).
    static func isGuestParent(_ name: String) -> Bool {
        name == "machine" || name == "machine.slice" || name == "lxc" || name == "lxc.payload" || name == "lxc.monitor"
            || name.hasSuffix(".partition") || (name.hasPrefix("machine-") && name.hasSuffix(".slice"))
    }

    /// The tree to walk for a guest: v2 when the guest is there (one `cgroup.procs` covers a
    /// threaded subtree), else v1: cpu/cpuacct/cpuset for QEMU (libvirt's per-vCPU cgroups),
    /// pids or memory for containers (every process is in them).
    func preferredHierarchy(_ g: GuestDirectory) -> Int? {
        let qemu: Bool
        if case .libvirtQEMU = g.placement.owner { qemu = true } else { qemu = false }
        func score(_ h: CgroupHierarchy) -> Int {
            if h.isUnified { return 0 }
            let cpuLike = h.controllers.contains { $0 == "cpu" || $0 == "cpuacct" || $0 == "cpuset" }
            if qemu { return cpuLike ? 1 : 2 }
            if h.controllers.contains("pids") { return 1 }
            if h.controllers.contains("memory") { return 2 }
            return cpuLike ? 3 : 4
        }
        return g.hierarchies.min { (score(hierarchies[$0]), $0) < (score(hierarchies[$1]), $1) }
    }

    // MARK: - Membership

    /// Reads the processes of a guest's cgroup `rel` and its descendants; `pl` is the
    /// placement of `rel` (the guest's, with the part its directory name gives).
    /// `known`: subdirectory names of QEMU guests' directories from an earlier walk, used
    /// instead of listing them.
    mutating func walk(
        _ fs: CgroupFS, _ hi: Int, _ rel: String, _ pl: CgroupPlacement, qemu: Bool, depth: Int,
        known: [String: [String]] = [:]
    ) {
        let h = hierarchies[hi]
        let dir = h.mount + rel
        let qemuPart = qemu && pl.part != .guest
        // v2 lists a threaded subtree's processes at its threaded domain; its threaded
        // children refuse cgroup.procs (EOPNOTSUPP).
        if !(qemuPart && h.isUnified) {
            reads += 1
            if let pids = try? fs.procs(dir) {
                for pid in pids where pid > 0 { note(pid, pl) }
            }
        }
        if qemuPart {
            partDirectories[pl.guestPath, default: []].append((dir, pl.part, hi))
            return   // libvirt's emulator / vcpuN / iothreadN cgroups have no children
        }
        guard depth < GuestCgroupScan.maxGuestDepth else { return }
        let names: [String]
        if qemu, let k = known[dir] {
            names = k
        } else {
            reads += 1
            names = (try? DirectoryReader.subdirectories(dir)) ?? []
        }
        if qemu { qemuChildren[dir] = names }
        for name in names {
            var child = pl
            child.part = GuestCgroupScan.part(
                of: name, under: pl, depth: depth, qemu: qemu,
                inLibvirtLevel: depth == 1 && rel.hasSuffix("/libvirt"))
            walk(fs, hi, rel + "/" + name, child, qemu: qemu, depth: depth + 1, known: known)
        }
    }

    /// The part a child directory stands for, as `CgroupPlacement.classify` would say: libvirt's
    /// `emulator`, `vcpuN`, `iothreadN` below the guest (or its `libvirt/` level), the nspawn
    /// `supervisor`; otherwise the parent's part.
    static func part(
        of name: String, under parent: CgroupPlacement, depth: Int, qemu: Bool,
        inLibvirtLevel: Bool
    ) -> CgroupPlacement.Part {
        if qemu {
            // Depth 0: the guest's directory; depth 1: its `libvirt/` level (libvirt >= 7.1).
            guard parent.part == .guest, depth == 0 || inLibvirtLevel else { return parent.part }
            if name == "emulator" { return .emulator }
            if name.hasPrefix("vcpu"), let n = Int(name.dropFirst(4)), n >= 0 { return .vcpu(n) }
            if name.hasPrefix("iothread"), let n = Int(name.dropFirst(8)), n >= 0 { return .iothread(n) }
            return .guest
        }
        if depth == 0, name == "supervisor", case .nspawn = parent.owner { return .supervisor }
        return parent.part
    }

    mutating func note(_ pid: Int, _ pl: CgroupPlacement) {
        if let old = processes[pid], GuestCgroupScan.rank(old.part) <= GuestCgroupScan.rank(pl.part) { return }
        processes[pid] = pl
    }

    static func rank(_ part: CgroupPlacement.Part) -> Int {
        switch part {
        case .vcpu, .iothread: 1
        default: 0
        }
    }
}
