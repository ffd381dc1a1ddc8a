import Foundation
import Glibc
import HVSystem
import LabSupport
import Testing

/// Property: the btrfs parsers (sysfs attributes, the scrub record, mountinfo lines) and the
/// unix-socket HTTP response parser return a value or throw their typed error on any bytes;
/// they never trap. Inputs: the real fixtures truncated at every length, mutated (flips,
/// inserts, deletes, dictionary tokens, duplicated slices) and random bytes. Fixed seeds.
@Suite("btrfs and local HTTP parsers never crash")
struct BtrfsFuzzTests {
    static let dictionary: [[UInt8]] = [
        "\n", " ", "\t", ":", "|", "-", "_errs", "write_errs", "corruption_errs", "scrub status:", "finished:",
        "csum_errors:", "t_start:", "99999999999999999999", "18446744073709551615", "0", "btrfs", " - ", "\\040",
        "\\", "\r\n", "\r\n\r\n", "Content-Length: ", "Transfer-Encoding: chunked", "HTTP/1.1 ", "ffffffffffffffff",
        "\u{0}", "\u{FF}",
    ].map { Array($0.utf8) }

    fileprivate static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = input
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            switch Int.random(in: 0..<5, using: &rng) {
            case 0 where !b.isEmpty:
                b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 1:
                b.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...b.count, using: &rng))
            case 2 where !b.isEmpty:
                let i = Int.random(in: 0..<b.count, using: &rng)
                b.removeSubrange(i..<min(b.count, i + Int.random(in: 1...16, using: &rng)))
            case 3:
                b.insert(
                    contentsOf: dictionary[Int.random(in: 0..<dictionary.count, using: &rng)],
                    at: Int.random(in: 0...b.count, using: &rng))
            default:
                if b.count > 1 {
                    let i = Int.random(in: 0..<b.count, using: &rng)
                    let j = min(b.count, i + Int.random(in: 1...60, using: &rng))
                    b.insert(contentsOf: b[i..<j], at: Int.random(in: 0...b.count, using: &rng))
                }
            }
        }
        return b
    }

    static func runAll(_ bytes: [UInt8]) {
        func check<T>(_ f: () throws -> T) {
            do { _ = try f() } catch is SystemError {} catch is UnixHTTPClient.Failure {} catch {
                Issue.record("unexpected error \(error) for \(bytes.prefix(80))")
            }
        }
        check { try BtrfsSysfsAttribute.errorStats(bytes) }
        check { try BtrfsSysfsAttribute.label(bytes) }
        check { try BtrfsSysfsAttribute.exclusiveOperation(bytes) }
        check { try BtrfsSysfsAttribute.flag(bytes) }
        check { try BtrfsSysfsAttribute.unsigned(bytes) }
        check { try BtrfsScrubStatusFile.parse(bytes) }
        check { BtrfsMount.parse(mountinfo: bytes) }
        check { try UnixHTTPClient.parse(bytes, complete: false) }
        check { try UnixHTTPClient.parse(bytes, complete: true) }
    }

    static let corpus: [[UInt8]] = {
        let scrub = Fixture.bytes(
            "btrfs/raid1-corrupted/var/lib/btrfs/scrub.status.b94c2658-6484-4da3-830b-9d04fb9e3973")
        let stats = Fixture.bytes("btrfs/raid1-corrupted/sys/fs/btrfs/b94c2658-6484-4da3-830b-9d04fb9e3973/devinfo/2/error_stats")
        let mountinfo = Array(
            "40 30 0:45 / /var/lib/hvexporter-lab/btrfs/mnt rw,relatime shared:20 - btrfs /dev/loop0 rw,space_cache=v2\n".utf8)
        let http = Array(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"type\":\"x\"}\n".utf8)
        let chunked = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".utf8)
        return [scrub, stats, mountinfo, http, chunked, Array("balance paused\n".utf8), Array("hvbtr-lab\n".utf8)]
    }()

    @Test func truncatedAtEveryLength() {
        for bytes in Self.corpus {
            for n in 0...bytes.count { Self.runAll(Array(bytes.prefix(n))) }
        }
    }

    @Test func mutated() {
        var rng = SplitMix64(seed: 0x6274_7266_73)   // "btrfs"
        var parsedRecords = 0
        for _ in 0..<8000 {
            let input = Self.mutate(Self.corpus[Int.random(in: 0..<Self.corpus.count, using: &rng)], &rng)
            Self.runAll(input)
            if let f = try? BtrfsScrubStatusFile.parse(input) { parsedRecords += f.devices.count }
        }
        // The mutations keep much of the structure: many scrub records still parse.
        #expect(parsedRecords > 300)
    }

    @Test func randomBytes() {
        var rng = SplitMix64(seed: 15)
        for _ in 0..<4000 {
            let n = Int.random(in: 0...200, using: &rng)
            var b = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if Bool.random(using: &rng) { b = Array("HTTP/1.1 200 OK\r\n".utf8) + b }
            Self.runAll(b)
        }
    }

    /// The tree reader on mutated copies of a real tree: a value (with per-device errors) or a
    /// SystemError, never a crash.
    @Test func mutatedSysfsTree() throws {
        var rng = SplitMix64(seed: 7)
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("hvbtr-fuzz-\(getpid())").path
        defer { try? fm.removeItem(atPath: dir) }
        try? fm.removeItem(atPath: dir)
        try fm.copyItem(atPath: Fixture.path("btrfs/raid1-corrupted"), toPath: dir)
        let fsid = "b94c2658-6484-4da3-830b-9d04fb9e3973"
        let base = "\(dir)/sys/fs/btrfs/\(fsid)"
        let files = [
            "label", "exclusive_operation", "nodesize", "devinfo/1/missing", "devinfo/2/error_stats",
            "allocation/data/total_bytes", "allocation/data/raid1/used_bytes", "allocation/system/disk_used",
        ]
        var originals: [String: [UInt8]] = [:]
        for f in files { originals[f] = (try? FileReader.read("\(base)/\(f)")) ?? [] }
        var read = 0
        for _ in 0..<300 {
            let f = files[Int.random(in: 0..<files.count, using: &rng)]
            let bytes = Self.mutate(originals[f]!, &rng)
            try Data(bytes).write(to: URL(fileURLWithPath: "\(base)/\(f)"))
            do {
                _ = try BtrfsSysfs.read(sysRoot: dir + "/sys", fsid: fsid)
                read += 1
            } catch is SystemError {} catch { Issue.record("unexpected error \(error)") }
            try Data(originals[f]!).write(to: URL(fileURLWithPath: "\(base)/\(f)"))
        }
        #expect(read > 0)
    }
}
