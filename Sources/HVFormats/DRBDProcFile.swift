/// `/proc/drbd` of DRBD 8.x (8.3, 8.4): one block per minor with connection state, roles,
/// disk states, I/O counters and, while a resync or verify runs, its progress.
///
/// ```
/// version: 8.4.3 (api:1/proto:86-101)
///  1: cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----
///     ns:3071368 nr:0 dw:0 dr:3075736 al:0 bm:187 lo:0 pe:13 ua:4 ap:0 ep:1 wo:b oos:12685660
///     [==>................] sync'ed: 19.5% (12388/15372)M
///     finish: 0:11:00 speed: 19,188 (24,468) K/sec
/// ```
/// DRBD 9 keeps only the version lines here (its state comes from `drbdsetup status`):
/// `isDRBD9` says so. Parsing is total: a block whose first line has no `cs:` is listed in
/// `malformed` with its minor, the other blocks are kept.
public struct DRBDProcFile: Sendable, Equatable {
    /// Module version from the `version:` line ("8.4.3"); nil when the line is missing.
    public var version: String?
    public var devices: [DRBDProcDevice]
    /// Blocks that could not be read: minor (or -1) and why.
    public var malformed: [DRBDProcProblem]

    public init(version: String? = nil, devices: [DRBDProcDevice] = [], malformed: [DRBDProcProblem] = []) {
        self.version = version
        self.devices = devices
        self.malformed = malformed
    }

    /// Whether the module is DRBD 9 or later (this file then lists no devices).
    public var isDRBD9: Bool {
        guard let v = version, let major = Int(v.prefix { $0.isNumber }) else { return false }
        return major >= 9
    }

    public static func parse(_ bytes: [UInt8]) -> DRBDProcFile {
        var out = DRBDProcFile()
        var current: DRBDProcDevice?
        func flush() {
            if let d = current { out.devices.append(d) }
            current = nil
        }
        for line in StorageToolText.lines(bytes) {
            let t = StorageToolText.trimmed(line)
            if t.isEmpty { continue }
            if t.hasPrefix("version:") {
                let words = StorageToolText.words(t)
                if words.count >= 2 { out.version = String(words[1]) }
                continue
            }
            if let (minor, rest) = blockHeader(t) {
                flush()
                let fields = keyValues(rest)
                guard let cs = fields["cs"], !cs.isEmpty else {
                    out.malformed.append(
                        DRBDProcProblem(minor: minor, reason: "device \(minor): no connection state (cs:) in '\(t.prefix(80))'"))
                    continue
                }
                var d = DRBDProcDevice(minor: minor, connectionState: cs)
                if let ro = fields["ro"] ?? fields["st"] { (d.role, d.peerRole) = pair(ro) }
                if let ds = fields["ds"] { (d.diskState, d.peerDiskState) = pair(ds) }
                for w in StorageToolText.words(rest) where w.count == 1 && "ABC".contains(w) { d.replicationProtocol = String(w) }
                current = d
                continue
            }
            guard current != nil else { continue }
            if t.hasPrefix("[") || t.contains("sync'ed:") || t.contains("verified:") {
                current!.sync = syncProgress(t, into: current!.sync)
            } else if t.hasPrefix("finish:") {
                var s = current!.sync ?? DRBDProcSync()
                let words = StorageToolText.words(t)
                if words.count >= 2 { s.finishSeconds = StorageToolText.duration(words[1]) }
                if let i = words.firstIndex(of: "speed:"), i + 1 < words.count {
                    s.speedKiBPerSecond = StorageToolText.uint(words[i + 1].filter { $0 != "," })
                }
                current!.sync = s
            } else if t == "stalled" || t.hasPrefix("stalled") {
                var s = current!.sync ?? DRBDProcSync()
                s.stalled = true
                current!.sync = s
            } else {
                for (k, v) in keyValues(t) {
                    if k == "wo" {
                        current!.writeOrdering = v
                    } else if let n = StorageToolText.uint(v) {
                        current!.counters[k] = n
                    }
                }
            }
        }
        flush()
        return out
    }

    /// " 0: cs:..." -> (0, "cs:..."); nil for other lines.
    static func blockHeader(_ t: Substring) -> (Int, Substring)? {
        guard let colon = t.firstIndex(of: ":") else { return nil }
        let number = t[..<colon]
        guard !number.isEmpty, number.count <= 9, number.allSatisfy({ $0.isASCII && $0.isNumber }), let minor = Int(number) else {
            return nil
        }
        let rest = t[t.index(after: colon)...]
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        return (minor, StorageToolText.trimmed(rest))
    }

