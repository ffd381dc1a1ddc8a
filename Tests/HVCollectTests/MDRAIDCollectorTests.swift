import Foundation
import HVCollect
import HVExpose
import HVModel
import HVUdev
import LabSupport
import Logging
import Testing

/// The md fixture trees of HVSystemTests (see its Fixtures/md/README.md for their sources).
enum MDFixtureTrees {
    static let root: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("HVSystemTests/Fixtures/md").path
    }()
    static let golden: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/md-golden").path
    }()

    static let states = [
        "clean-raid1", "active-raid5", "reshape", "degraded-removed", "imsm", "degraded-faulty", "recovering", "resync",
        "raid10-resync-pending", "frozen", "resync-delayed", "check", "check-mismatch", "repair", "read-only",
        "inactive", "raid0", "linear", "spares", "write-mostly", "journal", "replacement", "mdstat-only-reshape-0.91",
        "broken-attribute", "no-md",
    ]

    /// Disk identities udev would report on the hosts of the fixtures (test data: the reports
    /// do not show them). Other disks: udev knows the device but has no ID_* properties.
    static let identities: [String: DiskIdentity] = [
        "sda": DiskIdentity(
            model: "Samsung_SSD_860_EVO_1TB", serial: "S3Z9NB0K123456A", wwn: "0x5002538e40a1b2c3",
            byIdPath: "/dev/disk/by-id/ata-Samsung_SSD_860_EVO_1TB_S3Z9NB0K123456A"),
        "sdb": DiskIdentity(
            model: "WDC_WD40EFRX-68N32N0", serial: "WD-WCC7K1234567", wwn: "0x50014ee2b5a6c7d8",
            byIdPath: "/dev/disk/by-id/ata-WDC_WD40EFRX-68N32N0_WD-WCC7K1234567"),
        "nvme0n1": DiskIdentity(
            model: "Samsung SSD 980 PRO 2TB", serial: "S6B0NL0T123456", wwn: "eui.002538b111b22c33",
            byIdPath: "/dev/disk/by-id/nvme-Samsung_SSD_980_PRO_2TB_S6B0NL0T123456"),
    ]

    /// Roots of a host whose procfs has no `mdstat` (no md module) and whose sysfs has no md
    /// devices, for the fixtures that hold only the other half (`no-md`, mdstat-only ones).
    static let bareRoots: (proc: String, sys: String) = {
        let dir = NSTemporaryDirectory() + "hv-md-bare-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir + "/proc", withIntermediateDirectories: true)
        try? FileManager.default.createDirectory(atPath: dir + "/sys/block", withIntermediateDirectories: true)
        try? FileManager.default.createSymbolicLink(atPath: dir + "/proc/self", withDestinationPath: "4242")
        return (dir + "/proc", dir + "/sys")
    }()

    static func collector(
        _ state: String, logger: Logger = Logger(label: "test"),
        identify: (@Sendable (String) -> DiskIdentity?)? = nil
    ) -> MDRAIDCollector {
        let proc = "\(root)/\(state)/proc"
        let sys = "\(root)/\(state)/sys"
        let fm = FileManager.default
        return MDRAIDCollector(
            procfs: fm.fileExists(atPath: proc) ? proc : bareRoots.proc,
            sysfs: fm.fileExists(atPath: sys) ? sys : bareRoots.sys, logger: logger,
            identify: identify ?? { identities[$0] ?? DiskIdentity(initialized: false) })
    }

    static func collect(_ state: String, logger: Logger = Logger(label: "test")) throws -> Snapshot {
        var s = Snapshot()
        try collector(state, logger: logger).collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
        return s
    }

    /// The hv_md_* lines of the exposition of `snapshot`.
    static func exposition(_ snapshot: Snapshot) -> String {
        let text = String(decoding: PrometheusTextWriter.write(SnapshotMetrics.build(snapshot)), as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { $0.hasPrefix("hv_md_") || $0.hasPrefix("# HELP hv_md_") || $0.hasPrefix("# TYPE hv_md_") }
            .map { $0 + "\n" }.joined()
    }
}

