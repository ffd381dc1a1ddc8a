/// Pure parsers for the values in `/sys/block/<md>/md/*` and `dev-*/*`.
///
/// Each takes the file's bytes (one `read(2)`, with the kernel's trailing newline) and returns
/// a value or throws `SystemError` of kind `.malformed` saying what was wrong. The accepted
/// shapes are those printed by drivers/md/md.c (`*_show` functions):
/// - words: `array_state`, `sync_action`, `consistency_policy` ("%s\n")
/// - numbers: `degraded`, `mismatch_cnt`, `component_size`, `errors` ("%d\n" / "%llu\n")
/// - "N" or "N (M)" during a reshape: `raid_disks`, `chunk_size`, `layout`
/// - "none" or a number: `reshape_position`, `resync_start`, `sync_speed`
/// - `sync_completed`: "none", "delayed" or "%llu / %llu"
/// - `slot`: "none", "journal" or "%d"
/// - `dev-*/state`: comma-separated words, possibly empty
/// - `metadata_version`: "%d.%d", "none" or "external:%s"
public enum MDSysfsAttribute {
    /// The value without its trailing newline; rejects NUL bytes and multi-line content.
    static func value(_ bytes: [UInt8]) throws -> ArraySlice<UInt8> {
        var s = bytes[...]
        if s.last == MDText.newline { s = s.dropLast() }
        if s.contains(MDText.newline) { throw SystemError.malformed("more than one line: \(MDText.excerpt(s))") }
        if s.contains(0) { throw SystemError.malformed("NUL byte in value") }
        return s
    }

    /// One word of lower-case letters, digits, '-', '_' ("clean", "read-auto", "write-pending").
    public static func word(_ bytes: [UInt8]) throws -> String {
        let s = try value(bytes)
        guard !s.isEmpty else { throw SystemError.malformed("empty value") }
        for b in s {
            let ok =
                (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
                || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
            guard ok else { throw SystemError.malformed("expected one word, got \(MDText.excerpt(s))") }
        }
        return MDText.string(s)
    }

    /// `level`: a personality name, or nil when the file is empty (array being assembled).
    public static func level(_ bytes: [UInt8]) throws -> String? {
        let s = try value(bytes)
        if s.isEmpty { return nil }
        return try word(bytes)
    }

    /// An unsigned decimal.
    public static func unsigned(_ bytes: [UInt8]) throws -> UInt64 {
        let s = try value(bytes)
        guard let v = MDText.uint(s) else { throw SystemError.malformed("expected a number, got \(MDText.excerpt(s))") }
        return v
    }

    /// An unsigned decimal that fits an Int (counts).
    public static func count(_ bytes: [UInt8]) throws -> Int {
        let s = try value(bytes)
        guard let v = MDText.int(s) else { throw SystemError.malformed("expected a count, got \(MDText.excerpt(s))") }
        return v
    }

    /// "none" (nil) or an unsigned decimal.
    public static func noneOrUnsigned(_ bytes: [UInt8]) throws -> UInt64? {
        let s = try value(bytes)
        if MDText.equals(s, "none") { return nil }
        guard let v = MDText.uint(s) else { throw SystemError.malformed("expected \"none\" or a number, got \(MDText.excerpt(s))") }
        return v
    }

    /// "N" or "N (M)" (new value, old value during a reshape); nil for an empty file.
    public static func reshapeable(_ bytes: [UInt8]) throws -> (current: UInt64, before: UInt64?)? {
        let s = try value(bytes)
        if s.isEmpty { return nil }
        let t = MDText.tokens(s)
        if t.count == 1, let n = MDText.uint(t[0]) { return (n, nil) }
        if t.count == 2, let n = MDText.uint(t[0]), t[1].count >= 3, t[1].first == UInt8(ascii: "("),
            t[1].last == UInt8(ascii: ")"), let m = MDText.uint(t[1].dropFirst().dropLast())
        {
            return (n, m)
        }
        throw SystemError.malformed("expected \"N\" or \"N (M)\", got \(MDText.excerpt(s))")
    }

    /// `sync_completed`.
    public static func syncCompleted(_ bytes: [UInt8]) throws -> MDSyncCompleted {
        let s = try value(bytes)
        if MDText.equals(s, "none") { return .none }
        if MDText.equals(s, "delayed") { return .delayed }
        let t = MDText.tokens(s)
        guard t.count == 3, MDText.equals(t[1], "/"), let done = MDText.uint(t[0]), let total = MDText.uint(t[2]) else {
            throw SystemError.malformed("expected \"none\", \"delayed\" or \"done / total\", got \(MDText.excerpt(s))")
        }
        return .progress(done: done, total: total)
    }

    /// `dev-*/slot`.
    public static func slot(_ bytes: [UInt8]) throws -> MDSlot {
        let s = try value(bytes)
        if MDText.equals(s, "none") { return .none }
        if MDText.equals(s, "journal") { return .journal }
        guard let n = MDText.int(s) else {
            throw SystemError.malformed("expected \"none\", \"journal\" or a slot number, got \(MDText.excerpt(s))")
        }
        return .number(n)
    }

    /// `dev-*/state`: "in_sync", "faulty,write_error", "" ...
    public static func deviceState(_ bytes: [UInt8]) throws -> [String] {
        let s = try value(bytes)
        if s.isEmpty { return [] }
        var out: [String] = []
        for part in s.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            guard !part.isEmpty, part.allSatisfy({ ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || $0 == UInt8(ascii: "_") }) else {
                throw SystemError.malformed("expected comma-separated state words, got \(MDText.excerpt(s))")
            }
            out.append(MDText.string(part))
        }
        return out
    }

    /// `metadata_version`: "1.2", "0.90", "none", "external:imsm", "external:/md127/0"...
    public static func metadataVersion(_ bytes: [UInt8]) throws -> String {
        let s = try value(bytes)
        if MDText.equals(s, "none") { return "none" }
        if MDText.hasPrefix(s, "external:") {
            let rest = s.dropFirst(9)
            guard MDText.isPrintableWord(rest) else { throw SystemError.malformed("bad external metadata \(MDText.excerpt(s))") }
            return MDText.string(s)
        }
        guard let dot = s.firstIndex(of: UInt8(ascii: ".")), MDText.uint(s[s.startIndex..<dot]) != nil,
            MDText.uint(s[(dot + 1)...]) != nil
        else {
            throw SystemError.malformed("expected \"major.minor\", \"none\" or \"external:...\", got \(MDText.excerpt(s))")
        }
        return MDText.string(s)
    }

    /// `uuid`: printable, one token.
    public static func token(_ bytes: [UInt8]) throws -> String {
        let s = try value(bytes)
        guard MDText.isPrintableWord(s) else { throw SystemError.malformed("expected one token, got \(MDText.excerpt(s))") }
        return MDText.string(s)
    }
}
