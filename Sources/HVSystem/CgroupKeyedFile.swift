/// Parsers for the simple cgroup file shapes (cgroup-v1 docs, cgroup-v2.rst "Interface Files").
public enum CgroupKeyedFile {
    /// Flat keyed files, one "key value" per line: v1 `cpuacct.stat`, `cpu.stat`,
    /// `memory.stat`, `memory.oom_control`; v2 `cpu.stat`, `memory.stat`, `memory.events`.
    /// Values are unsigned integers (negative values, which some v1 kernels print for
    /// transient counters, become 0).
    public static func parseFlat(_ bytes: [UInt8]) throws -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        try forEachFlat(bytes) { key, value in out[key.string] = value }
        return out
    }

    /// The values of `keys` in a flat keyed file, in their order (nil for a key the file
    /// lacks; the last line wins, as in `parseFlat`). Every line is checked as `parseFlat`
    /// checks it, but no String or dictionary is made: the cgroup collector wants a few keys
    /// of each guest's `memory.stat` (about 70 lines on v1) every scrape.
    public static func parseFlat(_ bytes: [UInt8], keys: [StaticString]) throws -> [UInt64?] {
        var out = [UInt64?](repeating: nil, count: keys.count)
        try forEachFlat(bytes) { key, value in
            for i in keys.indices where key.equals(keys[i]) { out[i] = value }
        }
        return out
    }

    static func forEachFlat(_ bytes: [UInt8], _ body: (ArraySlice<UInt8>, UInt64) throws -> Void) throws {
        var sc = ByteScanner(bytes)
        var lineNo = 0
        while let line = sc.line() {
            lineNo += 1
            if line.isEmpty { continue }
            var ls = ByteScanner(bytes, from: line.startIndex, to: line.endIndex)
            guard let key = ls.word() else { continue }
            let value: UInt64
            if let u = ls.uint() {
                value = u
            } else if let i = ls.int(), i < 0 {
                value = 0
            } else {
                throw SystemError.malformed("line \(lineNo): no number after '\(key.string)'")
            }
            ls.skipWhitespace()
            guard ls.atEnd else { throw SystemError.malformed("line \(lineNo): extra text after value") }
            try body(key, value)
        }
    }

    /// Single-value files: v1 `cpuacct.usage`, `memory.usage_in_bytes`, `memory.limit_in_bytes`;
    /// v2 `memory.current`, `memory.max`, `memory.swap.current`; sysfs attributes like
    /// `/sys/kernel/mm/ksm/pages_shared`. "max" (no limit) gives nil.
    public static func parseSingle(_ bytes: [UInt8]) throws -> UInt64? {
        var sc = ByteScanner(bytes)
        sc.skipWhitespace()
        if let w = sc.word(), w.equals("max") {
            sc.skipWhitespace()
            guard sc.atEnd else { throw SystemError.malformed("extra text after 'max'") }
            return nil
        }
        guard let v = parseUInt(bytes[...]) else { throw SystemError.malformed("not a number") }
        return v
    }

    /// v1 `memory.limit_in_bytes` reports "no limit" as a huge page-aligned number
    /// (9223372036854771712 on 4 KiB pages); treat anything at or above 2^62 as unlimited.
    public static func limitOrNil(_ v: UInt64?) -> UInt64? {
        guard let v, v < (1 << 62) else { return nil }
        return v
    }
}
