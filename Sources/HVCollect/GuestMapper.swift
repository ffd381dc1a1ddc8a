import Glibc
import HVModel
import HVSystem
import Synchronization

/// Attributes every process and thread on the host to a guest (a QEMU domain or a container)
/// or to the host, incrementally.
///
/// Guests are found from the guest side, not by classifying every host PID: a host runs
/// thousands of processes nobody exports, and reading a few /proc files of each cost 235 ms of
/// CPU per 5,000 processes on a full scan and 99 ms on an incremental one. Now (same host,
/// `MapperScanCost`): about 14 ms and 9 ms, most of it the kernel listing /proc.
/// - Guest cgroups (`GuestCgroupScan`): the few parent directories where they live are listed
///   in every hierarchy and each guest's `cgroup.procs` read (in one hierarchy, v2 first): all
///   guest PIDs in a few dozen small reads. libvirt's vcpuN / iothreadN thread lists are read
///   only for a QEMU that does not name its threads.
/// - libvirt pidfiles in `libvirtRunDirectories` (a QEMU of a libvirtd without cgroups).
/// - The PID set: one `getdents64` pass over /proc per scan, which also gives the inode of
///   each `/proc/<pid>`: a reused PID gets a new inode, so host PIDs need no file read to stay
///   apart (see `HostProcess`). When no process is new since the last scan, no guest, pidfile
///   or escapee can be new either: the guests' cgroups are read again but not looked for, and
///   the pidfiles and containers' procfs are not read (at least every `rediscoveryScans` scans
///   they are). When some are new (on a busy host, nearly every scan), the guest cgroups'
///   parents are listed in one hierarchy and the full discovery runs only if that finds a
///   guest set other than the known one (`GuestCgroupScan.probeUnchanged`), and a pidfile
///   directory is read again only when its modification time changed.
/// - Host processes: nothing is read on an incremental scan. For new PIDs, `/proc/<pid>/stat`
///   is read once, at most `hostDetailsPerScan` per scan (new PIDs first, then the backlog
///   left by the first scan, then processes read while young). This is more than the bare
///   minimum (an empty comm for host processes) on purpose: it gives the `/json` table its
///   comm, and it finds guest processes outside every guest cgroup and pidfile by their comm:
///   a QEMU of another libvirtd (then identified by its `-uuid`), swtpm (by the UUID in its
///   state directory), an LXC monitor, and the per-VM kernel threads `vhost-<qemupid>` (before
///   Linux 6.4) and `kvm-pit/<qemupid>`. On the first scan, kthreadd's children go first. A
///   start-up backlog of 5,000 processes is read in about 40 scans, each about 3 ms dearer.
/// - Containers' escapees (a process that left its container's cgroup but still runs in its
///   PID namespace): rather than reading `ns/pid` of every new PID whenever a container exists,
///   each container's own procfs (`/proc/<init>/root/proc`, checked to be its PID namespace's)
///   is counted; only when it lists more processes than the container's cgroups hold (or
///   cannot be counted) is `ns/pid` read, once per process, for host PIDs not read before.
/// - Fallback (`attribute` only): when a running libvirt QEMU guest has no process after all
///   of the above (libvirt without cgroups and with pidfiles elsewhere), the stat of every host
///   PID without settled details is read in that scan, ignoring the budget. It costs one full
///   pass (about 60 ms per 5,000 processes) the first time, then only PIDs new since.
///
/// Evidence for guest processes, strongest first:
/// - QEMU: the `-uuid` in the qemu cmdline (read once per process: a qemu started by another
///   libvirtd, e.g. the destination of a live migration on the same host, is still found), the
///   libvirt pidfile, then the domain ID in the cgroup path. Never a name substring.
/// - Threads of a qemu process: their comm (`CPU <n>/KVM|TCG`, `IO <name>`, `vhost-<pid>`), then
///   their cgroup part (`vcpuN`, `iothreadN`); `vhost-<pid>` / `kvm-pit/<pid>` kernel threads
///   belong to the guest of qemu `<pid>`.
/// - Helpers: swtpm by the UUID in its state directory, virtiofsd and others by sharing the
///   qemu process's cgroup.
/// - Containers: their cgroup (`lxc.payload.NAME`, `lxc.payload/NAME`, `lxc/NAME`, LXD
///   `<project>_<name>`, libvirt-lxc, nspawn), then the PID namespace.
///
/// Cost per scan: the /proc listing, the guests' `cgroup.procs`, `/proc/<pid>/stat` of every
/// guest process and `/proc/<pid>/task/<tid>/stat` of every thread of multi-threaded guest
/// processes (CPU by role needs them), plus the bounded host details above. Evidence of a guest
/// process (cmdline, status, ns) is gathered when it is first seen, again while it is younger
/// than `youngProcessSeconds`, or when its comm, pidfile or cgroup owner changes; PID reuse
/// among guest processes is caught by the start time in their stat.
///
/// Limits: host PIDs are told apart by their /proc inode only: a PID reused within the instant
/// between its old process's exit and the kernel dropping that /proc entry would be missed
/// (and a dropped dentry cache makes known processes look new: their stat is read again). A
/// host process's comm is the one it had when first read ("" until then, for at most a few
/// scans after start-up) and may be stale after an exec; host processes' CPU and RSS are not
/// measured (0 in `ProcessEntry`); guest cgroups outside the parent directories above (e.g.
/// rootless containers under a user slice) are found only through a guest process's comm or
/// namespace; an escapee whose container's procfs is unreadable costs one `ns/pid` read per new
/// host process.
///
/// `ProcessEntry` output: every PID on the host, and every TID of guest processes (with its
/// role and CPU time); threads of host processes are not listed.
public final class GuestMapper: Sendable {
    public let proc: ProcFS
    /// The stat files of guest processes and their threads and the guests' `cgroup.procs`, read
    /// every scan, kept open (on a real procfs and cgroupfs only: a fixture tree's files are
    /// read by path).
    let keptStats: KernelFiles
    public let cgroupfs: CgroupFS
    /// Directories holding libvirt QEMU pidfiles (`<name>.pid`), e.g. "/run/libvirt/qemu".
    public let libvirtRunDirectories: [String]
    /// Guest processes younger than this (seconds since their start) are classified again on
    /// each scan (libvirt moves threads into their cgroups and QEMU names them just after
    /// start); host processes whose details were read that young are read again later.
    public let youngProcessSeconds: Double
    /// At most this many host processes get their `/proc/<pid>/stat` read per scan.
    public let hostDetailsPerScan: Int
    /// USER_HZ: clock ticks per second of /proc/<pid>/stat times.
    let ticksPerSecond: Double
    /// Page size, bytes (for `rss`).
    let pageSize: UInt64
    /// The host's PID namespace (that of kthreadd, PID 2), when readable.
    let hostPidNamespace: UInt64?

