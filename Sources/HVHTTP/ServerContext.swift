import Synchronization

/// Everything the C callbacks of one libmicrohttpd daemon need, behind one pointer (the `cls`
/// of its access handler, notify callbacks and logger). A reload starts a new daemon with a new
/// context; `HTTPServer` stops a daemon before releasing its context.
final class ServerContext: Sendable {
    let handler: @Sendable (HTTPRequest) -> HTTPResponse
    let authenticator: BasicAuthenticator?
    /// TLS with `clientCAFile`: requests without a verified client certificate get 403.
    let requiresClientCertificate: Bool
    /// Bodies at least this large are gzipped for clients that accept it; nil: never.
    let gzipMinimumBytes: Int?
    /// Request body bytes (which GET/HEAD should not carry) read and dropped; a larger
    /// announced body gets 413.
    let requestBodyDiscardLimit: Int
    /// Connection admission, deadlines and handler slots, shared by every daemon of the server.
    let table: ConnectionTable
    /// Which daemon of the server this is (a reload starts the next one).
    let generation: Int
    /// Runtime warnings go through here (rate-limited).
    let throttle: LogThrottle

    /// While starting, MHD's log lines are also kept here to explain a failed start.
    private let startupLog = Mutex<[String]?>(nil)

    init(
        handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse,
        throttle: LogThrottle,
        authenticator: BasicAuthenticator?,
        requiresClientCertificate: Bool,
        gzipMinimumBytes: Int?,
        requestBodyDiscardLimit: Int,
        table: ConnectionTable,
        generation: Int
    ) {
        self.handler = handler
        self.throttle = throttle
        self.authenticator = authenticator
        self.requiresClientCertificate = requiresClientCertificate
        self.gzipMinimumBytes = gzipMinimumBytes
        self.requestBodyDiscardLimit = requestBodyDiscardLimit
        self.table = table
        self.generation = generation
    }

    func log(_ message: String) {
        startupLog.withLock { lines in
            if let kept = lines, kept.count < 32 { lines = kept + [message] }
        }
        throttle.log(message)
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
