import Glibc
import HVSystem
import Testing

/// What one array's /sys/block/<md>/md tree must read as.
struct MDSysfsExpectation: Sendable, CustomTestStringConvertible {
    var state: String
    var device: String
    var level: String?
    var arrayState: String
    var raidDisks: Int?
    var raidDisksBefore: Int? = nil
    var degraded: Int?
    var syncAction: String?
    var syncCompleted: MDSyncCompleted?
    var syncSpeed: UInt64? = nil
    var mismatch: UInt64?
    var metadata: String
    var chunk: UInt64 = 0
    var component: UInt64
    var reshapePosition: UInt64? = nil
    var policy: String
    /// (name, states, slot, parent disk)
    var members: [(String, [String], MDSlot, String?)]

    var testDescription: String { "\(state)/\(device)" }
}

private let inSync = ["in_sync"]

let sysfsExpectations: [MDSysfsExpectation] = [
    .init(
        state: "clean-raid1", device: "md1", level: "raid1", arrayState: "clean", raidDisks: 2, degraded: 0,
        syncAction: "idle", syncCompleted: MDSyncCompleted.none, mismatch: 0, metadata: "1.2", component: 243_817_472,
        policy: "bitmap", members: [("sda2", inSync, .number(0), "sda"), ("sdj2", inSync, .number(1), "sdj")]),
    .init(
        state: "active-raid5", device: "md0", level: "raid5", arrayState: "active", raidDisks: 4, degraded: 0,
        syncAction: "idle", syncCompleted: MDSyncCompleted.none, mismatch: 0, metadata: "1.2", chunk: 524288,
        component: 2_929_609_216, policy: "resync",
        members: [
            ("sda1", inSync, .number(0), "sda"), ("sdb1", inSync, .number(1), "sdb"),
            ("sdc1", inSync, .number(2), "sdc"), ("sdd1", inSync, .number(3), "sdd"),
        ]),
    .init(
        state: "reshape", device: "md0", level: "raid5", arrayState: "active", raidDisks: 5, raidDisksBefore: 4,
        degraded: 1, syncAction: "reshape", syncCompleted: .progress(done: 54_768_616, total: 5_859_218_432),
        syncSpeed: 27468, mismatch: 0, metadata: "1.2", chunk: 524288, component: 2_929_609_216,
        reshapePosition: 219_074_464, policy: "resync",
        members: [
            ("sda1", inSync, .number(0), "sda"), ("sdb1", inSync, .number(1), "sdb"),
            ("sdc1", inSync, .number(2), "sdc"), ("sdd1", inSync, .number(3), "sdd"),
        ]),
    .init(
        state: "degraded-removed", device: "md125", level: "raid1", arrayState: "clean", raidDisks: 2, degraded: 1,
        syncAction: "idle", syncCompleted: MDSyncCompleted.none, mismatch: 0, metadata: "external:/md127/0",
        component: 1_048_576, policy: "bitmap", members: [("sdb", inSync, .number(1), nil)]),
    .init(
        state: "degraded-removed", device: "md127", level: "container", arrayState: "inactive", raidDisks: nil,
        degraded: nil, syncAction: nil, syncCompleted: nil, mismatch: nil, metadata: "external:imsm", component: 0,
        policy: "unknown", members: [("sda", ["spare"], MDSlot.none, nil), ("sdb", ["spare"], MDSlot.none, nil)]),
    .init(
        state: "imsm", device: "md126", level: "raid0", arrayState: "clean", raidDisks: 2, degraded: nil,
        syncAction: nil, syncCompleted: nil, mismatch: nil, metadata: "external:/md127/0", chunk: 131072,
        component: 0, policy: "none", members: [("sda", inSync, .number(0), nil), ("sdb", inSync, .number(1), nil)]),
    .init(
        state: "degraded-faulty", device: "md0", level: "raid1", arrayState: "readonly", raidDisks: 2, degraded: 1,
        syncAction: "idle", syncCompleted: MDSyncCompleted.none, mismatch: 0, metadata: "0.90", component: 2_096_384,
        policy: "resync", members: [("sdc1", inSync, .number(1), "sdc")]),
    .init(
        state: "degraded-faulty", device: "md1", level: "raid5", arrayState: "clean", raidDisks: 3, degraded: 1,
        syncAction: "recover", syncCompleted: .progress(done: 859592, total: 995712), syncSpeed: 23877, mismatch: 0,
        metadata: "0.90", chunk: 65536, component: 497856, policy: "resync",
        members: [
            ("sdb1", inSync, .number(0), "sdb"), ("sdb2", ["faulty"], MDSlot.none, "sdb"),
            ("sdb3", inSync, .number(2), "sdb"), ("sdb4", ["spare"], .number(1), "sdb"),
            ("sdb5", ["spare"], MDSlot.none, "sdb"),
        ]),
    .init(
        state: "recovering", device: "md0", level: "raid6", arrayState: "clean", raidDisks: 6, degraded: 2,
        syncAction: "recover", syncCompleted: .progress(done: 576_763_080, total: 2_930_271_872), syncSpeed: 13810,
        mismatch: 0, metadata: "0.90", chunk: 4096, component: 1_465_135_936, policy: "resync",
        members: [
            ("sdb1", inSync, .number(0), "sdb"), ("sdc", inSync, .number(1), nil),
            ("sdd1", inSync, .number(2), "sdd"), ("sde1", ["spare"], .number(4), "sde"),
            ("sdf1", ["spare"], .number(5), "sdf"), ("sdg1", inSync, .number(3), "sdg"),
        ]),
    .init(
        state: "resync", device: "md2", level: "raid1", arrayState: "active", raidDisks: 2, degraded: 0,
        syncAction: "resync", syncCompleted: .progress(done: 1_998_680_064, total: 3_884_996_480), syncSpeed: 52431,
        mismatch: 0, metadata: "0.90", component: 1_942_498_240, policy: "resync",
        members: [("sda2", inSync, .number(0), "sda"), ("sdb2", inSync, .number(1), "sdb")]),
    .init(
        state: "raid10-resync-pending", device: "md2", level: "raid10", arrayState: "read-auto", raidDisks: 8,
        degraded: 0, syncAction: "idle", syncCompleted: MDSyncCompleted.none, mismatch: 0, metadata: "1.2",
        chunk: 524288, component: 16_766_976, policy: "resync",
        members: (0..<8).map { ("nvme\($0)n1p4", inSync, MDSlot.number($0), "nvme\($0)n1") }),
    .init(
        state: "frozen", device: "md3", level: "raid10", arrayState: "active", raidDisks: 8, degraded: 0,
        syncAction: "frozen", syncCompleted: MDSyncCompleted.none, mismatch: 0, metadata: "1.2", chunk: 524288,
        component: 3_721_771_008, policy: "bitmap",
        members: (0..<8).map { ("nvme\($0)n1p5", inSync, MDSlot.number($0), "nvme\($0)n1") }),
    .init(
        state: "resync-delayed", device: "md1", level: "raid1", arrayState: "clean", raidDisks: 2, degraded: 0,
        syncAction: "check", syncCompleted: .delayed, syncSpeed: 0, mismatch: 0, metadata: "1.2", component: 3_677_184,
        policy: "resync", members: [("sda3", inSync, .number(1), "sda"), ("sdb3", inSync, .number(0), "sdb")]),
    .init(
        state: "check", device: "md127", level: "raid6", arrayState: "clean", raidDisks: 10, degraded: 0,
        syncAction: "check", syncCompleted: .progress(done: 3_159_583_488, total: 7_813_754_880), syncSpeed: 14976,
        mismatch: 0, metadata: "1.2", chunk: 131072, component: 3_906_877_440, policy: "bitmap",
        members: [
            ("sdb1", 0), ("sdc1", 1), ("sdd1", 2), ("sde1", 3), ("sdf1", 4), ("sdg1", 5), ("sdh1", 6),
            ("sdj1", 7), ("sdl1", 9), ("sdm1", 8),
        ].map { ($0.0, inSync, MDSlot.number($0.1), String($0.0.dropLast())) }),
    .init(
        state: "check-mismatch", device: "md2", level: "raid1", arrayState: "clean", raidDisks: 2, degraded: 0,
        syncAction: "idle", syncCompleted: MDSyncCompleted.none, mismatch: 128, metadata: "1.2", component: 3_906_886_464,
        policy: "bitmap", members: [("sdd1", inSync, .number(0), "sdd"), ("sde1", inSync, .number(1), "sde")]),
    .init(
        state: "repair", device: "md2", level: "raid1", arrayState: "active", raidDisks: 2, degraded: 0,
        syncAction: "repair", syncCompleted: .progress(done: 1_793_921_792, total: 7_813_772_928), syncSpeed: 19084,
        mismatch: 0, metadata: "1.2", component: 3_906_886_464, policy: "bitmap",
        members: [("sdd1", inSync, .number(0), "sdd"), ("sde1", inSync, .number(1), "sde")]),
    .init(
        state: "read-only", device: "md0", level: "raid6", arrayState: "readonly", raidDisks: 15, degraded: 0,
        syncAction: "idle", syncCompleted: MDSyncCompleted.none, mismatch: 0, metadata: "1.1", chunk: 524288,
        component: 7_813_894_144, policy: "bitmap",
        members: [
            "sdak", "sdal", "sdam", "sdan", "sdao", "sdap", "sdaq", "sdar", "sdas", "sdat", "sdau", "sdav",
            "sdaw", "sdax", "sday",
        ].enumerated().map { ($1, inSync, MDSlot.number($0), nil) }),
    .init(
        state: "inactive", device: "md127", level: "raid1", arrayState: "inactive", raidDisks: 2, degraded: nil,
        syncAction: nil, syncCompleted: nil, mismatch: nil, metadata: "1.2", component: 52_395_008, policy: "unknown",
        members: [("sdc1", ["spare"], MDSlot.none, "sdc")]),
    .init(
        state: "raid0", device: "md2", level: "raid0", arrayState: "clean", raidDisks: 2, degraded: nil,
        syncAction: nil, syncCompleted: nil, mismatch: nil, metadata: "1.2", chunk: 65536, component: 0,
        policy: "none", members: [("md0", inSync, .number(0), nil), ("md1", inSync, .number(1), nil)]),
    .init(
        state: "linear", device: "md3", level: "linear", arrayState: "clean", raidDisks: 4, degraded: nil,
        syncAction: nil, syncCompleted: nil, mismatch: nil, metadata: "1.2", component: 0, policy: "none",
        members: [
            ("sda5", inSync, .number(0), "sda"), ("sdb5", inSync, .number(1), "sdb"),
            ("sdc5", inSync, .number(2), "sdc"), ("sdd5", inSync, .number(3), "sdd"),
        ]),
    .init(
        state: "spares", device: "md13", level: "raid1", arrayState: "clean", raidDisks: 24, degraded: 19,
        syncAction: "idle", syncCompleted: MDSyncCompleted.none, mismatch: 0, metadata: "1.0", component: 458880,
        policy: "bitmap",
        members: [
            ("sda4", inSync, .number(2), "sda"), ("sdb4", inSync, .number(3), "sdb"),
            ("sdc4", inSync, .number(1), "sdc"), ("sdd4", inSync, .number(0), "sdd"),
            ("sdf4", inSync, .number(4), "sdf"),
        ]),
    .init(
        state: "write-mostly", device: "md1", level: "raid1", arrayState: "active", raidDisks: 2, degraded: 0,
        syncAction: "resync", syncCompleted: .progress(done: 8_593_408, total: 16_766_848), syncSpeed: 204604,
        mismatch: 0, metadata: "1.2", component: 8_383_424, policy: "bitmap",
        members: [("md0", inSync, .number(0), nil), ("sdd", ["in_sync", "write_mostly"], .number(1), nil)]),
    .init(
        state: "journal", device: "md0", level: "raid5", arrayState: "clean", raidDisks: 3, degraded: 0,
        syncAction: "idle", syncCompleted: MDSyncCompleted.none, mismatch: 0, metadata: "1.2", chunk: 524288,
        component: 52_395_008, policy: "journal",
        members: [
            ("dm-0", ["journal"], .journal, nil), ("nvme0n1", inSync, .number(0), nil),
            ("nvme1n1", inSync, .number(1), nil), ("nvme2n1", inSync, .number(2), nil),
        ]),
    .init(
        state: "replacement", device: "md0", level: "raid5", arrayState: "clean", raidDisks: 4, degraded: 0,
        syncAction: "recover", syncCompleted: .progress(done: 145_389_496, total: 9_767_145_472), syncSpeed: 50071,
        mismatch: 0, metadata: "1.2", chunk: 524288, component: 4_883_572_736, policy: "bitmap",
        members: [
            ("sdb1", ["in_sync", "want_replacement"], .number(0), "sdb"), ("sdc1", inSync, .number(2), "sdc"),
            ("sde1", inSync, .number(1), "sde"), ("sdf1", ["spare"], MDSlot.none, "sdf"),
            ("sdg1", inSync, .number(3), "sdg"), ("sdk1", ["spare", "replacement"], .number(0), "sdk"),
        ]),
]

