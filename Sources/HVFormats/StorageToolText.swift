/// Small text helpers shared by the line-oriented tool formats (/proc/drbd, zpool status,
/// zpool list). Internal: each format's parser is the API.
enum StorageToolText {
    /// The lines of `bytes` (invalid UTF-8 replaced), without the line ends.
    static func lines(_ bytes: [UInt8]) -> [Substring] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.last == "\r" ? $0.dropLast() : $0
        }
    }

    /// Whitespace-separated words (spaces and tabs).
    static func words<S: StringProtocol>(_ s: S) -> [Substring] where S.SubSequence == Substring {
        s.split(whereSeparator: { $0 == " " || $0 == "\t" })
    }

    /// Count of leading spaces and tabs (a tab counts as `tabWidth`).
    static func indent<S: StringProtocol>(_ s: S, tabWidth: Int = 8) -> Int {
        var n = 0
        for c in s {
            if c == " " {
                n += 1
            } else if c == "\t" {
                n += tabWidth - n % tabWidth
            } else {
                break
            }
        }
        return n
    }

    static func trimmed<S: StringProtocol>(_ s: S) -> Substring where S.SubSequence == Substring {
        var sub = s[...]
        while let f = sub.first, f == " " || f == "\t" { sub = sub.dropFirst() }
        while let l = sub.last, l == " " || l == "\t" { sub = sub.dropLast() }
        return sub
    }

    /// An unsigned decimal integer, digits only (no sign, no separators); nil otherwise.
    static func uint<S: StringProtocol>(_ s: S) -> UInt64? {
        guard !s.isEmpty, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return UInt64(s)
    }

    /// A byte size as zpool prints it: exact (`-p`: "1234") or humanised with a power-of-1024
    /// suffix ("1.66T", "0B", "21K", "326G"); nil for "-" or anything else.
    static func size<S: StringProtocol>(_ s: S) -> UInt64? {
        if let n = uint(s) { return n }
        guard let last = s.last else { return nil }
        let shifts: [Character: Double] = ["B": 0, "K": 10, "M": 20, "G": 30, "T": 40, "P": 50, "E": 60]
        guard let shift = shifts[last] else { return nil }
        let number = s.dropLast()
        guard !number.isEmpty, number.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 }),
            let v = Double(String(number)), v.isFinite
        else { return nil }
        let bytes = v * pow2(shift)
        guard bytes >= 0, bytes < 1.8e19 else { return nil }
        return UInt64(bytes.rounded())
    }

    static func pow2(_ e: Double) -> Double {
        var r = 1.0
        var i = 0.0
        while i < e {
            r *= 2
            i += 1
        }
        return r
    }

    /// A decimal number ("42.4", "0.00", "100"); nil otherwise.
    static func decimal<S: StringProtocol>(_ s: S) -> Double? {
        guard !s.isEmpty, s.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 }), let v = Double(String(s)), v.isFinite
        else { return nil }
        return v
    }

    /// "1:23:28", "00:03:21", "0:01:02" (h:mm:ss) or "14h7m", "0h0m", "1d2h3m" to seconds.
    static func duration<S: StringProtocol>(_ s: S) -> UInt64? {
        if s.contains(":") {
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            guard (2...3).contains(parts.count) else { return nil }
            var total: UInt64 = 0
            for p in parts {
                guard let n = uint(p), n < 1 << 40 else { return nil }
                total = total * 60 + n
            }
            return parts.count == 2 ? total * 60 : total
        }
        var total: UInt64 = 0
        var digits: UInt64? = nil
        for c in s {
            if let d = c.wholeNumberValue, c.isASCII {
                guard (digits ?? 0) < 1 << 40 else { return nil }
                digits = (digits ?? 0) * 10 + UInt64(d)
                continue
            }
            guard let n = digits else { return nil }
            switch c {
            case "d": total += n * 86400
            case "h": total += n * 3600
            case "m": total += n * 60
            case "s": total += n
            default: return nil
            }
            digits = nil
        }
        return digits == nil && !s.isEmpty ? total : nil
    }
}
