import HVModel
import HVSystem

/// Per-guest cgroup figures ("cgroup" collector), for VMs and containers alike, from the
/// cgroup paths the guest mapper found (`Guest.cgroup.path`, `unifiedPath`, `controllerPaths`).
/// Runs after the "processes" collector.
///
/// Each figure comes from cgroup v2 when the guest's v2 directory has the file, else from v1:
/// - CPU: v2 `cpu.stat` (usage/user/system_usec, nr_throttled, throttled_usec); v1
///   `cpuacct.stat` (USER_HZ ticks), `cpuacct.usage` (ns), `cpu.stat` (nr_throttled, throttled_time ns).
/// - Memory: v2 `memory.current`, `memory.max`, `memory.swap.current`, `memory.stat`
///   (inactive_file), `memory.events` (oom_kill); v1 `memory.usage_in_bytes`,
///   `memory.limit_in_bytes`, `memory.memsw.usage_in_bytes` (minus usage = swap),
///   `memory.stat` (total_inactive_file), `memory.oom_control` (oom_kill).
///   Working set = usage - inactive file cache.
/// - Block I/O: v2 `io.stat`; v1 `blkio.throttle.io_service_bytes_recursive` and
///   `io_serviced_recursive` (or the non-recursive files).
/// - PSI: v2 `cpu.pressure`, `memory.pressure`, `io.pressure` (hybrid hosts have them too).
/// - Containers' network: `/proc/<init>/net/dev`, read through the container's init, all
///   interfaces but `lo`.
///
/// A guest that vanished mid-scrape keeps what was read; a malformed file fails only that
/// figure (the collector fails only when no guest could be read at all).
public struct CgroupCollector: Collector {
    public let name = "cgroup"
    public let cgroupfs: CgroupFS
    public let proc: ProcFS
    let ticksPerSecond: Double
    /// cgroupfs (controllers) and procfs (`self`: containers' network) roots, checked at each collection.
    let paths: PathCheck

    public init(cgroupfs: String = "/sys/fs/cgroup", procfs: String = "/proc") {
        // Directory handles and kept files: each guest's cgroup files are opened relative to
        // its directories, kept open, and the files a layout lacks are not asked for every
        // scrape (see KernelFiles).
        self.cgroupfs = CgroupFS(root: cgroupfs, files: KernelFiles.cgroupFiles())
        self.proc = ProcFS(root: procfs)
        let hz = sysconfClockTicks()
        self.ticksPerSecond = hz
        self.paths = PathCheck(
            collector: "cgroup",
            [
                .cgroupLayout(self.cgroupfs),
                .procfs(procfs),
            ])
    }

    /// The guests' cgroup paths come from the guest mapper: without it there is nothing to read.
    public static var reads: [CollectorInput] { [.required(.guestProcesses)] }
    public static var fills: Set<SnapshotPart> { [.guestCgroupFigures] }

    public func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws {
        try paths.verify()
        var attempted = 0
        var readable = 0
        var errors: [SystemError] = []
        for i in snapshot.guests.indices {
            guard var cg = snapshot.guests[i].cgroup else { continue }
            attempted += 1
            var guestErrors: [SystemError] = []
            read(&cg, errors: &guestErrors)
            if let pid = cg.initPID { readNet(&cg, pid: pid, errors: &guestErrors) }
            snapshot.guests[i].cgroup = cg
            errors.append(contentsOf: guestErrors)
            if cg.cpuUsageSeconds ?? cg.cpuUserSeconds != nil || cg.memoryUsageBytes != nil
                || cg.blockReadBytes != nil || cg.netRxBytes != nil
            {
                readable += 1
            }
        }
        cgroupfs.files?.endRound()
        if attempted > 0, readable == 0, let first = errors.first {
            throw first
        }
    }

