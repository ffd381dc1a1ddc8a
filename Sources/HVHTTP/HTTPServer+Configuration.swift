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
        /// Simultaneous connections. When all are taken, the one that has waited longest for a
        /// request (idle or unfinished) is closed to make room; when none can be, the new one
        /// gets 503 with Retry-After (over TLS: up to 64 of them; further ones are closed).
        public var connectionLimit: Int
        /// Simultaneous connections from one IP address; more get 503 (see `connectionLimit`).
        public var connectionLimitPerClient: Int
        /// Seconds from accept (or from the end of the previous request on a kept-alive
        /// connection, see `connectionTimeoutSeconds`) until the whole request (TLS handshake,
        /// head, body) must be in; a client that sends a byte now and then gets no more time.
        public var requestTimeoutSeconds: Double
        /// Seconds a connection may stay idle between requests, and without progress while a
        /// response is sent (MHD_OPTION_CONNECTION_TIMEOUT); 0 disables the timeout.
        public var connectionTimeoutSeconds: Int
        /// Handlers running at once; a request beyond gets 503 with Retry-After. Bounds the
        /// memory that response bodies take.
        public var maxConcurrentRequests: Int
        /// Seconds between two warnings of one kind (refused connections, timeouts, TLS errors);
        /// those in between are counted and reported with the next.
        public var warningIntervalSeconds: Double
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
            connectionLimitPerClient: Int = 32,
            requestTimeoutSeconds: Double = 10,
            connectionTimeoutSeconds: Int = 30,
            maxConcurrentRequests: Int = 64,
            warningIntervalSeconds: Double = 5,
            perConnectionMemoryLimit: Int = 64 * 1024,
            threading: Threading = .threadPerConnection,
            tls: TLSConfig? = nil,
            basicAuth: [String: String]? = nil,
            gzipMinimumBytes: Int? = 1024,
            logger: @escaping @Sendable (String) -> Void = { _ in }
        ) {
            self.listenAddress = listenAddress
            self.connectionLimit = connectionLimit
            self.connectionLimitPerClient = connectionLimitPerClient
            self.requestTimeoutSeconds = requestTimeoutSeconds
            self.connectionTimeoutSeconds = connectionTimeoutSeconds
            self.maxConcurrentRequests = maxConcurrentRequests
            self.warningIntervalSeconds = warningIntervalSeconds
            self.perConnectionMemoryLimit = perConnectionMemoryLimit
            self.threading = threading
            self.tls = tls
            self.basicAuth = basicAuth
            self.gzipMinimumBytes = gzipMinimumBytes
            self.logger = logger
        }

        /// The table's limits in nanoseconds. An idle timeout of 0 (none) still bounds the wait
        /// for the next request on a kept-alive connection, at a day.
        var connectionLimits: ConnectionTable.Limits {
            ConnectionTable.Limits(
                capacity: connectionLimit,
                perClient: connectionLimitPerClient,
                overflow: 64,
                requestDeadline: UInt64(requestTimeoutSeconds * 1e9),
                idleDeadline: UInt64(connectionTimeoutSeconds == 0 ? 86_400 : connectionTimeoutSeconds) * 1_000_000_000,
                minimumEvictionAge: min(UInt64(requestTimeoutSeconds * 1e9), 2_000_000_000),
                maximumHandlers: maxConcurrentRequests)
        }

        /// Range checks, so that libmicrohttpd never sees a value it would misread.
        func validate() throws(HTTPServerError) {
            func invalid(_ setting: String, _ message: String) -> HTTPServerError {
                HTTPServerError(kind: .invalidConfiguration, subject: setting, message: message)
            }
            guard (1...65_536).contains(connectionLimit) else {
                throw invalid("connectionLimit", "must be between 1 and 65536, got \(connectionLimit)")
            }
            guard (1...65_536).contains(connectionLimitPerClient) else {
                throw invalid("connectionLimitPerClient", "must be between 1 and 65536, got \(connectionLimitPerClient)")
            }
            guard requestTimeoutSeconds >= 0.01 && requestTimeoutSeconds <= 3600 else {
                throw invalid("requestTimeoutSeconds", "must be between 0.01 and 3600, got \(requestTimeoutSeconds)")
            }
            guard (1...65_536).contains(maxConcurrentRequests) else {
                throw invalid("maxConcurrentRequests", "must be between 1 and 65536, got \(maxConcurrentRequests)")
            }
            guard warningIntervalSeconds >= 0 && warningIntervalSeconds <= 3600 else {
                throw invalid("warningIntervalSeconds", "must be between 0 and 3600, got \(warningIntervalSeconds)")
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
