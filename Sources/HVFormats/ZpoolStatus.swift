/// What `zpool status -p` prints (`-p`: exact numbers; without it the humanised sizes and
/// counts are read too): per pool its state, the last or running scrub/resilver, the vdev
/// tree with per-device state and read/write/checksum error counts, and the data error line.
///
/// ```
///   pool: mypool
///  state: DEGRADED
///   scan: scrub repaired 0B in 08:37:48 with 0 errors on Sun Nov  3 15:24:53 2024
/// config:
///
///         NAME            STATE     READ WRITE CKSUM
///         mypool          DEGRADED     0     0     0
///           mirror-0      DEGRADED     0     0     0
///             1234567890  UNAVAIL      0     0 100980  was /dev/disk/by-id/ata-...-part1
///             ata-ST8...  ONLINE       0     0     0
///
/// errors: No known data errors
/// ```
/// Also read: the legacy `scrub:` key ("none requested", "resilver in progress, 0.14% done"),
/// sections after the pool's tree (logs, cache, spares, special, dedup), notes after the
/// counters ("(resilvering)", "was /dev/..."). A pool block without a state is listed in
/// `malformed`; the others are kept.
public struct ZpoolStatus: Sendable, Equatable {
    public var pools: [ZpoolStatusPool]
    public var malformed: [String]

    public init(pools: [ZpoolStatusPool] = [], malformed: [String] = []) {
        self.pools = pools
        self.malformed = malformed
    }

    /// Throws when the output has no `pool:` line at all (and is not "no pools available").
    public static func parse(_ bytes: [UInt8]) throws(StorageToolFormatError) -> ZpoolStatus {
        var out = ZpoolStatus()
        var pool: ZpoolStatusPool?
        var key = ""
        var scanText: [Substring] = []
        var inConfig = false
        var headerIndent: Int?
        var section = ""
        var sawNoPools = false

        func finish() {
            guard var p = pool else { return }
            if !scanText.isEmpty { p.scan = scan(scanText.joined(separator: " ")) }
            if p.state.isEmpty {
                out.malformed.append("pool \(p.name): no state line")
            } else {
                out.pools.append(p)
            }
            pool = nil
            scanText = []
            inConfig = false
            headerIndent = nil
            section = ""
            key = ""
        }

        for line in StorageToolText.lines(bytes) {
            let t = StorageToolText.trimmed(line)
            if t.isEmpty { continue }
            if t == "no pools available" { sawNoPools = true }
            if t.hasPrefix("pool:") {
                finish()
                pool = ZpoolStatusPool(name: String(StorageToolText.trimmed(t.dropFirst(5))))
                key = "pool"
                continue
            }
            guard pool != nil else { continue }
            if inConfig, !t.hasPrefix("errors:") {
                let indent = StorageToolText.indent(line)
                let words = StorageToolText.words(t)
                if words.first == "NAME", words.count >= 2, words[1] == "STATE" {
                    headerIndent = indent
                    continue
                }
                guard let base = headerIndent else { continue }
                let depth = max(0, (indent - base) / 2)
                if depth == 0, words.count == 1 {
                    section = String(words[0])   // logs, cache, spares, special, dedup
                    continue
                }
                pool!.vdevs.append(vdev(words, depth: section.isEmpty ? depth : max(0, depth - 1), section: section))
                continue
            }
            if let colon = t.firstIndex(of: ":"), isKey(t[..<colon]), StorageToolText.indent(line) < 8 {
                let k = String(t[..<colon])
                let value = StorageToolText.trimmed(t[t.index(after: colon)...])
                key = k
                switch k {
                case "state": pool!.state = String(value)
                case "status": pool!.status = String(value)
                case "action": pool!.action = String(value)
                case "scan", "scrub": scanText = [value]
                case "config": inConfig = true
                case "errors":
                    inConfig = false
                    if value.hasPrefix("No known data errors") {
                        pool!.dataErrors = 0
                        pool!.errors = String(value)
                    } else if let first = StorageToolText.words(value).first, let n = StorageToolText.uint(first) {
                        pool!.dataErrors = n
                        pool!.errors = String(value)
                    } else if pool!.errors == nil {
                        pool!.errors = String(value)
                    }
                default: break
                }
                continue
            }
            // A continuation line of the last key.
            switch key {
            case "status": pool!.status = (pool!.status.map { $0 + " " } ?? "") + t
            case "action": pool!.action = (pool!.action.map { $0 + " " } ?? "") + t
            case "scan", "scrub": scanText.append(t)
            default: break
            }
        }
        finish()
        if out.pools.isEmpty, out.malformed.isEmpty, !sawNoPools {
            throw StorageToolFormatError("zpool status: no 'pool:' line in the output")
        }
        return out
    }

    static func isKey(_ s: Substring) -> Bool {
        !s.isEmpty && s.count <= 16 && s.allSatisfy { ($0 >= "a" && $0 <= "z") || $0 == " " || $0 == "_" }
    }

    static func vdev(_ words: [Substring], depth: Int, section: String) -> ZpoolVdev {
        var v = ZpoolVdev(name: String(words[0]), depth: depth, section: section)
        if words.count >= 2 { v.state = String(words[1]) }
        var rest = 2
        if words.count >= 5, let r = StorageToolText.size(words[2]), let w = StorageToolText.size(words[3]),
            let c = StorageToolText.size(words[4])
        {
            v.readErrors = r
            v.writeErrors = w
            v.checksumErrors = c
            rest = 5
        }
        if words.count > rest { v.note = words[rest...].joined(separator: " ") }
        return v
    }

