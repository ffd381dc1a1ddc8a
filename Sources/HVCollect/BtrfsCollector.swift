import HVModel
import HVRuntime
import HVSystem
import Logging
import Synchronization

/// Mounted btrfs filesystems ("btrfs"): fills `snapshot.btrfsFilesystems`, by UUID.
///
/// `/sys/fs/btrfs/<fsid>/` gives the label, devices present and missing, allocation per
/// block-group type and profile, the exclusive operation (balance, replace, ...) and, on
/// kernels from 5.14, each device's error counters. What sysfs does not have comes from
/// ioctls on one mount of the filesystem (`BtrfsIoctl`): which block device each device id
/// is and its size and allocated bytes, the error counters on older kernels, and whether a
/// scrub runs. The last scrub result is what btrfs-progs recorded in
/// `<stateDir>/scrub.status.<fsid>` (nothing is run: the daemon starts no tool).
///
/// Failure is per filesystem: one whose files do not parse is listed with `error` set and
/// logged. A host without btrfs (no `/sys/fs/btrfs`) is a success with none.
public struct BtrfsCollector: Collector {
    public let name = "btrfs"
    public let sysfs: String
    public let procfs: String
    /// Where btrfs-progs keeps scrub status files (`/var/lib/btrfs`).
    public let scrubStateDir: String
    let live: @Sendable (_ fsid: String, _ devids: [UInt64], _ needStats: Bool) -> BtrfsLiveFacts?
    let logger: Logger
    let paths: PathCheck

    /// - Parameter live: what the ioctls tell about one filesystem; by default found through
    ///   `<procfs>/self/mountinfo` (`MountTableWatch`) and `BtrfsIoctl` on a worker thread, waited for at most
    ///   `liveTimeout` (a hung filesystem leaves its figures from sysfs only), a stub in
    ///   fixture tests.
    public init(
        sysfs: String = "/sys", procfs: String = "/proc", scrubStateDir: String = "/var/lib/btrfs", logger: Logger,
        liveTimeout: Duration = .seconds(1),
        live: (@Sendable (_ fsid: String, _ devids: [UInt64], _ needStats: Bool) -> BtrfsLiveFacts?)? = nil
    ) {
        self.sysfs = sysfs
        self.procfs = procfs
        self.scrubStateDir = scrubStateDir
        self.logger = logger
        let probe = BtrfsLiveProbe(procfs: procfs, timeout: liveTimeout)
        self.live = live ?? { fsid, devids, needStats in probe.facts(fsid: fsid, devids: devids, needStats: needStats) }
        self.paths = PathCheck(collector: "btrfs", logger: logger, [.sysfs(sysfs, needs: [])])
    }

    public static var fills: Set<SnapshotPart> { [.btrfs] }

    public func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws {
        try paths.verify()
        let fsids: [String]
        do {
            fsids = try BtrfsSysfs.list(sysRoot: sysfs)
        } catch let e as SystemError where e.kind == .notFound {
            snapshot.btrfsFilesystems = []
            return
        }
        var out: [BtrfsFilesystem] = []
        for fsid in fsids {
            let sys: BtrfsSysfs
            do {
                sys = try BtrfsSysfs.read(sysRoot: sysfs, fsid: fsid)
            } catch let e as SystemError where e.kind == .notFound {
                continue   // unmounted while we read
            } catch {
                var fs = BtrfsFilesystem(uuid: fsid)
                fs.error = "\(error)"
                logger.error("btrfs: \(fsid): \(error); reported with hv_btrfs_scrape_error=1")
                out.append(fs)
                continue
            }
            let needStats = sys.devices.contains { $0.errorStats == nil && $0.missing != true }
            let facts = live(fsid, sys.devices.map(\.devid), needStats)
            var fs = Self.filesystem(sys, live: facts)
            fs.lastScrub = readScrubStatus(fsid: fsid)
            if let e = facts?.error {
                logger.debug("btrfs: \(fsid): \(e)")
            }
            out.append(fs)
        }
        snapshot.btrfsFilesystems = out
    }

