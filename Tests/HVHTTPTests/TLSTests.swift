import Foundation
import Testing

@testable import HVHTTP

/// Certificates made on the fly with `openssl`: a self-signed server certificate, and a CA
/// with one client certificate plus a rogue CA with another.
final class TestPKI: @unchecked Sendable {
    let directory: URL
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    init() throws {
        directory = try makeTemporaryDirectory()
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"]
        try openssl(
            ["req", "-x509"] + ec + [
                "-keyout", path("server.key"), "-out", path("server.pem"),
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ])
        for prefix in ["ca", "rogue-ca"] {
            try openssl(
                ["req", "-x509"] + ec + [
                    "-keyout", path("\(prefix).key"), "-out", path("\(prefix).pem"),
                    "-subj", "/CN=\(prefix)",
                ])
            try openssl(
                ["req", "-new"] + ec.dropLast(2) + [
                    "-keyout", path("\(prefix)-client.key"),
                    "-out", path("\(prefix)-client.csr"), "-subj", "/CN=prometheus",
                ])
            try openssl([
                "x509", "-req", "-in", path("\(prefix)-client.csr"), "-CA", path("\(prefix).pem"),
                "-CAkey", path("\(prefix).key"), "-CAcreateserial", "-days", "2",
                "-out", path("\(prefix)-client.pem"),
            ])
        }
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    private func openssl(_ arguments: [String]) throws {
        let result = try runTool("/usr/bin/openssl", arguments)
        guard result.status == 0 else {
            throw RawHTTPError(description: "openssl \(arguments.joined(separator: " ")): \(result.stderr)")
        }
    }
}

@Suite("HTTPS through GnuTLS")
struct TLSTests {
    let pki: TestPKI

    init() throws {
        pki = try TestPKI()
    }

    func curl(_ port: Int, _ extra: [String], path: String = "/tls") throws -> ToolResult {
        try runTool("/usr/bin/curl", ["-sS", "--max-time", "10", "-w", "\n%{http_code}"] + extra + ["https://127.0.0.1:\(port)\(path)"])
    }

    @Test func servesHTTPSToClientsTrustingTheCertificate() throws {
        let tls = TLSConfig(certFile: pki.path("server.pem"), keyFile: pki.path("server.key"))
        try withServer(.init(listenAddress: "127.0.0.1:0", tls: tls), handler: echoHandler) { server in
            let trusted = try curl(server.boundPort, ["--cacert", pki.path("server.pem")])
            #expect(trusted.status == 0, "\(trusted.stderr)")
            #expect(trusted.stdoutText == "hello from GET /tls\n\n200")

            // Without the CA, curl cannot verify the self-signed certificate (exit 60).
            let untrusted = try curl(server.boundPort, [])
            #expect(untrusted.status == 60, "\(untrusted.stderr)")

            // gzip works over TLS too.
            let gzip = try curl(
                server.boundPort, ["--cacert", pki.path("server.pem"), "--compressed", "-D", "-"],
                path: "/query?\(String(repeating: "k=v&", count: 400))")
            #expect(gzip.status == 0)
            #expect(gzip.stdoutText.lowercased().contains("content-encoding: gzip"))

            // TLS 1.1 and older are refused (priority string NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2).
            let old = try runTool("/usr/bin/openssl", ["s_client", "-connect", "127.0.0.1:\(server.boundPort)", "-tls1_1"], stdin: Data())
            #expect(old.status != 0)

            // Plain HTTP on the TLS port gets no HTTP answer.
            let plain = try? RawHTTPClient.request(port: server.boundPort)
            #expect(plain?.status != 200)
        }
    }