@Suite("/sys/block/<md>/md reader")
struct MDSysfsTests {
    @Test("every array of every fixture reads as expected", arguments: sysfsExpectations)
    func fixtureArray(_ e: MDSysfsExpectation) throws {
        let a = try MDSysfsArray.read(sysRoot: MDFixtures.sys(e.state), device: e.device)
        #expect(a.level == e.level)
        #expect(a.arrayState == e.arrayState)
        #expect(a.raidDisks == e.raidDisks)
        #expect(a.raidDisksBefore == e.raidDisksBefore)
        #expect(a.degraded == e.degraded)
        #expect(a.syncAction == e.syncAction)
        #expect(a.syncCompleted == e.syncCompleted)
        #expect(a.syncSpeedKiBPerSecond == e.syncSpeed)
        #expect(a.mismatchCount == e.mismatch)
        #expect(a.metadataVersion == e.metadata)
        #expect(a.chunkSizeBytes == e.chunk)
        #expect(a.componentSizeKiB == e.component)
        #expect(a.reshapePosition == e.reshapePosition)
        #expect(a.consistencyPolicy == e.policy)
        #expect(a.members.map(\.name) == e.members.map(\.0))
        for (m, x) in zip(a.members, e.members) {
            #expect(m.states == x.1, "\(m.name) states")
            #expect(m.slot == x.2, "\(m.name) slot")
            #expect(m.parentDisk == x.3, "\(m.name) parent disk")
            #expect(m.errors == 0)
        }
    }

