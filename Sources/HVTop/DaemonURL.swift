/// Where the `hv-exporter` daemon answers: `http[s]://[user[:password]@]host[:port][/prefix]`.
///
/// Credentials in the URL still work, but a password there is visible to every user in `ps`;
/// `BasicCredentials` takes it from `$HVTOP_PASSWORD` or a file instead.
public struct DaemonURL: Sendable, Equatable, CustomStringConvertible {
    /// The default: the local daemon on its registered port.
    public static let defaultText = "http://127.0.0.1:9974"

    public let text: String
    /// True for `https://`: the daemon serves TLS (`tls_server_config` in its web config).
    public let isTLS: Bool
    /// Host name or address, without IPv6 brackets.
    public let host: String
    /// TCP port: from the URL, else 443 for https and 80 for http.
    public let port: Int
    /// Path prefix put before "/json" (empty for the root), without a trailing slash.
    public let basePath: String
    /// User name from `user[:password]@`, if any.
    public let user: String?
    /// Password from `user:password@`, if any.
    public let password: String?

    public init(_ text: String) throws(DaemonURLError) {
        self.text = text
        var rest = Substring(text)
        if rest.hasPrefix("https://") {
            isTLS = true
            rest = rest.dropFirst(8)
        } else if rest.hasPrefix("http://") {
            isTLS = false
            rest = rest.dropFirst(7)
        } else if let sep = rest.range(of: "://") {
            throw DaemonURLError(text: text, reason: "scheme '\(rest[..<sep.lowerBound])' is not http or https")
        } else {
            isTLS = false
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        var path = rest.dropFirst(authority.count)
        if path.contains("?") || path.contains("#") {
            throw DaemonURLError(text: text, reason: "no query or fragment: give the path prefix only")
        }
        while path.hasSuffix("/") { path = path.dropLast() }
        basePath = String(path)
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            let cred = authority[..<at]
            if let colon = cred.firstIndex(of: ":") {
                user = String(cred[..<colon])
                password = String(cred[cred.index(after: colon)...])
            } else {
                user = String(cred)
                password = nil
            }
            hostPort = authority[authority.index(after: at)...]
        } else {
            user = nil
            password = nil
        }
        var h: Substring
        var p: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw DaemonURLError(text: text, reason: "unclosed '[' in IPv6 address") }
            h = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") {
                p = after.dropFirst()
            } else if !after.isEmpty {
                throw DaemonURLError(text: text, reason: "junk after IPv6 address")
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            h = hostPort[..<colon]
            p = hostPort[hostPort.index(after: colon)...]
        } else {
            h = hostPort
        }
        if h.isEmpty { h = "127.0.0.1" }
        host = String(h)
        if let p {
            guard let n = Int(p), (1...65535).contains(n) else { throw DaemonURLError(text: text, reason: "port '\(p)' is not 1-65535") }
            port = n
        } else {
            port = isTLS ? 443 : 80
        }
    }

    /// `user:password` base64-encoded from the URL alone, for an `Authorization: Basic` header.
    public var basicAuth: String? {
        guard let user else { return nil }
        return base64(Array("\(user):\(password ?? "")".utf8))
    }

    /// The Host header value.
    var hostHeader: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// True for addresses on this machine, where falling back to direct collection reads the
    /// same host the daemon would have.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The URL with any credentials masked, for messages and headers.
    public var description: String {
        guard user != nil, let at = text.lastIndex(of: "@") else { return text }
        let scheme = text.hasPrefix("https://") ? "https://" : text.hasPrefix("http://") ? "http://" : ""
        return scheme + "***@" + text[text.index(after: at)...]
    }
}

public struct DaemonURLError: Error, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "invalid --url '\(text)': \(reason)" }
}

/// Standard base64 with padding.
func base64(_ bytes: [UInt8]) -> String {
    let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out: [UInt8] = []
    var i = 0
    while i < bytes.count {
        let b0 = bytes[i]
        let b1 = i + 1 < bytes.count ? bytes[i + 1] : 0
        let b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
        out.append(table[Int(b0 >> 2)])
        out.append(table[Int((b0 & 3) << 4 | b1 >> 4)])
        out.append(i + 1 < bytes.count ? table[Int((b1 & 15) << 2 | b2 >> 6)] : UInt8(ascii: "="))
        out.append(i + 2 < bytes.count ? table[Int(b2 & 63)] : UInt8(ascii: "="))
        i += 3
    }
    return String(decoding: out, as: UTF8.self)
}
