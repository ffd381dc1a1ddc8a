import HVFormats
import HVModel
import HVRuntime
import HVSystem
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Disk health from smartctl ("smart"): fills `snapshot.smartDisks`, one entry per whole
/// disk of the host, sorted by kernel name (digit runs as numbers: nvme2n1 before
/// nvme10n1).
///
/// smartctl never runs in a scrape: each disk has its own `ToolSampler` that runs
/// `smartctl --json=c -x -n standby /dev/<disk>` in the background every `interval`, killed
/// at `timeout`; a scrape reads the cached results. One sampler per disk, so a disk that hangs
/// (a dying drive, a stuck USB bridge) holds only its own sampler, for at most `timeout`
/// per run, and the other disks keep their figures; its last good figures are served
/// stale (`hv_external_tool_stale{tool="smartctl",target="/dev/sdX"}`).
///
/// Why `-x` rather than `-a`: it adds the ATA device statistics, where SATA SSDs give the
/// vendor-neutral "Percentage Used Endurance Indicator", and the SCT temperature; the cost is
/// a few more log reads once per interval. `-n standby` leaves a spun-down disk asleep
/// (reported as standby with the figures of its last waking read).
///
/// Which disks: the whole disks in `<sysfs>/block` (not loop, ram, zram, dm, md, drbd, nbd,
/// optical, zvol, rbd devices; NVMe namespaces as nvmeXnY, not the hidden multipath paths),
/// plus the disks under md arrays, device-mapper devices and btrfs filesystems (partitions and
/// stacked devices resolved to their disks), re-read at most every `discoveryInterval`;
/// or exactly `devices` when given (`--smart.devices`). The first runs start when the collector
/// is built, so the first scrape after start usually has figures already.
///
/// Without smartctl (not installed, `--smart.smartctl-path` pointing nowhere) the collector
/// reports no disk and says so once in the log; that is not a failure.
public final class SMARTCollector: Collector, @unchecked Sendable {
    public let name = "smart"
    public let sysfs: String
    /// The smartctl executable; nil when none was found.
    public let smartctl: String?
    public let interval: Duration
    public let timeout: Duration
    /// Device paths to ask instead of discovering ("/dev/sda", "/dev/disk/by-id/..."); nil: discover.
    public let devices: [String]?
    let discoveryInterval: Duration
    let logger: Logger
    private let lock = LockedCondition()
    private var samplers: [String: DiskSampler] = [:]
    private var lastDiscovery: ContinuousClock.Instant?
    /// sysfs root (`block`) checked at each collection when disks are discovered: a path that
    /// points nowhere would read as "no disks".
    let paths: PathCheck

    struct DiskSampler {
        let path: String
        let sampler: ToolSampler<SMARTDisk>
    }

    public static var fills: Set<SnapshotPart> { [.smartDisks] }

    /// Arguments given to smartctl before the device path.
    public static let arguments = ["--json=c", "-x", "-n", "standby"]

    /// - Parameters:
    ///   - smartctlPath: the executable (`--smart.smartctl-path`); nil: `smartctl` on the PATH.
    ///   - interval: pause between two runs on one disk (`--smart.interval`).
    ///   - timeout: one run is killed after this (`--smart.timeout`).
    ///   - devices: device paths to ask instead of discovering disks in sysfs (`--smart.devices`).
    public init(
        sysfs: String = "/sys", smartctlPath: String? = nil, interval: Duration = .seconds(600),
        timeout: Duration = .seconds(30), devices: [String]? = nil, logger: Logger,
        discoveryInterval: Duration = .seconds(60)
    ) {
        self.sysfs = sysfs
        self.smartctl = ExternalCommand.find(smartctlPath ?? "smartctl")
        self.interval = interval
        self.timeout = timeout
        self.devices = devices
        self.logger = logger
        self.discoveryInterval = discoveryInterval
        self.paths = PathCheck(collector: "smart", logger: logger, [.sysfs(sysfs, needs: ["block"])])
        if let smartctl {
            if let w = ToolPrivileges.smartWarning(.current()) { logger.warning("\(w)") }
            // The first runs start now, so the first scrape after start already has figures.
            lock.withLock {
                lastDiscovery = .now
                refresh(smartctl: smartctl, targets: targets())
            }
        } else {
            logger.notice(
                "smart: \(smartctlPath ?? "smartctl (on \(ExternalCommand.defaultSearchPath))") not found; no disk health will be reported (install smartmontools or set --smart.smartctl-path)"
            )
        }
    }

