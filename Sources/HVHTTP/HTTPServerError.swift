#if canImport(Glibc)
import Glibc
#endif

/// Why an `HTTPServer` could not start, with the address, file or setting concerned and the
/// failing C call, worded for the operator.
public struct HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// `listenAddress` is not `host:port`, `[v6]:port` or `:port`, or the host does not resolve.
        case invalidListenAddress
        /// A limit or the basic-auth user map is out of range or malformed.
        case invalidConfiguration
        /// Another process already listens on the address (EADDRINUSE).
        case addressInUse
        /// The address is not configured on this host (EADDRNOTAVAIL).
        case addressNotAvailable
        /// Binding needs privileges (EACCES: port below 1024 without CAP_NET_BIND_SERVICE).
        case permissionDenied
        /// socket(2), setsockopt(2), listen(2) or getsockname(2) failed otherwise.
        case socketFailed
        /// A TLS certificate, key or CA file cannot be read.
        case tlsFileUnreadable
        /// libmicrohttpd refused to start (bad TLS material, out of threads, ...).
        case startFailed
    }

    public let kind: Kind
    /// The listen address, file path or setting name concerned.
    public let subject: String
    /// The C call that failed, e.g. `bind`, or nil.
    public let call: String?
    /// The errno from `call`, or nil.
    public let errno: Int32?
    /// A human explanation, including libmicrohttpd's own log lines for `.startFailed`.
    public let message: String

    public init(kind: Kind, subject: String, call: String? = nil, errno: Int32? = nil, message: String) {
        self.kind = kind
        self.subject = subject
        self.call = call
        self.errno = errno
        self.message = message
    }

    public var description: String {
        var text = "\(subject): \(message)"
        if let call {
            if let errno {
                text += " (\(call): \(Self.errnoName(errno)), \(Self.errnoText(errno)))"
            } else {
                text += " (\(call))"
            }
        }
        return text
    }

    static func errnoText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }

    static func errnoName(_ code: Int32) -> String {
        switch code {
        case EADDRINUSE: "EADDRINUSE"
        case EADDRNOTAVAIL: "EADDRNOTAVAIL"
        case EACCES: "EACCES"
        case EPERM: "EPERM"
        case EAFNOSUPPORT: "EAFNOSUPPORT"
        case EINVAL: "EINVAL"
        case EMFILE: "EMFILE"
        case ENFILE: "ENFILE"
        case ENOENT: "ENOENT"
        case EISDIR: "EISDIR"
        case ENOMEM: "ENOMEM"
        default: "errno \(code)"
        }
    }
}
