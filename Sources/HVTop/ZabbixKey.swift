/// A Zabbix item key, `name[param,"quoted, param",...]`, parsed by Zabbix's rules ("Item key
/// format"): the name is `[0-9A-Za-z_.-]+`; a quoted parameter may hold anything, `\"` being
/// a quote; an unquoted one anything but `,` and `]`; spaces before a parameter (and after a
/// quoted one) are ignored. Array parameters (`[a,[b,c]]`) are not used by hvtop's keys and
/// are rejected.
public struct ZabbixKey: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var params: [String]

    public init(name: String, params: [String] = []) {
        self.name = name
        self.params = params
    }

    public init(parsing text: String) throws(ZabbixKeyError) {
        let chars = Array(text)
        var i = 0
        while i < chars.count, Self.isNameChar(chars[i]) { i += 1 }
        guard i > 0 else { throw ZabbixKeyError(key: text, reason: "a key starts with a name of letters, digits, '_', '-' or '.'") }
        name = String(chars[..<i])
        params = []
        guard i < chars.count else { return }
        guard chars[i] == "[" else { throw ZabbixKeyError(key: text, reason: "unexpected '\(chars[i])' after the key name") }
        i += 1
        while true {
            while i < chars.count, chars[i] == " " { i += 1 }
            guard i < chars.count else { throw ZabbixKeyError(key: text, reason: "missing ']'") }
            var p = ""
            if chars[i] == "\"" {
                i += 1
                var closed = false
                while i < chars.count {
                    if chars[i] == "\\", i + 1 < chars.count, chars[i + 1] == "\"" { p.append("\""); i += 2; continue }
                    if chars[i] == "\"" { closed = true; i += 1; break }
                    p.append(chars[i]); i += 1
                }
                guard closed else { throw ZabbixKeyError(key: text, reason: "unterminated quoted parameter") }
                while i < chars.count, chars[i] == " " { i += 1 }
                guard i < chars.count, chars[i] == "," || chars[i] == "]" else {
                    throw ZabbixKeyError(key: text, reason: "a quoted parameter must be followed by ',' or ']'")
                }
            } else if chars[i] == "[" {
                throw ZabbixKeyError(key: text, reason: "array parameters are not supported")
            } else {
                while i < chars.count, chars[i] != ",", chars[i] != "]" { p.append(chars[i]); i += 1 }
                guard i < chars.count else { throw ZabbixKeyError(key: text, reason: "missing ']'") }
            }
            params.append(p)
            if chars[i] == "]" {
                i += 1
                guard i == chars.count else { throw ZabbixKeyError(key: text, reason: "text after ']'") }
                return
            }
            i += 1   // ','
        }
    }

    static func isNameChar(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-" || c == ".")
    }

    /// The key in Zabbix syntax, quoting parameters that need it.
    public var description: String {
        guard !params.isEmpty else { return name }
        return name + "["
            + params.map { p in
                let needs = p.contains(",") || p.contains("]") || p.contains("\"") || p.hasPrefix(" ") || p.hasPrefix("[")
                return needs ? "\"" + p.replacingOccurrences("\"", with: "\\\"") + "\"" : p
            }.joined(separator: ",") + "]"
    }
}

/// A key that does not follow Zabbix's key syntax.
public struct ZabbixKeyError: Error, Equatable, CustomStringConvertible {
    public let key: String
    public let reason: String
    public var description: String { "invalid item key '\(key)': \(reason)" }
}