/// Captures log lines.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var _lines: [(Logger.Level, String)] = []
    var lines: [(Logger.Level, String)] { lock.lock(); defer { lock.unlock() }; return _lines }
    func append(_ level: Logger.Level, _ s: String) { lock.lock(); _lines.append((level, s)); lock.unlock() }

    var logger: Logger { Logger(label: "test") { _ in Handler(capture: self) } }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { capture.append(event.level, event.message.description) }
    }
}

/// What one fixture array must become.
struct MDArrayExpectation: Sendable, CustomTestStringConvertible {
    var state: String
    var device: String
    var source: MDDataSource = .sysfs
    var arrayState: String?
    var syncAction: String?
    var syncState: MDSyncState?
    var ratio: Double?
    var degraded: Int?
    var roles: [MDMemberRole: Int]
    var raidDisks: Int?
    var raidDisksBefore: Int? = nil
    var remaining: Double? = nil
    var mismatch: UInt64? = nil

    var testDescription: String { "\(state)/\(device)" }
}

let mdArrayExpectations: [MDArrayExpectation] = [
    .init(
        state: "clean-raid1", device: "md1", arrayState: "clean", syncAction: "idle", syncState: .idle, degraded: 0,
        roles: [.active: 2], raidDisks: 2, mismatch: 0),
    .init(
        state: "active-raid5", device: "md0", arrayState: "active", syncAction: "idle", syncState: .idle, degraded: 0,
        roles: [.active: 4], raidDisks: 4),
    .init(
        state: "reshape", device: "md0", arrayState: "active", syncAction: "reshape", syncState: .running,
        ratio: 54768616.0 / 5_859_218_432, degraded: 1, roles: [.active: 4], raidDisks: 5, raidDisksBefore: 4,
        remaining: 1760.9 * 60),
    .init(
        state: "degraded-removed", device: "md126", arrayState: "clean", syncAction: "idle", syncState: .idle,
        degraded: 1, roles: [.active: 1], raidDisks: 2),
    .init(state: "degraded-removed", device: "md127", arrayState: "inactive", roles: [.spare: 2]),
    .init(state: "imsm", device: "md126", arrayState: "clean", roles: [.active: 2], raidDisks: 2),
    .init(
        state: "degraded-faulty", device: "md0", arrayState: "readonly", syncAction: "idle", syncState: .idle,
        degraded: 1, roles: [.active: 1], raidDisks: 2),
    .init(
        state: "degraded-faulty", device: "md1", arrayState: "clean", syncAction: "recover", syncState: .running,
        ratio: 859592.0 / 995712, degraded: 1, roles: [.active: 2, .recovering: 1, .faulty: 1, .spare: 1], raidDisks: 3,
        remaining: 0),
    .init(
        state: "recovering", device: "md0", arrayState: "clean", syncAction: "recover", syncState: .running,
        ratio: 576763080.0 / 2_930_271_872, degraded: 2, roles: [.active: 4, .recovering: 2], raidDisks: 6,
        remaining: 1420.1 * 60),
    .init(
        state: "resync", device: "md2", arrayState: "active", syncAction: "resync", syncState: .running,
        ratio: 1998680064.0 / 3_884_996_480, degraded: 0, roles: [.active: 2], raidDisks: 2, remaining: 299.8 * 60),
    .init(
        state: "raid10-resync-pending", device: "md2", arrayState: "read-auto", syncAction: "idle", syncState: .pending,
        degraded: 0, roles: [.active: 8], raidDisks: 8),
    .init(
        state: "frozen", device: "md3", arrayState: "active", syncAction: "frozen", syncState: .pending, degraded: 0,
        roles: [.active: 8], raidDisks: 8),
    .init(
        state: "resync-delayed", device: "md1", arrayState: "clean", syncAction: "check", syncState: .delayed,
        degraded: 0, roles: [.active: 2], raidDisks: 2),
    .init(
        state: "check", device: "md127", arrayState: "clean", syncAction: "check", syncState: .running,
        ratio: 3159583488.0 / 7_813_754_880, degraded: 0, roles: [.active: 10], raidDisks: 10, remaining: 2589.7 * 60),
    .init(
        state: "check-mismatch", device: "md2", arrayState: "clean", syncAction: "idle", syncState: .idle, degraded: 0,
        roles: [.active: 2], raidDisks: 2, mismatch: 128),
    .init(
        state: "repair", device: "md2", arrayState: "active", syncAction: "repair", syncState: .running,
        ratio: 1793921792.0 / 7_813_772_928, degraded: 0, roles: [.active: 2], raidDisks: 2, remaining: 2628.5 * 60),
    .init(
        state: "read-only", device: "md0", arrayState: "readonly", syncAction: "idle", syncState: .idle, degraded: 0,
        roles: [.active: 15], raidDisks: 15),
    .init(state: "inactive", device: "md127", arrayState: "inactive", roles: [.spare: 1], raidDisks: 2),
    .init(state: "raid0", device: "md2", arrayState: "clean", roles: [.active: 2], raidDisks: 2),
    .init(state: "linear", device: "md3", arrayState: "clean", roles: [.active: 4], raidDisks: 4),
    .init(
        state: "spares", device: "md256", arrayState: "clean", syncAction: "idle", syncState: .idle, degraded: 0,
        roles: [.active: 2, .spare: 3], raidDisks: 2),
    .init(
        state: "spares", device: "md13", arrayState: "clean", syncAction: "idle", syncState: .idle, degraded: 19,
        roles: [.active: 5], raidDisks: 24),
    .init(
        state: "write-mostly", device: "md1", arrayState: "active", syncAction: "resync", syncState: .running,
        ratio: 8593408.0 / 16_766_848, degraded: 0, roles: [.active: 2], raidDisks: 2, remaining: 18),
    .init(
        state: "journal", device: "md0", arrayState: "clean", syncAction: "idle", syncState: .idle, degraded: 0,
        roles: [.active: 3, .journal: 1], raidDisks: 3),
    .init(
        state: "replacement", device: "md0", arrayState: "clean", syncAction: "recover", syncState: .running,
        ratio: 145389496.0 / 9_767_145_472, degraded: 0, roles: [.active: 4, .recovering: 1, .spare: 1], raidDisks: 4,
        remaining: 1601.3 * 60),
    .init(
        state: "mdstat-only-reshape-0.91", device: "md0", source: .mdstat, arrayState: "active", syncAction: "reshape",
        syncState: .running, ratio: 709745748.0 / 1_465_135_936, degraded: 2, roles: [.active: 4, .spare: 2], raidDisks: 6,
        remaining: 1271.8 * 60),
]

