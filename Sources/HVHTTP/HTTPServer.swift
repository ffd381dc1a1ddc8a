import CHVShims
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server on libmicrohttpd for `/metrics` and friends.
///
/// Listens as soon as `init` returns; every GET or HEAD request calls `handler` once on a
/// libmicrohttpd connection thread (so handlers may block while a scrape collects). Other
/// methods get 405, missing or wrong credentials 401, oversized requests 413/414/431, malformed
/// framing 400.
///
/// Slow, idle and greedy clients cannot take the slots scrapes need: the server accepts
/// connections itself (`Acceptor`) and keeps them in a `ConnectionTable` with a per-client limit,
/// a deadline for the whole request, eviction of the longest-waiting connection when full, and
/// a bound on handlers running at once; what it turns away gets 503 with Retry-After.
public final class HTTPServer: Sendable {
    public let configuration: Configuration
    /// The TCP port actually listened on (the kernel's choice when `:0` was asked for).
    public let boundPort: Int

    let table: ConnectionTable
    private let throttle: LogThrottle
    private let acceptor: Acceptor
    private let handler: @Sendable (HTTPRequest) -> HTTPResponse
    /// The generation of the newest daemon; also serialises reloads.
    private let generation = Mutex(1)

    /// Starts listening (socket, bind, listen; hv_mhd_start: MHD_start_daemon without a
    /// listening socket; an accept thread).
    ///
    /// - Throws: `HTTPServerError` for a malformed address or setting, an address in use or
    ///   not local, a privileged port, unreadable TLS files, or TLS material GnuTLS rejects.
    public init(
        configuration: Configuration,
        handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse
    ) throws(HTTPServerError) {
        try configuration.validate()
        let address = try ListenAddress(parsing: configuration.listenAddress)
        var authenticator: BasicAuthenticator?
        if let users = configuration.basicAuth {
            authenticator = try BasicAuthenticator(users: users)
        }
        let throttle = LogThrottle(
            intervalNanoseconds: UInt64(configuration.warningIntervalSeconds * 1e9), sink: configuration.logger)
        let table = ConnectionTable(limits: configuration.connectionLimits)
        let daemon = try Daemon.start(
            configuration: configuration, tls: configuration.tls, authenticator: authenticator,
            table: table, throttle: throttle, generation: 1, handler: handler)
        let socket: ListeningSocket
        let acceptor: Acceptor
        do throws(HTTPServerError) {
            socket = try ListeningSocket.open(address, label: configuration.listenAddress)
            do throws(HTTPServerError) {
                acceptor = try Acceptor(listener: socket, table: table, throttle: throttle, daemon: daemon)
                try acceptor.start()
            } catch {
                socket.close()
                throw error
            }
        } catch {
            daemon.stop()
            throw error
        }
        self.configuration = configuration
        self.boundPort = socket.port
        self.table = table
        self.throttle = throttle
        self.acceptor = acceptor
        self.handler = handler
    }

    /// Serves new connections with other TLS settings and basic-auth users (a reload of
    /// `--web.config.file`), on the same socket: a new libmicrohttpd daemon takes the new
    /// connections, the old one finishes the requests in progress. On error nothing changes.
    ///
    /// - Throws: `HTTPServerError` for a malformed user map, unreadable TLS files, or TLS
    ///   material GnuTLS rejects.
    public func reload(tls: TLSConfig?, basicAuth: [String: String]?) throws(HTTPServerError) {
        try generation.withLock { (current: inout Int) throws(HTTPServerError) in
            let authenticator = try basicAuth.map { users throws(HTTPServerError) in try BasicAuthenticator(users: users) }
            var settings = configuration
            settings.tls = tls
            settings.basicAuth = basicAuth
            let daemon = try Daemon.start(
                configuration: settings, tls: tls, authenticator: authenticator,
                table: table, throttle: throttle, generation: current + 1, handler: handler)
            current += 1
            acceptor.replace(with: daemon)
        }
    }

    /// Stops listening and waits for every connection thread to finish its request
    /// (MHD_stop_daemon). Idempotent. Must not be called from inside a handler.
    public func stop() {
        for daemon in acceptor.stop() {
            daemon.stop()
        }
    }

    /// Stops listening at once, closes connections waiting for a request, and gives handlers
    /// in progress up to `gracePeriodSeconds` to finish; then closes everything. Returns false
    /// when a handler was still running at the end: its thread is left alone (the daemon is not
    /// stopped, which would wait for it), so the caller should exit the process.
    public func shutdown(gracePeriodSeconds: Double) -> Bool {
        let daemons = acceptor.stop()
        for daemon in daemons { table.drain(generation: daemon.generation) }
        let deadline = MonotonicClock.now + UInt64(max(0, gracePeriodSeconds) * 1e9)
        while table.handlersRunning > 0 && MonotonicClock.now < deadline {
            usleep(10_000)
        }
        guard table.handlersRunning == 0 else {
            // Their threads may still call into the daemons' contexts: never free them.
            for daemon in daemons { _ = Unmanaged.passRetained(daemon) }
            return false
        }
        for daemon in daemons {
            table.closeAll(generation: daemon.generation)
            daemon.stop()
        }
        return true
    }

    deinit {
        stop()
    }
}
