import Foundation
import Glibc
import LabSupport
import Synchronization
import Testing

/// The daemon under abuse: it keeps serving, answers within its timeout, loses no data.
@Suite(.serialized)
struct ResilienceTests {
    func rss(_ pid: Int32) -> Int {
        guard let s = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return -1 }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1
    }

    /// 200 scrapes at once: each is served (they share one collection in flight) or told to
    /// retry with 503; none is reset. The server handles 64 requests at once (memory bound),
    /// so 64 at least are served.
    @Test func twoHundredConcurrentScrapesAreServedOrToldToRetry() throws {
        // All 200 come from one address: the per-client limit (32 by default, see the HTTP
        // tests for its 503s) is raised so they all reach the handlers.
        let exporter = try ExporterProcess([
            "--libvirt.uri=\(Lab.state.isPresent ? Lab.uri : "test:///default")", "--web.max-connections-per-client=256",
        ])
        defer { exporter.stop() }
        let url = "http://127.0.0.1:\(exporter.port)/metrics"
        // curl --parallel: 200 transfers at once, each writing its status code.
        let args =
            ["curl", "-sS", "--no-progress-meter", "--parallel", "--parallel-immediate", "--parallel-max", "200", "-m", "30"]
            + Array(repeating: ["-o", "/dev/null", "-w", "%{http_code}\n", url], count: 200).flatMap { $0 }
        let t0 = Date()
        let (rc, out) = try Lab.run(args)
        let seconds = Date().timeIntervalSince(t0)
        let codes = out.split(separator: "\n").map(String.init)
        #expect(rc == 0, "curl: \(out.prefix(400))")
        #expect(codes.count == 200)
        let counts = Dictionary(grouping: codes, by: { $0 }).mapValues(\.count)
        #expect(codes.allSatisfy { $0 == "200" || $0 == "503" }, "codes: \(counts)")
        #expect((counts["200"] ?? 0) >= 64, "codes: \(counts)")
        #expect(seconds < 30)
        #expect(try exporter.metrics().value("libvirt_up") == 1)
    }

    @Test func slowClientsAndOversizedRequestsDoNotStopService() throws {
        // The slow clients share the scraper's address here; the per-client limit is raised so
        // this tests the server beside them (the limit itself has tests of its own).
        let exporter = try ExporterProcess(["--libvirt.uri=test:///default", "--web.max-connections-per-client=64"])
        defer { exporter.stop() }
        // 40 clients that send half a request line and then nothing.
        var sockets: [Int32] = []
        for _ in 0..<40 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(exporter.port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let ok = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            #expect(ok == 0)
            _ = "GET /metr".withCString { send(fd, $0, 9, 0) }
            sockets.append(fd)
        }
        defer { sockets.forEach { close($0) } }
        let r = try exporter.get("/metrics", timeout: 10)
        #expect(r.status == 200 && r.seconds < 5, "scrape beside slow clients: \(r.status) in \(r.seconds) s")

        let longURL = "/metrics?" + String(repeating: "a", count: 100_000)
        let big = try exporter.get(longURL, timeout: 10)
        #expect((400..<500).contains(big.status), "100 KB URL gave \(big.status)")
        let (rc, out) = try Lab.run([
            "curl", "-sS", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}",
            "-H", "X-Big: " + String(repeating: "b", count: 100_000), "http://127.0.0.1:\(exporter.port)/metrics",
        ])
        #expect(rc == 0 && out.hasPrefix("4"), "100 KB header gave \(out)")
        #expect(try exporter.get("/metrics").status == 200)
        #expect(exporter.process.isRunning)
    }

    @Test func memoryStaysBoundedOverThousandsOfScrapes() throws {
        let exporter = try ExporterProcess(["--libvirt.uri=test:///default"])
        defer { exporter.stop() }
        let url = "http://127.0.0.1:\(exporter.port)"
        // Batches of sequential scrapes through one curl process each (keep-alive).
        func batch(_ n: Int) throws {
            let args =
                ["curl", "-sS", "-m", "120", "-o", "/dev/null"]
                + Array(repeating: ["\(url)/metrics", "\(url)/json"], count: n / 2).flatMap { $0 }
            let (rc, out) = try Lab.run(args)
            #expect(rc == 0, "curl batch: \(out.prefix(300))")
        }
        try batch(500)
        let warm = rss(exporter.process.processIdentifier)
        for _ in 0..<6 { try batch(500) }
        let after = rss(exporter.process.processIdentifier)
        #expect(warm > 0 && after > 0)
        // 3,000 more requests may not grow resident memory by more than 4 MiB.
        #expect(after - warm < 4096, "RSS grew from \(warm) KiB to \(after) KiB over 3,000 requests")
    }

    @Test(.lab(.libvirtdRunning))
    func guestDestroyedWhileBeingScrapedLosesNothingElse() throws {
        let exporter = try ExporterProcess(["--libvirt.uri=\(Lab.uri)"])
        defer { exporter.stop() }
        let name = "hv-vanish"
        let kernel = Lab.state["LAB_KERNEL"] ?? ""
        let initrd = Lab.state["LAB_INITRD"] ?? ""
        let xml = """
            <domain type='qemu'><name>\(name)</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
            <os><type arch='x86_64' machine='pc'>hvm</type><kernel>\(kernel)</kernel><initrd>\(initrd)</initrd><cmdline>console=ttyS0</cmdline></os>
            <devices><interface type='bridge'><source bridge='\(Lab.state["LAB_BRIDGE"] ?? "hvbr0")'/><model type='virtio'/></interface></devices></domain>
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hv-vanish.xml")
        try xml.write(to: file, atomically: true, encoding: .utf8)
        var created = false
        for round in 0..<3 {
            let (rc, out) = try Lab.run(["virsh", "-c", Lab.uri, "create", file.path])
            #expect(rc == 0, "virsh create: \(out)")
            created = rc == 0
            // Scrape continuously while the guest is destroyed.
            let results = Mutex<[(Int, String)]>([])
            let group = DispatchGroup()
            for _ in 0..<4 {
                group.enter()
                Thread.detachNewThread {
                    for _ in 0..<5 {
                        if let r = try? exporter.get("/metrics") { results.withLock { $0.append((r.status, r.body)) } }
                    }
                    group.leave()
                }
            }
            Thread.sleep(forTimeInterval: 0.05 * Double(round + 1))
            _ = try Lab.run(["virsh", "-c", Lab.uri, "destroy", name])
            created = false
            group.wait()
            let all = results.withLock { $0 }
            #expect(all.count == 20)
            for (status, body) in all {
                let m = Exposition(body)
                #expect(status == 200)
                #expect(m.value("libvirt_up") == 1)
                #expect(m.value("libvirt_domain_info_vstate", ["domain": Lab.guest("RUN1")]) == 1, "other guests must stay in every scrape")
            }
        }
        if created { _ = try? Lab.run(["virsh", "-c", Lab.uri, "destroy", name]) }
        let final = try exporter.metrics()
        #expect(final.values("libvirt_domain_info_vstate", ["domain": name]).isEmpty)
    }
}