@Suite("mdraid collector on fixture trees")
struct MDRAIDCollectorTests {
    @Test("each fixture array is collected as expected", arguments: mdArrayExpectations)
    func fixtureArray(_ e: MDArrayExpectation) throws {
        let s = try MDFixtureTrees.collect(e.state)
        let a = try #require(s.mdArrays.first { $0.device == e.device })
        #expect(a.error == nil)
        #expect(a.source == e.source)
        #expect(a.arrayState == e.arrayState)
        #expect(a.syncAction == e.syncAction)
        #expect(a.syncState == e.syncState)
        if let r = e.ratio { #expect(abs((a.syncCompletedRatio ?? -1) - r) < 1e-9) } else { #expect(a.syncCompletedRatio == nil) }
        #expect(a.degraded == e.degraded)
        #expect(a.raidDisks == e.raidDisks)
        #expect(a.raidDisksBefore == e.raidDisksBefore)
        if let r = e.remaining { #expect(abs((a.syncRemainingSeconds ?? -1) - r) < 1e-6) }
        if let m = e.mismatch { #expect(a.mismatchSectors == m) }
        var roles: [MDMemberRole: Int] = [:]
        for m in a.members { roles[m.role, default: 0] += 1 }
        #expect(roles == e.roles)
    }

    @Test func arraysAreSortedNaturallyAndMembersBySlot() throws {
        let s = try MDFixtureTrees.collect("raid10-resync-pending")
        #expect(s.mdArrays.map(\.device) == ["md0", "md1", "md2", "md3", "md127"])
        let md3 = try #require(s.mdArrays.first { $0.device == "md3" })
        #expect(md3.members.map(\.slot) == (0..<8).map(Optional.some))
        #expect(md3.bitmap == MDBitmap(pagesUsed: 70, pagesTotal: 111, memoryBytes: 280 << 10, chunkBytes: 64 << 20))
        #expect(md3.sizeBytes == 14_887_084_032 << 10)
        #expect(md3.componentSizeBytes == 3_721_771_008 << 10)
    }

    @Test func memberIdentityComesFromTheWholeDisk() throws {
        let s = try MDFixtureTrees.collect("clean-raid1")
        let md1 = try #require(s.mdArrays.first { $0.device == "md1" })
        let sda2 = try #require(md1.members.first { $0.device == "sda2" })
        #expect(sda2.parentDisk == "sda")
        #expect(sda2.serial == "S3Z9NB0K123456A")
        #expect(sda2.byIdPath == "/dev/disk/by-id/ata-Samsung_SSD_860_EVO_1TB_S3Z9NB0K123456A")
        #expect(sda2.descriptorIndex == 0)
        let sdj2 = try #require(md1.members.first { $0.device == "sdj2" })
        #expect(sdj2.model == nil && sdj2.serial == nil)
    }

    @Test func eachDiskIsLookedUpOnce() throws {
        final class Counter: @unchecked Sendable {
            let lock = NSLock()
            var names: [String] = []
        }
        let counter = Counter()
        var s = Snapshot()
        try MDFixtureTrees.collector("degraded-faulty") { name in
            counter.lock.lock(); counter.names.append(name); counter.lock.unlock()
            return nil
        }.collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
        // md1's five partitions are on sdb; md0's on sdc.
        #expect(counter.names.sorted() == ["sdb", "sdc"])
    }

    @Test func hostWithoutMDIsSuccessWithNoArrays() throws {
        #expect(try MDFixtureTrees.collect("no-md").mdArrays.isEmpty)
        var s = Snapshot()
        try MDRAIDCollector(
            procfs: MDFixtureTrees.bareRoots.proc, sysfs: MDFixtureTrees.bareRoots.sys, logger: Logger(label: "t"),
            identify: { _ in nil }
        ).collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
        #expect(s.mdArrays.isEmpty)
    }

    /// Paths that point nowhere are not "a host without md": the collector fails, saying which
    /// flag to check, and logs it once however many scrapes fail.
    @Test func nonexistentPathsFailTheCollectorAndWarnOnce() throws {
        let log = LogCapture()
        let missing = "/nonexistent-md-\(getpid())"
        let c = MDRAIDCollector(
            procfs: missing + "/proc", sysfs: MDFixtureTrees.bareRoots.sys, logger: log.logger,
            identify: { _ in nil })
        for _ in 0..<3 {
            var s = Snapshot()
            #expect {
                try c.collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
            } throws: { error in
                "\(error)".contains(missing + "/proc") && "\(error)".contains("--path.procfs")
            }
        }
        #expect(log.lines.filter { $0.0 == .warning }.count == 1)
        // A sysfs without block/ is not one either.
        let noBlock = MDRAIDCollector(
            procfs: MDFixtureTrees.bareRoots.proc, sysfs: MDFixtureTrees.bareRoots.proc,
            logger: Logger(label: "t"), identify: { _ in nil })
        var s = Snapshot()
        #expect { try noBlock.collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s) } throws: {
            "\($0)".contains("no 'block'") && "\($0)".contains("--path.sysfs")
        }
    }

    @Test func oneBrokenArrayIsMarkedAndLoggedTheOthersStay() throws {
        let log = LogCapture()
        let s = try MDFixtureTrees.collect("broken-attribute", logger: log.logger)
        #expect(s.mdArrays.map(\.device) == ["md0", "md1"])
        let md0 = s.mdArrays[0]
        let md1 = s.mdArrays[1]
        #expect(md1.error == nil && md1.arrayState == "clean" && md1.members.count == 2)
        let err = try #require(md0.error)
        #expect(err.contains("md0/md/sync_completed") && err.contains("12 of 34"))
        // The broken array still shows what /proc/mdstat says about it.
        #expect(md0.source == .mdstat && md0.raidDisks == 2 && md0.members.count == 2)
        let line = try #require(log.lines.first { $0.0 == .error })
        #expect(line.1.contains("md0") && line.1.contains("sync_completed") && line.1.contains("hv_md_array_scrape_error=1"))
    }

    @Test func sysfsWithoutMDFallsBackToMDStat() throws {
        var s = Snapshot()
        try MDRAIDCollector(
            procfs: MDFixtureTrees.root + "/degraded-faulty/proc", sysfs: MDFixtureTrees.bareRoots.sys,
            logger: Logger(label: "t"), identify: { _ in nil }
        ).collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
        #expect(s.mdArrays.map(\.device) == ["md0", "md1"])
        let md1 = s.mdArrays[1]
        #expect(md1.source == .mdstat && md1.syncAction == "recover" && md1.degraded == 1)
        #expect(md1.members.map(\.role).filter { $0 == .faulty }.count == 1)
        #expect(md1.metadataVersion == "0.90")
        let md0 = s.mdArrays[0]
        #expect(md0.arrayState == "readonly")
    }

    @Test func garbageMDStatWithoutSysfsFailsTheCollector() throws {
        let dir = NSTemporaryDirectory() + "hv-md-garbage-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("this is not mdstat\n".utf8).write(to: URL(fileURLWithPath: dir + "/mdstat"))
        var s = Snapshot()
        #expect(throws: (any Error).self) {
            try MDRAIDCollector(procfs: dir, sysfs: MDFixtureTrees.bareRoots.sys, logger: Logger(label: "t"), identify: { _ in nil })
                .collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
        }
    }