    /// The last scrub on record, summed over the devices of the file.
    func readScrubStatus(fsid: String) -> BtrfsScrubResult? {
        let path = "\(scrubStateDir)/scrub.status.\(fsid)"
        guard let bytes = try? FileReader.read(path, maxBytes: 1 << 20) else { return nil }
        do {
            let file = try BtrfsScrubStatusFile.parse(bytes)
            for m in file.malformed { logger.warning("btrfs: \(path):\(m.line): \(m.reason)") }
            return Self.scrubResult(file, fsid: fsid)
        } catch {
            logger.warning("btrfs: \(path): \(error)")
            return nil
        }
    }

    static func scrubResult(_ file: BtrfsScrubStatusFile, fsid: String) -> BtrfsScrubResult? {
        let recs = file.devices.filter { $0.fsid == fsid }
        guard !recs.isEmpty else { return nil }
        func sum(_ f: (BtrfsScrubDeviceRecord) -> UInt64) -> UInt64 {
            recs.reduce(0) { a, r in
                let (s, o) = a.addingReportingOverflow(f(r))
                return o ? .max : s
            }
        }
        let start = recs.compactMap(\.startSeconds).min()
        let duration = recs.compactMap(\.durationSeconds).max()
        return BtrfsScrubResult(
            startSeconds: start.map { Double($0) }, durationSeconds: duration.map { Double($0) },
            finished: recs.allSatisfy(\.finished), canceled: recs.contains(where: \.canceled),
            errorsFound: sum(\.errorsFound), correctedErrors: sum { $0.values["corrected_errors"] ?? 0 },
            uncorrectableErrors: sum { $0.values["uncorrectable_errors"] ?? 0 })
    }

    /// The model of one filesystem from its sysfs directory and what the ioctls told.
    static func filesystem(_ s: BtrfsSysfs, live: BtrfsLiveFacts?) -> BtrfsFilesystem {
        var fs = BtrfsFilesystem(uuid: s.fsid)
        fs.label = s.label
        fs.mountPoint = live?.mountPoint
        fs.exclusiveOperation = s.exclusiveOperation
        fs.scrubRunning = live?.scrubRunning
        fs.allocation = s.allocation.map { a in
            var m = BtrfsAllocation(type: a.type)
            m.totalBytes = a.totalBytes
            m.usedBytes = a.bytesUsed
            m.diskTotalBytes = a.diskTotal
            m.diskUsedBytes = a.diskUsed
            m.profiles = a.profiles.map { BtrfsProfileSpace(name: $0.name, totalBytes: $0.totalBytes, usedBytes: $0.usedBytes) }
            return m
        }
        var problems: [String] = []
        fs.devices = s.devices.map { d in
            var m = BtrfsDevice(devid: d.devid, missing: d.missing ?? false)
            m.replaceTarget = d.replaceTarget
            m.error = d.error
            if let info = live?.devices[d.devid] {
                if !m.missing, let name = kernelName(info.path) { m.device = name }
                m.sizeBytes = info.totalBytes
                m.usedBytes = info.bytesUsed
            }
            if let e = d.errorStats ?? live?.stats[d.devid] {
                m.errors = BtrfsDeviceErrors(
                    write: e.write, read: e.read, flush: e.flush, corruption: e.corruption, generation: e.generation)
            }
            if let e = d.error { problems.append("devid \(d.devid): \(e)") }
            return m
        }
        // With one device present and the rest missing, the present one is the one in devices/.
        if live?.devices.isEmpty ?? true {
            let present = fs.devices.indices.filter { !fs.devices[$0].missing }
            if present.count == 1, s.deviceNames.count == 1 { fs.devices[present[0]].device = s.deviceNames[0] }
        }
        if !problems.isEmpty { fs.error = problems.joined(separator: "; ") }
        return fs
    }

    /// "/dev/loop0" -> "loop0"; "/dev/mapper/x" -> the dm-N it links to; nil for an empty path.
    static func kernelName(_ path: String) -> String? {
        guard !path.isEmpty else { return nil }
        var p = path
        if let target = try? FileReader.readLink(path) {
            let t = String(decoding: target, as: UTF8.self)
            p = t.hasPrefix("/") ? t : (path.split(separator: "/").dropLast().joined(separator: "/") + "/" + t)
        }
        guard let last = p.split(separator: "/").last else { return nil }
        return String(last)
    }
}

