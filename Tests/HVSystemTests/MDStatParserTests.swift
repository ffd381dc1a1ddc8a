import Foundation
import HVSystem
import Testing

/// What one array of a fixture's /proc/mdstat must parse to.
struct MDStatExpectation: Sendable, CustomTestStringConvertible {
    var state: String
    var device: String
    var active = true
    var access = MDStatArray.Access.readWrite
    var level: String?
    /// "name[desc]flags" as printed, in file order.
    var members: [String]
    var blocks: UInt64?
    var metadata: String
    var disks: (Int, Int)?
    var slotStatus: String?
    var chunkKiB: UInt64?
    var progress: MDStatProgress?
    var waiting: MDStatWaiting?
    var bitmap: MDStatBitmap?
    var copies: Int?
    var roundingKiB: Int64?

    var testDescription: String { "\(state)/\(device)" }
}

private func p(_ action: String, _ permille: Int, _ done: UInt64, _ total: UInt64, _ finishMin: Double, _ speed: UInt64) -> MDStatProgress {
    MDStatProgress(
        action: action, permille: permille, doneKiB: done, totalKiB: total, finishSeconds: finishMin * 60,
        speedKiBPerSecond: speed)
}

private let chunk64MiB: UInt64 = 65536 * 1024

let mdstatExpectations: [MDStatExpectation] = [
    .init(
        state: "clean-raid1", device: "md1", level: "raid1", members: ["sda2[0]", "sdj2[1]"], blocks: 243_817_472,
        metadata: "1.2", disks: (2, 2), slotStatus: "UU",
        bitmap: MDStatBitmap(pagesUsed: 2, pagesTotal: 2, memoryKiB: 8, chunkBytes: chunk64MiB)),
    .init(
        state: "clean-raid1", device: "md0", level: "raid1", members: ["sda1[2]", "sdj1[1]"], blocks: 248640,
        metadata: "1.2", disks: (2, 2), slotStatus: "UU"),
    .init(
        state: "active-raid5", device: "md0", level: "raid5", members: ["sdc1[3]", "sdb1[6]", "sdd1[4]", "sda1[5]"],
        blocks: 8_788_827_648, metadata: "1.2", disks: (4, 4), slotStatus: "UUUU", chunkKiB: 512),
    .init(
        state: "reshape", device: "md0", level: "raid5", members: ["sdb1[6]", "sda1[5]", "sdc1[3]", "sdd1[4]"],
        blocks: 8_788_827_648, metadata: "1.2", disks: (5, 4), slotStatus: "UUUU_", chunkKiB: 512,
        progress: p("reshape", 9, 27_384_308, 2_929_609_216, 1760.9, 27468)),
    .init(
        state: "degraded-removed", device: "md125", level: "raid1", members: ["sdb[0]"], blocks: 1_048_576,
        metadata: "external:/md127/0", disks: (2, 1), slotStatus: "_U",
        bitmap: MDStatBitmap(pagesUsed: 0, pagesTotal: 1, memoryKiB: 0, chunkBytes: chunk64MiB)),
    .init(
        state: "degraded-removed", device: "md127", active: false, members: ["sdb[1](S)", "sda[0](S)"], blocks: 10402,
        metadata: "external:imsm"),
    .init(
        state: "imsm", device: "md126", level: "raid0", members: ["sdb[1]", "sda[0]"], blocks: 937_698_304,
        metadata: "external:/md127/0", chunkKiB: 128),
    .init(
        state: "imsm", device: "md127", active: false, members: ["sdb[1](S)", "sda[0](S)"], blocks: 4784,
        metadata: "external:imsm"),
    .init(
        state: "degraded-faulty", device: "md0", access: .readOnly, level: "raid1", members: ["sdc1[1]"],
        blocks: 2_096_384, metadata: "0.90", disks: (2, 1), slotStatus: "_U"),
    .init(
        state: "degraded-faulty", device: "md1", level: "raid5",
        members: ["sdb3[2]", "sdb4[3]", "sdb2[4](F)", "sdb1[0]", "sdb5[5](S)"], blocks: 995712, metadata: "0.90",
        disks: (3, 2), slotStatus: "U_U", chunkKiB: 64, progress: p("recovery", 860, 429796, 497856, 0, 23877)),
    .init(
        state: "recovering", device: "md0", level: "raid6",
        members: ["sde1[6]", "sdf1[7]", "sdb1[0]", "sdg1[3]", "sdd1[2]", "sdc[1]"], blocks: 5_860_543_744,
        metadata: "0.90", disks: (6, 4), slotStatus: "UUUU__", chunkKiB: 4,
        progress: p("recovery", 196, 288_381_540, 1_465_135_936, 1420.1, 13810)),
    .init(
        state: "resync", device: "md1", level: "raid1", members: ["sdb1[1]", "sda1[0]"], blocks: 10_485_696,
        metadata: "0.90", disks: (2, 2), slotStatus: "UU"),
    .init(
        state: "resync", device: "md2", level: "raid1", members: ["sdb2[1]", "sda2[0]"], blocks: 1_942_498_240,
        metadata: "0.90", disks: (2, 2), slotStatus: "UU",
        progress: p("resync", 514, 999_340_032, 1_942_498_240, 299.8, 52431)),
    .init(
        state: "raid10-resync-pending", device: "md127", level: "raid10", members: ["ram1[1]", "ram0[0]"],
        blocks: 1_046_528, metadata: "1.2", disks: (2, 2), slotStatus: "UU", copies: 2),
    .init(
        state: "raid10-resync-pending", device: "md3", level: "raid10",
        members: [
            "nvme0n1p5[0]", "nvme1n1p5[1]", "nvme3n1p5[3]", "nvme4n1p5[4]", "nvme6n1p5[6]", "nvme5n1p5[5]",
            "nvme7n1p5[7]", "nvme2n1p5[2]",
        ],
        blocks: 14_887_084_032, metadata: "1.2", disks: (8, 8), slotStatus: "UUUUUUUU", chunkKiB: 512,
        progress: p("resync", 372, 5_549_960_960, 14_887_084_032, 754.4, 206272),
        bitmap: MDStatBitmap(pagesUsed: 70, pagesTotal: 111, memoryKiB: 280, chunkBytes: chunk64MiB), copies: 2),
    .init(
        state: "raid10-resync-pending", device: "md2", access: .autoReadOnly, level: "raid10",
        members: [
            "nvme4n1p4[4]", "nvme1n1p4[1]", "nvme3n1p4[3]", "nvme0n1p4[0]", "nvme6n1p4[6]", "nvme7n1p4[7]",
            "nvme5n1p4[5]", "nvme2n1p4[2]",
        ],
        blocks: 67_067_904, metadata: "1.2", disks: (8, 8), slotStatus: "UUUUUUUU", chunkKiB: 512,
        waiting: MDStatWaiting(action: "resync", reason: "PENDING"), copies: 2),
    .init(
        state: "frozen", device: "md3", level: "raid10",
        members: [
            "nvme0n1p5[0]", "nvme1n1p5[1]", "nvme3n1p5[3]", "nvme4n1p5[4]", "nvme6n1p5[6]", "nvme5n1p5[5]",
            "nvme7n1p5[7]", "nvme2n1p5[2]",
        ],
        blocks: 14_887_084_032, metadata: "1.2", disks: (8, 8), slotStatus: "UUUUUUUU", chunkKiB: 512,
        waiting: MDStatWaiting(action: "resync", reason: "PENDING"),
        bitmap: MDStatBitmap(pagesUsed: 70, pagesTotal: 111, memoryKiB: 280, chunkBytes: chunk64MiB), copies: 2),
    .init(
        state: "resync-delayed", device: "md0", level: "raid1", members: ["sdb2[0]", "sda2[1]"], blocks: 972_946_432,
        metadata: "1.2", disks: (2, 2), slotStatus: "UU",
        progress: p("check", 455, 442_910_144, 972_946_432, 55.6, 158752),
        bitmap: MDStatBitmap(pagesUsed: 2, pagesTotal: 8, memoryKiB: 8, chunkBytes: chunk64MiB)),
    .init(
        state: "resync-delayed", device: "md1", level: "raid1", members: ["sdb3[0]", "sda3[1]"], blocks: 3_677_184,
        metadata: "1.2", disks: (2, 2), slotStatus: "UU", waiting: MDStatWaiting(action: "resync", reason: "DELAYED")),
    .init(
        state: "check", device: "md127", level: "raid6",
        members: [
            "sdm1[8]", "sdj1[7]", "sdh1[6]", "sdf1[4]", "sdd1[2]", "sdg1[5]", "sdl1[9]", "sde1[3]", "sdb1[0]",
            "sdc1[1]",
        ],
        blocks: 31_255_019_520, metadata: "1.2", disks: (10, 10), slotStatus: "UUUUUUUUUU", chunkKiB: 128,
        progress: p("check", 404, 1_579_717_248, 3_906_877_440, 2589.7, 14976),
        bitmap: MDStatBitmap(pagesUsed: 1, pagesTotal: 30, memoryKiB: 4, chunkBytes: chunk64MiB)),
    .init(
        state: "check-mismatch", device: "md2", level: "raid1", members: ["sde1[1]", "sdd1[0]"], blocks: 3_906_886_464,
        metadata: "1.2", disks: (2, 2), slotStatus: "UU",
        bitmap: MDStatBitmap(pagesUsed: 0, pagesTotal: 30, memoryKiB: 0, chunkBytes: chunk64MiB)),
    .init(
        state: "repair", device: "md2", level: "raid1", members: ["sde1[1]", "sdd1[0]"], blocks: 3_906_886_464,
        metadata: "1.2", disks: (2, 2), slotStatus: "UU",
        progress: p("resync", 229, 896_960_896, 3_906_886_464, 2628.5, 19084),
        bitmap: MDStatBitmap(pagesUsed: 14, pagesTotal: 30, memoryKiB: 56, chunkBytes: chunk64MiB)),
    .init(
        state: "read-only", device: "md0", access: .readOnly, level: "raid6",
        members: (0..<15).reversed().map { i in
            [
                "sdak", "sdal", "sdam", "sdan", "sdao", "sdap", "sdaq", "sdar", "sdas", "sdat", "sdau", "sdav", "sdaw",
                "sdax", "sday",
            ][i] + "[\(i)]"
        },
        blocks: 101_580_623_872, metadata: "1.1", disks: (15, 15), slotStatus: String(repeating: "U", count: 15),
        chunkKiB: 512, bitmap: MDStatBitmap(pagesUsed: 0, pagesTotal: 59, memoryKiB: 0, chunkBytes: chunk64MiB)),
    .init(state: "inactive", device: "md127", active: false, members: ["sdc1[0](S)"], blocks: 52_395_008, metadata: "1.2"),
    .init(
        state: "raid0", device: "md2", level: "raid0", members: ["md0[0]", "md1[1]"], blocks: 3_906_764_288,
        metadata: "1.2", chunkKiB: 64),
    .init(
        state: "linear", device: "md3", level: "linear", members: ["sdd5[3]", "sdc5[2]", "sdb5[1]", "sda5[0]"],
        blocks: 78_093_217_726, metadata: "1.2", roundingKiB: 0),
    .init(
        state: "spares", device: "md256", level: "raid1",
        members: ["sdb2[2](S)", "sdf2[4](S)", "sda2[3](S)", "sdc2[1]", "sdd2[0]"], blocks: 530112, metadata: "1.0",
        disks: (2, 2), slotStatus: "UU",
        bitmap: MDStatBitmap(pagesUsed: 0, pagesTotal: 1, memoryKiB: 0, chunkBytes: chunk64MiB)),
    .init(
        state: "spares", device: "md13", level: "raid1", members: ["sdb4[24]", "sdf4[25]", "sdd4[0]", "sda4[2]", "sdc4[1]"],
        blocks: 458880, metadata: "1.0", disks: (24, 5), slotStatus: "UUUUU" + String(repeating: "_", count: 19),
        bitmap: MDStatBitmap(pagesUsed: 1, pagesTotal: 1, memoryKiB: 4, chunkBytes: chunk64MiB)),
    .init(
        state: "spares", device: "md1", level: "raid5", members: ["sda3[2]", "sdc3[1]", "sdd3[0]"], blocks: 7_794_126_848,
        metadata: "1.0", disks: (3, 3), slotStatus: "UUU", chunkKiB: 512,
        progress: p("resync", 25, 100_223_808, 3_897_063_424, 744.1, 85037)),
    .init(
        state: "write-mostly", device: "md1", level: "raid1", members: ["sdd[1](W)", "md0[0]"], blocks: 8_383_424,
        metadata: "1.2", disks: (2, 2), slotStatus: "UU", progress: p("resync", 512, 4_296_704, 8_383_424, 0.3, 204604),
        bitmap: MDStatBitmap(pagesUsed: 1, pagesTotal: 1, memoryKiB: 4, chunkBytes: chunk64MiB)),
    .init(
        state: "write-mostly", device: "md0", level: "raid0", members: ["sdc[1]", "sdb[0]"], blocks: 8_387_584,
        metadata: "1.2", chunkKiB: 512),
    .init(
        state: "journal", device: "md0", level: "raid5", members: ["nvme2n1[4]", "dm-0[3](J)", "nvme1n1[1]", "nvme0n1[0]"],
        blocks: 104_790_016, metadata: "1.2", disks: (3, 3), slotStatus: "UUU", chunkKiB: 512),
    .init(
        state: "replacement", device: "md0", level: "raid5",
        members: ["sdk1[6](R)", "sdf1[5](S)", "sdg1[4]", "sdc1[2]", "sde1[1]", "sdb1[0]"], blocks: 14_650_718_208,
        metadata: "1.2", disks: (4, 4), slotStatus: "UUUU", chunkKiB: 512,
        progress: p("recovery", 14, 72_694_748, 4_883_572_736, 1601.3, 50071),
        bitmap: MDStatBitmap(pagesUsed: 0, pagesTotal: 37, memoryKiB: 0, chunkBytes: chunk64MiB)),
    .init(
        state: "mdstat-only-reshape-0.91", device: "md0", level: "raid6",
        members: ["sde1[6](S)", "sdf1[7](S)", "sdb1[0]", "sdg1[3]", "sdd1[2]", "sdc[1]"], blocks: 5_860_543_744,
        metadata: "0.91", disks: (6, 4), slotStatus: "UUUU__", chunkKiB: 4,
        progress: p("reshape", 484, 709_745_748, 1_465_135_936, 1271.8, 9898)),
]

