import Testing

@testable import HVDaemon

struct WebConfigTests {
    @Test func fullExporterToolkitFile() throws {
        let c = try WebConfig.parse(
            """
            # TLS and basic auth
            tls_server_config:
              cert_file: server.crt
              key_file: "/etc/hv/server.key"   # absolute
              client_ca_file: 'ca.crt'
              client_auth_type: RequireAndVerifyClientCert
            basic_auth_users:
              prometheus: $2y$10$abcdefghijklmnopqrstuu5jZ1b1VYmMQ2wA7qS8m4P2a1m0r4oHK
            """, baseDirectory: "/etc/hv")
        #expect(c.tls?.certFile == "/etc/hv/server.crt")
        #expect(c.tls?.keyFile == "/etc/hv/server.key")
        #expect(c.tls?.clientCAFile == "/etc/hv/ca.crt")
        #expect(c.basicAuthUsers?["prometheus"]?.hasPrefix("$2y$10$") == true)
    }

    @Test func basicAuthOnly() throws {
        let c = try WebConfig.parse("basic_auth_users:\n  a: $2b$04$8TtIdbdTOietnCUwZg33F.9gYNpH.4kRdrcZeOxhYRugLPXQQngtm\n")
        #expect(c.tls == nil)
        #expect(c.basicAuthUsers?.count == 1)
    }

    @Test(arguments: [
        ("tls_server_config:\n  cert_file: a\n", "needs cert_file and key_file"),
        ("basic_auth_users:\n  a: plaintext\n", "bcrypt"),
        ("tls_server_config:\n  cert_fil: a\n", "unknown tls_server_config key"),
        ("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n", "not supported"),
        ("tlsserverconfig:\n", "unknown section"),
        ("  cert_file: a\n", "outside a section"),
        ("tls_server_config:\n\tcert_file: a\n", "tabs"),
        ("basic_auth_users:\n  a: \"$2y$04$x\n", "unterminated quote"),
        ("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert\n", "needs client_ca_file"),
    ])
    func mistakesAreReportedWithTheLine(text: String, reason: String) {
        #expect {
            _ = try WebConfig.parse(text, path: "web.yml")
        } throws: { e in
            "\(e)".contains(reason) && "\(e)".hasPrefix("web.yml")
        }
    }
}