    @Test func listFindsOnlyMDArrays() throws {
        #expect(try MDSysfsArray.list(sysRoot: MDFixtures.sys("raid0")).sorted() == ["md0", "md1", "md2"])
        #expect(try MDSysfsArray.list(sysRoot: MDFixtures.sys("journal")) == ["md0"])
        #expect(try MDSysfsArray.list(sysRoot: MDFixtures.sys("no-md")).isEmpty)
        #expect(throws: SystemError.self) { try MDSysfsArray.list(sysRoot: MDFixtures.root + "/nonexistent") }
    }

    @Test func malformedValueNamesTheFile() {
        #expect {
            try MDSysfsArray.read(sysRoot: MDFixtures.sys("broken-attribute"), device: "md0")
        } throws: { error in
            guard let e = error as? SystemError else { return false }
            return e.kind == .malformed && e.path.hasSuffix("broken-attribute/sys/block/md0/md/sync_completed")
                && e.description.contains("12 of 34")
        }
        #expect(throws: Never.self) { try MDSysfsArray.read(sysRoot: MDFixtures.sys("broken-attribute"), device: "md1") }
    }

    @Test func missingArrayIsNotFound() {
        #expect {
            try MDSysfsArray.read(sysRoot: MDFixtures.sys("clean-raid1"), device: "md9")
        } throws: { ($0 as? SystemError)?.kind == .notFound }
    }
}

