import Synchronization

/// Everything the C callbacks need, behind one pointer (the `cls` of MHD's access handler and
/// logger). Owned by `HTTPServer`, which stops the daemon before releasing it.
final class ServerContext: Sendable {
    let handler: @Sendable (HTTPRequest) -> HTTPResponse
    let logger: @Sendable (String) -> Void
    let authenticator: BasicAuthenticator?
    /// TLS with `clientCAFile`: requests without a verified client certificate get 403.
    let requiresClientCertificate: Bool
    /// Bodies at least this large are gzipped for clients that accept it; nil: never.
    let gzipMinimumBytes: Int?
    /// Request body bytes (which GET/HEAD should not carry) read and dropped before the
    /// connection is closed instead.
    let requestBodyDiscardLimit: Int

    /// While starting, MHD's log lines are also kept here to explain a failed start.
    private let startupLog = Mutex<[String]?>(nil)

    init(
        handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse,
        logger: @escaping @Sendable (String) -> Void,
        authenticator: BasicAuthenticator?,
        requiresClientCertificate: Bool,
        gzipMinimumBytes: Int?,
        requestBodyDiscardLimit: Int
    ) {
        self.handler = handler
        self.logger = logger
        self.authenticator = authenticator
        self.requiresClientCertificate = requiresClientCertificate
        self.gzipMinimumBytes = gzipMinimumBytes
        self.requestBodyDiscardLimit = requestBodyDiscardLimit
    }

    func log(_ message: String) {
        startupLog.withLock { lines in
            if let kept = lines, kept.count < 32 { lines = kept + [message] }
        }
        logger(message)
    }

    func beginStartupCapture() {
        startupLog.withLock { $0 = [] }
    }

    func endStartupCapture() -> [String] {
        startupLog.withLock { lines in
            defer { lines = nil }
            return lines ?? []
        }
    }
}
