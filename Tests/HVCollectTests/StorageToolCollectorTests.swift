import Foundation
import HVModel
import HVRuntime
import Logging
import Testing

@testable import HVCollect

/// The drbd, multipath and zfs collectors on fixture trees and fake tools (shell scripts
/// printing a real output, hanging, printing garbage, failing, printing another format).
@Suite struct StorageToolCollectorTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("HVFormatsTests/Fixtures").path
    let logger = Logger(label: "test")
    /// No background rerun during a test; a timeout long enough for a loaded machine.
    let fast = StorageToolSettings(interval: .seconds(3600), timeout: .seconds(20))
    /// For the tool that hangs.
    let short = StorageToolSettings(interval: .seconds(3600), timeout: .milliseconds(500))

    /// A fresh temporary directory.
    static func tempDir(_ tag: String) throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("hv-\(tag)-\(getpid())-\(UUID().uuidString.prefix(6))").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// Writes an executable shell script and returns its path. The file is written through a
    /// close-on-exec descriptor: a tool another test spawns meanwhile must not inherit it open
    /// for writing (running the script would then fail with ETXTBSY).
    static func script(_ dir: String, _ name: String, _ body: String) throws -> String {
        let path = "\(dir)/\(name)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        let bytes = Array(("#!/bin/sh\n" + body + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { throw CocoaError(.fileWriteUnknown) }
        return path
    }

    /// Runs the sampler once, again while the run failed with ETXTBSY: a child another test
    /// forked while this test's script was still open for writing holds it until its exec (a
    /// race of tests writing and running scripts in one process, not of the collector).
    static func settle<V>(_ s: ToolSampler<V>) {
        for _ in 0..<5 {
            s.runOnce()
            guard s.read().status.error?.contains("Text file busy") == true else { return }
        }
    }

    static func fixture(_ rel: String) -> String { "\(fixtures)/\(rel)" }

    func collect(_ c: any Collector) throws -> Snapshot {
        var s = Snapshot()
        try c.collect(ScrapeContext(libvirtTimeout: .seconds(1)), into: &s)
        return s
    }

    // MARK: - DRBD

    @Test func drbd8FromProcfsSplitBrainAndResync() throws {
        let proc = try Self.tempDir("drbd8")
        defer { try? FileManager.default.removeItem(atPath: proc) }
        try FileManager.default.copyItem(atPath: Self.fixture("drbd-proc/split-brain-node2-8.4.0.txt"), toPath: proc + "/drbd")
        let c = DRBDCollector(procfs: proc, drbdsetupPath: "/nonexistent/drbdsetup", settings: fast, logger: logger)
        let report = try #require(try collect(c).drbd)
        #expect(report.source == "procfs" && report.moduleVersion == "8.4.0" && report.toolRuns.isEmpty)
        let r = try #require(report.resources.first)
        #expect(r.name == "drbd0" && r.role == "Primary")
        #expect(r.peers.first?.connectionState == "StandAlone" && r.peers.first?.splitBrain == true)
        #expect(r.peers.first?.volumes.first?.outOfSyncBytes == 100 * 1024)
        let f = try #require(r.storageFindings.first)
        #expect(f.keys == [.blockDevice("drbd0")] && f.severity == .failed && f.reason.contains("split brain"))

        try FileManager.default.removeItem(atPath: proc + "/drbd")
        try FileManager.default.copyItem(atPath: Self.fixture("drbd-proc/checkmk-syncing-8.3.8.txt"), toPath: proc + "/drbd")
        let sync = try #require(try collect(c).drbd?.resources.first)
        let pv = try #require(sync.peers.first?.volumes.first)
        #expect(sync.peers.first?.connectionState == "Connected" && pv.replicationState == "SyncSource" && pv.syncing)
        #expect(abs((pv.syncRatio ?? 0) - 0.424) < 1e-9)
        #expect(pv.syncSpeedBytesPerSecond == 60172 * 1024 && pv.syncRemainingSeconds == 5008, "\(pv)")
        #expect(sync.storageFindings.first?.severity == .degraded)

        try FileManager.default.removeItem(atPath: proc + "/drbd")
        try FileManager.default.copyItem(atPath: Self.fixture("drbd-proc/checkmk-synced-8.3.8.txt"), toPath: proc + "/drbd")
        #expect(try collect(c).drbd?.resources.first?.storageFindings.first?.severity == .ok)
    }

    @Test func noDRBDModuleIsNoReportAndSuccess() throws {
        let proc = try Self.tempDir("nodrbd")
        defer { try? FileManager.default.removeItem(atPath: proc) }
        try FileManager.default.createSymbolicLink(atPath: proc + "/self", withDestinationPath: "1")   // a procfs without drbd
        let s = try collect(DRBDCollector(procfs: proc, drbdsetupPath: "/nonexistent/drbdsetup", settings: fast, logger: logger))
        #expect(s.drbd == nil && s.toolRuns.isEmpty)
    }

    @Test func drbd9ThroughAFakeDrbdsetupThenGarbageKeepsTheLastGoodStale() throws {
        let dir = try Self.tempDir("drbd9")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "version: 9.2.8 (api:2/proto:86-122)\n".write(toFile: dir + "/drbd", atomically: true, encoding: .utf8)
        // First run: the real output; later runs: garbage.
        let tool = try Self.script(
            dir, "drbdsetup",
            """
            if [ -e \(dir)/ran ]; then echo 'drbdsetup: unknown option'; exit 0; fi
            : > \(dir)/ran
            /bin/cat \(Self.fixture("drbd9/ha-cluster-exporter-two-resources-secondary.json"))
            """)
        let c = DRBDCollector(procfs: dir, drbdsetupPath: tool, settings: fast, logger: logger)
        let first = try collect(c)   // starts the sampler; never waits for it
        #expect(first.drbd?.source == "drbdsetup")
        let sampler = try #require(c.sampler)
        #expect(sampler.waitForRuns(1, until: .now + .seconds(30)))
        if sampler.read().status.error?.contains("Text file busy") == true { Self.settle(sampler) }
        let report = try #require(try collect(c).drbd)
        #expect(report.resources.map(\.name) == ["1-single-0", "1-single-1"], "\(report.toolRuns)")
        #expect(report.resources[0].volumes.first?.blockDevice == "drbd2")
        #expect(report.toolRuns.first?.success == true && report.toolRuns.first?.stale == false)
        #expect(report.resources.flatMap(\.storageFindings).allSatisfy { $0.severity == .ok })

        sampler.runOnce()
        let after = try #require(try collect(c).drbd)
        #expect(after.resources.count == 2)   // the last good figures
        let run = try #require(after.toolRuns.first)
        #expect(!run.success && run.stale)
        #expect(run.error?.contains("drbdsetup status") == true)
    }

    @Test func hangingFailingAndOtherFormatDrbdsetup() throws {
        let dir = try Self.tempDir("drbd9bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "version: 9.1.16 (api:2/proto:86-121)\n".write(toFile: dir + "/drbd", atomically: true, encoding: .utf8)
        let cases: [(String, String, String)] = [
            ("hang", "/bin/sleep 30", "timed out"),
            ("fail", "echo 'Could not connect to drbd' >&2; exit 20", "exit status 20"),
            // `drbdsetup status` without --json (what an old drbd-utils prints).
            ("text", "echo 'r0 role:Primary'; echo '  disk:UpToDate'", "drbdsetup status"),
        ]
        for (name, body, expected) in cases {
            let tool = try Self.script(dir, "drbdsetup-\(name)", body)
            let c = DRBDCollector(procfs: dir, drbdsetupPath: tool, settings: name == "hang" ? short : fast, logger: logger)
            let t0 = ContinuousClock.now
            _ = try collect(c)
            #expect(ContinuousClock.now - t0 < .seconds(2))   // a scrape never waits for the tool (it sleeps 30 s)
            let sampler = try #require(c.sampler)
            Self.settle(sampler)
            #expect(ContinuousClock.now - t0 < .seconds(25))
            let report = try #require(try collect(c).drbd)
            #expect(report.resources.isEmpty)
            let run = try #require(report.toolRuns.first)
            #expect(!run.success && !run.stale && run.lastSuccessSeconds == nil)
            #expect(run.error?.contains(expected) == true, "\(name): \(run.error ?? "nil")")
        }
    }

    // MARK: - multipath

    @Test func multipathMapWithoutActivePath() throws {
        let dir = try Self.tempDir("mpath")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: (any Error).self) {
            try collect(MultipathCollector(sysfs: dir, multipathdPath: "/bin/false", settings: fast, logger: logger))
        }
        try FileManager.default.createDirectory(atPath: dir + "/block", withIntermediateDirectories: true)
        // An LVM volume is a dm device but no multipath map.
        try FileManager.default.createDirectory(atPath: dir + "/block/dm-0/dm", withIntermediateDirectories: true)
        try "LVM-abc\n".write(toFile: dir + "/block/dm-0/dm/uuid", atomically: true, encoding: .utf8)
        let noModule = MultipathCollector(sysfs: dir, multipathdPath: "/bin/false", settings: fast, logger: logger)
        #expect(try collect(noModule).multipath == nil)

        // Built into the kernel: no module entry, but a dm device that is a multipath map.
        try FileManager.default.createDirectory(atPath: dir + "/block/dm-3/dm", withIntermediateDirectories: true)
        try "mpath-360050768029b8168e000000000006247\n".write(toFile: dir + "/block/dm-3/dm/uuid", atomically: true, encoding: .utf8)
        let tool = try Self.script(
            dir, "multipathd", "/bin/cat \(Self.fixture("multipath/ibm-ubiquity-list-maps-json-no-active-path.json"))")
        let c = MultipathCollector(sysfs: dir, multipathdPath: tool, settings: fast, logger: logger)
        Self.settle(c.sampler!)
        let report = try #require(try collect(c).multipath)
        let m = try #require(report.maps.first)
        #expect(m.name == "mpathp" && m.dmDevice == "dm-3" && m.activePaths == 0 && m.failedPaths == 1 && m.queueingEnabled)
        let f = m.storageFinding
        #expect(f.severity == .failed && f.keys == [.blockDevice("dm-3"), .wwn("60050768029b8168e000000000006247")])
        #expect(f.reason.contains("no active path") && f.reason.contains("5 chk"))
        #expect(report.toolRuns.first?.tool == "multipathd" && report.toolRuns.first?.success == true)

        let garbage = try Self.script(dir, "multipathd-old", "echo 'fail'")
        let g = MultipathCollector(sysfs: dir, multipathdPath: garbage, settings: fast, logger: logger)
        Self.settle(g.sampler!)
        let run = try #require(try collect(g).multipath?.toolRuns.first)
        #expect(!run.success && run.error?.contains("multipathd") == true && run.error?.contains("fail") == true, "\(run)")
    }

    @Test func multipathJudgement() {
        var m = MultipathMap(
            name: "m",
            paths: [
                .init(device: "sda", dmState: "active", checkerState: "ready"),
                .init(device: "sdb", dmState: "failed", checkerState: "faulty"),
            ])
        m.dmDevice = "dm-1"
        m.wwid = "3600a098038303053453f463045727a6b"
        #expect(m.storageFinding.severity == .degraded && m.storageFinding.reason == "1 of 2 paths failed")
        #expect(m.wwn == "600a098038303053453f463045727a6b")
        m.paths[1] = .init(device: "sdb", dmState: "active", checkerState: "ready")
        #expect(m.storageFinding.severity == .ok)
        m.wwid = "2002538a1b1c0d0e"   // an EUI-64: no WWN key
        #expect(m.wwn == nil && m.storageFinding.keys == [.blockDevice("dm-1")])
    }

    // MARK: - ZFS

    @Test func zfsThroughAFakeZpool() throws {
        let dir = try Self.tempDir("zfs")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/proc/spl/kstat/zfs/mypool", withIntermediateDirectories: true)
        // A /dev tree where the by-id name of one member resolves to sdb1.
        try FileManager.default.createDirectory(atPath: dir + "/dev/disk/by-id", withIntermediateDirectories: true)
        try "".write(toFile: dir + "/dev/sdb1", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: dir + "/dev/disk/by-id/ata-ST8000VN004-xxxxxx_redacted-part1", withDestinationPath: "../../sdb1")
        let tool = try Self.script(
            dir, "zpool",
            """
            # an older zpool: no -p for status
            case "$1$2" in
            status-p) echo "invalid option 'p'" >&2; exit 2 ;;
            status) /bin/cat \(Self.fixture("zpool-status/danjl1100-07-unavail.txt")) ;;
            list*) printf 'mypool\\t8000000000000\\t6000000000000\\t2000000000000\\t7\\tDEGRADED\\n' ;;
            esac
            """)
        let c = ZFSCollector(procfs: dir + "/proc", zpoolPath: tool, devRoot: dir + "/dev", settings: fast, logger: logger)
        #expect(try collect(c).zfs?.pools.isEmpty == true)   // before the first run
        Self.settle(c.sampler!)
        let report = try #require(try collect(c).zfs)
        #expect(report.source == "zpool" && report.problems.isEmpty)
        let p = try #require(report.pools.first)
        #expect(p.state == "DEGRADED" && p.sizeBytes == 8_000_000_000_000 && p.fragmentationRatio == 0.07)
        #expect(p.scan?.kind == "scrub" && p.scan?.state == "finished" && p.scan?.endTimestampSeconds != nil)
        let leaves = p.vdevs.filter(\.leaf)
        #expect(
            leaves.map(\.path) == [
                "mypool/mirror-0/12345678901234567890", "mypool/mirror-0/ata-ST8000VN004-xxxxxx_redacted-part1",
                "mypool/mirror-0/ata-ST8000VN004-xxxxxx_redacted",
            ])
        #expect(leaves.map(\.blockDevice) == [nil, "sdb1", nil])
        let f = p.storageFinding
        #expect(f.severity == .degraded && f.keys == [.zpool("mypool"), .blockDevice("sdb1")])
        #expect(f.reason.contains("12345678901234567890 UNAVAIL"))
    }

    @Test func zpoolListFailingKeepsTheStatus() throws {
        let dir = try Self.tempDir("zfs2")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/spl/kstat/zfs", withIntermediateDirectories: true)
        let tool = try Self.script(
            dir, "zpool",
            """
            [ "$1" = status ] && exec /bin/cat \(Self.fixture("zpool-status/danjl1100-02-online-data-corruption.txt"))
            echo 'internal error' >&2; exit 1
            """)
        let c = ZFSCollector(procfs: dir, zpoolPath: tool, devRoot: dir, settings: fast, logger: logger)
        Self.settle(c.sampler!)
        let report = try #require(try collect(c).zfs)
        let p = try #require(report.pools.first)
        #expect(p.dataErrors == 1 && p.sizeBytes == nil && p.storageFinding.severity == .degraded)
        #expect(report.problems.first?.contains("zpool list") == true)
        #expect(report.toolRuns.first?.success == true)
    }

    @Test(.enabled(if: ExternalCommand.find("zpool") == nil, "zpool on PATH: the kstat fallback is not used"))
    func zfsPoolStatesFromKstatWithoutZpool() throws {
        let dir = try Self.tempDir("kstat")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (pool, file) in [("pool1", "node-exporter-pool1-state"), ("pool2", "node-exporter-pool2-state")] {
            try FileManager.default.createDirectory(atPath: "\(dir)/spl/kstat/zfs/\(pool)", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Self.fixture("zfs-kstat/\(file)"), toPath: "\(dir)/spl/kstat/zfs/\(pool)/state")
        }
        let report = try #require(try collect(ZFSCollector(procfs: dir, settings: fast, logger: logger)).zfs)
        #expect(report.source == "kstat" && report.toolRuns.isEmpty)
        #expect(report.pools.map(\.name) == ["pool1", "pool2"] && report.pools.map(\.state) == ["ONLINE", "SUSPENDED"])
        #expect(report.pools[1].storageFinding.severity == .failed)
        let none = try Self.tempDir("nozfs")
        defer { try? FileManager.default.removeItem(atPath: none) }
        #expect(throws: (any Error).self) { try collect(ZFSCollector(procfs: none, settings: fast, logger: logger)) }   // not a procfs
        try FileManager.default.createSymbolicLink(atPath: none + "/self", withDestinationPath: "1")
        #expect(try collect(ZFSCollector(procfs: none, settings: fast, logger: logger)).zfs == nil)
    }

    @Test func drbd9Judgement() {
        var r = DRBDResource(name: "r0", role: "Primary", volumes: [.init(volume: 0, minor: 1000, diskState: "UpToDate")])
        r.peers = [
            .init(
                name: "b", connectionState: "Connected", role: "Secondary",
                volumes: [.init(volume: 0, diskState: "UpToDate", replicationState: "Established")])
        ]
        #expect(r.storageFindings.first?.severity == .ok)
        r.peers[0].connectionState = "Connecting"
        #expect(r.storageFindings.first?.severity == .degraded && r.storageFindings.first?.reason == "Connecting to b")
        r.peers[0].connectionState = "Connected"
        r.peers[0].volumes[0] = .init(volume: 0, diskState: "Inconsistent", replicationState: "SyncSource")
        r.peers[0].volumes[0].syncRatio = 0.5
        #expect(r.storageFindings.first?.reason == "SyncSource with b 50%")
        r.volumes[0].diskState = "Diskless"
        #expect(r.storageFindings.first?.severity == .failed)
        r.volumes[0].client = true
        r.peers[0].volumes[0] = .init(volume: 0, diskState: "UpToDate", replicationState: "Established")
        #expect(r.storageFindings.first?.severity == .ok)   // a diskless client by intent
    }
}