    /// The `scan:` text joined into one line.
    static func scan(_ s: String) -> ZpoolScan {
        var scan = ZpoolScan(text: s)
        let words = StorageToolText.words(s[...])
        guard let first = words.first else { return scan }
        if first == "none" {   // "none requested"
            scan.state = .none
            return scan
        }
        scan.kind =
            first == "scrub" ? .scrub : first.hasPrefix("resilver") ? .resilver : first == "rebuild" ? .resilver : .other
        let lower = s.lowercased()
        if lower.contains("in progress") {
            scan.state = .running
        } else if lower.contains("canceled") || lower.contains("cancelled") {
            scan.state = .canceled
        } else if lower.contains("paused") {
            scan.state = .paused
        } else if lower.contains(" with ") || first == "resilvered" {
            scan.state = .finished
        }
        for (i, w) in words.enumerated() {
            if w.hasSuffix("%"), i + 1 < words.count, words[i + 1].hasPrefix("done") {
                scan.percentDone = StorageToolText.decimal(w.dropLast())
            }
            if w == "with", i + 2 < words.count, words[i + 2].hasPrefix("error") {
                scan.errors = StorageToolText.size(words[i + 1])
            }
            if (w == "repaired" || w == "resilvered") && i + 1 < words.count, scan.state == .finished,
                let n = StorageToolText.size(words[i + 1])
            {
                scan.repairedBytes = n
            }
            if w == "in", i + 1 < words.count, scan.state == .finished, scan.durationSeconds == nil {
                scan.durationSeconds = StorageToolText.duration(words[i + 1])
            }
            if w == "on" || w == "since", let d = ZpoolDate(words[(i + 1)...].prefix(5)) {
                if w == "on" { scan.endDate = d } else { scan.startDate = d }
            }
            if w == "to", i + 1 < words.count, words[i + 1].hasPrefix("go"), i > 0 {
                scan.remainingSeconds = StorageToolText.duration(words[i - 1].filter { $0 != "," })
            }
        }
        return scan
    }
}

/// One pool of `zpool status`.
public struct ZpoolStatusPool: Sendable, Equatable {
    public var name: String
    /// ONLINE, DEGRADED, FAULTED, OFFLINE, UNAVAIL, REMOVED, SUSPENDED.
    public var state: String
    public var status: String?
    public var action: String?
    public var scan: ZpoolScan?
    /// Every vdev line in order: the pool's root (depth 0), top-level vdevs (1), leaves...
    public var vdevs: [ZpoolVdev]
    /// The `errors:` line ("No known data errors", "1 data errors, use '-v' for a list").
    public var errors: String?
    /// Data errors counted on the `errors:` line (0 for "No known data errors").
    public var dataErrors: UInt64?

    public init(name: String, state: String = "") {
        self.name = name
        self.state = state
        self.vdevs = []
    }
}

/// One line of the config tree.
public struct ZpoolVdev: Sendable, Equatable {
    /// Device or vdev name as printed: "sda", "ata-ST8000...-part1", "mirror-0", "raidz2-0",
    /// "/var/lib/lxd/disks/default.img", a GUID for a missing device.
    public var name: String
    /// 0 for the root of the pool (or of a section), 1 for top-level vdevs, 2 and more below.
    public var depth: Int
    /// "" for the main tree, else logs, cache, spares, special, dedup.
    public var section: String
    public var state: String?
    public var readErrors: UInt64?
    public var writeErrors: UInt64?
    public var checksumErrors: UInt64?
    /// What follows the counters: "(resilvering)", "was /dev/sdc1", "corrupted data".
    public var note: String?

    public init(name: String, depth: Int, section: String = "") {
        self.name = name
        self.depth = depth
        self.section = section
    }
}

/// The scrub or resilver of a pool: running, or the last one.
public struct ZpoolScan: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable { case scrub, resilver, other }
    public enum State: String, Sendable, Equatable { case none, running, paused, finished, canceled, unknown }

    /// The text after `scan:`, continuation lines joined.
    public var text: String
    public var kind: Kind = .other
    public var state: State = .unknown
    /// 0...100 while running.
    public var percentDone: Double?
    /// "with N errors" of a finished scan.
    public var errors: UInt64?
    /// Bytes repaired (scrub) or resilvered of a finished scan.
    public var repairedBytes: UInt64?
    public var durationSeconds: UInt64?
    public var remainingSeconds: UInt64?
    /// When it started (running) or ended (finished, canceled), local time as printed.
    public var startDate: ZpoolDate?
    public var endDate: ZpoolDate?

    public init(text: String) { self.text = text }
}

/// A date as zpool prints it (ctime format, local time): "Sun Feb  4 20:54:25 2024".
public struct ZpoolDate: Sendable, Equatable {
    public var year: Int
    /// 1...12.
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// From the five words "Sun" "Feb" "4" "20:54:25" "2024"; nil if they are not a date.
    init?<C: Collection>(_ w: C) where C.Element == Substring {
        let a = Array(w)
        guard a.count == 5 else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let m = months.firstIndex(of: String(a[1])), let d = Int(a[2]), (1...31).contains(d),
            let y = Int(a[4]), (1970...9999).contains(y)
        else { return nil }
        let hms = a[3].split(separator: ":")
        guard hms.count == 3, let h = Int(hms[0]), let mi = Int(hms[1]), let s = Int(hms[2]), (0...23).contains(h),
            (0...59).contains(mi), (0...60).contains(s)
        else { return nil }
        self.init(year: y, month: m + 1, day: d, hour: h, minute: mi, second: s)
    }
}
