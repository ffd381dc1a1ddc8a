import Foundation
import Glibc
import HVSystem
import LabSupport
import Testing

/// Property: every md parser, on any byte sequence, returns a value or throws `SystemError`;
/// it never traps and never throws anything else. Inputs: real fixtures truncated at every
/// length, randomly mutated fixtures (flips, inserts, deletes, splices of mdstat tokens) and
/// random bytes. Deterministic seed, so a failure reproduces.
@Suite("md parsers never crash")
struct MDFuzzTests {
    /// Tokens that steer mutations into the parsers' interesting branches.
    static let dictionary: [[UInt8]] = [
        "[", "]", "(", ")", "/", "=", "%", ":", " : ", "\n", "\t", "      ", ",", ".", "-", "(F)", "(S)", "(W)", "(J)", "(R)",
        "active", "inactive", "super", "blocks", "level", "chunk", "chunks", "algorithm", "rounding", "near-copies",
        "resync", "recovery", "check", "reshape", "=DELAYED", "=PENDING", "bitmap:", "pages", "KB", "finish=", "min",
        "speed=", "K/sec", "none", "delayed", "journal", "external:", "99999999999999999999", "0", "4294967296",
        "18446744073709551615", "\u{0}", "\u{FF}",
    ].map { Array($0.utf8) }

    fileprivate static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = input
        let n = Int.random(in: 1...8, using: &rng)
        for _ in 0..<n {
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where !b.isEmpty:
                b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 1:
                b.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...b.count, using: &rng))
            case 2 where !b.isEmpty:
                let i = Int.random(in: 0..<b.count, using: &rng)
                b.removeSubrange(i..<min(b.count, i + Int.random(in: 1...16, using: &rng)))
            case 3:
                let tok = dictionary[Int.random(in: 0..<dictionary.count, using: &rng)]
                b.insert(contentsOf: tok, at: Int.random(in: 0...b.count, using: &rng))
            case 4 where b.count > 1:
                // Duplicate a slice (repeated lines, repeated arrays).
                let i = Int.random(in: 0..<b.count, using: &rng)
                let j = min(b.count, i + Int.random(in: 1...80, using: &rng))
                b.insert(contentsOf: b[i..<j], at: Int.random(in: 0...b.count, using: &rng))
            default:
                if let k = b.indices.randomElement(using: &rng) { b.replaceSubrange(k..<b.count, with: [newlineByte]) }
            }
        }
        return b
    }

    static let newlineByte: UInt8 = 0x0A

    /// Runs every md parser on `bytes`; any error other than SystemError fails the test.
    static func runAll(_ bytes: [UInt8]) {
        func check<T>(_ f: () throws -> T) {
            do { _ = try f() } catch is SystemError {} catch {
                Issue.record("non-SystemError \(error) for \(bytes.prefix(80))")
            }
        }
        check { try MDStat.parse(bytes) }
        check { try MDSysfsAttribute.word(bytes) }
        check { try MDSysfsAttribute.level(bytes) }
        check { try MDSysfsAttribute.unsigned(bytes) }
        check { try MDSysfsAttribute.count(bytes) }
        check { try MDSysfsAttribute.noneOrUnsigned(bytes) }
        check { try MDSysfsAttribute.reshapeable(bytes) }
        check { try MDSysfsAttribute.syncCompleted(bytes) }
        check { try MDSysfsAttribute.slot(bytes) }
        check { try MDSysfsAttribute.deviceState(bytes) }
        check { try MDSysfsAttribute.metadataVersion(bytes) }
        check { try MDSysfsAttribute.token(bytes) }
    }

    @Test func truncatedFixturesAtEveryLength() throws {
        for state in MDFixtures.mdstatStates {
            let bytes = try MDFixtures.mdstatBytes(state)
            for n in 0...bytes.count { Self.runAll(Array(bytes.prefix(n))) }
        }
    }

    @Test func mutatedFixtures() throws {
        var rng = SplitMix64(seed: 0x6D64_7374_6174)   // "mdstat"
        let corpus = try MDFixtures.mdstatStates.map(MDFixtures.mdstatBytes)
        var parsedArrays = 0
        for _ in 0..<6000 {
            let input = Self.mutate(corpus[Int.random(in: 0..<corpus.count, using: &rng)], &rng)
            Self.runAll(input)
            if let s = try? MDStat.parse(input) { parsedArrays += s.arrays.count }
        }
        // The mutations keep most of the structure: many arrays still parse.
        #expect(parsedArrays > 1000)
    }

    @Test func mutatedSysfsValues() {
        var rng = SplitMix64(seed: 0x7379_7366_73)   // "sysfs"
        let corpus: [[UInt8]] = [
            "clean\n", "read-auto\n", "4 (3)\n", "524288\n", "3159583488 / 7813754880\n", "delayed\n", "none\n",
            "in_sync,write_mostly\n", "journal\n", "external:/md127/0\n", "1.2\n", "0.90\n", "spare,replacement\n",
        ].map { Array($0.utf8) }
        for _ in 0..<20000 {
            Self.runAll(Self.mutate(corpus[Int.random(in: 0..<corpus.count, using: &rng)], &rng))
        }
    }

    @Test func randomBytes() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<5000 {
            let n = Int.random(in: 0...300, using: &rng)
            var b = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Half of the inputs look like mdstat at the start so the array parser is reached.
            if Bool.random(using: &rng) { b = Array("Personalities : [raid1] \nmd0 : active raid1 ".utf8) + b }
            Self.runAll(b)
        }
    }

    /// The file-level reader on mutated sysfs trees: a typed error or a value, never a crash.
    @Test func mutatedSysfsTree() throws {
        var rng = SplitMix64(seed: 7)
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("hv-md-fuzz-\(getpid())").path
        defer { try? fm.removeItem(atPath: dir) }
        let md = "\(dir)/block/md0/md"
        try? fm.removeItem(atPath: dir)
        try fm.createDirectory(atPath: "\(dir)/block/md0", withIntermediateDirectories: true)
        try fm.copyItem(atPath: MDFixtures.sys("reshape") + "/block/md0/md", toPath: md)
        let files = [
            "array_state", "level", "raid_disks", "chunk_size", "component_size", "metadata_version", "degraded",
            "sync_action", "sync_completed", "sync_speed", "mismatch_cnt", "reshape_position",
            "dev-sda1/state", "dev-sda1/slot", "dev-sda1/errors",
        ]
        var originals: [String: [UInt8]] = [:]
        for f in files { originals[f] = (try? FileReader.read("\(md)/\(f)")) ?? [] }
        for _ in 0..<400 {
            let f = files[Int.random(in: 0..<files.count, using: &rng)]
            let bytes = Self.mutate(originals[f]!, &rng)
            let fd = open("\(md)/\(f)", O_WRONLY | O_TRUNC | O_CREAT, 0o644)
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            do { _ = try MDSysfsArray.read(sysRoot: dir, device: "md0") } catch is SystemError {} catch {
                Issue.record("non-SystemError \(error)")
            }
            let restore = open("\(md)/\(f)", O_WRONLY | O_TRUNC, 0)
            _ = originals[f]!.withUnsafeBytes { write(restore, $0.baseAddress, $0.count) }
            close(restore)
        }
    }
}