@Suite("md sysfs attribute parsers")
struct MDSysfsAttributeTests {
    static let words: [(String, String?)] = [
        ("clean\n", "clean"), ("read-auto\n", "read-auto"), ("write-pending\n", "write-pending"),
        ("active-idle", "active-idle"), ("", nil), ("\n", nil), ("clean\nactive\n", nil), ("Clean\n", nil),
        ("cl ean\n", nil), ("clean\0\n", nil),
    ]

    @Test(arguments: words)
    func word(_ input: String, _ expected: String?) {
        #expect((try? MDSysfsAttribute.word(Array(input.utf8))) == expected)
    }

    static let reshapeables: [(String, UInt64?, UInt64?, Bool)] = [
        ("4\n", 4, nil, true), ("4 (3)\n", 4, 3, true), ("524288 (65536)\n", 524288, 65536, true),
        ("\n", nil, nil, true), ("", nil, nil, true), ("4 (3\n", nil, nil, false), ("4 3\n", nil, nil, false),
        ("-1\n", nil, nil, false), ("99999999999999999999\n", nil, nil, false), ("4 ()\n", nil, nil, false),
    ]

    @Test(arguments: reshapeables)
    func raidDisks(_ input: String, _ current: UInt64?, _ before: UInt64?, _ valid: Bool) throws {
        if valid {
            let v = try MDSysfsAttribute.reshapeable(Array(input.utf8))
            #expect(v?.current == current)
            #expect(v?.before == before)
        } else {
            #expect(throws: SystemError.self) { try MDSysfsAttribute.reshapeable(Array(input.utf8)) }
        }
    }