    struct State: Sendable {
        /// Every PID of the latest listing, ascending, and what is known of each (parallel).
        var listed: [Int] = []
        var hosts: [HostProcess] = []
        /// Guest processes and candidates, read in full every scan.
        var processes: [Int: ObservedProcess] = [:]
        /// Indices into `listed` of host processes whose details are to be read, in order:
        /// new this scan, never read, read while young (`readHostDetails` takes from the front).
        var pendingFresh: [Int] = []
        var pendingBacklog: [Int] = []
        var pendingYoung: [Int] = []
        /// Indices into `listed` of host processes whose PID namespace is not the host's.
        var foreignNamespace: [Int] = []
        /// The latest cgroup scan (guest directories and the hierarchies they exist in).
        var cgroups = GuestCgroupScan()
        /// Scans since the guest cgroups were last discovered (and the pidfiles read).
        var scansSinceDiscovery = Int.max
        /// A scan done ahead by `prepareScan` (monotonic time it ended), used by the next
        /// `attribute` if still fresh.
        var prepared: (stats: MapperScanStats, at: Double)?
        var pidfiles: [Int: String] = [:]
        /// Each pidfile directory's identity and modification time when its pidfiles were read,
        /// with what they said (see `readPidfiles`).
        var pidfileDirectories: [String: PidfileDirectory] = [:]
        /// Container processes per guest path at the last namespace check that found nothing
        /// to search for (`checkNamespaces` is skipped while nothing changes).
        var settledContainers: [String: Int]?
        /// CPU ticks of every guest thread at the previous attribution (for monotonic sums).
        var lastTicks: [ThreadKey: UInt64] = [:]
        /// Host CPU used by each guest's threads, by role, clock ticks (monotonic).
        var cpuTicks: [String: [String: UInt64]] = [:]

