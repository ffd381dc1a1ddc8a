/// A minimal, non-validating XML scanner for the documents libvirt generates
/// (domain, pool and capabilities XML). Pure: bytes in, events out; malformed input ends
/// the scan with an error instead of crashing.
///
/// Handles elements, attributes in either quote style, self-closing tags, comments,
/// processing instructions, CDATA, and the predefined and numeric entities.
public struct XMLScanner {
    public enum Event: Equatable {
        case start(name: String, attributes: [(String, String)], selfClosing: Bool)
        case end(name: String)
        case text(String)

        public static func == (a: Event, b: Event) -> Bool {
            switch (a, b) {
            case (.start(let n1, let a1, let s1), .start(let n2, let a2, let s2)):
                n1 == n2 && s1 == s2 && a1.count == a2.count && zip(a1, a2).allSatisfy { $0 == $1 }
            case (.end(let n1), .end(let n2)): n1 == n2
            case (.text(let t1), .text(let t2)): t1 == t2
            default: false
            }
        }
    }

    public struct Error: Swift.Error, Equatable, CustomStringConvertible {
        public let offset: Int
        public let reason: String
        public var description: String { "XML: \(reason) at byte \(offset)" }
    }

    /// Scans `bytes`, calling `visit` for each event.
    public static func scan(_ bytes: [UInt8], _ visit: (Event) throws -> Void) throws {
        var i = 0
        let n = bytes.count
        func fail(_ why: String) -> Error { Error(offset: i, reason: why) }
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        func isNameByte(_ b: UInt8) -> Bool {
            !(isSpace(b) || b == UInt8(ascii: "=") || b == UInt8(ascii: ">") || b == UInt8(ascii: "/")
                || b == UInt8(ascii: "<") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "'"))
        }
        func starts(_ s: String, at k: Int) -> Bool {
            var j = k
            for c in s.utf8 { if j >= n || bytes[j] != c { return false }; j += 1 }
            return true
        }
        func find(_ s: String, from k: Int) -> Int? {
            var j = k
            while j < n { if starts(s, at: j) { return j }; j += 1 }
            return nil
        }
        while i < n {
            if bytes[i] != UInt8(ascii: "<") {
                let start = i
                while i < n && bytes[i] != UInt8(ascii: "<") { i += 1 }
                let raw = bytes[start..<i]
                if raw.contains(where: { !isSpace($0) }) { try visit(.text(decodeEntities(raw))) }
                continue
            }
            if starts("<!--", at: i) {
                guard let e = find("-->", from: i + 4) else { throw fail("unterminated comment") }
                i = e + 3
            } else if starts("<![CDATA[", at: i) {
                guard let e = find("]]>", from: i + 9) else { throw fail("unterminated CDATA") }
                try visit(.text(String(decoding: bytes[(i + 9)..<e], as: UTF8.self)))
                i = e + 3
            } else if starts("<?", at: i) || starts("<!", at: i) {
                guard let e = find(">", from: i + 2) else { throw fail("unterminated declaration") }
                i = e + 1
            } else if starts("</", at: i) {
                i += 2
                let s = i
                while i < n && isNameByte(bytes[i]) { i += 1 }
                if i == s { throw fail("empty end tag") }
                let name = String(decoding: bytes[s..<i], as: UTF8.self)
                while i < n && isSpace(bytes[i]) { i += 1 }
                guard i < n && bytes[i] == UInt8(ascii: ">") else { throw fail("bad end tag") }
                i += 1
                try visit(.end(name: name))
            } else {
                i += 1
                let s = i
                while i < n && isNameByte(bytes[i]) { i += 1 }
                if i == s { throw fail("empty tag name") }
                let name = String(decoding: bytes[s..<i], as: UTF8.self)
                var attrs: [(String, String)] = []
                var selfClosing = false
                while true {
                    while i < n && isSpace(bytes[i]) { i += 1 }
                    guard i < n else { throw fail("unterminated tag <\(name)>") }
                    if bytes[i] == UInt8(ascii: ">") { i += 1; break }
                    if bytes[i] == UInt8(ascii: "/") {
                        guard i + 1 < n && bytes[i + 1] == UInt8(ascii: ">") else { throw fail("bad self-closing tag") }
                        i += 2
                        selfClosing = true
                        break
                    }
                    let as0 = i
                    while i < n && isNameByte(bytes[i]) { i += 1 }
                    if i == as0 { throw fail("bad attribute in <\(name)>") }
                    let aname = String(decoding: bytes[as0..<i], as: UTF8.self)
                    while i < n && isSpace(bytes[i]) { i += 1 }
                    guard i < n && bytes[i] == UInt8(ascii: "=") else { throw fail("attribute \(aname) without value") }
                    i += 1
                    while i < n && isSpace(bytes[i]) { i += 1 }
                    guard i < n && (bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'")) else {
                        throw fail("unquoted attribute \(aname)")
                    }
                    let q = bytes[i]
                    i += 1
                    let vs = i
                    while i < n && bytes[i] != q { i += 1 }
                    guard i < n else { throw fail("unterminated attribute \(aname)") }
                    attrs.append((aname, decodeEntities(bytes[vs..<i])))
                    i += 1
                }
                try visit(.start(name: name, attributes: attrs, selfClosing: selfClosing))
                if selfClosing { try visit(.end(name: name)) }
            }
        }
    }

    /// Decodes `&amp;` `&lt;` `&gt;` `&quot;` `&apos;` `&#N;` `&#xN;`; anything else is kept as is.
    static func decodeEntities(_ raw: ArraySlice<UInt8>) -> String {
        guard raw.contains(UInt8(ascii: "&")) else { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i < raw.endIndex {
            let b = raw[i]
            if b == UInt8(ascii: "&"), let semi = raw[i...].prefix(12).firstIndex(of: UInt8(ascii: ";")) {
                let name = String(decoding: raw[(i + 1)..<semi], as: UTF8.self)
                var scalar: Unicode.Scalar?
                switch name {
                case "amp": scalar = "&"
                case "lt": scalar = "<"
                case "gt": scalar = ">"
                case "quot": scalar = "\""
                case "apos": scalar = "'"
                default:
                    if name.hasPrefix("#x") || name.hasPrefix("#X"), let v = UInt32(name.dropFirst(2), radix: 16) {
                        scalar = Unicode.Scalar(v)
                    } else if name.hasPrefix("#"), let v = UInt32(name.dropFirst()) {
                        scalar = Unicode.Scalar(v)
                    }
                }
                if let scalar {
                    out.append(contentsOf: String(Character(scalar)).utf8)
                    i = semi + 1
                    continue
                }
            }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
