/// TLS settings for the listener, as found under `tls_server_config` in a Prometheus
/// `--web.config.file`: PEM certificate chain and key files, optionally client CAs.
///
/// Served through GnuTLS inside libmicrohttpd (MHD_USE_TLS, MHD_OPTION_HTTPS_MEM_CERT/KEY),
/// TLS 1.2 and 1.3 only. With `clientCAFile`, every request must present a client certificate
/// signed by one of those CAs (RequireAndVerifyClientCert); otherwise it gets 403.
public struct TLSConfig: Sendable, Equatable {
    /// Path of the PEM server certificate (chain, leaf first).
    public var certFile: String
    /// Path of the PEM private key (unencrypted).
    public var keyFile: String
    /// Path of PEM CA certificates that client certificates must chain to, or nil.
    public var clientCAFile: String?

    public init(certFile: String, keyFile: String, clientCAFile: String? = nil) {
        self.certFile = certFile
        self.keyFile = keyFile
        self.clientCAFile = clientCAFile
    }

    /// GnuTLS priority string (MHD_OPTION_HTTPS_PRIORITIES): TLS 1.2 minimum, like the
    /// exporter-toolkit default `min_version: TLS12`.
    static let priorities = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

    /// PEM files are small; anything larger is a misconfiguration, not a certificate.
    static let maximumFileBytes = 1 << 20
}