        /// Index of `pid` in `listed` (binary search).
        func index(of pid: Int) -> Int? {
            var lo = 0
            var hi = listed.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if listed[mid] < pid { lo = mid + 1 } else { hi = mid }
            }
            return lo < listed.count && listed[lo] == pid ? lo : nil
        }
    }

    let state = Mutex(State())

    /// - Parameters:
    ///   - procfs: procfs mount point (`--path.procfs`).
    ///   - cgroupfs: cgroup root (`--path.cgroupfs`): pure v2, hybrid (`unified/`) or v1.
    ///   - libvirtRunDirectories: where libvirt writes QEMU pidfiles.
    ///   - youngProcessSeconds: see the property.
    ///   - hostDetailsPerScan: see the property.
    public init(
        procfs: String = "/proc", cgroupfs: String = "/sys/fs/cgroup",
        libvirtRunDirectories: [String] = ["/run/libvirt/qemu"],
        youngProcessSeconds: Double = 30, hostDetailsPerScan: Int = 128
    ) {
        self.proc = ProcFS(root: procfs)
        self.keptStats = KernelFiles()
        // The guests' `cgroup.procs`, read every scan, are kept open with the stat files.
        self.cgroupfs = CgroupFS(root: cgroupfs, files: keptStats)
        self.libvirtRunDirectories = libvirtRunDirectories
        self.youngProcessSeconds = youngProcessSeconds
        self.hostDetailsPerScan = max(0, hostDetailsPerScan)
        let hz = sysconf(Int32(_SC_CLK_TCK))
        self.ticksPerSecond = hz > 0 ? Double(hz) : 100
        let ps = sysconf(Int32(_SC_PAGESIZE))
        self.pageSize = ps > 0 ? UInt64(ps) : 4096
        let p = ProcFS(root: procfs)
        self.hostPidNamespace =
            (try? p.namespaceInode(2, "pid")) ?? (try? p.namespaceInode(1, "pid"))
            ?? (try? p.namespaceInode(Int(getpid()), "pid"))
    }

    /// Scans /proc and the guest cgroups and updates the cache, without attributing to
    /// guests. `attribute(into:)` does the same scan and then the attribution.
    @discardableResult
    public func scan() throws -> MapperScanStats {
        try state.withLock { try scanLocked(&$0) }
    }

    /// How old a prepared scan may be for `attribute` to use it instead of scanning, seconds.
    static let preparedScanMaxAge = 2.0

    /// Scans now for the `attribute` call that follows (the scrape runs this while libvirt
    /// answers). A failed scan is left to `attribute`, which scans again and reports it.
    public func prepareScan() {
        state.withLock { s in
            s.prepared = nil
            if let stats = try? scanLocked(&s) { s.prepared = (stats, GuestMapper.clock(CLOCK_MONOTONIC)) }
        }
    }

    /// Scans, attributes every process and thread, and writes `snapshot.processes`, new
    /// container / unknown-QEMU guests into `snapshot.guests`, and each guest's `cgroup` (path,
    /// processes, threads and host CPU by role) and vCPU thread IDs.
    @discardableResult
    public func attribute(into snapshot: inout Snapshot) throws -> MapperScanStats {
        try state.withLock { s in
            var stats: MapperScanStats
            if let p = s.prepared, GuestMapper.clock(CLOCK_MONOTONIC) - p.at <= GuestMapper.preparedScanMaxAge {
                stats = p.stats
            } else {
                stats = try scanLocked(&s)
            }
            s.prepared = nil
            if hasUnfoundQEMUGuest(s, snapshot.guests) {
                let t0 = GuestMapper.clock(CLOCK_MONOTONIC)
                stats.fallback = true
                readHostDetails(&s, limit: Int.max, now: GuestMapper.clock(CLOCK_BOOTTIME), stats: &stats)
                stats.durationSeconds += GuestMapper.clock(CLOCK_MONOTONIC) - t0
            }
            attributeLocked(&s, &snapshot, &stats)
            return stats
        }
    }

    /// Forgets everything (next scan is a full scan). For benchmarks and tests.
    public func reset() {
        state.withLock { $0 = State() }
    }

    // MARK: - Scan

    func scanLocked(_ s: inout State) throws -> MapperScanStats {
        let t0 = GuestMapper.clock(CLOCK_MONOTONIC)
        let now = GuestMapper.clock(CLOCK_BOOTTIME)
        var stats = MapperScanStats()
        var entries = try proc.pidEntries()
        if !GuestMapper.isAscending(entries) { entries.sort { $0.number < $1.number } }
        // No new process since the last scan: no new guest, pidfile or escapee can exist
        // either, so the guests' cgroups are only read again, not looked for (at least every
        // `rediscoveryScans` scans they are).
        // New processes (a busy host has some in every scan): the pidfiles are read again
        // where their directory changed, and the guest cgroups are looked for in one
        // hierarchy; the full discovery runs when that finds another guest set.
        let quiet = GuestMapper.noNewProcess(entries, s.listed, s.hosts)
        s.scansSinceDiscovery = s.scansSinceDiscovery == Int.max ? Int.max : s.scansSinceDiscovery + 1
        let due = s.scansSinceDiscovery >= GuestMapper.rediscoveryScans
        if !due && (quiet || s.cgroups.probeUnchanged(cgroupfs)) {
            if !quiet {
                s.pidfiles = readPidfiles(&s.pidfileDirectories)
                s.settledContainers = nil
            }
            s.cgroups = s.cgroups.rewalked(cgroupfs)
        } else {
            s.pidfileDirectories = [:]
            s.pidfiles = readPidfiles(&s.pidfileDirectories)
            s.cgroups = GuestCgroupScan(cgroupfs: cgroupfs)
            s.scansSinceDiscovery = 0
            s.settledContainers = nil
        }
        let pidfiles = s.pidfiles

        // PIDs that may be guest processes, ascending, merged with the (ascending) listing:
        // host PIDs cost no hashing.
        var previous = s.processes
        var check = Set(s.cgroups.processes.keys)
        check.formUnion(pidfiles.keys)
        check.formUnion(previous.keys)
        let candidates = check.sorted()
        let oldPIDs = s.listed
        let oldHosts = s.hosts
        s.processes = [:]
        s.processes.reserveCapacity(previous.count + 16)
        s.listed = []
        s.listed.reserveCapacity(entries.count)
        s.hosts = []
        s.hosts.reserveCapacity(entries.count)
        s.pendingFresh.removeAll(keepingCapacity: true)
        s.pendingBacklog.removeAll(keepingCapacity: true)
        s.pendingYoung.removeAll(keepingCapacity: true)
        s.foreignNamespace.removeAll(keepingCapacity: true)
        var j = 0
        var k = 0
        for e in entries {
            let pid = e.number
            while j < oldPIDs.count && oldPIDs[j] < pid { j += 1 }
            let known = j < oldPIDs.count && oldPIDs[j] == pid && oldHosts[j].inode == e.inode
            var h = known ? oldHosts[j] : HostProcess(inode: e.inode)
            while k < candidates.count && candidates[k] < pid { k += 1 }
            var host = true
            if k < candidates.count && candidates[k] == pid {
                let old = previous.removeValue(forKey: pid)
                let walk = s.cgroups.processes[pid]
                let pidfile = pidfiles[pid]
                if walk != nil || pidfile != nil || old?.isSticky == true {
                    guard
                        let p = observe(
                            &s.cgroups, pid, walk: walk, pidfile: pidfile, previous: old,
                            promotion: old?.promotion, namespace: nil, now: now, stats: &stats)
                    else {
                        continue   // exited since the listing
                    }
                    s.processes[pid] = p
                    GuestMapper.copyDetails(p, to: &h)
                    host = false
                } else if let old, known {
                    demote(old, &h)
                }
            }
            let i = s.listed.count
            if host {
                if known {
                    stats.reused += 1
                    if !h.hasDetails { s.pendingBacklog.append(i) } else if h.young { s.pendingYoung.append(i) }
                } else {
                    stats.classified += 1
                    s.pendingFresh.append(i)
                }
                if let ns = h.pidNamespace, ns != hostPidNamespace { s.foreignNamespace.append(i) }
            }
            s.listed.append(pid)
            s.hosts.append(h)
        }
        stats.processes = s.listed.count
        readHostDetails(&s, limit: hostDetailsPerScan, now: now, stats: &stats)
        checkNamespaces(&s, now: now, stats: &stats)
        stats.cgroupReads = s.cgroups.reads
        keptStats.endRound()
        stats.durationSeconds = GuestMapper.clock(CLOCK_MONOTONIC) - t0
        return stats
    }

    /// Reads the stat (and threads) of a guest process or candidate; classifies it when new
    /// or changed. Nil when the process is gone.
    func observe(
        _ cgroups: inout GuestCgroupScan, _ pid: Int, walk: CgroupPlacement?, pidfile: String?,
        previous: ObservedProcess?, promotion: ObservedProcess.Promotion?, namespace: UInt64?,
        now: Double, counted: Bool = true, stats: inout MapperScanStats
    ) -> ObservedProcess? {
        guard let st = try? proc.stat(pid, keeping: keptStats) else { return nil }
        var p: ObservedProcess
        var still = false
        if var old = previous, old.startTime == st.startTimeTicks {
            let settled = old.classifiedAt - Double(old.startTime) / ticksPerSecond >= youngProcessSeconds
            let changed =
                old.comm != st.comm || old.pidfileName != pidfile
                || (walk != nil && walk?.owner != old.placement?.owner)
            // Whether the process used no CPU since the last scan, with as many threads.
            still = !changed && old.ticks == st.utimeTicks &+ st.stimeTicks && old.numThreads == st.numThreads
            old.ticks = st.utimeTicks &+ st.stimeTicks
            old.rssPages = st.rssPages
            old.numThreads = st.numThreads
            if walk != nil { old.placement = walk }
            if settled && !changed {
                if counted { stats.reused += 1 }
            } else {
                classify(&old, st, pidfile: pidfile, walk: walk, now: now)
                if counted { stats.classified += 1 }
            }
            p = old
        } else {
            p = ObservedProcess(
                pid: pid, startTime: st.startTimeTicks, comm: st.comm, ppid: st.ppid,
                kernelThread: st.isKernelThread, ticks: st.utimeTicks &+ st.stimeTicks,
                rssPages: st.rssPages, numThreads: st.numThreads, classifiedAt: now)
            p.promotion = promotion
            p.pidNamespace = namespace
            classify(&p, st, pidfile: pidfile, walk: walk, now: now)
            if counted { stats.classified += 1 }
        }
        if !p.kernelThread {
            if !still || now - p.threadsReadAt >= Self.stillThreadsRefresh * Clock.spread(String(pid)) || p.threads.count != st.numThreads {
                updateThreads(&p, st, cgroups: &cgroups, walkFound: walk != nil)
                p.threadsReadAt = now
            }
            stats.threads += p.threads.count
        } else if !p.threads.isEmpty {
            p.threads = [:]
        }
        stats.guestCandidates += 1
        return p
    }

    /// The host record of a guest process follows its stat.
    static func copyDetails(_ p: ObservedProcess, to h: inout HostProcess) {
        h.comm = p.comm
        h.startTime = p.startTime
        h.kernelThread = p.kernelThread
        h.young = false
        if let ns = p.pidNamespace {
            h.pidNamespace = ns
            h.namespaceChecked = true
        }
    }

    /// A process that left every guest cgroup and pidfile and has no other evidence: host
    /// again, its details and namespace kept.
    func demote(_ p: ObservedProcess, _ h: inout HostProcess) {
        guard h.startTime == nil || h.startTime == p.startTime else { return }
        GuestMapper.copyDetails(p, to: &h)
    }

    /// Gathers the evidence for one guest process or candidate.
    func classify(_ p: inout ObservedProcess, _ st: ProcStat, pidfile: String?, walk: CgroupPlacement?, now: Double) {
        p.comm = st.comm
        p.ppid = st.ppid
        p.kernelThread = st.isKernelThread
        p.pidfileName = pidfile
        p.classifiedAt = now
        p.membership = nil
        p.placement = nil
        p.qemuUUID = nil
        p.qemuName = nil
        p.helperUUID = nil
        p.lxcMonitorPath = nil
        p.lxcMonitorName = nil
        p.innermostPID = nil
        p.qemuComm = false
        // Kernel threads live in the root cgroup and namespaces; their comm is the evidence.
        guard !st.isKernelThread else { return }
        let pid = p.pid
        if let walk {
            p.placement = walk
        } else {
            p.membership = try? proc.cgroup(pid)
            p.placement = p.membership?.placement
        }

        p.qemuComm = GuestMapper.isQEMUComm(st.comm)
        var qemuLike = pidfile != nil || p.qemuComm
        if case .libvirtQEMU? = p.placement?.owner { qemuLike = true }
        let isSwtpm = st.comm == "swtpm"
        var isMonitor = false
        if case .lxcMonitor? = p.placement?.owner { isMonitor = true }
        if st.comm == "lxc-start" { isMonitor = true }
        if qemuLike || isSwtpm || isMonitor, let cmd = try? proc.cmdline(pid) {
            if qemuLike {
                p.qemuUUID = cmd.qemuUUID
                p.qemuName = cmd.qemuName
            }
            if isSwtpm { p.helperUUID = cmd.firstUUID(after: "/swtpm/") }
            if isMonitor, let m = GuestMapper.parseLXCMonitor(cmd) {
                p.lxcMonitorPath = m.path
                p.lxcMonitorName = m.name
            }
        }
        var containerLike = p.promotion == .namespace
        switch p.placement?.owner {
        case .lxc?, .libvirtLXC?, .nspawn?: containerLike = true
        default: break
        }
        if containerLike {
            if p.pidNamespace == nil { p.pidNamespace = try? proc.namespaceInode(pid, "pid") }
            if let status = try? proc.status(pid) { p.innermostPID = status.innermostPID }
        }
    }

    /// The process of thread `tid` (`Tgid` in `<procfs>/<tid>/status`; a thread's directory
    /// is reachable at the top of procfs though not listed there); nil when it is gone or
    /// unreadable. For PID lookups of a thread the last scan did not list.
    public static func threadGroup(of tid: Int, procfs: String = "/proc") -> Int? {
        try? ProcFS(root: procfs).status(tid).tgid
    }

    /// Longest time a still process's threads are not read again, seconds (times a factor
    /// between 0.5 and 1.5 fixed per PID, `Clock.spread`).
    ///
    /// A process whose utime + stime did not move since the last scan, with as many threads
    /// (a paused guest's QEMU, an idle container's processes), keeps its threads as last read:
    /// each thread's CPU time is a share of the process's, so none moved by more than the one
    /// clock tick that rounding can hide; a thread that ended while another began in a scan
    /// without a tick of CPU shows within this time. At 60 paused guests this spares about 300
    /// thread stat reads a scrape.
    static let stillThreadsRefresh = 60.0

    /// Reads the threads of a guest process: every TID's stat (the task directory is listed only
    /// when the thread count changed or a thread is gone). A QEMU thread whose comm does
    /// not tell its role (QEMU without `debug-threads=on` leaves vCPU threads unnamed) gets
    /// its cgroup part: from the guest's thread lists when the process was found in its
    /// cgroup, else from the thread's own cgroup file (read when the thread is new or renamed).
    func updateThreads(_ p: inout ObservedProcess, _ st: ProcStat, cgroups: inout GuestCgroupScan, walkFound: Bool) {
        let pid = p.pid
        if p.numThreads <= 1 && !p.isQEMU {
            // Single-threaded: the process line is the thread line.
            let part = p.placement?.part
            p.threads = [
                pid: ObservedThread(
                    tid: pid, startTime: p.startTime, comm: st.comm,
                    ticks: st.utimeTicks &+ st.stimeTicks, part: part)
            ]
            return
        }
        // The threads of the last scan, when the kernel counts as many now and each of them
        // still answers (a thread that exited fails its read, so none came in its place);
        // otherwise the task directory is listed.
        let known = p.threads.count == st.numThreads && st.numThreads > 1
        var tids: [Int]
        var relist = known
        if known {
            tids = p.threads.keys.sorted()
        } else {
            guard let listed = try? proc.tids(pid) else { p.threads = [:]; return }
            tids = listed
        }
        var next: [Int: ObservedThread] = [:]
        next.reserveCapacity(tids.count)
        var namedVCPUs = false
        var unnamed: [Int] = []
        var i = 0
        while i < tids.count {
            let tid = tids[i]
            i += 1
            guard let ts = try? proc.stat(pid, tid: tid, keeping: keptStats) else {
                if relist, let listed = try? proc.tids(pid) {
                    // Gone: list the threads and read them all (once).
                    relist = false
                    tids = listed
                    next.removeAll(keepingCapacity: true)
                    namedVCPUs = false
                    unnamed.removeAll()
                    i = 0
                }
                continue
            }
            let ticks = ts.utimeTicks &+ ts.stimeTicks
            var t: ObservedThread
            if let old = p.threads[tid], old.startTime == ts.startTimeTicks {
                t = old
                t.ticks = ticks
                if t.comm != ts.comm { t.comm = ts.comm; t.partRead = false }
            } else {
                t = ObservedThread(
                    tid: tid, startTime: ts.startTimeTicks, comm: ts.comm, ticks: ticks,
                    part: p.isQEMU ? nil : p.placement?.part)
            }
            if p.isQEMU {
                if ThreadRole.parseVCPU(ts.comm).matched { namedVCPUs = true }
                if tid != pid && !ThreadRole.roleFromComm(ts.comm) { unnamed.append(tid) }
            }
            next[tid] = t
        }
        // Named vCPU threads mean QEMU names its threads: an unnamed one is a worker.
        if p.isQEMU && !namedVCPUs && !unnamed.isEmpty {
            let parts = walkFound ? p.placement.flatMap { cgroups.threadParts(ofGuest: $0.guestPath, cgroupfs: cgroupfs) } : nil
            for tid in unnamed {
                if let parts {
                    next[tid]?.part = parts[tid] ?? p.placement?.part
                } else if next[tid]?.partRead == false {
                    next[tid]?.part = (try? proc.cgroup(pid, tid: tid))?.placement?.part
                    next[tid]?.partRead = true
                }
            }
        }
        p.threads = next
    }

    /// A pidfile directory as last read: its inode and modification time, and PID -> name.
    struct PidfileDirectory: Sendable, Equatable {
        var inode: UInt64
        var modified: timespec
        var pids: [Int: String]

        static func == (a: Self, b: Self) -> Bool {
            a.inode == b.inode && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
                && a.pids == b.pids
        }
    }

    /// PID -> file name (without ".pid") of every libvirt QEMU pidfile. `driver.pid` is
    /// libvirtd's own lock file and is skipped. A directory whose inode and modification time
    /// are those in `cache` is not read again: libvirt removes a guest's pidfile when it stops
    /// and before it starts it again, so a new or restarted guest changes the directory (a
    /// file rewritten in place would not: the full discovery reads every file again).
    func readPidfiles(_ cache: inout [String: PidfileDirectory]) -> [Int: String] {
        var out: [Int: String] = [:]
        for dir in libvirtRunDirectories {
            var st = stat()
            guard stat(dir, &st) == 0 else {
                cache[dir] = nil
                continue
            }
            if let c = cache[dir], c.inode == UInt64(st.st_ino), c.modified.tv_sec == st.st_mtim.tv_sec,
                c.modified.tv_nsec == st.st_mtim.tv_nsec
            {
                out.merge(c.pids) { a, _ in a }
                continue
            }
            guard let names = try? DirectoryReader.names(dir) else {
                cache[dir] = nil
                continue
            }
            var pids: [Int: String] = [:]
            var complete = true
            for n in names where n.hasSuffix(".pid") && n != "driver.pid" {
                guard let b = try? FileReader.read(dir + "/" + n, maxBytes: 64),
                    let pid = try? PidFile.parse(b)
                else {
                    complete = false   // e.g. created, its PID not written yet: read it again
                    continue
                }
                pids[pid] = String(n.dropLast(4))
            }
            cache[dir] = complete ? PidfileDirectory(inode: UInt64(st.st_ino), modified: st.st_mtim, pids: pids) : nil
            out.merge(pids) { a, _ in a }
        }
        return out
    }

    /// "qemu-system-x86", "qemu-kvm", or Debian's "kvm" wrapper.
    static func isQEMUComm(_ comm: String) -> Bool {
        comm.hasPrefix("qemu-system") || comm == "qemu-kvm" || comm == "kvm"
    }

    /// `[lxc monitor] <lxcpath> <name>` (LXC rewrites the monitor's argv as one string).
    static func parseLXCMonitor(_ cmd: Cmdline) -> (path: String, name: String)? {
        guard let first = cmd.arguments.first, first.hasPrefix("[lxc monitor] ") else { return nil }
        let rest = first.dropFirst("[lxc monitor] ".count)
        guard let space = rest.lastIndex(of: " ") else { return nil }
        let name = rest[rest.index(after: space)...]
        let path = rest[rest.startIndex..<space]
        guard !name.isEmpty else { return nil }
        return (String(path), String(name))
    }

    /// Guest cgroups and pidfiles are looked for again at least this often (scans), even when
    /// no process appeared.
    static let rediscoveryScans = 8

    /// True when every listed process was in the previous listing with the same inode.
    static func noNewProcess(_ entries: [NumberedEntry], _ oldPIDs: [Int], _ oldHosts: [HostProcess]) -> Bool {
        guard !oldPIDs.isEmpty else { return false }
        var j = 0
        for e in entries {
            while j < oldPIDs.count && oldPIDs[j] < e.number { j += 1 }
            guard j < oldPIDs.count, oldPIDs[j] == e.number, oldHosts[j].inode == e.inode else { return false }
        }
        return true
    }

    static func isAscending(_ e: [NumberedEntry]) -> Bool {
        var last = Int.min
        for x in e {
            if x.number <= last { return false }
            last = x.number
        }
        return true
    }

    static func clock(_ id: Int32) -> Double {
        var ts = timespec()
        clock_gettime(clockid_t(id), &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
