import Foundation
import LabSupport
import Testing

/// The real `hvtop` binary against a real `hv-exporter` serving TLS and basic auth
/// (`--web.config.file`), on libvirt's in-process test driver, so it needs no lab: the test
/// driver's guest `test` must come from the daemon, and wrong trust, wrong password and a
/// missing client certificate must each say what is wrong.
///
/// Certificates are made at test time with `openssl` (a CA, a server certificate it signs for
/// IP 127.0.0.1 and DNS hv-exporter.test, a client certificate it signs, and an unrelated
/// self-signed "other" CA). The bcrypt hash is `TestSecrets.aliceHash`, checked in: user
/// alice, password s3cret, cost 4 (libcrypt's crypt(3) with a `$2b$04$` salt; the same hash
/// HVHTTPTests' BasicAuthTests verify).
@Suite(
    .serialized,
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "needs /usr/bin/openssl to make certificates"))
struct HvtopTLSTests {
    static let user = "alice"
    static let password = "s3cret"

    let dir = TestSecrets.directory("hvtop-tls")

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func openssl(_ args: [String]) throws {
        let (rc, out) = try Spawn.run(["/usr/bin/openssl"] + args)
        guard rc == 0 else { throw LabError("openssl \(args.joined(separator: " ")): \(out)") }
    }

