import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP and SIGTERM sent to the real `hv-exporter` binary on libvirt's in-process test
/// driver (no lab), or on a fake libvirtd socket that accepts and never answers.
@Suite(.serialized)
struct SignalTests {
    let dir = TestSecrets.directory("hv-sig")

    func makeCert(_ name: String) throws { try TestSecrets.makeSelfSignedCertificate(name, in: dir) }

    /// HTTP status of /-/healthy, "000" when no HTTP answer came.
    func status(_ port: Int, scheme: String = "http", _ args: [String] = []) throws -> String {
        try Lab.run(
            ["curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}"] + args + ["\(scheme)://127.0.0.1:\(port)/-/healthy"]
        ).1
    }

    /// Polls `condition` every 50 ms for up to `seconds`.
    func eventually(_ seconds: Double = 5, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        } while Date() < deadline
        return false
    }

    /// Sends `signal` and returns the seconds until the process ended (nil: still running after `limit`).
    func secondsToExit(_ exporter: ExporterProcess, after signal: Int32, limit: Double = 10) -> Double? {
        let start = Date()
        kill(exporter.process.processIdentifier, signal)
        let ended = eventually(limit) { !exporter.process.isRunning }
        return ended ? Date().timeIntervalSince(start) : nil
    }

    @Test func sighupReloadsTheWebConfigAndKeepsTheOldOneWhenInvalid() throws {
        try makeCert("server")
        let config = dir.appendingPathComponent("web.yml")
        try "basic_auth_users:\n  alice: \(TestSecrets.aliceHash)\n".write(to: config, atomically: true, encoding: .utf8)
        let exporter = try ExporterProcess(["--libvirt.uri=test:///default", "--web.config.file=\(config.path)"])
        defer { exporter.stop() }
        let port = exporter.port
        #expect(try status(port, ["-u", "alice:s3cret"]) == "200")

        // New users: bob in, alice out.
        try "basic_auth_users:\n  bob: \(TestSecrets.bobHash)\n".write(to: config, atomically: true, encoding: .utf8)
        kill(exporter.process.processIdentifier, SIGHUP)
        #expect(try eventually { try status(port, ["-u", "bob:hunter2"]) == "200" }, "\(exporter.log)")
        #expect(try status(port, ["-u", "alice:s3cret"]) == "401")
        #expect(exporter.log.contains("web config reloaded"))

        // An invalid file changes nothing and says so.
        try "basic_auth_users:\n  carol: plaintext\n".write(to: config, atomically: true, encoding: .utf8)
        kill(exporter.process.processIdentifier, SIGHUP)
        #expect(eventually { exporter.log.contains("keeping the previous web config") }, "\(exporter.log)")
        #expect(exporter.process.isRunning)
        #expect(try status(port, ["-u", "bob:hunter2"]) == "200")

        // TLS on, same port.
        try "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  bob: \(TestSecrets.bobHash)\n"
            .write(to: config, atomically: true, encoding: .utf8)
        kill(exporter.process.processIdentifier, SIGHUP)
        let ca = dir.appendingPathComponent("server.crt").path
        #expect(try eventually { try status(port, scheme: "https", ["--cacert", ca, "-u", "bob:hunter2"]) == "200" }, "\(exporter.log)")
        #expect(try status(port, scheme: "https", ["--cacert", ca]) == "401")
        #expect(try status(port) == "000", "plain HTTP is no longer served")
    }

    @Test func sighupWithoutAWebConfigIsLoggedAndIgnored() throws {
        let exporter = try ExporterProcess(["--libvirt.uri=test:///default"])
        defer { exporter.stop() }
        kill(exporter.process.processIdentifier, SIGHUP)
        #expect(eventually { exporter.log.contains("no --web.config.file to reload") }, "\(exporter.log)")
        #expect(exporter.process.isRunning)
        #expect(try status(exporter.port) == "200")
    }

    @Test func sigtermEndsWithinASecondOrTwo() throws {
        let exporter = try ExporterProcess(["--libvirt.uri=test:///default"])
        defer { exporter.stop() }
        #expect(try status(exporter.port) == "200")
        let seconds = secondsToExit(exporter, after: SIGTERM)
        #expect(seconds != nil && seconds! < 2, "took \(seconds.map { "\($0)" } ?? "more than 10") s")
        #expect(exporter.process.terminationStatus == 0)
        #expect(exporter.log.contains("stopped"))
    }

    /// libvirtd that accepts and never answers: a unix socket nobody reads (the kernel queues
    /// the connection in the backlog).
    @Test func sigtermEndsFastWhileLibvirtNeverAnswers() throws {
        let path = dir.appendingPathComponent("libvirt-sock").path
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #expect(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8.prefix(raw.count - 1)) + [0])
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        #expect(listen(listener, 64) == 0)

        let exporter = try ExporterProcess(["--libvirt.uri=qemu+unix:///system?socket=\(path)", "--libvirt.timeout=5s"])
        defer { exporter.stop() }
        // A scrape in progress, waiting on libvirt.
        let scrape = Process()
        scrape.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        scrape.arguments = ["-s", "-m", "20", "-o", "/dev/null", "http://127.0.0.1:\(exporter.port)/metrics"]
        try scrape.run()
        defer { if scrape.isRunning { scrape.terminate() } }
        Thread.sleep(forTimeInterval: 0.5)
        let seconds = secondsToExit(exporter, after: SIGTERM)
        #expect(seconds != nil && seconds! < 2, "took \(seconds.map { "\($0)" } ?? "more than 10") s: \(exporter.log)")
    }
}
