import Glibc
import HVModel
import HVSystem
import Synchronization

/// Attributes every process and thread on the host to a guest (a QEMU domain or a container)
/// or to the host, incrementally.
///
/// Evidence, strongest first:
/// - QEMU: the `-uuid` in the qemu cmdline (so a qemu started by another libvirtd, e.g. the
///   destination of a live migration on the same host, is still found), the libvirt pidfiles in
///   `libvirtRunDirectories`, then the domain ID in the cgroup path. Never a name substring.
/// - Threads of a qemu process: their comm (`CPU <n>/KVM|TCG`, `IO <name>`, `vhost-<pid>`), then
///   their own cgroup (`vcpuN`, `iothreadN`); `vhost-<pid>` / `kvm-pit/<pid>` kernel threads
///   belong to the guest of qemu `<pid>`.
/// - Helpers: swtpm by the UUID in its state directory, virtiofsd and others by sharing the
///   qemu process's cgroup.
/// - Containers: their cgroup (`lxc.payload.NAME`, `lxc.payload/NAME`, `lxc/NAME`, LXD
///   `<project>_<name>`, libvirt-lxc, nspawn), then the PID namespace of the container's
///   init: a process that left the cgroup but shares the namespace is still the container's.
///
/// Cost: a full scan reads `stat`, `cgroup` and the `ns/pid` link of every process (plus
/// `cmdline` of QEMU-like processes and `status` of container processes, and the task list of
/// guest processes). An incremental scan re-reads only `/proc/<pid>/stat` of known processes
/// (cache key: PID and start time; a changed comm, or a process younger than
/// `youngProcessSeconds`, is classified again) and the threads of guest processes.
///
/// `ProcessEntry` output: every PID on the host, and every TID of guest processes (with its
/// role and CPU time); threads of host processes are not listed one by one (their CPU time is
/// in the process entry), which keeps a scan of thousands of host processes cheap.
public final class GuestMapper: Sendable {
    public let proc: ProcFS
    /// Directories holding libvirt QEMU pidfiles (`<name>.pid`), e.g. "/run/libvirt/qemu".
    public let libvirtRunDirectories: [String]
    /// Processes younger than this (seconds since their start) are classified again on each
    /// scan: libvirt moves threads into their cgroups and QEMU names them just after start.
    public let youngProcessSeconds: Double
    /// USER_HZ: clock ticks per second of /proc/<pid>/stat times.
    let ticksPerSecond: Double
    /// Page size, bytes (for `rss`).
    let pageSize: UInt64
    /// The host's PID namespace (that of kthreadd, PID 2), when readable.
    let hostPidNamespace: UInt64?

    struct State: Sendable {
        var processes: [Int: ObservedProcess] = [:]
        /// CPU ticks of every guest thread at the previous attribution (for monotonic sums).
        var lastTicks: [ThreadKey: UInt64] = [:]
        /// Host CPU used by each guest's threads, by role, clock ticks (monotonic).
        var cpuTicks: [String: [String: UInt64]] = [:]
    }

    let state = Mutex(State())

    public init(procfs: String = "/proc", libvirtRunDirectories: [String] = ["/run/libvirt/qemu"],
                youngProcessSeconds: Double = 30) {
        self.proc = ProcFS(root: procfs)
        self.libvirtRunDirectories = libvirtRunDirectories
        self.youngProcessSeconds = youngProcessSeconds
        let hz = sysconf(Int32(_SC_CLK_TCK))
        self.ticksPerSecond = hz > 0 ? Double(hz) : 100
        let ps = sysconf(Int32(_SC_PAGESIZE))
        self.pageSize = ps > 0 ? UInt64(ps) : 4096
        let p = ProcFS(root: procfs)
        self.hostPidNamespace = (try? p.namespaceInode(2, "pid")) ?? (try? p.namespaceInode(1, "pid"))
            ?? (try? p.namespaceInode(Int(getpid()), "pid"))
    }

    /// Scans /proc and updates the cache, without attributing to guests. Cheap to call in a
    /// loop for benchmarks; `attribute(into:)` does the same scan and then the attribution.
    @discardableResult
    public func scan() throws -> MapperScanStats {
        try state.withLock { try scanLocked(&$0) }
    }

