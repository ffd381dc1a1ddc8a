import Foundation
import Testing

/// `--web.config.file` end to end with real clients: TLS with the right and a wrong CA,
/// basic auth with right, wrong and missing credentials. Uses libvirt's in-process test
/// driver, so it needs no lab.
@Suite(.serialized)
struct SecurityTests {
    let dir = TestSecrets.directory("hv-sec")

    func makeCert(_ name: String) throws { try TestSecrets.makeSelfSignedCertificate(name, in: dir) }

    func curl(_ args: [String], _ port: Int, scheme: String = "https") throws -> (Int32, String) {
        try Lab.run(
            ["curl", "-sS", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}"] + args + ["\(scheme)://127.0.0.1:\(port)/metrics"])
    }

    @Test func tlsAndBasicAuthWithRealClients() throws {
        try makeCert("server")
        try makeCert("other")
        let config = dir.appendingPathComponent("web.yml")
        try """
        tls_server_config:
          cert_file: server.crt
          key_file: server.key
        basic_auth_users:
          alice: \(TestSecrets.aliceHash)
        """.write(to: config, atomically: true, encoding: .utf8)
        let exporter = try ExporterProcess(["--libvirt.uri=test:///default", "--web.config.file=\(config.path)"])
        defer { exporter.stop() }
        let ca = dir.appendingPathComponent("server.crt").path
        let wrongCA = dir.appendingPathComponent("other.crt").path

        let ok = try curl(["--cacert", ca, "-u", "alice:s3cret"], exporter.port)
        #expect(ok.0 == 0 && ok.1 == "200", "right CA and credentials: \(ok)")
        let noAuth = try curl(["--cacert", ca], exporter.port)
        #expect(noAuth.1 == "401", "no credentials: \(noAuth)")
        let wrongPassword = try curl(["--cacert", ca, "-u", "alice:nope"], exporter.port)
        #expect(wrongPassword.1 == "401", "wrong password: \(wrongPassword)")
        let badCA = try curl(["--cacert", wrongCA, "-u", "alice:s3cret"], exporter.port)
        #expect(badCA.0 == 60, "wrong CA must fail certificate verification (curl exit 60): \(badCA)")
        let plain = try curl(["-u", "alice:s3cret"], exporter.port, scheme: "http")
        #expect(plain.1 != "200", "plain HTTP on the TLS port must not be served: \(plain)")
        #expect(exporter.log.contains("tls=true") && exporter.log.contains("basic_auth=true"))
    }

    @Test func invalidWebConfigFailsAtStartWithTheLine() throws {
        let config = dir.appendingPathComponent("bad.yml")
        try "basic_auth_users:\n  alice: hunter2\n".write(to: config, atomically: true, encoding: .utf8)
        let (rc, out) = try Lab.run([
            ExporterProcess.binary.path, "--web.listen-address=127.0.0.1:0",
            "--libvirt.uri=test:///default", "--web.config.file=\(config.path)",
        ])
        #expect(rc == 1)
        #expect(out.contains("bad.yml:2") && out.contains("bcrypt"), "log: \(out)")
    }
}