    /// ca.crt signs server.crt (127.0.0.1, hv-exporter.test) and client.crt; other.crt is unrelated.
    func makeCertificates() throws {
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(
            ["req", "-x509"] + ec + ["-days", "2", "-subj", "/CN=hvtop test CA", "-keyout", path("ca.key"), "-out", path("ca.crt")])
        try openssl(
            ["req", "-x509"] + ec + ["-days", "2", "-subj", "/CN=other CA", "-keyout", path("other.key"), "-out", path("other.crt")])
        try "subjectAltName=IP:127.0.0.1,DNS:hv-exporter.test\n".write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
        try "extendedKeyUsage=clientAuth\n".write(toFile: path("client.ext"), atomically: true, encoding: .utf8)
        for (name, cn) in [("server", "127.0.0.1"), ("client", "hvtop")] {
            try openssl(["req", "-new"] + ec + ["-subj", "/CN=\(cn)", "-keyout", path("\(name).key"), "-out", path("\(name).csr")])
            try openssl([
                "x509", "-req", "-in", path("\(name).csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
                "-CAcreateserial", "-days", "2", "-extfile", path("\(name).ext"), "-out", path("\(name).crt"),
            ])
        }
    }

    /// Starts hv-exporter on the test driver with TLS, basic auth and optionally client certificates.
    func startExporter(clientCertificates: Bool = false) throws -> ExporterProcess {
        var config = """
            tls_server_config:
              cert_file: \(path("server.crt"))
              key_file: \(path("server.key"))

            """
        if clientCertificates {
            config += "  client_ca_file: \(path("ca.crt"))\n  client_auth_type: RequireAndVerifyClientCert\n"
        }
        config += "basic_auth_users:\n  \(Self.user): \(TestSecrets.aliceHash)\n"
        try config.write(toFile: path("web.yml"), atomically: true, encoding: .utf8)
        return try ExporterProcess(["--libvirt.uri=test:///default", "--web.config.file=\(path("web.yml"))"])
    }

    /// Runs hvtop with `args`; stdout and stderr together.
    func hvtop(_ args: [String], password: String? = HvtopTLSTests.password, env extra: [String: String] = [:]) throws -> (Int32, String) {
        // HVTOP_* from the developer's shell must not leak in; the password only through the environment.
        var env = [
            "HVTOP_URL": "", "HVTOP_USER": "", "HVTOP_PASSWORD": "", "HVTOP_PASSWORD_FILE": "",
            "HVTOP_TLS_CA_FILE": "", "HVTOP_TLS_CERT_FILE": "", "HVTOP_TLS_KEY_FILE": "",
        ]
        if let password { env["HVTOP_PASSWORD"] = password }
        env.merge(extra) { $1 }
        return try Spawn.run([Hvtop.binary.path] + args, env: env, timeout: 60)
    }

    /// The guests of a `hvtop -b --json` line: name -> object.
    func guests(_ jsonLine: String) throws -> (source: String?, guests: [String: [String: Any]]) {
        let line = try #require(jsonLine.split(separator: "\n").first { $0.hasPrefix("{") }, "no JSON line in: \(jsonLine)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let list = object["guests"] as? [[String: Any]] ?? []
        var byName: [String: [String: Any]] = [:]
        for g in list { if let n = g["name"] as? String { byName[n] = g } }
        return (object["source"] as? String, byName)
    }

    @Test func readsTheTestDomainFromTheDaemonOverTLSWithBasicAuth() throws {
        try makeCertificates()
        let exporter = try startExporter()
        defer { exporter.stop() }
        let url = "https://127.0.0.1:\(exporter.port)"

        // Text: the header names the daemon over https; the test driver's running guest is there.
        let (rc, out) = try hvtop(["-b", "-n", "1", "-d", "0.2", "--url", url, "--tls.ca-file", path("ca.crt"), "--user", Self.user])
        #expect(rc == 0, "hvtop: \(out)\nexporter: \(exporter.log)")
        #expect(out.contains("source: daemon \(url)"), "\(out)")
        let row = out.split(separator: "\n").first { $0.hasPrefix("test ") }
        #expect(row?.contains("running") == true, "row of the test domain: \(out)")

        // JSON, --source daemon, the password from a file instead of the environment.
        try "\(Self.password)\n".write(toFile: path("password"), atomically: true, encoding: .utf8)
        let (rc2, out2) = try hvtop(
            [
                "-b", "--json", "-n", "1", "-d", "0.2", "--source", "daemon", "--url", url,
                "--tls.ca-file", path("ca.crt"), "--user", Self.user, "--password-file", path("password"),
            ], password: nil)
        #expect(rc2 == 0, "hvtop: \(out2)")
        let parsed = try guests(out2)
        #expect(parsed.source == "daemon")
        #expect(parsed.guests["test"]?["state"] as? String == "running", "\(out2)")
        #expect(parsed.guests["test"]?["uuid"] as? String == "6695eb01-f6a4-8304-79aa-97f2502e193f", "the test driver's domain: \(out2)")

        // All from the environment, as a Zabbix agent's unit would set it: no flag at all.
        let (rcEnv, outEnv) = try hvtop(
            ["zabbix", "discovery", "guests"], password: nil,
            env: [
                "HVTOP_URL": url, "HVTOP_TLS_CA_FILE": path("ca.crt"), "HVTOP_USER": Self.user, "HVTOP_PASSWORD_FILE": path("password"),
            ])
        #expect(
            rcEnv == 0 && outEnv.contains(#""{#GUEST}":"test","{#UUID}":"6695eb01-f6a4-8304-79aa-97f2502e193f""#),
            "zabbix discovery: \(outEnv)")

        // The server name check: the certificate's DNS name is accepted, another one is not.
        let (rc3, out3) = try hvtop([
            "guest", "test", "--url", url, "--tls.ca-file", path("ca.crt"), "--tls.server-name", "hv-exporter.test",
            "--user", Self.user,
        ])
        #expect(rc3 == 0 && out3.contains("6695eb01-f6a4-8304-79aa-97f2502e193f"), "hvtop guest test: \(out3)")
        let (rc4, out4) = try hvtop([
            "-b", "-n", "1", "-d", "0.2", "--url", url, "--tls.ca-file", path("ca.crt"),
            "--tls.server-name", "elsewhere.test", "--user", Self.user,
        ])
        #expect(rc4 == 2 && out4.contains("server certificate rejected") && out4.contains("does not match"), "wrong name: \(out4)")

        // A Nagios check over TLS: OK from the daemon, not UNKNOWN.
        let (rc5, out5) = try hvtop(["check", "libvirt", "--url", url, "--tls.ca-file", path("ca.crt"), "--user", Self.user])
        #expect(rc5 == 0 && out5.hasPrefix("HV LIBVIRT OK"), "check libvirt: \(out5)")
    }

    @Test func aWrongCANamesTheCertificateProblemAndDoesNotFallBack() throws {
        try makeCertificates()
        let exporter = try startExporter()
        defer { exporter.stop() }
        let url = "https://127.0.0.1:\(exporter.port)"
        // --source auto (the default): a certificate problem is an error, never a silent direct collection.
        let (rc, out) = try hvtop(["-b", "-n", "1", "-d", "0.2", "--url", url, "--tls.ca-file", path("other.crt"), "--user", Self.user])
        #expect(rc == 2, "\(out)")
        #expect(out.contains("server certificate rejected") && out.contains("NOT trusted") && out.contains("issuer is unknown"), "\(out)")
        #expect(out.contains("--tls.ca-file"), "says what to do: \(out)")
        #expect(!out.contains("direct collection") && !out.contains("source:"), "\(out)")

        // Without --tls.ca-file the system store does not know the test CA either.
        let (rcSystem, outSystem) = try hvtop(["-b", "-n", "1", "-d", "0.2", "--url", url, "--user", Self.user])
        #expect(rcSystem == 2 && outSystem.contains("NOT trusted"), "\(outSystem)")

        // Plain http on the TLS port: a hint, not a bare "no header".
        let (rcPlain, outPlain) = try hvtop([
            "-b", "-n", "1", "-d", "0.2", "--source", "daemon", "--url", "http://127.0.0.1:\(exporter.port)", "--user", Self.user,
        ])
        #expect(rcPlain == 2 && outPlain.contains("https://"), "\(outPlain)")
    }

    @Test func aWrongOrMissingPasswordIsAClear401() throws {
        try makeCertificates()
        let exporter = try startExporter()
        defer { exporter.stop() }
        let url = "https://127.0.0.1:\(exporter.port)"
        let (rc, out) = try hvtop(
            ["-b", "-n", "1", "-d", "0.2", "--url", url, "--tls.ca-file", path("ca.crt"), "--user", Self.user], password: "nope")
        #expect(rc == 2 && out.contains("HTTP 401") && out.contains("user 'alice' or its password was refused"), "\(out)")

        let (rcNone, outNone) = try hvtop(["-b", "-n", "1", "-d", "0.2", "--url", url, "--tls.ca-file", path("ca.crt")], password: nil)
        #expect(rcNone == 2 && outNone.contains("HTTP 401") && outNone.contains("requires basic auth"), "\(outNone)")

        // Nagios: UNKNOWN with the reason on the first line.
        let (rcCheck, outCheck) = try hvtop(
            ["check", "guests", "--url", url, "--tls.ca-file", path("ca.crt"), "--user", Self.user], password: "nope")
        #expect(rcCheck == 3 && outCheck.hasPrefix("HV GUESTS UNKNOWN") && outCheck.contains("401"), "\(outCheck)")

        // A user without any password is refused before asking the daemon.
        let (rcNoPw, outNoPw) = try hvtop(["-b", "--url", url, "--tls.ca-file", path("ca.crt"), "--user", Self.user], password: nil)
        #expect(rcNoPw != 0 && outNoPw.contains("no password for user 'alice'"), "\(outNoPw)")
    }

    @Test func mutualTLSWithAClientCertificate() throws {
        try makeCertificates()
        let exporter = try startExporter(clientCertificates: true)
        defer { exporter.stop() }
        let url = "https://127.0.0.1:\(exporter.port)"
        let (rc, out) = try hvtop([
            "-b", "--json", "-n", "1", "-d", "0.2", "--url", url, "--tls.ca-file", path("ca.crt"),
            "--tls.cert-file", path("client.crt"), "--tls.key-file", path("client.key"), "--user", Self.user,
        ])
        #expect(rc == 0, "hvtop: \(out)\nexporter: \(exporter.log)")
        let parsed = try guests(out)
        #expect(parsed.source == "daemon" && parsed.guests["test"]?["state"] as? String == "running", "\(out)")

        // Without the client certificate the daemon refuses the request (HTTP 403); hvtop says how to present one.
        let (rcNo, outNo) = try hvtop(["-b", "-n", "1", "-d", "0.2", "--url", url, "--tls.ca-file", path("ca.crt"), "--user", Self.user])
        #expect(rcNo == 2 && outNo.contains("client certificate") && outNo.contains("--tls.cert-file"), "\(outNo)")
        // A client certificate from a CA the daemon does not trust: refused too.
        let (rcOther, outOther) = try hvtop([
            "-b", "-n", "1", "-d", "0.2", "--url", url, "--tls.ca-file", path("ca.crt"),
            "--tls.cert-file", path("other.crt"), "--tls.key-file", path("other.key"), "--user", Self.user,
        ])
        #expect(rcOther == 2 && outOther.contains("client certificate"), "\(outOther)")
    }
}
