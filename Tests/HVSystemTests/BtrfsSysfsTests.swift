import Foundation
import HVSystem
import Testing

/// The btrfs readers on real sysfs trees from the lab (Fixtures/btrfs/README.md).
@Suite struct BtrfsSysfsTests {
    static func root(_ state: String) -> String { Fixture.path("btrfs/\(state)") }
    static let healthy = "d69c6151-667b-4f6c-99b6-6b8bcf001ada"
    static let corrupted = "b94c2658-6484-4da3-830b-9d04fb9e3973"
    static let paused = "3e0d3d27-22bb-4fbd-b502-be3b9d4a0def"

    @Test func listsFilesystemsNotTheFeaturesDirectory() throws {
        #expect(try BtrfsSysfs.list(sysRoot: Self.root("raid1-healthy") + "/sys") == [Self.healthy])
        #expect(throws: SystemError.self) { try BtrfsSysfs.list(sysRoot: "/nonexistent") }
    }

    @Test func healthyRaid1() throws {
        let fs = try BtrfsSysfs.read(sysRoot: Self.root("raid1-healthy") + "/sys", fsid: Self.healthy)
        #expect(fs.label == "hvbtr-lab")
        #expect(fs.deviceNames == ["loop0", "loop1"])
        #expect(fs.devices.map(\.devid) == [1, 2])
        #expect(fs.devices.allSatisfy { $0.missing == false && $0.writeable == true && $0.error == nil })
        #expect(fs.devices.allSatisfy { $0.errorStats == BtrfsDeviceErrorStats() })
        #expect(fs.exclusiveOperation == "none")
        #expect(fs.nodeSize == 16384)
        #expect(fs.sectorSize == 4096)
        #expect(fs.allocation.map(\.type) == ["data", "metadata", "system"])
        let data = try #require(fs.allocation.first)
        #expect(data.totalBytes == 134_217_728)
        #expect(data.bytesUsed == 3_207_168)
        #expect(data.diskTotal == 268_435_456)
        #expect(data.diskUsed == 6_414_336)
        #expect(data.profiles == [BtrfsSysfsProfile(name: "raid1", totalBytes: 134_217_728, usedBytes: 3_207_168)])
    }

    @Test func corruptionCountedOnTheDamagedDevice() throws {
        let fs = try BtrfsSysfs.read(sysRoot: Self.root("raid1-corrupted") + "/sys", fsid: Self.corrupted)
        #expect(fs.devices[0].errorStats == BtrfsDeviceErrorStats())
        #expect(fs.devices[1].errorStats == BtrfsDeviceErrorStats(corruption: 16))
        #expect(fs.devices[1].errorStats?.total == 16)
    }

    @Test func missingDevice() throws {
        let fs = try BtrfsSysfs.read(sysRoot: Self.root("raid1-missing") + "/sys", fsid: Self.healthy)
        #expect(fs.deviceNames == ["loop0"])
        #expect(fs.devices.map(\.missing) == [false, true])
    }

    @Test func degradedWritesAddASingleProfile() throws {
        let fs = try BtrfsSysfs.read(sysRoot: Self.root("raid1-missing-written") + "/sys", fsid: Self.healthy)
        let data = try #require(fs.allocation.first { $0.type == "data" })
        #expect(data.profiles.map(\.name) == ["raid1", "single"])
        #expect(data.profiles[1].totalBytes == 91_226_112)
        #expect(data.profiles[1].usedBytes == 74_502_144)
    }

    @Test func pausedBalance() throws {
        let fs = try BtrfsSysfs.read(sysRoot: Self.root("raid1-balance-paused") + "/sys", fsid: Self.paused)
        #expect(fs.exclusiveOperation == "balance paused")
    }

