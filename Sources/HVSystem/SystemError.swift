import Glibc

/// What went wrong reading or parsing one file under /proc, /sys or a cgroup tree.
///
/// Small on purpose: the path and a short reason are what an operator needs
/// ("/proc/123/stat: no ')' after comm"). `errno` is set when a syscall failed.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The file or directory does not exist (ENOENT, ESRCH: a process that exited).
        case notFound
        /// A syscall failed with another errno.
        case io
        /// The content did not have the expected shape.
        case malformed
        /// The file was larger than the reader's bound.
        case tooLarge
    }

    public var kind: Kind
    /// Path of the file, or "" when a pure parser was called on bytes alone.
    public var path: String
    /// What was wrong, in words.
    public var reason: String
    /// The errno of the failing syscall, when there was one.
    public var errno: Int32?

    public init(_ kind: Kind, path: String, reason: String, errno: Int32? = nil) {
        self.kind = kind
        self.path = path
        self.reason = reason
        self.errno = errno
    }

    /// A parse error, path to be filled by the reader (`withPath`).
    public static func malformed(_ reason: String) -> SystemError {
        SystemError(.malformed, path: "", reason: reason)
    }

    /// The same error with `path` set (readers call this around pure parsers).
    public func withPath(_ p: String) -> SystemError {
        var e = self
        e.path = p
        return e
    }

    public var description: String {
        let prefix = path.isEmpty ? "" : "\(path): "
        if let errno { return "\(prefix)\(reason) (errno \(errno))" }
        return "\(prefix)\(reason)"
    }
}

extension SystemError {
    /// Builds the error for a failed syscall on `path`.
    static func syscall(_ call: String, path: String, errno e: Int32) -> SystemError {
        let kind: Kind = (e == ENOENT || e == ESRCH || e == ENOTDIR) ? .notFound : .io
        let text = String(cString: strerror(e))
        return SystemError(kind, path: path, reason: "\(call): \(text)", errno: e)
    }
}

/// Runs a pure parser and stamps the file's path onto any error it throws.
@inline(__always)
func parsing<T>(_ path: String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as SystemError { throw e.withPath(path) }
}
