/// Byte helpers shared by the md parsers (mdstat lines and tokens, sysfs values).
/// Total functions: any input gives a value or nil, never a trap.
enum MDText {
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A

    @inline(__always) static func isBlank(_ b: UInt8) -> Bool { b == space || b == tab || b == 0x0D }

    /// Lines without their newline (a final line without newline is kept).
    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        var start = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == newline {
                out.append(bytes[start..<i])
                start = i + 1
            }
            i += 1
        }
        if start < bytes.count { out.append(bytes[start..<bytes.count]) }
        return out
    }

    /// Space/tab separated tokens.
    static func tokens(_ s: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        var i = s.startIndex
        while i < s.endIndex {
            while i < s.endIndex, isBlank(s[i]) { i += 1 }
            let start = i
            while i < s.endIndex, !isBlank(s[i]) { i += 1 }
            if i > start { out.append(s[start..<i]) }
        }
        return out
    }

    /// The slice without leading and trailing spaces, tabs, carriage returns and newlines.
    static func trimmed(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var lo = s.startIndex
        var hi = s.endIndex
        while lo < hi, isBlank(s[lo]) || s[lo] == newline { lo += 1 }
        while hi > lo, isBlank(s[hi - 1]) || s[hi - 1] == newline { hi -= 1 }
        return s[lo..<hi]
    }

    static func isBlankLine(_ s: ArraySlice<UInt8>) -> Bool {
        for b in s where !isBlank(b) { return false }
        return true
    }

    /// Unsigned decimal, the whole slice (no sign, no spaces); nil on anything else or overflow.
    static func uint(_ s: ArraySlice<UInt8>) -> UInt64? {
        guard !s.isEmpty else { return nil }
        var v: UInt64 = 0
        for b in s {
            guard b >= 0x30, b <= 0x39 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(b - 0x30))
            if o1 || o2 { return nil }
            v = a
        }
        return v
    }

    /// A small non-negative decimal that fits an Int (slots, counts).
    static func int(_ s: ArraySlice<UInt8>) -> Int? {
        guard let v = uint(s), v <= UInt64(Int32.max) else { return nil }
        return Int(v)
    }

    /// Signed decimal ("-1").
    static func signed(_ s: ArraySlice<UInt8>) -> Int64? {
        if s.first == UInt8(ascii: "-") {
            guard let v = uint(s.dropFirst()), v <= UInt64(Int64.max) else { return nil }
            return -Int64(v)
        }
        guard let v = uint(s), v <= UInt64(Int64.max) else { return nil }
        return Int64(v)
    }

    /// "127.5" or "127": digits with an optional fraction.
    static func decimal(_ s: ArraySlice<UInt8>) -> Double? {
        guard let dot = s.firstIndex(of: UInt8(ascii: ".")) else { return uint(s).map { Double($0) } }
        guard let whole = uint(s[s.startIndex..<dot]) else { return nil }
        let frac = s[(dot + 1)...]
        if frac.isEmpty { return nil }
        guard frac.count <= 18, let f = uint(frac) else { return nil }
        var scale = 1.0
        for _ in 0..<frac.count { scale *= 10 }
        return Double(whole) + Double(f) / scale
    }

    /// True when `s` starts with the ASCII text `p`.
    static func hasPrefix(_ s: ArraySlice<UInt8>, _ p: StaticString) -> Bool {
        let n = p.utf8CodeUnitCount
        guard s.count >= n else { return false }
        let ptr = p.utf8Start
        var i = s.startIndex
        for k in 0..<n {
            if s[i] != ptr[k] { return false }
            i += 1
        }
        return true
    }

    static func equals(_ s: ArraySlice<UInt8>, _ p: StaticString) -> Bool {
        s.count == p.utf8CodeUnitCount && hasPrefix(s, p)
    }

    /// True when every byte is printable ASCII other than space (device names, words).
    static func isPrintableWord(_ s: ArraySlice<UInt8>) -> Bool {
        guard !s.isEmpty else { return false }
        for b in s where b <= 0x20 || b >= 0x7F { return false }
        return true
    }

    static func string(_ s: ArraySlice<UInt8>) -> String { String(decoding: s, as: UTF8.self) }

    /// A short, printable excerpt of `s` for error messages.
    static func excerpt(_ s: ArraySlice<UInt8>, max: Int = 60) -> String {
        var out = ""
        for b in s.prefix(max) {
            out.append((b >= 0x20 && b < 0x7F) ? Character(UnicodeScalar(b)) : "?")
        }
        if s.count > max { out += "..." }
        return "\"" + out + "\""
    }
}
