import Glibc

/// User and password for a daemon with `basic_auth_users` in its web config.
///
/// The password comes from a file (`--password-file`) or the environment (`$HVTOP_PASSWORD`),
/// so that it need not appear in `ps`; a password in the URL still works.
public struct BasicCredentials: Sendable, Equatable {
    public let user: String
    public let password: String

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// The `Authorization` header value.
    var headerValue: String { "Basic " + base64(Array("\(user):\(password)".utf8)) }

    /// Combines the sources, first found wins: user from `user` (`--user`), `environmentUser`
    /// (`$HVTOP_USER`), the URL; password from `passwordFile`, `environmentPassword`
    /// (`$HVTOP_PASSWORD`), the URL. Nil when there is neither a user nor a password.
    /// A user without a password, or a password without a user, is an error, not a silent
    /// unauthenticated request.
    public static func resolve(
        url: DaemonURL, user: String?, passwordFile: String?,
        environmentUser: String?, environmentPassword: String?
    ) throws(CredentialsError) -> BasicCredentials? {
        let name = nonEmpty(user) ?? nonEmpty(environmentUser) ?? url.user
        var password: String?
        var passwordSource = ""
        if let passwordFile {
            password = try readPasswordFile(passwordFile)
            passwordSource = "--password-file \(passwordFile)"
        } else if let env = nonEmpty(environmentPassword) {
            password = env
            passwordSource = "$HVTOP_PASSWORD"
        } else if let p = url.password {
            password = p
            passwordSource = "--url"
        }
        switch (name, password) {
        case (nil, nil): return nil
        case (let n?, let p?):
            if n.contains(":") { throw CredentialsError("user name '\(n)' contains ':', which basic auth cannot carry") }
            return BasicCredentials(user: n, password: p)
        case (let n?, nil):
            throw CredentialsError("no password for user '\(n)': set $HVTOP_PASSWORD or give --password-file")
        case (nil, _):
            throw CredentialsError("a password from \(passwordSource) but no user: give --user (or $HVTOP_USER)")
        }
    }

    /// The file's first line (without its line end); empty or unreadable is an error.
    static func readPasswordFile(_ path: String) throws(CredentialsError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CredentialsError("cannot read --password-file \(path): \(errnoText())") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 65_536 {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { bytes.append(contentsOf: buf[..<n]); continue }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw CredentialsError("cannot read --password-file \(path): \(errnoText())") }
            break
        }
        var line = bytes.prefix { $0 != UInt8(ascii: "\n") }
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        guard !line.isEmpty else { throw CredentialsError("--password-file \(path) is empty") }
        return String(decoding: line, as: UTF8.self)
    }

    private static func nonEmpty(_ s: String?) -> String? { s?.isEmpty == false ? s : nil }
}

/// Why the credentials could not be put together.
public struct CredentialsError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
