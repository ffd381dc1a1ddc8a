import CHVShims
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server on libmicrohttpd for `/metrics` and friends.
///
/// Listens as soon as `init` returns; every GET or HEAD request calls `handler` once on a
/// libmicrohttpd connection thread (so handlers may block while a scrape collects). Other
/// methods get 405, missing or wrong credentials 401, oversized requests 414/431.
public final class HTTPServer: Sendable {
    public let configuration: Configuration
    /// The TCP port actually listened on (the kernel's choice when `:0` was asked for).
    public let boundPort: Int

    private let context: ServerContext
    /// The running `hv_mhd_server`, nil once stopped.
    private let daemon: Mutex<RunningDaemon?>

    /// Starts listening (hv_mhd_start: MHD_start_daemon with MHD_OPTION_LISTEN_SOCKET).
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
        let pem = try configuration.tls?.loadPEM()

        let context = ServerContext(
            handler: handler,
            logger: configuration.logger,
            authenticator: authenticator,
            requiresClientCertificate: pem?.clientCA != nil,
            gzipMinimumBytes: configuration.gzipMinimumBytes,
            requestBodyDiscardLimit: configuration.perConnectionMemoryLimit)
        let socket = try ListeningSocket.open(address, label: configuration.listenAddress)

        var options = hv_mhd_config()
        options.listen_fd = socket.descriptor
        switch configuration.threading {
        case .threadPerConnection:
            options.threading = Int32(HV_MHD_THREAD_PER_CONNECTION.rawValue)
        case .threadPool(let size):
            options.threading = Int32(HV_MHD_THREAD_POOL.rawValue)
            options.thread_pool_size = UInt32(size)
        }
        options.connection_limit = UInt32(configuration.connectionLimit)
        options.connection_timeout = UInt32(configuration.connectionTimeoutSeconds)
        options.connection_memory_limit = configuration.perConnectionMemoryLimit

        // hv_mhd_start copies the PEM strings; these temporaries die right after.
        let cert = pem.map { strdup($0.cert) } ?? nil
        let key = pem.map { strdup($0.key) } ?? nil
        let trust = pem?.clientCA.map { strdup($0) } ?? nil
        let priorities = pem == nil ? nil : strdup(TLSConfig.priorities)
        defer {
            if let key { explicit_bzero(key, strlen(key)) }
            free(cert); free(key); free(trust); free(priorities)
        }
        options.tls_cert_pem = UnsafePointer(cert)
        options.tls_key_pem = UnsafePointer(key)
        options.tls_trust_pem = UnsafePointer(trust)
        options.tls_priorities = UnsafePointer(priorities)

        let contextPointer = Unmanaged.passUnretained(context).toOpaque()
        context.beginStartupCapture()
        let started = hv_mhd_start(
            &options,
            { context, connection, url, method, _, uploadDataSize, requestState -> Int32 in
                guard let context, let connection, let uploadDataSize, let requestState else { return 0 }
                return Unmanaged<ServerContext>.fromOpaque(context).takeUnretainedValue().access(
                    connection: connection, url: url, method: method,
                    uploadDataSize: uploadDataSize, requestState: requestState)
            },
            contextPointer,
            { context, message in
                guard let context, let message else { return }
                Unmanaged<ServerContext>.fromOpaque(context).takeUnretainedValue().log(String(cString: message))
            },
            contextPointer)
        let startupLog = context.endStartupCapture()
        // libmicrohttpd listens on its own duplicate of the descriptor (see hv_mhd_start).
        socket.close()
        guard let started else {
            let details = startupLog.isEmpty ? "no details from libmicrohttpd" : startupLog.joined(separator: " ")
            if let tls = configuration.tls {
                throw HTTPServerError(
                    kind: .startFailed, subject: "TLS certificate \(tls.certFile) and key \(tls.keyFile)",
                    call: "MHD_start_daemon", message: "cannot start the HTTPS server: \(details)")
            }
            throw HTTPServerError(
                kind: .startFailed, subject: "listen address \"\(configuration.listenAddress)\"",
                call: "MHD_start_daemon", message: "cannot start the HTTP server: \(details)")
        }
        self.configuration = configuration
        self.boundPort = socket.port
        self.context = context
        self.daemon = Mutex(RunningDaemon(pointer: started))
    }

    /// Stops listening and waits for every connection thread to finish its request
    /// (MHD_stop_daemon). Idempotent. Must not be called from inside a handler.
    public func stop() {
        let running = daemon.withLock { current -> RunningDaemon? in
            defer { current = nil }
            return current
        }
        if let running {
            hv_mhd_stop(running.pointer)
        }
    }

    deinit {
        stop()
    }
}

/// The `hv_mhd_server *`, only ever touched under `HTTPServer.daemon`'s lock.
private struct RunningDaemon: @unchecked Sendable {
    let pointer: OpaquePointer
}
