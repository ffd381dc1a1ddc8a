import Foundation
import Testing

/// What the tests that run hv-exporter with a `--web.config.file` share: a temporary
/// directory, a self-signed certificate for 127.0.0.1, and bcrypt hashes of known passwords
/// (made with libcrypt's crypt(3) at cost 4 to keep tests fast).
enum TestSecrets {
    /// alice / s3cret ($2b$).
    static let aliceHash = "$2b$04$8TtIdbdTOietnCUwZg33F.9gYNpH.4kRdrcZeOxhYRugLPXQQngtm"
    /// bob / hunter2 ($2y$, the `htpasswd -B` prefix).
    static let bobHash = "$2y$04$N70vE6n8SQJBDiKa751KneLzipZZwbuoVU1BUSAy4BVNdU00.FhEa"

    /// A new directory under the temporary directory, named `prefix-<pid>-<random>`.
    static func directory(_ prefix: String) -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(getpid())-\(UUID().uuidString.prefix(6))")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// `NAME.crt` and `NAME.key` in `dir`: a self-signed P-256 certificate for 127.0.0.1.
    static func makeSelfSignedCertificate(_ name: String, in dir: URL) throws {
        let (rc, out) = try Lab.run([
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", dir.appendingPathComponent("\(name).key").path,
            "-out", dir.appendingPathComponent("\(name).crt").path,
        ])
        #expect(rc == 0, "openssl: \(out)")
    }
}