/// Renders a member back to mdstat notation.
private func notation(_ m: MDStatMember) -> String {
    var s = "\(m.name)[\(m.descriptorIndex)]"
    if m.writeMostly { s += "(W)" }
    if m.journal { s += "(J)" }
    if m.faulty { s += "(F)" }
    if m.spare { s += "(S)" }
    if m.replacement { s += "(R)" }
    return s
}

@Suite("/proc/mdstat parser")
struct MDStatParserTests {
    @Test("every array of every fixture parses to the expected values", arguments: mdstatExpectations)
    func fixtureArray(_ e: MDStatExpectation) throws {
        let stat = try MDStat.read(procRoot: MDFixtures.proc(e.state))
        #expect(stat.malformed.isEmpty)
        let a = try #require(stat.arrays.first { $0.device == e.device })
        #expect(a.active == e.active)
        #expect(a.access == e.access)
        #expect(a.level == e.level)
        #expect(a.members.map(notation) == e.members)
        #expect(a.blocksKiB == e.blocks)
        #expect(a.metadataVersion == e.metadata)
        #expect(a.raidDisks == e.disks?.0)
        #expect(a.inSyncDisks == e.disks?.1)
        #expect(a.slotStatus == e.slotStatus)
        #expect(a.chunkKiB == e.chunkKiB)
        #expect(a.progress == e.progress)
        #expect(a.waiting == e.waiting)
        #expect(a.bitmap == e.bitmap)
        #expect(a.copies == e.copies)
        #expect(a.roundingKiB == e.roundingKiB)
    }

