/// A key press as the TUI understands it.
public enum Key: Equatable, Sendable {
    case char(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, backspace, tab
    /// Ctrl+letter other than the ones above ("c" for Ctrl-C).
    case control(Character)

    /// Decodes the bytes of one read(2) from a raw-mode terminal into keys: UTF-8 characters,
    /// CSI/SS3 escape sequences (xterm, VT100, rxvt forms), and a lone ESC as `escape`.
    public static func decode(_ bytes: [UInt8]) -> [Key] {
        var keys: [Key] = []
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case 0x1B:
                if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "[") || bytes[i + 1] == UInt8(ascii: "O") {
                    var j = i + 2
                    while j < bytes.count, !(0x40...0x7E).contains(bytes[j]) { j += 1 }
                    guard j < bytes.count else { keys.append(.escape); i = bytes.count; continue }
                    let params = String(decoding: bytes[(i + 2)..<j], as: UTF8.self)
                    if let k = sequence(final: bytes[j], params: params) { keys.append(k) }
                    i = j + 1
                } else {
                    keys.append(.escape)
                    i += 1
                }
            case 0x0D, 0x0A:
                keys.append(.enter); i += 1
            case 0x7F, 0x08:
                keys.append(.backspace); i += 1
            case 0x09:
                keys.append(.tab); i += 1
            case 0x00..<0x20:
                keys.append(.control(Character(Unicode.Scalar(b + 0x60)))); i += 1
            default:
                let len = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                let end = min(bytes.count, i + len)
                let s = String(decoding: bytes[i..<end], as: UTF8.self)
                if let c = s.first { keys.append(.char(c)) }
                i = end
            }
        }
        return keys
    }

    static func sequence(final: UInt8, params: String) -> Key? {
        switch final {
        case UInt8(ascii: "A"): .up
        case UInt8(ascii: "B"): .down
        case UInt8(ascii: "C"): .right
        case UInt8(ascii: "D"): .left
        case UInt8(ascii: "H"): .home
        case UInt8(ascii: "F"): .end
        case UInt8(ascii: "~"):
            switch params {
            case "1", "7": .home
            case "4", "8": .end
            case "5": .pageUp
            case "6": .pageDown
            default: nil
            }
        default: nil
        }
    }
}
