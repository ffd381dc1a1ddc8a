import HVModel
import HVSystem
import Synchronization

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
///
/// Idle guests (a paused VM, an idle container) cost a third of the reads: each scrape reads
/// the CPU usage, the memory usage and the pressure files (always fresh); when neither usage
/// moved since the guest's last full read and that read is younger than `idleRefresh` (times
/// a factor between 0.5 and 1.5 fixed per guest), the other figures are that read's. They
/// cannot have moved without the CPU or memory usage moving (the user/system split and
/// throttling only grow while the guest runs; swap, working set and OOM kills change with the
/// memory usage), but for a limit changed by hand and, on cgroup v2, I/O written back for
/// the guest by the kernel's flusher threads: those show within `idleRefresh`.
public struct CgroupCollector: Collector {
    public let name = "cgroup"
    public let cgroupfs: CgroupFS
    public let proc: ProcFS
    let ticksPerSecond: Double
    /// cgroupfs (controllers) and procfs (`self`: containers' network) roots, checked at each collection.
    let paths: PathCheck
    /// Longest reuse of an idle guest's figures besides its usages and pressure, seconds
    /// (times `Clock.spread` of the guest); 0 reads everything every scrape.
    public let idleRefresh: Double
    let idle = IdleFigures()

    public init(cgroupfs: String = "/sys/fs/cgroup", procfs: String = "/proc", idleRefresh: Double = 60) {
        self.idleRefresh = idleRefresh
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
        let now = Clock.monotonic()
        var seen: Set<String> = []
        for i in snapshot.guests.indices {
            guard var cg = snapshot.guests[i].cgroup else { continue }
            attempted += 1
            var guestErrors: [SystemError] = []
            let key = snapshot.guests[i].key + "\u{0}" + cg.path
            seen.insert(key)
            read(&cg, errors: &guestErrors, idleKey: idleRefresh > 0 ? key : nil, now: now)
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
        idle.keep(seen)
        if attempted > 0, readable == 0, let first = errors.first {
            throw first
        }
    }

    /// Fills `cg` from its v2 directory and v1 controller directories, every figure read.
    public func read(_ cg: inout GuestCgroupStats, errors: inout [SystemError]) {
        read(&cg, errors: &errors, idleKey: nil, now: 0)
    }

    /// Fills `cg`; with `idleKey`, an idle guest's figures besides its usages and pressure
    /// come from its last full read (see the type's documentation).
    func read(_ cg: inout GuestCgroupStats, errors: inout [SystemError], idleKey: String?, now: Double) {
        func attempt<T>(_ body: () throws -> T?) -> T? { Self.attempt(&errors, body) }
        let v2 = cg.unifiedPath.flatMap { cgroupfs.unifiedDirectory($0) }
        func v1(_ c: String) -> String? {
            guard let p = cg.controllerPaths[c] else { return nil }
            return cgroupfs.v1Directory(c, p, coMounted: c == "cpu" || c == "cpuacct" ? ["cpu", "cpuacct"] : [])
        }

        // The usages, every scrape: CPU (v2 cpu.stat, else v1 cpuacct.usage) and memory.
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
        let cpuacct = v1("cpuacct")
        if cg.cpuUsageSeconds == nil, let d = cpuacct, let u = attempt({ try cgroupfs.single(d, "cpuacct.usage") }), let ns = u {
            cg.cpuUsageSeconds = Double(ns) / 1e9
        }
        // Memory from v2 when the guest's v2 directory has memory.current, else from v1.
        var memoryV2: String?
        var memoryV1: String?
        if let d = v2, let cur = attempt({ try cgroupfs.single(d, "memory.current") }) {
            cg.memoryUsageBytes = cur
            memoryV2 = d
        } else if let d = v1("memory") {
            memoryV1 = d
            if let u = attempt({ try cgroupfs.single(d, "memory.usage_in_bytes") }) { cg.memoryUsageBytes = u }
        }

        if let key = idleKey, let last = idle.reusable(key, usages: cg, now: now, refresh: idleRefresh * Clock.spread(key)) {
            cg.takeIdleFigures(from: last)
        } else {
            readRest(
                &cg, errors: &errors, v2: v2, cpuacct: cpuacct, cpu: cg.throttledPeriods == nil ? v1("cpu") : nil,
                memoryV2: memoryV2, memoryV1: memoryV1, blkio: v1("blkio"))
            if let key = idleKey { idle.store(key, cg, now: now) }
        }

        // Pressure (v2 only), every scrape: a guest stalled on I/O or memory uses no CPU.
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

    /// The figures besides the usages and pressure: v1's CPU split and throttling, the memory
    /// limit, swap, working set and OOM kills, block I/O.
    private func readRest(
        _ cg: inout GuestCgroupStats, errors: inout [SystemError], v2: String?, cpuacct: String?, cpu: String?,
        memoryV2: String?, memoryV1: String?, blkio: String?
    ) {
        func attempt<T>(_ body: () throws -> T?) -> T? { Self.attempt(&errors, body) }
        // CPU: v1's user/system split (USER_HZ ticks) and throttling.
        if cg.cpuUserSeconds == nil, let d = cpuacct,
            let st = attempt({ try cgroupfs.flat(d, "cpuacct.stat", keys: ["user", "system"]) })
        {
            if let u = st[0] { cg.cpuUserSeconds = Double(u) / ticksPerSecond }
            if let s = st[1] { cg.cpuSystemSeconds = Double(s) / ticksPerSecond }
        }
        if let d = cpu, let st = attempt({ try cgroupfs.flat(d, "cpu.stat", keys: ["nr_throttled", "throttled_time"]) }) {
            if let n = st[0] { cg.throttledPeriods = n }
            if let t = st[1] { cg.throttledSeconds = Double(t) / 1e9 }
        }

        // Memory
        var inactiveFile: UInt64?
        if let d = memoryV2 {
            if let m = attempt({ try cgroupfs.single(d, "memory.max") }) { cg.memoryLimitBytes = m }
            if let sw = attempt({ try cgroupfs.single(d, "memory.swap.current") }) { cg.memorySwapBytes = sw }
            if let st = attempt({ try cgroupfs.flat(d, "memory.stat", keys: ["inactive_file"]) }) { inactiveFile = st[0] }
            if let ev = attempt({ try cgroupfs.flat(d, "memory.events", keys: ["oom_kill"]) }) { cg.oomKills = ev[0] }
        } else if let d = memoryV1 {
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
        } else if let d = blkio {
            let bytes =
                attempt({ try cgroupfs.blkioThrottle(d, "blkio.throttle.io_service_bytes_recursive") })
                ?? attempt({ try cgroupfs.blkioThrottle(d, "blkio.throttle.io_service_bytes") })
            let ops =
                attempt({ try cgroupfs.blkioThrottle(d, "blkio.throttle.io_serviced_recursive") })
                ?? attempt({ try cgroupfs.blkioThrottle(d, "blkio.throttle.io_serviced") })
            if let bytes { cg.blockReadBytes = bytes.read; cg.blockWriteBytes = bytes.write }
            if let ops { cg.blockReadOps = ops.read; cg.blockWriteOps = ops.write }
        }
    }

    /// `body`'s value; a failure other than "not found" is added to `errors`.
    static func attempt<T>(_ errors: inout [SystemError], _ body: () throws -> T?) -> T? {
        do { return try body() } catch let e as SystemError {
            if e.kind != .notFound { errors.append(e) }
            return nil
        } catch { return nil }
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

/// The last full read of each guest's cgroup figures, for `CgroupCollector`'s idle guests.
final class IdleFigures: Sendable {
    struct Entry {
        var figures: GuestCgroupStats
        var at: Double
    }
    let entries = Mutex([String: Entry]())

    /// The last full read under `key` when the usages in `usages` are that read's (a CPU usage
    /// known, the memory usage equal, known or not) and it is younger than `refresh` seconds.
    func reusable(_ key: String, usages: GuestCgroupStats, now: Double, refresh: Double) -> GuestCgroupStats? {
        guard let cpu = usages.cpuUsageSeconds else { return nil }
        return entries.withLock { e in
            guard let last = e[key], now - last.at < refresh, last.figures.cpuUsageSeconds == cpu,
                last.figures.memoryUsageBytes == usages.memoryUsageBytes
            else { return nil }
            return last.figures
        }
    }

    func store(_ key: String, _ figures: GuestCgroupStats, now: Double) {
        entries.withLock { $0[key] = Entry(figures: figures, at: now) }
    }

    /// Forgets the guests not in `keys` (gone, or moved to another cgroup).
    func keep(_ keys: Set<String>) {
        entries.withLock { e in
            if e.keys.contains(where: { !keys.contains($0) }) { e = e.filter { keys.contains($0.key) } }
        }
    }
}

extension GuestCgroupStats {
    /// The figures an idle guest's last full read gives (`CgroupCollector`): every figure
    /// besides the usages and pressure, where this read has none.
    mutating func takeIdleFigures(from last: GuestCgroupStats) {
        cpuUserSeconds = cpuUserSeconds ?? last.cpuUserSeconds
        cpuSystemSeconds = cpuSystemSeconds ?? last.cpuSystemSeconds
        throttledPeriods = throttledPeriods ?? last.throttledPeriods
        throttledSeconds = throttledSeconds ?? last.throttledSeconds
        memoryWorkingSetBytes = last.memoryWorkingSetBytes
        memoryLimitBytes = last.memoryLimitBytes
        memorySwapBytes = last.memorySwapBytes
        oomKills = last.oomKills
        blockReadBytes = last.blockReadBytes
        blockWriteBytes = last.blockWriteBytes
        blockReadOps = last.blockReadOps
        blockWriteOps = last.blockWriteOps
    }
}