    public func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws {
        if devices == nil { try paths.verify() }
        guard let smartctl else { return }
        let current: [(String, DiskSampler)] = lock.withLock {
            let now = ContinuousClock.now
            if lastDiscovery.map({ now - $0 >= discoveryInterval }) ?? true {
                lastDiscovery = now
                refresh(smartctl: smartctl, targets: targets())
            }
            return samplers.sorted { MDRAIDCollector.naturalOrder($0.key, $1.key) }
        }
        snapshot.smartDisks = current.map { device, s in Self.disk(device: device, path: s.path, s.sampler.read()) }
    }

    /// Waits until every disk's sampler has run `count` times or `deadline` passes (tests and
    /// a CLI's first reading; never in a scrape). Returns whether they all did.
    public func waitForRuns(_ count: Int = 1, until deadline: ContinuousClock.Instant) -> Bool {
        let all = lock.withLock { Array(samplers.values) }
        return all.allSatisfy { $0.sampler.waitForRuns(count, until: deadline) }
    }

    /// Starts samplers for new disks and drops those of disks gone (their loop ends when released).
    private func refresh(smartctl: String, targets: [(device: String, path: String)]) {
        let wanted = Dictionary(targets.map { ($0.device, $0.path) }, uniquingKeysWith: { a, _ in a })
        for gone in samplers.keys where wanted[gone] == nil {
            samplers[gone] = nil
            logger.info("smart: \(gone) is gone; no longer asked")
        }
        for (device, path) in wanted where samplers[device] == nil {
            let memory = StandbyMemory()
            let timeout = self.timeout
            let logger = self.logger
            let sampler = ToolSampler<SMARTDisk>(tool: "smartctl", target: path, interval: interval) {
                () throws(ToolFailure) -> SMARTDisk in
                do throws(ToolFailure) {
                    let d = try Self.probe(smartctl: smartctl, device: device, path: path, timeout: timeout, memory: memory)
                    if memory.noteOutcome(failed: false) { logger.info("smart: \(path) answers again") }
                    return d
                } catch {
                    // Logged when a disk starts failing, not at every run.
                    if memory.noteOutcome(failed: true) { logger.warning("smart: \(error.message)\(Self.hint(error.message))") }
                    throw error
                }
            }
            samplers[device] = DiskSampler(path: path, sampler: sampler)
            if !sampler.start() { logger.warning("smart: no thread to run smartctl on \(path)") }
        }
    }

    /// The disks to ask: `devices` as given, or those found in sysfs.
    private func targets() -> [(device: String, path: String)] {
        if let devices {
            return devices.map { p in
                let real = Self.realPath(p) ?? p
                return (String(real.split(separator: "/").last ?? Substring(real)), p)
            }
        }
        do {
            return try Self.discover(sysfs: sysfs).map { ($0, "/dev/\($0)") }
        } catch {
            logger.warning("smart: cannot list disks in \(sysfs)/block: \(error)")
            return samplers.map { ($0.key, $0.value.path) }   // called under the lock: keep the disks known
        }
    }

    // MARK: One run

    /// The figures a disk had when it was last awake, for the runs that find it in standby.
    final class StandbyMemory: @unchecked Sendable {
        private let lock = LockedCondition()
        private var last: SMARTDisk?
        private var failing = false
        func remember(_ d: SMARTDisk) { lock.withLock { last = d } }
        func recall() -> SMARTDisk? { lock.withLock { last } }
        /// Records how a run went; true when that changes (the first failure, the first success after failures).
        func noteOutcome(failed: Bool) -> Bool {
            lock.withLock {
                defer { failing = failed }
                return failing != failed
            }
        }
    }

