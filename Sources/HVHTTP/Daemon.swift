import CHVShims

#if canImport(Glibc)
import Glibc
#endif

/// One running libmicrohttpd daemon without a listening socket (the `Acceptor` hands it
/// connections), with the context its callbacks use. A reload starts a new one; the old one
/// serves its open connections to the end and is stopped when they are gone.
final class Daemon: @unchecked Sendable {
    /// The `hv_mhd_server *`; valid until `stop`.
    let pointer: OpaquePointer
    let context: ServerContext
    /// HTTPS: a 503 for a client over the limits needs the handshake, so libmicrohttpd answers it.
    let isTLS: Bool

    private init(pointer: OpaquePointer, context: ServerContext, isTLS: Bool) {
        self.pointer = pointer
        self.context = context
        self.isTLS = isTLS
    }

    var generation: Int { context.generation }

    /// Starts a daemon (hv_mhd_start: MHD_start_daemon with MHD_USE_NO_LISTEN_SOCKET).
    ///
    /// - Throws: `HTTPServerError` for unreadable TLS files or TLS material GnuTLS rejects.
    static func start(
        configuration: HTTPServer.Configuration, tls: TLSConfig?, authenticator: BasicAuthenticator?,
        table: ConnectionTable, throttle: LogThrottle, generation: Int,
        handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse
    ) throws(HTTPServerError) -> Daemon {
        let pem = try tls?.loadPEM()
        let context = ServerContext(
            handler: handler,
            throttle: throttle,
            authenticator: authenticator,
            requiresClientCertificate: pem?.clientCA != nil,
            gzipMinimumBytes: configuration.gzipMinimumBytes,
            requestBodyDiscardLimit: configuration.perConnectionMemoryLimit,
            table: table,
            generation: generation)

        var options = hv_mhd_config()
        switch configuration.threading {
        case .threadPerConnection:
            options.threading = Int32(HV_MHD_THREAD_PER_CONNECTION.rawValue)
        case .threadPool(let size):
            options.threading = Int32(HV_MHD_THREAD_POOL.rawValue)
            options.thread_pool_size = UInt32(size)
        }
        options.connection_limit = UInt32(table.daemonLimit)
        options.connection_timeout = UInt32(configuration.connectionTimeoutSeconds)
        options.connection_memory_limit = configuration.perConnectionMemoryLimit
        options.strict = 1

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
        options.connection_notify = { context, connection, socketContext, started in
            guard let context, let connection, let socketContext else { return }
            Unmanaged<ServerContext>.fromOpaque(context).takeUnretainedValue().connectionEvent(
                connection: connection, socketContext: socketContext, started: started != 0)
        }
        options.completed_notify = { context, connection, _, _ in
            guard let context, let connection else { return }
            Unmanaged<ServerContext>.fromOpaque(context).takeUnretainedValue().requestCompleted(connection: connection)
        }
        options.uri_notify = { _, uri, _ in
            ServerContext.requestTargetSeen(uri)
        }

        let contextPointer = Unmanaged.passUnretained(context).toOpaque()
        context.beginStartupCapture()
        let started = hv_mhd_start(
            &options,
            { context, connection, url, method, version, span, _, uploadDataSize, requestState -> Int32 in
                guard let context, let connection, let uploadDataSize, let requestState else { return 0 }
                return Unmanaged<ServerContext>.fromOpaque(context).takeUnretainedValue().access(
                    connection: connection, url: url, method: method, version: version, targetSpan: Int(span),
                    uploadDataSize: uploadDataSize, requestState: requestState)
            },
            contextPointer,
            { context, message in
                guard let context, let message else { return }
                Unmanaged<ServerContext>.fromOpaque(context).takeUnretainedValue().log(String(cString: message))
            },
            contextPointer)
        let startupLog = context.endStartupCapture()
        guard let started else {
            let details = startupLog.isEmpty ? "no details from libmicrohttpd" : startupLog.joined(separator: " ")
            if let tls {
                throw HTTPServerError(
                    kind: .startFailed, subject: "TLS certificate \(tls.certFile) and key \(tls.keyFile)",
                    call: "MHD_start_daemon", message: "cannot start the HTTPS server: \(details)")
            }
            throw HTTPServerError(
                kind: .startFailed, subject: "listen address \"\(configuration.listenAddress)\"",
                call: "MHD_start_daemon", message: "cannot start the HTTP server: \(details)")
        }
        return Daemon(pointer: started, context: context, isTLS: pem != nil)
    }

    /// MHD_stop_daemon: closes every connection and joins their threads (waits for running
    /// handlers). Call once.
    func stop() {
        hv_mhd_stop(pointer)
    }
}