    static let completed: [(String, MDSyncCompleted?)] = [
        ("none\n", MDSyncCompleted.none), ("delayed\n", .delayed),
        ("3159583488 / 7813754880\n", .progress(done: 3_159_583_488, total: 7_813_754_880)),
        ("0 / 0\n", .progress(done: 0, total: 0)), ("12/34\n", nil), ("12 of 34\n", nil), ("pending\n", nil), ("\n", nil),
        ("1 / 2 / 3\n", nil),
    ]

    @Test(arguments: completed)
    func syncCompleted(_ input: String, _ expected: MDSyncCompleted?) {
        #expect((try? MDSysfsAttribute.syncCompleted(Array(input.utf8))) == expected)
    }

    static let slots: [(String, MDSlot?)] = [
        ("none\n", MDSlot.none), ("journal\n", .journal), ("0\n", .number(0)), ("23\n", .number(23)), ("-1\n", nil), ("x\n", nil),
    ]

    @Test(arguments: slots)
    func slot(_ input: String, _ expected: MDSlot?) {
        #expect((try? MDSysfsAttribute.slot(Array(input.utf8))) == expected)
    }

    static let states: [(String, [String]?)] = [
        ("in_sync\n", ["in_sync"]), ("in_sync,write_mostly\n", ["in_sync", "write_mostly"]),
        ("faulty,write_error\n", ["faulty", "write_error"]), ("spare,replacement\n", ["spare", "replacement"]),
        ("\n", []), ("in_sync,\n", nil), (",\n", nil), ("In_sync\n", nil), ("in sync\n", nil),
    ]

    @Test(arguments: states)
    func deviceState(_ input: String, _ expected: [String]?) {
        #expect((try? MDSysfsAttribute.deviceState(Array(input.utf8))) == expected)
    }

    static let metadata: [(String, String?)] = [
        ("1.2\n", "1.2"), ("0.90\n", "0.90"), ("none\n", "none"), ("external:imsm\n", "external:imsm"),
        ("external:ddf\n", "external:ddf"), ("external:/md127/0\n", "external:/md127/0"),
        ("external:-md127/0\n", "external:-md127/0"), ("external:\n", nil), ("1\n", nil), ("1.x\n", nil),
    ]

    @Test(arguments: metadata)
    func metadataVersion(_ input: String, _ expected: String?) {
        #expect((try? MDSysfsAttribute.metadataVersion(Array(input.utf8))) == expected)
    }

    @Test func noneOrNumber() throws {
        #expect(try MDSysfsAttribute.noneOrUnsigned(Array("none\n".utf8)) == nil)
        #expect(try MDSysfsAttribute.noneOrUnsigned(Array("219074464\n".utf8)) == 219_074_464)
        #expect(throws: SystemError.self) { try MDSysfsAttribute.noneOrUnsigned(Array("max\n".utf8)) }
        #expect(try MDSysfsAttribute.level(Array("".utf8)) == nil)
        #expect(try MDSysfsAttribute.level(Array("raid10\n".utf8)) == "raid10")
        #expect(try MDSysfsAttribute.count(Array("19\n".utf8)) == 19)
        #expect(throws: SystemError.self) { try MDSysfsAttribute.count(Array("3000000000\n".utf8)) }
    }

    @Test func parentDiskFromBlockLink() {
        func parent(_ link: String?) -> String? { MDSysfsMember(name: "x", blockLink: link).parentDisk }
        #expect(parent("../../../../block/hdb/hdb1") == "hdb")
        #expect(parent("../../../../../pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda1") == "sda")
        #expect(parent("../../../../../pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1/nvme0n1p3") == "nvme0n1")
        #expect(parent("../../../../../pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda") == nil)
        #expect(parent("../../../dm-0") == nil)
        #expect(parent(nil) == nil)
    }
}

extension MDSysfsAttributeTests {
    @Test func wholeNVMeDiskHasNoParent() {
        #expect(
            MDSysfsMember(name: "nvme0n1", blockLink: "../../../../../pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1").parentDisk
                == nil)
        #expect(
            MDSysfsMember(name: "mmcblk0p2", blockLink: "../../../../../platform/mmc/mmc_host/mmc0/mmc0:0001/block/mmcblk0/mmcblk0p2")
                .parentDisk == "mmcblk0")
    }
}