    @Test func basicAuthOverTLS() throws {
        let tls = TLSConfig(certFile: pki.path("server.pem"), keyFile: pki.path("server.key"))
        let configuration = HTTPServer.Configuration(listenAddress: "127.0.0.1:0", tls: tls, basicAuth: BasicAuthTests.users)
        try withServer(configuration, handler: echoHandler) { server in
            let ok = try curl(server.boundPort, ["--cacert", pki.path("server.pem"), "-u", "alice:s3cret"])
            #expect(ok.stdoutText.hasSuffix("\n200"))
            let wrong = try curl(server.boundPort, ["--cacert", pki.path("server.pem"), "-u", "alice:nope"])
            #expect(wrong.stdoutText.hasSuffix("\n401"))
        }
    }

    @Test func clientCertificatesAreRequiredWithClientCA() throws {
        let tls = TLSConfig(certFile: pki.path("server.pem"), keyFile: pki.path("server.key"), clientCAFile: pki.path("ca.pem"))
        try withServer(.init(listenAddress: "127.0.0.1:0", tls: tls), handler: echoHandler) { server in
            let trust = ["--cacert", pki.path("server.pem")]
            let good = try curl(server.boundPort, trust + ["--cert", pki.path("ca-client.pem"), "--key", pki.path("ca-client.key")])
            #expect(good.stdoutText == "hello from GET /tls\n\n200", "\(good.stderr)")
            let none = try curl(server.boundPort, trust)
            #expect(none.stdoutText.hasSuffix("\n403"), "\(none.stdoutText) \(none.stderr)")
            #expect(none.stdoutText.contains("client certificate is required"))
            let rogue = try curl(
                server.boundPort, trust + ["--cert", pki.path("rogue-ca-client.pem"), "--key", pki.path("rogue-ca-client.key")])
            #expect(rogue.stdoutText.hasSuffix("\n403"), "\(rogue.stdoutText) \(rogue.stderr)")
            #expect(rogue.stdoutText.contains("not trusted"))
        }
    }

    @Test func missingFileIsReportedWithItsPath() {
        let tls = TLSConfig(certFile: pki.path("nope.pem"), keyFile: pki.path("server.key"))
        do {
            _ = try HTTPServer(configuration: .init(listenAddress: "127.0.0.1:0", tls: tls), handler: echoHandler)
            Issue.record("expected tlsFileUnreadable")
        } catch {
            #expect(error.kind == .tlsFileUnreadable)
            #expect(error.description.contains("nope.pem"))
            #expect(error.errno == ENOENT)
        }
    }

    @Test func nonPEMFilesAreRejected() throws {
        let junk = pki.path("junk.pem")
        try Data("hello, not a certificate\n".utf8).write(to: URL(fileURLWithPath: junk))
        for certFile in [junk, pki.directory.path] {
            let tls = TLSConfig(certFile: certFile, keyFile: pki.path("server.key"))
            #expect {
                _ = try HTTPServer(configuration: .init(listenAddress: "127.0.0.1:0", tls: tls), handler: echoHandler)
            } throws: { error in
                (error as? HTTPServerError)?.kind == .tlsFileUnreadable
            }
        }
    }

    @Test func badKeyFailsStartWithGnuTLSReasonAndFreesThePort() throws {
        // Take a free port, then release it.
        let probe = try HTTPServer(configuration: .init(listenAddress: "127.0.0.1:0"), handler: echoHandler)
        let port = probe.boundPort
        probe.stop()

        // The server key does not match the client certificate: GnuTLS refuses the pair.
        let tls = TLSConfig(certFile: pki.path("ca-client.pem"), keyFile: pki.path("server.key"))
        do {
            _ = try HTTPServer(configuration: .init(listenAddress: "127.0.0.1:\(port)", tls: tls), handler: echoHandler)
            Issue.record("expected startFailed")
        } catch {
            #expect(error.kind == .startFailed)
            #expect(error.description.contains("do not match"), "\(error)")
            #expect(error.description.contains("ca-client.pem"), "\(error)")
        }

        // Nothing keeps listening on the port after the failed start.
        let again = try HTTPServer(configuration: .init(listenAddress: "127.0.0.1:\(port)"), handler: echoHandler)
        defer { again.stop() }
        #expect(try RawHTTPClient.request(port: port).status == 200)
    }
}
