import Glibc
import HVModel

/// Earlier CPU readings kept between one-shot invocations, so `hvtop zabbix get
/// hv.guest.cpu.util[...]` can give a rate over the polling interval without sleeping.
///
/// One small text file, `<directory>/guest-cpu.v1`, holding up to `capacity` samples:
/// `T <unix time>` then `G <cpu seconds|-> <steal seconds|-> <guest key>` lines. Written to
/// a temporary file and renamed, so concurrent agent processes never read half a file.
public struct RateCache: Sendable {
    /// One earlier reading of every guest.
    public struct Entry: Sendable, Equatable {
        /// Snapshot collection time, Unix seconds.
        public var timestamp: Double
        /// Guest key -> (CPU seconds, steal seconds).
        public var guests: [String: Reading]
    }

    public struct Reading: Sendable, Equatable {
        public var cpuSeconds: Double?
        public var stealSeconds: Double?
    }

    public let directory: String
    public var capacity = 8
    /// Readings younger than this are too close for a rate; older than `maxAge` too stale.
    public var minAge = 1.0
    public var maxAge = 900.0

    public init(directory: String) { self.directory = directory }

    /// `$HVTOP_STATE_DIR`, else /run/hvtop for root, else `$XDG_RUNTIME_DIR/hvtop`, else
    /// /tmp/hvtop-<uid>.
    public static func defaultDirectory() -> String {
        if let d = getenv("HVTOP_STATE_DIR") { return String(cString: d) }
        if geteuid() == 0 { return "/run/hvtop" }
        if let x = getenv("XDG_RUNTIME_DIR") { return String(cString: x) + "/hvtop" }
        return "/tmp/hvtop-\(geteuid())"
    }

    var path: String { directory + "/guest-cpu.v1" }

    /// The entry of a snapshot.
    public static func entry(_ sample: Sample) -> Entry { entry(sample.snapshot) }

    public static func entry(_ s: Snapshot) -> Entry {
        var g: [String: Reading] = [:]
        for guest in s.guests {
            let c = GuestCounters(guest)
            g[guest.key] = Reading(cpuSeconds: c.cpuSeconds, stealSeconds: c.stealSeconds)
        }
        return Entry(timestamp: s.timestampSeconds, guests: g)
    }

    /// The newest entry between `minAge` and `maxAge` seconds before `now`.
    public func pick(_ entries: [Entry], now: Double) -> Entry? {
        entries.filter { now - $0.timestamp >= minAge && now - $0.timestamp <= maxAge }.max { $0.timestamp < $1.timestamp }
    }

    /// `entries` with `e` added (unless one is younger than `minAge`), pruned to `capacity`
    /// and `maxAge`.
    public func adding(_ e: Entry, to entries: [Entry]) -> [Entry] {
        var out = entries.filter { e.timestamp - $0.timestamp <= maxAge && $0.timestamp <= e.timestamp }
        if !out.contains(where: { e.timestamp - $0.timestamp < minAge }) { out.append(e) }
        out.sort { $0.timestamp < $1.timestamp }
        return Array(out.suffix(capacity))
    }

    public func load() -> [Entry] {
        guard let text = readSmallFile(path) else { return [] }
        return Self.parse(text)
    }

    /// Best effort: a state directory that cannot be written only costs the next call a
    /// short wait.
    public func save(_ entries: [Entry]) {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST { return }
        var st = stat()
        guard lstat(directory, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, st.st_uid == geteuid() else { return }
        let tmp = path + ".\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return }
        let bytes = Array(Self.format(entries).utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, $0.count - off) }
            if n <= 0 { break }
            off += n
        }
        close(fd)
        if off == bytes.count { rename(tmp, path) } else { unlink(tmp) }
    }

    static func format(_ entries: [Entry]) -> String {
        var s = ""
        for e in entries {
            s += "T \(Format.fixed(e.timestamp, 6))\n"
            for k in e.guests.keys.sorted() where !k.contains("\n") {
                let r = e.guests[k]!
                s += "G \(r.cpuSeconds.map { Format.fixed($0, 9) } ?? "-") \(r.stealSeconds.map { Format.fixed($0, 9) } ?? "-") \(k)\n"
            }
        }
        return s
    }

    static func parse(_ text: String) -> [Entry] {
        var out: [Entry] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("T "), let t = Double(line.dropFirst(2)) {
                out.append(Entry(timestamp: t, guests: [:]))
            } else if line.hasPrefix("G "), !out.isEmpty {
                let parts = line.dropFirst(2).split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
                guard parts.count == 3 else { continue }
                out[out.count - 1].guests[String(parts[2])] = Reading(cpuSeconds: Double(parts[0]), stealSeconds: Double(parts[1]))
            }
        }
        return out
    }
}

/// Reads a file of at most 1 MiB; nil when it cannot be read.
func readSmallFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65_536)
    while out.count < 1 << 20 {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n > 0 { out.append(contentsOf: buf[..<n]) } else if n < 0 && errno == EINTR { continue } else { break }
    }
    return String(decoding: out, as: UTF8.self)
}
