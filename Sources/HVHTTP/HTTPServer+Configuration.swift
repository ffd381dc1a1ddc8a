extension HTTPServer {
    /// How libmicrohttpd runs handlers.
    public enum Threading: Sendable, Equatable {
        /// One thread per connection (MHD_USE_THREAD_PER_CONNECTION with an internal poll
        /// thread): a handler may block for as long as a scrape takes without delaying any other
        /// connection; concurrency is bounded by `connectionLimit`. The default.
        case threadPerConnection
        /// `size` epoll threads share the connections (MHD_OPTION_THREAD_POOL_SIZE): fewer
        /// threads, but a blocking handler stalls every connection on its thread.
        case threadPool(size: Int)
    }

    /// Listener settings. The defaults suit an exporter scraped by a few Prometheus servers.
    public struct Configuration: Sendable {
        /// `:9974` (all addresses, IPv6 and IPv4), `0.0.0.0:9974`, `127.0.0.1:9974`,
        /// `[::1]:9974`, `[::]:9974` or `host:9974`; port 0 picks a free port (see `boundPort`).
        public var listenAddress: String
        /// Simultaneous connections (MHD_OPTION_CONNECTION_LIMIT); more are accepted and closed.
        public var connectionLimit: Int
        /// Seconds a connection may stay idle, e.g. a client that stops sending mid-request
        /// (MHD_OPTION_CONNECTION_TIMEOUT); 0 disables the timeout.
        public var connectionTimeoutSeconds: Int
        /// Bytes of memory per connection for the request line, headers and response headers
        /// (MHD_OPTION_CONNECTION_MEMORY_LIMIT). A request that does not fit gets 414 or 431.
        public var perConnectionMemoryLimit: Int
        public var threading: Threading
        /// HTTPS when set.
        public var tls: TLSConfig?
        /// User name to bcrypt hash; when set every request needs valid basic-auth credentials.
        public var basicAuth: [String: String]?
        /// Bodies of at least this many bytes are gzipped for clients sending
        /// `Accept-Encoding: gzip`; nil turns compression off.
        public var gzipMinimumBytes: Int?
        /// Receives libmicrohttpd's error log (MHD_USE_ERROR_LOG) and the server's own warnings,
        /// one line each, without trailing newline.
        public var logger: @Sendable (String) -> Void

        public init(
            listenAddress: String = ":9974",
            connectionLimit: Int = 512,
            connectionTimeoutSeconds: Int = 30,
            perConnectionMemoryLimit: Int = 64 * 1024,
            threading: Threading = .threadPerConnection,
            tls: TLSConfig? = nil,
            basicAuth: [String: String]? = nil,
            gzipMinimumBytes: Int? = 1024,
            logger: @escaping @Sendable (String) -> Void = { _ in }
        ) {
            self.listenAddress = listenAddress
            self.connectionLimit = connectionLimit
            self.connectionTimeoutSeconds = connectionTimeoutSeconds
            self.perConnectionMemoryLimit = perConnectionMemoryLimit
            self.threading = threading
            self.tls = tls
            self.basicAuth = basicAuth
            self.gzipMinimumBytes = gzipMinimumBytes
            self.logger = logger
        }

        /// Range checks, so that libmicrohttpd never sees a value it would misread.
        func validate() throws(HTTPServerError) {
            func invalid(_ setting: String, _ message: String) -> HTTPServerError {
                HTTPServerError(kind: .invalidConfiguration, subject: setting, message: message)
            }
            guard (1...65_536).contains(connectionLimit) else {
                throw invalid("connectionLimit", "must be between 1 and 65536, got \(connectionLimit)")
            }
            guard (0...86_400).contains(connectionTimeoutSeconds) else {
                throw invalid("connectionTimeoutSeconds", "must be between 0 and 86400, got \(connectionTimeoutSeconds)")
            }
            guard (4096...(64 << 20)).contains(perConnectionMemoryLimit) else {
                throw invalid("perConnectionMemoryLimit", "must be between 4 KiB and 64 MiB, got \(perConnectionMemoryLimit) bytes")
            }
            if case .threadPool(let size) = threading, !(1...1024).contains(size) {
                throw invalid("threading", "thread pool size must be between 1 and 1024, got \(size)")
            }
            if let minimum = gzipMinimumBytes, minimum < 0 {
                throw invalid("gzipMinimumBytes", "must not be negative, got \(minimum)")
            }
        }
    }
}