    @Test func goneFilesystemIsNotFound() {
        #expect {
            try BtrfsSysfs.read(sysRoot: Self.root("raid1-healthy") + "/sys", fsid: Self.corrupted)
        } throws: { ($0 as? SystemError)?.kind == .notFound }
    }

    /// A device whose error_stats does not parse keeps its error; the other device and the
    /// filesystem are still read.
    @Test func brokenDeviceFileIsPerDevice() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("hvbtr-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tmp) }
        try FileManager.default.copyItem(atPath: Self.root("raid1-corrupted"), toPath: tmp.path)
        let fsdir = tmp.path + "/sys/fs/btrfs/\(Self.corrupted)"
        try Data("write_errs 0\nread_errs x\n".utf8).write(to: URL(fileURLWithPath: fsdir + "/devinfo/1/error_stats"))
        let fs = try BtrfsSysfs.read(sysRoot: tmp.path + "/sys", fsid: Self.corrupted)
        #expect(fs.devices[0].errorStats == nil)
        #expect(fs.devices[0].error?.contains("devinfo/1/error_stats") == true)
        #expect(fs.devices[1].errorStats?.corruption == 16)
        #expect(fs.devices[1].error == nil)
    }

    @Test(arguments: [
        ("write_errs 1\nread_errs 2\nflush_errs 3\ncorruption_errs 4\ngeneration_errs 5\n", true),
        ("write_errs 1\nread_errs 2\nflush_errs 3\ncorruption_errs 4\ngeneration_errs 5\nnew_errs 9\n", true),
        ("write_errs 1\nread_errs 2\nflush_errs 3\ncorruption_errs 4\n", false),
        ("write_errs 1\nwrite_errs 1\nread_errs 2\nflush_errs 3\ncorruption_errs 4\ngeneration_errs 5\n", false),
        ("write_errs -1\n", false),
        ("", false),
    ])
    func errorStatsShapes(text: String, ok: Bool) {
        let r = try? BtrfsSysfsAttribute.errorStats(Array(text.utf8))
        #expect((r != nil) == ok)
        if ok { #expect(r == BtrfsDeviceErrorStats(write: 1, read: 2, flush: 3, corruption: 4, generation: 5)) }
    }

    @Test func fsidShape() {
        #expect(BtrfsSysfsAttribute.isFSID(Self.healthy))
        #expect(!BtrfsSysfsAttribute.isFSID("features"))
        #expect(!BtrfsSysfsAttribute.isFSID("D69C6151-667B-4F6C-99B6-6B8BCF001ADA"))
        #expect(!BtrfsSysfsAttribute.isFSID("d69c6151x667b-4f6c-99b6-6b8bcf001ada"))
    }

    @Test func scrubRecordOfTheCorruptedState() throws {
        let bytes = Fixture.bytes("btrfs/raid1-corrupted/var/lib/btrfs/scrub.status.\(Self.corrupted)")
        let f = try BtrfsScrubStatusFile.parse(bytes)
        #expect(f.version == 1)
        #expect(f.malformed.isEmpty)
        #expect(f.devices.map(\.devid) == [1, 2])
        #expect(f.devices.allSatisfy { $0.fsid == Self.corrupted && $0.finished && !$0.canceled })
        #expect(f.devices[0].errorsFound == 0)
        #expect(f.devices[1].errorsFound == 16)
        #expect(f.devices[1].values["corrected_errors"] == 16)
        #expect(f.devices[1].startSeconds == 1_796_607_856)
        #expect(f.devices[1].durationSeconds == 0)
    }

    @Test func scrubRecordKeepsGoodLinesPastABadOne() throws {
        let text =
            "scrub status:1\n\(Self.corrupted):1|csum_errors:2|finished:1\ngarbage\n\(Self.corrupted):x|a:1\n\(Self.corrupted):2|csum_errors:3|read_errors:z\n\(Self.corrupted):3|read_errors:1|finished:0\n"
        let f = try BtrfsScrubStatusFile.parse(Array(text.utf8))
        #expect(f.devices.map(\.devid) == [1, 3])
        #expect(f.malformed.map(\.line) == [3, 4, 5])
        #expect(f.devices[1].finished == false)
        #expect(throws: SystemError.self) { try BtrfsScrubStatusFile.parse(Array("scrub state:1\n".utf8)) }
    }

    @Test func mountinfoBtrfsLinesOncePerFilesystem() {
        let text = """
            22 1 0:21 / /proc rw,nosuid - proc proc rw
            40 30 0:45 / /var/lib/hvexporter-lab/btrfs/mnt rw,relatime shared:20 - btrfs /dev/loop0 rw,space_cache=v2,subvolid=5,subvol=/
            41 30 0:45 /sub /srv/with\\040space rw,relatime - btrfs /dev/loop0 rw,subvolid=256,subvol=/sub
            42 30 0:46 / /var/lib/lxd/storage-pools/p rw - btrfs /dev/loop2 rw
            43 30 0:47 / /short rw - btrfs
            """
        let m = BtrfsMount.parse(mountinfo: Array(text.utf8))
        #expect(
            m == [
                BtrfsMount(device: "0:45", mountPoint: "/var/lib/hvexporter-lab/btrfs/mnt", source: "/dev/loop0"),
                BtrfsMount(device: "0:46", mountPoint: "/var/lib/lxd/storage-pools/p", source: "/dev/loop2"),
            ])
        let spaced = BtrfsMount.parse(mountinfo: Array("41 30 0:45 /sub /srv/with\\040space rw - btrfs /dev/loop0 rw\n".utf8))
        #expect(spaced.first?.mountPoint == "/srv/with space")
    }
}
