/// A small streaming JSON writer over bytes (no Foundation). Callers produce valid nesting;
/// strings are escaped per RFC 8259, non-finite numbers become `null`.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = [false]

    public init(reserve: Int = 4096) { bytes.reserveCapacity(reserve) }

    private mutating func separator() {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    public mutating func beginObject() { separator(); bytes.append(UInt8(ascii: "{")); needsComma.append(false) }
    public mutating func endObject() { needsComma.removeLast(); bytes.append(UInt8(ascii: "}")) }
    public mutating func beginArray() { separator(); bytes.append(UInt8(ascii: "[")); needsComma.append(false) }
    public mutating func endArray() { needsComma.removeLast(); bytes.append(UInt8(ascii: "]")) }

    /// Writes `"key":`; the next value call writes the value without a comma.
    public mutating func key(_ k: String) {
        separator()
        appendString(k)
        bytes.append(UInt8(ascii: ":"))
        needsComma[needsComma.count - 1] = false
    }

    public mutating func string(_ s: String) { separator(); appendString(s) }
    public mutating func null() { separator(); bytes.append(contentsOf: "null".utf8) }
    public mutating func bool(_ b: Bool) { separator(); bytes.append(contentsOf: (b ? "true" : "false").utf8) }
    public mutating func int<I: BinaryInteger>(_ i: I) { separator(); bytes.append(contentsOf: String(i).utf8) }
    public mutating func double(_ d: Double) {
        separator()
        if !d.isFinite {
            bytes.append(contentsOf: "null".utf8)
        } else if d == d.rounded(), abs(d) < 1e15 {
            bytes.append(contentsOf: String(Int64(d)).utf8)
        } else {
            bytes.append(contentsOf: d.description.utf8)
        }
    }

    // Keyed conveniences; nil values are skipped entirely.
    public mutating func field(_ k: String, _ v: String?) { if let v { key(k); string(v) } }
    public mutating func field(_ k: String, _ v: Bool?) { if let v { key(k); bool(v) } }
    public mutating func field(_ k: String, _ v: Int?) { if let v { key(k); int(v) } }
    public mutating func field(_ k: String, _ v: UInt64?) { if let v { key(k); int(v) } }
    public mutating func field(_ k: String, _ v: Double?) { if let v { key(k); double(v) } }

    private mutating func appendString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
