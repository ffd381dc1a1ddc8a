import Foundation
import HVCollect
import HVExpose
import HVModel
import HVSystem
import Logging
import Testing

/// The btrfs collector on the real sysfs trees of HVSystemTests/Fixtures/btrfs, with what the
/// ioctls said taken from the `btrfs filesystem show --raw` captured beside each tree.
@Suite struct BtrfsCollectorTests {
    static let root: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("HVSystemTests/Fixtures/btrfs").path
    }()

    /// devid -> device info from "devid    1 size 268435456 used 209715200 path /dev/loop0"
    /// ("size 0 used 0 path  MISSING" for a missing device).
    static func shown(_ state: String) throws -> [UInt64: BtrfsDeviceInfo] {
        let text = try String(contentsOfFile: "\(root)/\(state)/filesystem-show.txt", encoding: .utf8)
        var out: [UInt64: BtrfsDeviceInfo] = [:]
        for line in text.split(separator: "\n") {
            let t = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard t.count == 8, t[0] == "devid", let id = UInt64(t[1]), let size = UInt64(t[3]), let used = UInt64(t[5])
            else { continue }
            out[id] = BtrfsDeviceInfo(devid: id, path: t[7] == "MISSING" ? "" : String(t[7]), totalBytes: size, bytesUsed: used)
        }
        return out
    }

    static func collect(_ state: String, scrubRunning: Bool = false) throws -> Snapshot {
        let devices = try shown(state)
        let c = BtrfsCollector(
            sysfs: "\(root)/\(state)/sys", procfs: "/proc", scrubStateDir: "\(root)/\(state)/var/lib/btrfs",
            logger: Logger(label: "test"),
            live: { _, _, _ in
                BtrfsLiveFacts(
                    mountPoint: "/var/lib/hvexporter-lab/btrfs/mnt",
                    devices: devices, scrubRunning: scrubRunning)
            })
        var s = Snapshot()
        try c.collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
        return s
    }

    @Test func healthy() throws {
        let s = try Self.collect("raid1-healthy")
        let fs = try #require(s.btrfsFilesystems.first)
        #expect(s.btrfsFilesystems.count == 1)
        #expect(fs.uuid == "d69c6151-667b-4f6c-99b6-6b8bcf001ada")
        #expect(fs.devices.map(\.device) == ["loop0", "loop1"])
        #expect(fs.devices.map(\.sizeBytes) == [268_435_456, 268_435_456])
        #expect(fs.profiles("data") == ["raid1"])
        #expect(fs.toleratedMissingDevices == 1)
        #expect(fs.balanceRunning == false)
        #expect(fs.lastScrub == nil)
        #expect(s.storageFindings.allSatisfy { $0.severity == .ok })
        #expect(
            Set(s.storageFindings.flatMap(\.keys))
                == [.filesystemUUID(fs.uuid), .blockDevice("loop0"), .blockDevice("loop1")])
    }

    @Test func corruptionMakesTheDeviceAndFilesystemDegraded() throws {
        let s = try Self.collect("raid1-corrupted")
        let fs = try #require(s.btrfsFilesystems.first)
        #expect(fs.devices[1].device == "loop1")
        #expect(fs.devices[1].errors == BtrfsDeviceErrors(corruption: 16))
        let scrub = try #require(fs.lastScrub)
        #expect(scrub.errorsFound == 16)
        #expect(scrub.correctedErrors == 16)
        #expect(scrub.uncorrectableErrors == 0)
        #expect(scrub.finished && !scrub.canceled)
        #expect(scrub.startSeconds == 1_796_607_856)
        let byKey = Dictionary(s.storageFindings.flatMap { f in f.keys.map { ($0, f) } }, uniquingKeysWith: { a, _ in a })
        #expect(byKey[.filesystemUUID(fs.uuid)]?.severity == .degraded)
        #expect(byKey[.filesystemUUID(fs.uuid)]?.reason.contains("corruption 16") == true)
        #expect(byKey[.blockDevice("loop1")]?.severity == .degraded)
        #expect(byKey[.blockDevice("loop0")]?.severity == .ok)

        let text = String(decoding: PrometheusTextWriter.write(SnapshotMetrics.build(s)), as: UTF8.self)
        #expect(
            text.contains(
                #"hv_btrfs_device_errors_total{uuid="b94c2658-6484-4da3-830b-9d04fb9e3973",devid="2",device="loop1",type="corruption"} 16"#
            ))
        #expect(text.contains(#"hv_btrfs_scrub_last_errors{uuid="b94c2658-6484-4da3-830b-9d04fb9e3973"} 16"#))
        #expect(text.contains(#"hv_btrfs_scrub_last_finished{uuid="b94c2658-6484-4da3-830b-9d04fb9e3973"} 1"#))
        #expect(text.contains(#"hv_btrfs_scrub_running{uuid="b94c2658-6484-4da3-830b-9d04fb9e3973"} 0"#))
    }

    @Test func missingDeviceOfARaid1IsDegraded() throws {
        let s = try Self.collect("raid1-missing")
        let fs = try #require(s.btrfsFilesystems.first)
        #expect(fs.missingDevices == 1)
        #expect(fs.devices.map(\.device) == ["loop0", nil])
        let f = try #require(s.storageFindings.first { $0.keys == [.filesystemUUID(fs.uuid)] })
        #expect(f.severity == .degraded)
        #expect(f.reason == "1 of 2 devices missing")
        let text = String(decoding: PrometheusTextWriter.write(SnapshotMetrics.build(s)), as: UTF8.self)
        #expect(text.contains(#"hv_btrfs_devices_missing{uuid="d69c6151-667b-4f6c-99b6-6b8bcf001ada"} 1"#))
        #expect(text.contains(#"hv_btrfs_device_missing{uuid="d69c6151-667b-4f6c-99b6-6b8bcf001ada",devid="2",device=""} 1"#))
    }

    /// Data written while degraded went to `single` chunks: with a device missing, those have
    /// no copy left on the missing device's side, so the filesystem is failed, not degraded.
    @Test func singleChunksWithADeviceMissingAreFailed() throws {
        let s = try Self.collect("raid1-missing-written")
        let fs = try #require(s.btrfsFilesystems.first)
        #expect(fs.profiles("data") == ["raid1", "single"])
        #expect(fs.toleratedMissingDevices == 0)
        let f = try #require(s.storageFindings.first { $0.keys == [.filesystemUUID(fs.uuid)] })
        #expect(f.severity == .failed)
        #expect(f.reason.contains("data single"))
        let text = String(decoding: PrometheusTextWriter.write(SnapshotMetrics.build(s)), as: UTF8.self)
        #expect(text.contains(#"data_profile="raid1,single""#))
    }

    @Test func pausedBalanceIsNotRunning() throws {
        let s = try Self.collect("raid1-balance-paused", scrubRunning: true)
        let fs = try #require(s.btrfsFilesystems.first)
        #expect(fs.exclusiveOperation == "balance paused")
        #expect(fs.balanceRunning == false)
        let text = String(decoding: PrometheusTextWriter.write(SnapshotMetrics.build(s)), as: UTF8.self)
        #expect(text.contains(#"hv_btrfs_exclusive_operation{uuid="3e0d3d27-22bb-4fbd-b502-be3b9d4a0def",operation="balance paused"} 1"#))
        #expect(text.contains(#"hv_btrfs_scrub_running{uuid="3e0d3d27-22bb-4fbd-b502-be3b9d4a0def"} 1"#))
    }

    @Test func noBtrfsIsSuccessWithNone() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("hvbtr-none-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tmp) }
        try FileManager.default.createDirectory(at: tmp.appendingPathComponent("fs"), withIntermediateDirectories: true)
        let c = BtrfsCollector(sysfs: tmp.path, procfs: "/proc", logger: Logger(label: "test"), live: { _, _, _ in nil })
        var s = Snapshot()
        try c.collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
        #expect(s.btrfsFilesystems.isEmpty)
        #expect(!String(decoding: PrometheusTextWriter.write(SnapshotMetrics.build(s)), as: UTF8.self).contains("hv_btrfs"))
    }

    @Test func profileTolerance() {
        #expect(BtrfsFilesystem.toleratedFailures("dup") == 0)
        #expect(BtrfsFilesystem.toleratedFailures("raid10") == 1)
        #expect(BtrfsFilesystem.toleratedFailures("raid6") == 2)
        #expect(BtrfsFilesystem.toleratedFailures("raid1c4") == 3)
        #expect(BtrfsFilesystem.toleratedFailures("raid7") == nil)
    }

    /// On this machine, when the lab's btrfs RAID1 is up (scripts/lab/btrfs-up.sh): the real
    /// ioctls name its devices.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/var/lib/hvexporter-lab/btrfs/mnt") && getuid() == 0))
    func liveIoctlsOnTheLab() throws {
        let c = BtrfsCollector(logger: Logger(label: "test"))
        var s = Snapshot()
        try c.collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
        let fs = try #require(s.btrfsFilesystems.first { $0.mountPoint == "/var/lib/hvexporter-lab/btrfs/mnt" })
        #expect(fs.label == "hvbtr-lab")
        #expect(fs.devices.count == 2)
        #expect(fs.devices.allSatisfy { ($0.device ?? "").hasPrefix("loop") && ($0.sizeBytes ?? 0) == 256 << 20 })
        #expect(fs.scrubRunning == false)
    }
}