    /// Scans /proc, attributes every process and thread, and writes `snapshot.processes`,
    /// new container / unknown-QEMU guests into `snapshot.guests`, and each guest's
    /// `cgroup` (path, processes, threads and host CPU by role) and vCPU thread IDs.
    @discardableResult
    public func attribute(into snapshot: inout Snapshot) throws -> MapperScanStats {
        try state.withLock { s in
            var stats = try scanLocked(&s)
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
        let pidfiles = readPidfiles()
        let pids = try proc.pids()
        var next: [Int: ObservedProcess] = [:]
        next.reserveCapacity(pids.count)
        for pid in pids {
            guard let st = try? proc.stat(pid) else { continue }   // exited since the listing
            stats.processes += 1
            var p: ObservedProcess
            if var old = s.processes.removeValue(forKey: pid), old.startTime == st.startTimeTicks {
                let settled = old.classifiedAt - Double(old.startTime) / ticksPerSecond >= youngProcessSeconds
                let changed = old.comm != st.comm || old.pidfileName != pidfiles[pid]
                old.ticks = st.utimeTicks &+ st.stimeTicks
                old.rssPages = st.rssPages
                old.numThreads = st.numThreads
                if settled && !changed {
                    stats.reused += 1
                } else {
                    classify(&old, st, pidfile: pidfiles[pid], now: now)
                    stats.classified += 1
                }
                p = old
            } else {
                p = ObservedProcess(pid: pid, startTime: st.startTimeTicks, comm: st.comm, ppid: st.ppid,
                                    kernelThread: st.isKernelThread, ticks: st.utimeTicks &+ st.stimeTicks,
                                    rssPages: st.rssPages, numThreads: st.numThreads, classifiedAt: now)
                classify(&p, st, pidfile: pidfiles[pid], now: now)
                stats.classified += 1
            }
            if watchesThreads(p) {
                updateThreads(&p, st)
                stats.threads += p.threads.count
            } else if !p.threads.isEmpty {
                p.threads = [:]
            }
            next[pid] = p
        }
        s.processes = next
        stats.durationSeconds = GuestMapper.clock(CLOCK_MONOTONIC) - t0
        return stats
    }

    /// Gathers the evidence for one process.
    func classify(_ p: inout ObservedProcess, _ st: ProcStat, pidfile: String?, now: Double) {
        p.comm = st.comm
        p.ppid = st.ppid
        p.kernelThread = st.isKernelThread
        p.pidfileName = pidfile
        p.classifiedAt = now
        p.membership = nil
        p.placement = nil
        p.pidNamespace = nil
        p.qemuUUID = nil
        p.qemuName = nil
        p.helperUUID = nil
        p.lxcMonitorPath = nil
        p.lxcMonitorName = nil
        p.innermostPID = nil
        p.qemuComm = false
        p.threads = [:]
        // Kernel threads live in the root cgroup and namespaces; their comm is the evidence.
        guard !st.isKernelThread else { return }
        let pid = p.pid
        p.membership = try? proc.cgroup(pid)
        p.placement = p.membership?.placement
        p.pidNamespace = try? proc.namespaceInode(pid, "pid")

        p.qemuComm = st.comm.hasPrefix("qemu-system") || st.comm == "qemu-kvm" || st.comm == "kvm"
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
        var containerLike = p.pidNamespace != nil && p.pidNamespace != hostPidNamespace
        switch p.placement?.owner {
        case .lxc?, .libvirtLXC?, .nspawn?: containerLike = true
        default: break
        }
        if containerLike, let status = try? proc.status(pid) { p.innermostPID = status.innermostPID }
    }

    /// Threads are read one by one only for processes that may be a guest's.
    func watchesThreads(_ p: ObservedProcess) -> Bool {
        if p.kernelThread { return false }
        if p.isQEMU || p.placement != nil { return true }
        if let ns = p.pidNamespace, ns != hostPidNamespace { return true }
        return false
    }

    func updateThreads(_ p: inout ObservedProcess, _ st: ProcStat) {
        let pid = p.pid
        if p.numThreads <= 1 && !p.isQEMU {
            // Single-threaded: the process line is the thread line.
            let part = p.placement?.part
            p.threads = [pid: ObservedThread(tid: pid, startTime: p.startTime, comm: st.comm,
                                             ticks: st.utimeTicks &+ st.stimeTicks, part: part)]
            return
        }
        guard let tids = try? proc.tids(pid) else { p.threads = [:]; return }
        var next: [Int: ObservedThread] = [:]
        next.reserveCapacity(tids.count)
        for tid in tids {
            guard let ts = try? proc.stat(pid, tid: tid) else { continue }
            let ticks = ts.utimeTicks &+ ts.stimeTicks
            if var t = p.threads[tid], t.startTime == ts.startTimeTicks {
                t.ticks = ticks
                if t.comm != ts.comm {
                    t.comm = ts.comm
                    if p.isQEMU { t.part = (try? proc.cgroup(pid, tid: tid))?.placement?.part }
                }
                next[tid] = t
            } else {
                let part = p.isQEMU ? (try? proc.cgroup(pid, tid: tid))?.placement?.part : p.placement?.part
                next[tid] = ObservedThread(tid: tid, startTime: ts.startTimeTicks, comm: ts.comm, ticks: ticks, part: part)
            }
        }
        p.threads = next
    }

    /// PID -> file name (without ".pid") of every libvirt QEMU pidfile. `driver.pid` is
    /// libvirtd's own lock file and is skipped.
    func readPidfiles() -> [Int: String] {
        var out: [Int: String] = [:]
        for dir in libvirtRunDirectories {
            guard let names = try? DirectoryReader.names(dir) else { continue }
            for n in names where n.hasSuffix(".pid") && n != "driver.pid" {
                guard let b = try? FileReader.read(dir + "/" + n, maxBytes: 64),
                      let pid = try? PidFile.parse(b) else { continue }
                out[pid] = String(n.dropLast(4))
            }
        }
        return out
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

    static func clock(_ id: Int32) -> Double {
        var ts = timespec()
        clock_gettime(clockid_t(id), &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