    /// What to do about a failure that is the exporter's setup, not the disk.
    static func hint(_ message: String) -> String {
        // "No such device": the node is there but the device cgroup (systemd's PrivateDevices=,
        // DevicePolicy=) refuses it.
        let setup = ["Permission denied", "Operation not permitted", "No such file or directory", "No such device"]
        guard setup.contains(where: { message.contains($0) }) else { return "" }
        return
            " (smartctl needs the device node and CAP_SYS_RAWIO, CAP_SYS_ADMIN for NVMe; the packaged systemd unit grants them unless a drop-in took them away: \(ToolPrivileges.unitDoc))"
    }

    /// One smartctl run on one disk: a report (passed, failed, unknown), standby or
    /// unsupported is a result; a run that fails (cannot open the device, times out, is
    /// killed, prints no smartctl JSON) is a `ToolFailure`, and the sampler keeps the last
    /// good figures, stale.
    static func probe(smartctl: String, device: String, path: String, timeout: Duration, memory: StandbyMemory) throws(ToolFailure)
        -> SMARTDisk
    {
        // smartctl's exit status is a bit mask (a failing disk sets bits and still prints a
        // full report): every status is accepted here and judged from the report.
        let outcome = try ExternalCommand.runTool(
            smartctl, arguments + [path], timeout: timeout, acceptedStatuses: Set(0...255), outputLimit: 4 << 20)
        if outcome.truncated { throw ToolFailure("smartctl \(path): output over 4 MiB") }
        let report: SmartctlReport
        do throws(SmartctlParseError) {
            report = try SmartctlReport.parse(outcome.stdout)
        } catch {
            var why = error.message
            if case .exited(let code) = outcome.termination, code != 0 {
                why = "exit status \(code)" + (outcome.stderrSummary.isEmpty ? "" : ": \(outcome.stderrSummary)") + "; \(why)"
            }
            throw ToolFailure("smartctl \(path): \(why)")
        }
        let placeholder = ToolRunStatus(tool: "smartctl", target: path, success: true)
        switch report.outcome {
        case .report:
            let d = disk(device: device, path: path, report: report, run: placeholder)
            memory.remember(d)
            return d
        case .standby:
            var d = memory.recall() ?? SMARTDisk(device: device, path: path, state: .standby, run: placeholder)
            d.state = .standby
            d.stateReason = report.messages.first?.text
            d.exitStatus = report.exitStatusValue
            d.exitStatusBits = report.exitStatus.names
            d.messages = report.messages.map(\.text)
            return d
        case .unsupported(let why):
            var d = disk(device: device, path: path, report: report, run: placeholder)
            d.state = .unsupported
            d.stateReason = why
            return d
        case .failed(let why):
            throw ToolFailure("smartctl \(path): \(why)")
        }
    }

    /// A report's figures as a disk.
    static func disk(device: String, path: String, report r: SmartctlReport, run: ToolRunStatus) -> SMARTDisk {
        let failing = r.passed == false || r.exitStatus.contains(.diskFailing)
        var d = SMARTDisk(device: device, path: path, state: failing ? .failed : r.passed == true ? .passed : .unknown, run: run)
        d.passed = r.exitStatus.contains(.diskFailing) ? false : r.passed
        d.protocolName = r.deviceProtocol
        d.deviceType = r.deviceType
        d.model = r.model
        d.serial = r.serial
        d.wwn = r.wwn
        d.firmware = r.firmware
        d.exitStatus = r.exitStatusValue
        d.exitStatusBits = r.exitStatus.names
        d.messages = r.messages.map(\.text)
        d.figuresTimestampSeconds = Clock.wall()
        d.powerOnHours = r.powerOnHours
        d.temperatureCelsius = r.temperatureCelsius
        d.powerCycles = r.powerCycles
        d.reallocatedSectors = r.reallocatedSectors
        d.pendingSectors = r.pendingSectors
        d.offlineUncorrectableSectors = r.offlineUncorrectableSectors
        d.reportedUncorrectableErrors = r.reportedUncorrectableErrors
        d.crcErrors = r.crcErrors
        d.enduranceUsedPercent = r.enduranceUsedPercent
        d.prefailAttributesFailing = r.prefailAttributesFailing.map(\.id)
        if let n = r.nvme {
            d.nvmeCriticalWarning = n.criticalWarning
            d.availableSparePercent = n.availableSpare
            d.availableSpareThresholdPercent = n.availableSpareThreshold
            d.mediaErrors = n.mediaErrors
            d.errorLogEntries = n.errorLogEntries
            d.unsafeShutdowns = n.unsafeShutdowns
            d.dataUnitsRead = n.dataUnitsRead
            d.dataUnitsWritten = n.dataUnitsWritten
        }
        if let s = r.scsi {
            d.grownDefects = s.grownDefects
            d.readUncorrectedErrors = s.readUncorrected
            d.writeUncorrectedErrors = s.writeUncorrected
            d.verifyUncorrectedErrors = s.verifyUncorrected
        }
        d.attributes = r.attributes.map {
            SMARTDisk.Attribute(
                id: $0.id, name: $0.name, value: $0.value, worst: $0.worst, threshold: $0.threshold, raw: $0.raw,
                whenFailed: $0.whenFailed, prefailure: $0.prefailure)
        }
        return d
    }