/// Runs `BtrfsLiveFacts.query` on a worker thread with a deadline, at most one per
/// filesystem at a time: a filesystem whose ioctls hang costs one abandoned thread, not one
/// per scrape, and is reported from sysfs alone until that call returns.
final class BtrfsLiveProbe: Sendable {
    let timeout: Duration
    /// `<procfs>/self/mountinfo`, parsed again only after a mount change.
    let mounts: MountTableWatch
    private let inFlight = Mutex<Set<String>>([])

    init(procfs: String, timeout: Duration) {
        self.mounts = MountTableWatch(procfs: procfs)
        self.timeout = timeout
    }

    func facts(fsid: String, devids: [UInt64], needStats: Bool) -> BtrfsLiveFacts? {
        guard inFlight.withLock({ $0.insert(fsid).inserted }) else { return nil }
        let pending = Deadline.start { [self] () -> BtrfsLiveFacts? in
            defer { _ = inFlight.withLock { $0.remove(fsid) } }
            guard let table = try? mounts.current() else { return nil }
            return BtrfsLiveFacts.query(mounts: BtrfsMount.mounts(in: table), fsid: fsid, devids: devids, needStats: needStats)
        }
        if pending.refused {
            _ = inFlight.withLock { $0.remove(fsid) }
            return nil
        }
        switch pending.wait(until: .now + timeout) {
        case .done(let facts): return facts
        case .timedOut, .refused: return nil
        }
    }
}

/// What the ioctls on a mount of one btrfs filesystem told.
public struct BtrfsLiveFacts: Sendable, Equatable {
    public var mountPoint: String
    /// BTRFS_IOC_DEV_INFO by device id (missing devices have an empty path).
    public var devices: [UInt64: BtrfsDeviceInfo]
    /// BTRFS_IOC_GET_DEV_STATS by device id (only asked when sysfs lacks `error_stats`).
    public var stats: [UInt64: BtrfsDeviceErrorStats]
    /// A scrub runs on some device; nil when the ioctl was refused.
    public var scrubRunning: Bool?
    /// What failed, for the debug log.
    public var error: String?

    public init(
        mountPoint: String, devices: [UInt64: BtrfsDeviceInfo] = [:], stats: [UInt64: BtrfsDeviceErrorStats] = [:],
        scrubRunning: Bool? = nil, error: String? = nil
    ) {
        self.mountPoint = mountPoint
        self.devices = devices
        self.stats = stats
        self.scrubRunning = scrubRunning
        self.error = error
    }

    /// Finds a mount of `fsid` among `mounts` (this process's btrfs mounts) and asks the
    /// ioctls; nil when the filesystem has no mount this process can open.
    public static func query(mounts: [BtrfsMount], fsid: String, devids: [UInt64], needStats: Bool) -> BtrfsLiveFacts? {
        for m in mounts {
            guard let h = try? BtrfsIoctl(mountPoint: m.mountPoint), let info = try? h.filesystemInfo(), info.fsid == fsid
            else { continue }
            var facts = BtrfsLiveFacts(mountPoint: m.mountPoint)
            var problems: [String] = []
            var scrubbing = false
            var scrubKnown = true
            for id in devids {
                do {
                    if let d = try h.deviceInfo(devid: id) { facts.devices[id] = d }
                } catch { problems.append("\(error)") }
                if needStats {
                    do {
                        if let s = try h.deviceStats(devid: id) { facts.stats[id] = s }
                    } catch { problems.append("\(error)") }
                }
                do {
                    if try h.scrubProgress(devid: id) != nil { scrubbing = true }
                } catch {
                    scrubKnown = false
                    problems.append("\(error)")
                }
            }
            facts.scrubRunning = scrubKnown || scrubbing ? scrubbing : nil
            facts.error = problems.isEmpty ? nil : problems.joined(separator: "; ")
            return facts
        }
        return nil
    }
}