    /// Fills `cg` from its v2 directory and v1 controller directories.
    public func read(_ cg: inout GuestCgroupStats, errors: inout [SystemError]) {
        func attempt<T>(_ body: () throws -> T?) -> T? {
            do { return try body() } catch let e as SystemError {
                if e.kind != .notFound { errors.append(e) }
                return nil
            } catch { return nil }
        }
        let v2 = cg.unifiedPath.flatMap { cgroupfs.unifiedDirectory($0) }
        func v1(_ c: String) -> String? {
            guard let p = cg.controllerPaths[c] else { return nil }
            return cgroupfs.v1Directory(c, p, coMounted: c == "cpu" || c == "cpuacct" ? ["cpu", "cpuacct"] : [])
        }

        // CPU
        if let d = v2,
            let st = attempt({
                try cgroupfs.flat(d, "cpu.stat", keys: ["usage_usec", "user_usec", "system_usec", "nr_throttled", "throttled_usec"])
            })
        {
            if let u = st[0] { cg.cpuUsageSeconds = Double(u) / 1e6 }
            if let u = st[1] { cg.cpuUserSeconds = Double(u) / 1e6 }
            if let u = st[2] { cg.cpuSystemSeconds = Double(u) / 1e6 }
            if let n = st[3] { cg.throttledPeriods = n }
            if let t = st[4] { cg.throttledSeconds = Double(t) / 1e6 }
        }
        if let d = v1("cpuacct") {
            if cg.cpuUserSeconds == nil, let st = attempt({ try cgroupfs.flat(d, "cpuacct.stat", keys: ["user", "system"]) }) {
                if let u = st[0] { cg.cpuUserSeconds = Double(u) / ticksPerSecond }
                if let s = st[1] { cg.cpuSystemSeconds = Double(s) / ticksPerSecond }
            }
            if cg.cpuUsageSeconds == nil, let u = attempt({ try cgroupfs.single(d, "cpuacct.usage") }), let ns = u {
                cg.cpuUsageSeconds = Double(ns) / 1e9
            }
        }
        if cg.throttledPeriods == nil, let d = v1("cpu"),
            let st = attempt({ try cgroupfs.flat(d, "cpu.stat", keys: ["nr_throttled", "throttled_time"]) })
        {
            if let n = st[0] { cg.throttledPeriods = n }
            if let t = st[1] { cg.throttledSeconds = Double(t) / 1e9 }
        }

        // Memory
        var inactiveFile: UInt64?
        if let d = v2, let cur = attempt({ try cgroupfs.single(d, "memory.current") }) {
            cg.memoryUsageBytes = cur
            if let m = attempt({ try cgroupfs.single(d, "memory.max") }) { cg.memoryLimitBytes = m }
            if let sw = attempt({ try cgroupfs.single(d, "memory.swap.current") }) { cg.memorySwapBytes = sw }
            if let st = attempt({ try cgroupfs.flat(d, "memory.stat", keys: ["inactive_file"]) }) { inactiveFile = st[0] }
            if let ev = attempt({ try cgroupfs.flat(d, "memory.events", keys: ["oom_kill"]) }) { cg.oomKills = ev[0] }
        } else if let d = v1("memory") {
            if let u = attempt({ try cgroupfs.single(d, "memory.usage_in_bytes") }) { cg.memoryUsageBytes = u }
            if let l = attempt({ try cgroupfs.single(d, "memory.limit_in_bytes") }) {
                cg.memoryLimitBytes = CgroupKeyedFile.limitOrNil(l)
            }
            if let usage = cg.memoryUsageBytes, let ms = attempt({ try cgroupfs.single(d, "memory.memsw.usage_in_bytes") }),
                let memsw = ms
            {
                cg.memorySwapBytes = memsw > usage ? memsw - usage : 0
            }
            if let st = attempt({ try cgroupfs.flat(d, "memory.stat", keys: ["total_inactive_file", "inactive_file"]) }) {
                inactiveFile = st[0] ?? st[1]
            }
            if let oc = attempt({ try cgroupfs.flat(d, "memory.oom_control", keys: ["oom_kill"]) }) { cg.oomKills = oc[0] }
        }
        if let u = cg.memoryUsageBytes {
            let inactive = inactiveFile ?? 0
            cg.memoryWorkingSetBytes = u > inactive ? u - inactive : 0
        }

        // Block I/O
        if let d = v2, let io = attempt({ try cgroupfs.ioStat(d) }) {
            cg.blockReadBytes = io.readBytes
            cg.blockWriteBytes = io.writeBytes
            cg.blockReadOps = io.readOps
            cg.blockWriteOps = io.writeOps
        } else if let d = v1("blkio") {
            let bytes =
                attempt({ try cgroupfs.blkioThrottle(d, "blkio.throttle.io_service_bytes_recursive") })
                ?? attempt({ try cgroupfs.blkioThrottle(d, "blkio.throttle.io_service_bytes") })
            let ops =
                attempt({ try cgroupfs.blkioThrottle(d, "blkio.throttle.io_serviced_recursive") })
                ?? attempt({ try cgroupfs.blkioThrottle(d, "blkio.throttle.io_serviced") })
            if let bytes { cg.blockReadBytes = bytes.read; cg.blockWriteBytes = bytes.write }
            if let ops { cg.blockReadOps = ops.read; cg.blockWriteOps = ops.write }
        }

        // Pressure (v2 only)
        if let d = v2 {
            if let p = attempt({ try cgroupfs.pressure(d, "cpu.pressure") }) {
                cg.cpuPressureSomeSeconds = p.someMicroseconds.map { Double($0) / 1e6 }
                cg.cpuPressureFullSeconds = p.fullMicroseconds.map { Double($0) / 1e6 }
            }
            if let p = attempt({ try cgroupfs.pressure(d, "memory.pressure") }) {
                cg.memoryPressureSomeSeconds = p.someMicroseconds.map { Double($0) / 1e6 }
                cg.memoryPressureFullSeconds = p.fullMicroseconds.map { Double($0) / 1e6 }
            }
            if let p = attempt({ try cgroupfs.pressure(d, "io.pressure") }) {
                cg.ioPressureSomeSeconds = p.someMicroseconds.map { Double($0) / 1e6 }
                cg.ioPressureFullSeconds = p.fullMicroseconds.map { Double($0) / 1e6 }
            }
        }
    }

    /// Network counters of the container's namespace, read through its init process.
    func readNet(_ cg: inout GuestCgroupStats, pid: Int, errors: inout [SystemError]) {
        do {
            let devs = try proc.netDev(pid).filter { $0.interface != "lo" }
            cg.netRxBytes = devs.reduce(0) { $0 &+ $1.receiveBytes }
            cg.netRxPackets = devs.reduce(0) { $0 &+ $1.receivePackets }
            cg.netTxBytes = devs.reduce(0) { $0 &+ $1.transmitBytes }
            cg.netTxPackets = devs.reduce(0) { $0 &+ $1.transmitPackets }
        } catch let e as SystemError {
            if e.kind != .notFound { errors.append(e) }
        } catch {}
    }
}