    @Test func containerAndMemberOfContainer() throws {
        let s = try MDFixtureTrees.collect("imsm")
        let container = try #require(s.mdArrays.first { $0.device == "md127" })
        let member = try #require(s.mdArrays.first { $0.device == "md126" })
        #expect(container.isContainer && container.level == "container")
        #expect(!member.isContainer && member.container == "md127")
    }
}

@Suite("hv_md_* exposition on fixture trees")
struct MDExpositionGoldenTests {
    static let update = ProcessInfo.processInfo.environment["HV_UPDATE_GOLDEN"] == "1"

    @Test("exposition equals the golden file", arguments: MDFixtureTrees.states)
    func golden(_ state: String) throws {
        let text = MDFixtureTrees.exposition(try MDFixtureTrees.collect(state))
        let path = "\(MDFixtureTrees.golden)/\(state).prom"
        if Self.update {
            try FileManager.default.createDirectory(atPath: MDFixtureTrees.golden, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
        let golden = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == golden, "run with HV_UPDATE_GOLDEN=1 to regenerate, then review the diff")
    }

    @Test("promtool check metrics finds nothing in the golden files", .promtool, arguments: MDFixtureTrees.states)
    func promtool(_ state: String) throws {
        let input = try Data(contentsOf: URL(fileURLWithPath: "\(MDFixtureTrees.golden)/\(state).prom"))
        let report = try Promtool.checkMetrics(Array(input))
        #expect(report.isClean, "\(report)")
    }

    @Test func stateAndActionSeriesAreComplete() throws {
        let text = MDFixtureTrees.exposition(try MDFixtureTrees.collect("resync-delayed"))
        #expect(text.components(separatedBy: "hv_md_state{device=\"md1\"").count - 1 == MDArray.arrayStates.count)
        #expect(text.contains("hv_md_state{device=\"md1\",state=\"clean\"} 1\n"))
        #expect(text.contains("hv_md_sync_action{device=\"md1\",action=\"check\"} 1\n"))
        #expect(text.contains("hv_md_sync_waiting{device=\"md1\",reason=\"delayed\"} 1\n"))
        #expect(!text.contains("hv_md_sync_completed_ratio{device=\"md1\"}"))
        #expect(text.contains("hv_md_sync_remaining_seconds{device=\"md0\"} 3336\n"))
    }
}
