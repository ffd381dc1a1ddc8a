import Foundation
import Glibc
import HVCollect
import HVExpose
import HVModel
import LabSupport
import Logging
import Synchronization
import Testing

/// A tiny HTTP server on a unix socket that answers with the captured LXD answers of
/// HVFormatsTests/Fixtures/lxd (README there), chunked like Go's net/http does for longer
/// bodies, or never answers (`silent`).
final class FakeLXD: @unchecked Sendable {
    let path: String
    let fd: Int32
    let silent: Bool
    /// Requests answered so far.
    let requests = Mutex(0)
    static let fixtures: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("HVFormatsTests/Fixtures/lxd").path
    }()

    init(silent: Bool = false) throws {
        self.silent = silent
        path = FileManager.default.temporaryDirectory.appendingPathComponent("hvbtr-lxd-\(UUID().uuidString.prefix(8)).sock").path
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0, listen(fd, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        let t = Thread { [self] in serve() }
        t.start()
    }

    /// Wakes the serving thread (a shut-down listening socket fails `accept`), which closes
    /// the socket itself: closed here, its descriptor number could be reused by the next
    /// test's fake while this thread still accepts on it, and this fake would answer for that
    /// one (seen: a silent fake that answered).
    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        unlink(path)
    }

    func body(for target: String) -> String {
        let file: String
        if target.hasPrefix("/1.0/storage-pools?recursion=1") {
            file = "storage-pools-recursion1.json"
        } else if let m = target.firstMatch(of: /^\/1\.0\/storage-pools\/([^\/?]+)\/(resources|volumes)/) {
            file = m.output.2 == "resources" ? "resources-\(m.output.1).json" : "volumes-\(m.output.1).json"
        } else {
            file = "resources-not-found.json"
        }
        return (try? String(contentsOfFile: "\(Self.fixtures)/\(file)", encoding: .utf8))
            ?? (try! String(contentsOfFile: "\(Self.fixtures)/resources-not-found.json", encoding: .utf8))
    }

    private func serve() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 {
                close(fd)
                return
            }
            var buf = [UInt8](repeating: 0, count: 4096)
            let n = read(c, &buf, buf.count)
            if silent {
                Thread.sleep(forTimeInterval: 3)
                close(c)
                continue
            }
            requests.withLock { $0 += 1 }
            let request = String(decoding: buf.prefix(max(0, n)), as: UTF8.self)
            let target = request.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
            let body = Array(body(for: target).utf8)
            var out = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n".utf8)
            if body.count > 300 {   // chunked, in two chunks
                out += Array("Transfer-Encoding: chunked\r\n\r\n".utf8)
                let half = body.count / 2
                for part in [body[..<half], body[half...]] {
                    out += Array(String(part.count, radix: 16).utf8) + [13, 10] + part + [13, 10]
                }
                out += Array("0\r\n\r\n".utf8)
            } else {
                out += Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
            }
            _ = out.withUnsafeBytes { write(c, $0.baseAddress, $0.count) }
            close(c)
        }
    }
}

@Suite struct LXDPoolCollectorTests {
    static func collect(_ sockets: [String], timeout: Duration = .seconds(2)) throws -> Snapshot {
        var s = Snapshot()
        try LXDPoolCollector(socketPaths: sockets, timeout: timeout, logger: Logger(label: "test"))
            .collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
        return s
    }

    @Test func poolsFromTheCapturedAnswers() throws {
        let lxd = try FakeLXD()
        defer { lxd.stop() }
        let s = try Self.collect(["/nonexistent/unix.socket", lxd.path])
        #expect(s.lxdStoragePools.map(\.name) == ["default", "hvbtr-pool"])
        let d = s.lxdStoragePools[0]
        #expect(d.driver == "dir")
        #expect(d.status == "Created")
        #expect(d.totalBytes == 270_553_174_016)
        #expect(d.usedBytes == 20_289_220_608)
        #expect(d.inodesTotal == 16_777_216)
        #expect(d.volumesByType == ["container": 2])
        #expect(d.usedBy == 3)
        #expect(d.error == nil)
        let b = s.lxdStoragePools[1]
        #expect(b.driver == "btrfs")
        #expect(b.inodesTotal == nil)
        #expect(b.volumesByType == ["custom": 1])
        let text = String(decoding: PrometheusTextWriter.write(SnapshotMetrics.build(s)), as: UTF8.self)
        #expect(text.contains(#"hv_lxd_storage_pool_capacity_bytes{pool="hvbtr-pool"} 536870912"#))
        #expect(text.contains(#"hv_lxd_storage_pool_available_bytes{pool="hvbtr-pool"} 530808832"#))
        #expect(text.contains(#"hv_lxd_storage_pool_status{pool="default",status="Created"} 1"#))
        #expect(text.contains(#"hv_lxd_storage_pool_volumes{pool="default",type="container"} 2"#))
    }

    /// Asked in the background: the first scrape waits for the first round; later scrapes
    /// read it without asking LXD, and say how the round went (`tool="lxd"`).
    @Test func laterScrapesReadTheBackgroundRound() throws {
        let lxd = try FakeLXD()
        defer { lxd.stop() }
        let c = LXDPoolCollector(socketPaths: [lxd.path], interval: .seconds(3600), logger: Logger(label: "test"))
        var first = Snapshot()
        try c.collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &first)
        #expect(first.lxdStoragePools.map(\.name) == ["default", "hvbtr-pool"])
        let asked = lxd.requests.withLock { $0 }
        #expect(asked == 5)   // the list, then resources and volumes of each pool
        var second = Snapshot()
        try c.collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &second)
        #expect(second.lxdStoragePools == first.lxdStoragePools)
        #expect(lxd.requests.withLock { $0 } == asked)
        let run = try #require(second.lxdPoolsRun)
        #expect(run.tool == "lxd" && run.success && !run.stale)
        let text = String(decoding: PrometheusTextWriter.write(SnapshotMetrics.build(second)), as: UTF8.self)
        #expect(text.contains(#"hv_external_tool_success{tool="lxd",target=""} 1"#))
    }

    @Test func noLXDIsSuccessWithoutSeries() throws {
        let s = try Self.collect(["/nonexistent/a.socket", "/nonexistent/b.socket"])
        #expect(s.lxdStoragePools.isEmpty)
        #expect(s.lxdPoolsRun == nil)
        let text = String(decoding: PrometheusTextWriter.write(SnapshotMetrics.build(s)), as: UTF8.self)
        #expect(!text.contains("hv_lxd") && !text.contains(#"tool="lxd""#))
    }

    @Test func anLXDThatDoesNotAnswerFailsWithinTheTimeout() throws {
        let lxd = try FakeLXD(silent: true)
        defer { lxd.stop() }
        let t0 = ContinuousClock.now
        #expect(throws: (any Error).self) { try Self.collect([lxd.path], timeout: .milliseconds(300)) }
        #expect(ContinuousClock.now - t0 < .seconds(2))
    }

    /// The lab's real LXD (scripts/lab/lxd-up.sh): its `default` dir pool with the lab's
    /// containers on it.
    @Test(.lab(.root, .lxdAnswering))
    func theLabsLXD() throws {
        let s = try Self.collect(LXDPoolCollector.defaultSocketPaths)
        let d = try #require(s.lxdStoragePools.first { $0.name == "default" })
        #expect(d.driver == "dir")
        #expect(d.status == "Created")
        #expect((d.totalBytes ?? 0) > 0)
        #expect((d.usedBytes ?? 0) > 0)
        #expect((d.volumesByType["container"] ?? 0) >= 2)
        #expect(d.error == nil)
    }
}
