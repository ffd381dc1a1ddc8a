import CHVTLS

/// What hvtop trusts and presents when the daemon serves TLS (an `https://` URL).
public struct DaemonTLSOptions: Sendable, Equatable {
    /// PEM file of the CA (or the self-signed server certificate) to trust; nil: the system
    /// trust store.
    public var caFile: String?
    /// PEM client certificate for a daemon with `client_ca_file` (mTLS); with `keyFile`.
    public var certFile: String?
    /// PEM key of `certFile`.
    public var keyFile: String?
    /// Name the server certificate must carry; nil: the URL's host (a DNS name, or an IP
    /// address matched against the certificate's IP subjectAltNames).
    public var serverName: String?

    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, serverName: String? = nil) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.serverName = serverName
    }

    /// True when any option is set (they only make sense with an `https://` URL).
    public var isSet: Bool { caFile != nil || certFile != nil || keyFile != nil || serverName != nil }
}

/// One TLS client session on a connected non-blocking socket (`hv_tls_client_*`, gnutls
/// underneath). Every call waits at most until `deadline` (monotonic seconds).
final class DaemonTLSSession {
    private let handle: OpaquePointer

    /// Loads the credentials and completes the handshake, verifying the server certificate
    /// against `options.caFile` (or the system store) and `serverName`.
    init(fd: Int32, options: DaemonTLSOptions, serverName: String, deadline: Double, url: DaemonURL) throws(DaemonError) {
        var message = [CChar](repeating: 0, count: 1024)
        var out: OpaquePointer?
        let rc: Int32 = withOptionalCString(options.caFile) { ca in
            withOptionalCString(options.certFile) { cert in
                withOptionalCString(options.keyFile) { key in
                    serverName.withCString { name in
                        var config = hv_tls_client_config(ca_file: ca, cert_file: cert, key_file: key, server_name: name)
                        return hv_tls_client_open(fd, &config, Self.milliseconds(until: deadline), &out, &message, message.count)
                    }
                }
            }
        }
        guard rc == 0, let out else {
            throw DaemonError(url: url.description, kind: Self.kind(rc), detail: String(cString: message).trimmingSpaces())
        }
        handle = out
    }

    deinit { hv_tls_client_close(handle) }

    /// Sends all of `bytes`.
    func sendAll(_ bytes: [UInt8], deadline: Double, url: DaemonURL) throws(DaemonError) {
        var message = [CChar](repeating: 0, count: 512)
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes {
                hv_tls_client_send(handle, $0.baseAddress, $0.count, Self.milliseconds(until: deadline), &message, message.count)
            }
            guard n > 0 else {
                throw DaemonError(url: url.description, kind: Self.kind(Int32(n)), detail: String(cString: message).trimmingSpaces())
            }
            off += n
        }
    }

    /// Receives into `buffer`: the count, 0 at the end of the stream.
    func receive(into buffer: inout [UInt8], deadline: Double, url: DaemonURL) throws(DaemonError) -> Int {
        var message = [CChar](repeating: 0, count: 512)
        let n = buffer.withUnsafeMutableBytes {
            hv_tls_client_recv(handle, $0.baseAddress, $0.count, Self.milliseconds(until: deadline), &message, message.count)
        }
        guard n >= 0 else {
            throw DaemonError(url: url.description, kind: Self.kind(Int32(n)), detail: String(cString: message).trimmingSpaces())
        }
        return n
    }

    private static func kind(_ status: Int32) -> DaemonError.Kind {
        switch status {
        case HV_TLS_TIMEOUT.rawValue: .timeout
        case HV_TLS_CERTIFICATE.rawValue: .certificate
        case HV_TLS_CONFIG.rawValue: .tlsConfig
        default: .tls
        }
    }

    private static func milliseconds(until deadline: Double) -> Int32 {
        Int32(max(0, min((deadline - monotonicSeconds()) * 1000, 3_600_000)).rounded(.up))
    }
}

private func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString { body($0) }
}
