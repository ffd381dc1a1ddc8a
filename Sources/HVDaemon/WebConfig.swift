import Glibc
import HVHTTP

/// `--web.config.file`: TLS and basic auth in the Prometheus exporter-toolkit format.
///
/// ```yaml
/// tls_server_config:
///   cert_file: /etc/hv-exporter/server.crt
///   key_file: /etc/hv-exporter/server.key
///   client_ca_file: /etc/hv-exporter/ca.crt      # optional: require client certificates
///   client_auth_type: RequireAndVerifyClientCert  # optional, with client_ca_file
/// basic_auth_users:
///   prometheus: $2y$10$...                          # bcrypt hash (htpasswd -nBC 10 "" | tr -d ':\n')
/// ```
///
/// The parser reads that subset of YAML only (two-level maps of scalars, comments, quoted
/// values) and rejects anything else with the line number, so a typo is never silently ignored.
public struct WebConfig: Sendable, Equatable {
    public var tls: TLSConfig?
    public var basicAuthUsers: [String: String]?

    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public let path: String
        public let line: Int
        public let reason: String
        public var description: String { line > 0 ? "\(path):\(line): \(reason)" : "\(path): \(reason)" }
    }

    static let tlsKeys: Set<String> = [
        "cert_file", "key_file", "client_ca_file", "client_auth_type",
        "min_version", "max_version", "cipher_suites", "prefer_server_cipher_suites",
        "curve_preferences",
    ]
    static let supportedTLSKeys: Set<String> = ["cert_file", "key_file", "client_ca_file", "client_auth_type"]

    /// Reads and parses `path`; relative certificate paths are taken relative to the file's directory.
    public static func load(path: String) throws(Error) -> WebConfig {
        guard let f = fopen(path, "r") else {
            throw Error(path: path, line: 0, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            bytes.append(contentsOf: buf[0..<n])
            if bytes.count > 1 << 20 { throw Error(path: path, line: 0, reason: "larger than 1 MiB") }
        }
        let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        return try parse(String(decoding: bytes, as: UTF8.self), path: path, baseDirectory: dir)
    }

    public static func parse(_ text: String, path: String = "web-config", baseDirectory: String = ".") throws(Error) -> WebConfig {
        var section: String?
        var tlsValues: [String: String] = [:]
        var users: [String: String]?
        var sawTLS = false
        for (i, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNo = i + 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            let stripped = stripComment(line)
            if stripped.allSatisfy({ $0 == " " }) { continue }
            if stripped.contains("\t") { throw Error(path: path, line: lineNo, reason: "tabs are not allowed in YAML indentation") }
            let indent = stripped.prefix { $0 == " " }.count
            let body = stripped.dropFirst(indent)
            guard let colon = body.firstIndex(of: ":") else {
                throw Error(path: path, line: lineNo, reason: "expected 'key: value'")
            }
            let key = String(body[..<colon]).trimmingSpaces()
            let value = try unquote(String(body[body.index(after: colon)...]).trimmingSpaces(), path, lineNo)
            if indent == 0 {
                guard value.isEmpty else { throw Error(path: path, line: lineNo, reason: "'\(key)' must be a map") }
                switch key {
                case "tls_server_config": section = key; sawTLS = true
                case "basic_auth_users": section = key; users = users ?? [:]
                case "http_server_config": section = key
                default:
                    throw Error(
                        path: path, line: lineNo,
                        reason: "unknown section '\(key)' (known: tls_server_config, basic_auth_users, http_server_config)")
                }
                continue
            }
            guard let section else { throw Error(path: path, line: lineNo, reason: "indented line outside a section") }
            guard !value.isEmpty else { throw Error(path: path, line: lineNo, reason: "'\(key)' needs a value") }
            switch section {
            case "tls_server_config":
                guard tlsKeys.contains(key) else { throw Error(path: path, line: lineNo, reason: "unknown tls_server_config key '\(key)'") }
                guard supportedTLSKeys.contains(key) else {
                    throw Error(
                        path: path, line: lineNo, reason: "'\(key)' is not supported by hv-exporter (TLS 1.2 and 1.3 with GnuTLS defaults)")
                }
                tlsValues[key] = value
            case "basic_auth_users":
                guard value.hasPrefix("$2a$") || value.hasPrefix("$2b$") || value.hasPrefix("$2y$") else {
                    throw Error(path: path, line: lineNo, reason: "password of '\(key)' must be a bcrypt hash ($2y$...)")
                }
                users![key] = value
            default:
                // http_server_config (http2, headers) has no meaning for this server; accept and ignore.
                break
            }
        }
        var config = WebConfig()
        if sawTLS {
            guard let cert = tlsValues["cert_file"], let key = tlsValues["key_file"] else {
                throw Error(path: path, line: 0, reason: "tls_server_config needs cert_file and key_file")
            }
            func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : baseDirectory + "/" + p }
            let authType =
                tlsValues["client_auth_type"] ?? (tlsValues["client_ca_file"] == nil ? "NoClientCert" : "RequireAndVerifyClientCert")
            switch authType {
            case "NoClientCert":
                config.tls = TLSConfig(certFile: resolve(cert), keyFile: resolve(key))
            case "RequireAndVerifyClientCert":
                guard let ca = tlsValues["client_ca_file"] else {
                    throw Error(path: path, line: 0, reason: "client_auth_type RequireAndVerifyClientCert needs client_ca_file")
                }
                config.tls = TLSConfig(certFile: resolve(cert), keyFile: resolve(key), clientCAFile: resolve(ca))
            default:
                throw Error(
                    path: path, line: 0,
                    reason: "client_auth_type '\(authType)' is not supported (NoClientCert or RequireAndVerifyClientCert)")
            }
        }
        if let users, !users.isEmpty { config.basicAuthUsers = users }
        return config
    }

    static func stripComment(_ s: Substring) -> Substring {
        var inSingle = false
        var inDouble = false
        var prev: Character = " "
        for i in s.indices {
            let c = s[i]
            if c == "'" && !inDouble { inSingle.toggle() }
            if c == "\"" && !inSingle { inDouble.toggle() }
            if c == "#" && !inSingle && !inDouble && (prev == " " || i == s.startIndex) { return s[..<i] }
            prev = c
        }
        return s
    }

    static func unquote(_ v: String, _ path: String, _ line: Int) throws(Error) -> String {
        guard let first = v.first, first == "\"" || first == "'" else { return v }
        guard v.count >= 2, v.last == first else { throw Error(path: path, line: line, reason: "unterminated quote") }
        return String(v.dropFirst().dropLast())
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
