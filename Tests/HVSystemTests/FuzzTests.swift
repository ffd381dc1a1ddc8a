import LabSupport
import Testing

@testable import HVSystem

/// Random, truncated and mutated inputs never crash a parser: each returns a value or
/// throws `SystemError`.
@Suite struct FuzzTests {
    /// Every parser under test, as "bytes in, maybe throw".
    static let parsers: [(String, @Sendable ([UInt8]) throws -> Void)] = [
        ("ProcStat", { _ = try ProcStat.parse($0) }),
        ("ProcStatus", { _ = try ProcStatus.parse($0) }),
        ("CgroupMembership", { b in _ = try CgroupMembership.parse(b).placement }),
        (
            "Cmdline",
            { b in
                let c = Cmdline.parse(b); _ = c.qemuName; _ = c.qemuUUID; _ = c.firstUUID(after: "/swtpm/")
            }
        ),
        ("MemInfo", { _ = try MemInfo.parse($0) }),
        ("CPUStat", { _ = try CPUStat.parseCPUCount($0) }),
        ("NetDev", { _ = try NetDev.parse($0) }),
        ("NamespaceInode", { _ = try NamespaceInode.parse($0) }),
        ("PidFile", { _ = try PidFile.parse($0) }),
        ("PidList", { _ = try PidList.parse($0) }),
        ("PidListSeparated", { _ = try PidList.parseSeparated($0) }),
        ("Flat", { _ = try CgroupKeyedFile.parseFlat($0) }),
        ("Single", { _ = try CgroupKeyedFile.parseSingle($0) }),
        ("IOStat", { _ = try BlockIOTotals.parseIOStat($0) }),
        ("Blkio", { _ = try BlockIOTotals.parseBlkioThrottle($0) }),
        ("Pressure", { _ = try PressureTotals.parse($0) }),
        ("Placement", { b in _ = CgroupPlacement.classify(String(decoding: b, as: UTF8.self)) }),
        ("MountTable", { b in _ = try MountTable.parseNonEmpty(b).mount(containing: "/var/lib/libvirt/images/a.qcow2") }),
        ("LibvirtQemuConf", { b in _ = LibvirtQemuConf.parse(b) }),
    ]

    static func allFixtures() -> [String] {
        [
            "stat", "status", "cgroup", "cmdline", "meminfo", "procstat", "netdev", "ns", "pidfile",
            "cgroupfs/v1", "cgroupfs/v2", "mountinfo", "libvirt",
        ].flatMap { Fixture.files(in: $0) }
    }

    static func run(_ input: [UInt8]) {
        for (_, p) in parsers {
            do { try p(input) } catch is SystemError {} catch { Issue.record("non-SystemError \(error)") }
        }
    }

    @Test func everyTruncationOfEveryFixture() {
        for f in Self.allFixtures() {
            let b = Fixture.bytes(f)
            for n in 0...min(b.count, 600) { Self.run(Array(b[0..<n])) }
        }
    }

    @Test func randomAndMutatedBytes() {
        var rng = SplitMix64(seed: 0x5EED_CAFE)
        let fixtures = Self.allFixtures().map(Fixture.bytes)
        let alphabet: [UInt8] = Array("0123456789 ()\n\t:=/,-.abcxyzCPU".utf8) + [0, 0xFF, 0xC3]
        for i in 0..<3000 {
            var input: [UInt8]
            if i % 2 == 0 {
                let len = Int(rng.next() % 200)
                input = (0..<len).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            } else {
                input = fixtures[Int(rng.next() % UInt64(fixtures.count))]
                for _ in 0..<(1 + Int(rng.next() % 8)) where !input.isEmpty {
                    let at = Int(rng.next() % UInt64(input.count))
                    switch rng.next() % 3 {
                    case 0: input[at] = UInt8(truncatingIfNeeded: rng.next())
                    case 1: input.remove(at: at)
                    default: input.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                    }
                }
            }
            Self.run(input)
        }
    }

    @Test func hugeNumbersDoNotOverflow() {
        let big = "99999999999999999999999999"
        Self.run(Array("1 (x) R \(big) \(big)\n".utf8))
        Self.run(Array("MemTotal: \(big) kB\n".utf8))
        Self.run(Array("MemTotal: 18446744073709551615 kB\n".utf8))
        Self.run(Array("\(big):cpu:/\n".utf8))
        Self.run(Array("NSpid:\t\(big)\n".utf8))
    }
}
