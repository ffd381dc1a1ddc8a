/// A cursor over bytes for the line- and field-oriented formats of /proc, /sys and cgroupfs.
///
/// No Foundation, no String splitting: numbers are parsed straight from the bytes.
/// Every method is total (never traps on any input); failures return nil.
public struct ByteScanner {
    public let bytes: [UInt8]
    public var index: Int
    /// End of the region being scanned (exclusive).
    public var end: Int

    public init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.index = max(0, min(start, bytes.count))
        self.end = max(self.index, min(end ?? bytes.count, bytes.count))
    }

    public var atEnd: Bool { index >= end }

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// Skips spaces and tabs (not newlines).
    public mutating func skipSpaces() {
        while index < end, ByteScanner.isSpace(bytes[index]) { index += 1 }
    }

    /// Skips spaces, tabs and newlines.
    public mutating func skipWhitespace() {
        while index < end, ByteScanner.isSpace(bytes[index]) || bytes[index] == 0x0A { index += 1 }
    }

    /// Parses an unsigned decimal after optional spaces; nil (cursor unchanged) if none or overflow.
    public mutating func uint() -> UInt64? {
        let save = index
        skipSpaces()
        var v: UInt64 = 0
        var any = false
        while index < end, ByteScanner.isDigit(bytes[index]) {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(bytes[index] - 0x30))
            if o1 || o2 { index = save; return nil }
            v = a
            any = true
            index += 1
        }
        if !any { index = save; return nil }
        return v
    }

    /// Parses a signed decimal after optional spaces.
    public mutating func int() -> Int64? {
        let save = index
        skipSpaces()
        var negative = false
        if index < end, bytes[index] == UInt8(ascii: "-") { negative = true; index += 1 }
        guard let u = uint() else { index = save; return nil }
        if negative {
            guard u <= UInt64(Int64.max) + 1 else { index = save; return nil }
            return u == UInt64(Int64.max) + 1 ? Int64.min : -Int64(u)
        }
        guard u <= UInt64(Int64.max) else { index = save; return nil }
        return Int64(u)
    }

    /// Parses a non-negative decimal with an optional fraction ("0.25"), as Double.
    public mutating func decimal() -> Double? {
        let save = index
        guard let whole = uint() else { return nil }
        var v = Double(whole)
        if index < end, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            while index < end, ByteScanner.isDigit(bytes[index]) {
                v += Double(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
        }
        if index < end, !(ByteScanner.isSpace(bytes[index]) || bytes[index] == 0x0A) {
            // "12abc" is not a number.
            index = save
            return nil
        }
        return v
    }

    /// The next run of non-space bytes (stops at space, tab, newline), after optional spaces.
    public mutating func word() -> ArraySlice<UInt8>? {
        skipSpaces()
        let start = index
        while index < end, !ByteScanner.isSpace(bytes[index]), bytes[index] != 0x0A { index += 1 }
        return index > start ? bytes[start..<index] : nil
    }

    /// Skips `n` space-separated fields.
    public mutating func skipFields(_ n: Int) -> Bool {
        for _ in 0..<n where word() == nil { return false }
        return true
    }

    /// Moves past the next newline (or to the end).
    public mutating func nextLine() {
        while index < end, bytes[index] != 0x0A { index += 1 }
        if index < end { index += 1 }
    }

    /// The bytes up to (not including) the next newline; moves past it.
    public mutating func line() -> ArraySlice<UInt8>? {
        guard index < end else { return nil }
        let start = index
        while index < end, bytes[index] != 0x0A { index += 1 }
        let l = bytes[start..<index]
        if index < end { index += 1 }
        return l
    }
}

extension ArraySlice where Element == UInt8 {
    /// Byte-wise comparison with an ASCII/UTF-8 literal.
    @inline(__always)
    func equals(_ s: StaticString) -> Bool {
        guard count == s.utf8CodeUnitCount else { return false }
        let p = s.utf8Start
        var i = 0
        for b in self {
            if b != p[i] { return false }
            i += 1
        }
        return true
    }

    @inline(__always)
    func hasPrefix(_ s: StaticString) -> Bool {
        guard count >= s.utf8CodeUnitCount else { return false }
        let p = s.utf8Start
        var i = 0
        var idx = startIndex
        while i < s.utf8CodeUnitCount {
            if self[idx] != p[i] { return false }
            i += 1
            idx += 1
        }
        return true
    }

    /// Decodes as UTF-8 (invalid sequences become U+FFFD).
    var string: String { String(decoding: self, as: UTF8.self) }
}

/// Parses a whole slice as an unsigned decimal (surrounding spaces/newline allowed).
func parseUInt(_ s: ArraySlice<UInt8>) -> UInt64? {
    var v: UInt64 = 0
    var any = false
    var trailing = false
    for b in s {
        if ByteScanner.isDigit(b) {
            if trailing { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(b - 0x30))
            if o1 || o2 { return nil }
            v = a
            any = true
        } else if ByteScanner.isSpace(b) || b == 0x0A {
            if any { trailing = true }
        } else {
            return nil
        }
    }
    return any ? v : nil
}