    /// "cs:Connected ro:Primary/Secondary" -> ["cs": "Connected", "ro": "Primary/Secondary"].
    static func keyValues(_ s: Substring) -> [String: String] {
        var out: [String: String] = [:]
        for w in StorageToolText.words(s) {
            guard let colon = w.firstIndex(of: ":"), colon != w.startIndex else { continue }
            out[String(w[..<colon])] = String(w[w.index(after: colon)...])
        }
        return out
    }

    static func pair(_ s: String) -> (String?, String?) {
        let parts = s.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let a = parts.first.map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let b = parts.count > 1 ? String(parts[1]) : nil
        return (a, b.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// `[=======>............] sync'ed: 42.4% (294656/510908)M` (or `verified:`, `K`).
    static func syncProgress(_ t: Substring, into s: DRBDProcSync?) -> DRBDProcSync {
        var s = s ?? DRBDProcSync()
        let words = StorageToolText.words(t)
        guard let i = words.firstIndex(where: { $0 == "sync'ed:" || $0 == "verified:" }) else { return s }
        s.verify = words[i] == "verified:"
        if i + 1 < words.count, words[i + 1].hasSuffix("%") { s.percent = StorageToolText.decimal(words[i + 1].dropLast()) }
        if i + 2 < words.count {
            var w = words[i + 2]
            if w.hasPrefix("("), let close = w.firstIndex(of: ")") {
                let unit = w[w.index(after: close)...]
                w = w[w.index(after: w.startIndex)..<close]
                let nums = w.split(separator: "/")
                let factor: UInt64 = unit == "M" ? 1024 : unit == "G" ? 1 << 20 : 1
                if nums.count == 2, let left = StorageToolText.uint(nums[0]), let total = StorageToolText.uint(nums[1]),
                    left <= UInt64.max / factor, total <= UInt64.max / factor
                {
                    s.remainingKiB = left * factor
                    s.totalKiB = total * factor
                }
            }
        }
        return s
    }
}

/// One minor's block of /proc/drbd.
public struct DRBDProcDevice: Sendable, Equatable {
    /// Device minor: /dev/drbd<minor>, kernel name "drbd<minor>".
    public var minor: Int
    /// `cs:` Connected, StandAlone, WFConnection, SyncSource, SyncTarget, Unconfigured...
    public var connectionState: String
    /// `ro:` local / peer role: Primary, Secondary, Unknown.
    public var role: String?
    public var peerRole: String?
    /// `ds:` local / peer disk state: UpToDate, Inconsistent, Outdated, Diskless, DUnknown...
    public var diskState: String?
    public var peerDiskState: String?
    /// Replication protocol A, B or C.
    public var replicationProtocol: String?
    /// `ns nr dw dr oos` (KiB) and `al bm lo pe ua ap ep` (counts), as printed.
    public var counters: [String: UInt64]
    /// `wo:` write ordering: b (barrier), f (flush), d (drain), n (none).
    public var writeOrdering: String?
    /// Resync or verify progress; nil when none runs.
    public var sync: DRBDProcSync?

    public init(minor: Int, connectionState: String) {
        self.minor = minor
        self.connectionState = connectionState
        self.counters = [:]
    }
}

/// Progress of a running resync (or online verify) in /proc/drbd.
public struct DRBDProcSync: Sendable, Equatable {
    /// Percent done as printed (0...100).
    public var percent: Double?
    /// Still to sync and total of this resync, KiB.
    public var remainingKiB: UInt64?
    public var totalKiB: UInt64?
    /// `finish:` estimate, seconds.
    public var finishSeconds: UInt64?
    /// Current `speed:`, KiB/s.
    public var speedKiBPerSecond: UInt64?
    /// The kernel printed `stalled` (no progress in the last marks).
    public var stalled = false
    /// An online verify (`verified:`) rather than a resync.
    public var verify = false

    public init() {}
}

/// A /proc/drbd block that could not be read.
public struct DRBDProcProblem: Sendable, Equatable {
    public var minor: Int
    public var reason: String
    public init(minor: Int, reason: String) {
        self.minor = minor
        self.reason = reason
    }
}