    /// What a scrape serves for one disk: its last good figures with how the runs went, or
    /// (no good run yet) a disk in state error, or unknown while the first run is under way.
    static func disk(device: String, path: String, _ reading: ToolSampler<SMARTDisk>.Reading) -> SMARTDisk {
        guard var d = reading.value else {
            let pending = reading.status.error == nil && reading.status.lastRunSeconds == nil
            var d = SMARTDisk(device: device, path: path, state: pending ? .unknown : .error, run: reading.status)
            d.stateReason = pending ? "first smartctl run not finished" : reading.status.error
            return d
        }
        d.run = reading.status
        return d
    }

    // MARK: Discovery

    /// Kernel name prefixes of block devices that are no disk smartctl could ask.
    static let virtualPrefixes = ["loop", "ram", "zram", "dm-", "md", "drbd", "nbd", "sr", "fd", "zd", "rbd", "nullb", "pmem"]

    static func isCandidate(_ name: String) -> Bool {
        if virtualPrefixes.contains(where: { name.hasPrefix($0) }) { return false }
        // nvme0c1n1: a hidden path of a multipath NVMe namespace (nvme0n1 is the disk).
        if name.hasPrefix("nvme"), name.dropFirst(4).drop(while: \.isNumber).first == "c" { return false }
        return true
    }

    /// The whole disks of the host, from `<sysfs>/block`, plus those under md arrays,
    /// device-mapper devices and btrfs filesystems, sorted.
    static func discover(sysfs: String) throws -> [String] {
        let block = try DirectoryReader.names("\(sysfs)/block")
        var disks = Set(block.filter(isCandidate))
        var stacked: [String] = block.filter { $0.hasPrefix("md") || $0.hasPrefix("dm-") }
        for fs in (try? DirectoryReader.names("\(sysfs)/fs/btrfs")) ?? [] {
            stacked += ((try? DirectoryReader.names("\(sysfs)/fs/btrfs/\(fs)/devices")) ?? []).map { $0 }
        }
        for name in stacked {
            for d in underlyingDisks(name, sysfs: sysfs, wholeDisks: block, depth: 0) where isCandidate(d) { disks.insert(d) }
        }
        return disks.sorted(by: MDRAIDCollector.naturalOrder)
    }

    /// The whole disks under a block device: itself if a disk, the disk holding a
    /// partition, the disks under each of a stacked device's `slaves/`.
    static func underlyingDisks(_ name: String, sysfs: String, wholeDisks: [String], depth: Int) -> [String] {
        guard depth < 8 else { return [] }
        let slaves = (try? DirectoryReader.names("\(sysfs)/block/\(name)/slaves")) ?? []
        if wholeDisks.contains(name) {
            guard !slaves.isEmpty else { return isCandidate(name) ? [name] : [] }
            return slaves.flatMap { underlyingDisks($0, sysfs: sysfs, wholeDisks: wholeDisks, depth: depth + 1) }
        }
        // A partition: its directory sits in its disk's (<sysfs>/block/sda/sda1).
        if let disk = wholeDisks.first(where: { FileReader.exists("\(sysfs)/block/\($0)/\(name)/partition") }) {
            return underlyingDisks(disk, sysfs: sysfs, wholeDisks: wholeDisks, depth: depth + 1)
        }
        return []
    }

    static func realPath(_ p: String) -> String? {
        guard let r = realpath(p, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }
}