    @Test(
        "every fixture lists all its arrays, personalities and no unused devices",
        arguments: MDFixtures.mdstatStates)
    func wholeFile(_ state: String) throws {
        let stat = try MDStat.read(procRoot: MDFixtures.proc(state))
        #expect(!stat.personalities.isEmpty)
        #expect(stat.unusedDevices.isEmpty)
        #expect(stat.malformed.isEmpty)
        let expected = mdstatExpectations.filter { $0.state == state }.map(\.device)
        for d in expected { #expect(stat.arrays.contains { $0.device == d }) }
    }

    @Test func personalitiesKeepKernelOrder() throws {
        let stat = try MDStat.read(procRoot: MDFixtures.proc("resync-delayed"))
        #expect(stat.personalities == ["raid1", "linear", "multipath", "raid0", "raid6", "raid5", "raid4", "raid10"])
    }

    @Test func raid10SpecificGeometry() throws {
        let a = try #require(try MDStat.read(procRoot: MDFixtures.proc("raid10-resync-pending")).arrays.first { $0.device == "md3" })
        #expect(a.copiesLayout == "near")
    }

    @Test func emptyMDStat() throws {
        let stat = try MDStat.parse(Array("Personalities : \nunused devices: <none>\n".utf8))
        #expect(stat.arrays.isEmpty && stat.personalities.isEmpty && stat.malformed.isEmpty)
    }

    @Test func externalBitmapFileAndBytesChunk() throws {
        let text = """
            Personalities : [raid1] 
            md0 : active raid1 sdb1[1] sda1[0]
                  1048512 blocks super 1.2 [2/2] [UU]
                  bitmap: 1/1 pages [4KB], 512B chunk, file: /var/lib/md0 bitmap

            unused devices: sdc1 sdd1 
            """
        let stat = try MDStat.parse(Array(text.utf8))
        let b = try #require(stat.arrays.first?.bitmap)
        #expect(b.chunkBytes == 512)
        #expect(b.file == "/var/lib/md0 bitmap")
        #expect(stat.unusedDevices == ["sdc1", "sdd1"])
    }

    @Test func inactiveWithoutDisksPrintsSuperOnHeader() throws {
        let stat = try MDStat.parse(Array("Personalities : [raid1] \nmd9 : inactive super 1.2\n       \nunused devices: <none>\n".utf8))
        let a = try #require(stat.arrays.first)
        #expect(!a.active && a.members.isEmpty && a.metadataVersion == "1.2")
    }

    @Test func oneBadArrayDoesNotHideTheOthers() throws {
        var bytes = try MDFixtures.mdstatBytes("clean-raid1")
        let text = String(decoding: bytes, as: UTF8.self).replacingFirst("[2/2] [UU]\n      bitmap", with: "[2/x] [UU]\n      bitmap")
        bytes = Array(text.utf8)
        let stat = try MDStat.parse(bytes)
        #expect(stat.arrays.map(\.device) == ["md0"])
        #expect(stat.malformed.map(\.device) == ["md1"])
        let reason = try #require(stat.malformed.first?.error.reason)
        #expect(reason.contains("md1") && reason.contains("bad disk count"))
    }

    @Test func notMDStatAtAll() {
        #expect(throws: SystemError.self) { try MDStat.parse(Array("cpu  1 2 3\n".utf8)) }
        #expect(throws: SystemError.self) { try MDStat.parse([]) }
        #expect(throws: SystemError.self) { try MDStat.parse(Array("Personalities : \n   stray\n".utf8)) }
    }

    @Test func missingFileIsNotFound() {
        #expect {
            try MDStat.read(procRoot: MDFixtures.proc("no-md"))
        } throws: { ($0 as? SystemError)?.kind == .notFound }
    }

    @Test func percentFieldWidths() throws {
        // md.c prints "=%3u.%u%%": "=  1.4%", "= 51.4%", "=100.0%".
        for (field, permille) in [("=  1.4%", 14), ("= 51.4%", 514), ("=100.0%", 1000)] {
            let text =
                "Personalities : [raid1] \nmd0 : active raid1 sdb[1] sda[0]\n      100 blocks [2/2] [UU]\n      [>....................]  resync \(field) (1/100) finish=1.0min speed=1K/sec\n      \nunused devices: <none>\n"
            let a = try #require(try MDStat.parse(Array(text.utf8)).arrays.first)
            #expect(a.progress?.permille == permille)
        }
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let r = range(of: target) else { return self }
        return replacingCharacters(in: r, with: replacement)
    }
}
