import Foundation
import Testing

@testable import HVHTTP

#if canImport(Glibc)
import Glibc
#endif

/// Slow, idle and greedy clients against the real server on loopback. Holders connect from
/// 127.0.0.1; the "scraper" from 127.0.0.2 (loopback too, another client for the per-client
/// limit). Counts are small so that the suite stays quick; `HV_HTTP_ABUSE_CLIENTS` raises them
/// for a run by hand.
@Suite("Connection limits, deadlines and 503s", .serialized)
struct ConnectionLimitTests {
    static let holders = ProcessInfo.processInfo.environment["HV_HTTP_ABUSE_CLIENTS"].flatMap(Int.init) ?? 150

    /// Opens `count` connections from 127.0.0.1; `partial` sends half a request head first.
    static func hold(_ count: Int, port: Int, partial: Bool) -> [Int32] {
        var sockets: [Int32] = []
        for _ in 0..<count {
            guard let fd = try? RawHTTPClient.connect(port: port, timeoutSeconds: 5) else { break }
            if partial { RawHTTPClient.send(fd, Array("GET /slow HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8)) }
            sockets.append(fd)
        }
        return sockets
    }

    /// True when the server closed `fd` (end-of-file or reset) within `seconds`; a 503 before
    /// the close counts as closed too.
    static func closedByServer(_ fd: Int32, within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let left = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            guard poll(&pfd, 1, left) > 0 else { return false }
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count == 0 { return true }
            if count < 0 && errno != EAGAIN && errno != EINTR { return true }
        }
        return false
    }

    @Test func slowClientsTricklingBytesDoNotBlockScrapesAndAreClosedAtTheDeadline() throws {
        var configuration = HTTPServer.Configuration(listenAddress: "127.0.0.1:0")
        configuration.connectionLimit = 64
        configuration.connectionLimitPerClient = 32
        configuration.requestTimeoutSeconds = 2
        try withServer(configuration, handler: echoHandler) { server in
            let slow = Self.hold(Self.holders, port: server.boundPort, partial: true)
            defer { slow.forEach { close($0) } }
            let start = Date()
            var ok = 0
            var total = 0
            // Scrapes from another address while the slow clients send a byte every 0.3 s.
            while Date().timeIntervalSince(start) < 3 {
                for fd in slow { RawHTTPClient.send(fd, [UInt8(ascii: "a")]) }
                total += 1
                if (try? RawHTTPClient.request(port: server.boundPort, target: "/scrape", source: "127.0.0.2"))?.status == 200 { ok += 1 }
                usleep(300_000)
            }
            #expect(ok == total, "\(ok) of \(total) scrapes answered 200")
            // Trickling bytes bought no time: every slow client is gone 2 s after accept.
            let open = slow.filter { !Self.closedByServer($0, within: 2) }
            #expect(open.isEmpty, "\(open.count) slow clients still open after \(Date().timeIntervalSince(start)) s")
            #expect(server.table.counts.closedAtDeadline > 0)
        }
    }

    @Test func idleClientsDoNotBlockScrapes() throws {
        var configuration = HTTPServer.Configuration(listenAddress: "127.0.0.1:0")
        configuration.connectionLimit = 64
        configuration.requestTimeoutSeconds = 1
        try withServer(configuration, handler: echoHandler) { server in
            let idle = Self.hold(Self.holders, port: server.boundPort, partial: false)
            defer { idle.forEach { close($0) } }
            for index in 0..<10 {
                let response = try RawHTTPClient.request(port: server.boundPort, target: "/\(index)", source: "127.0.0.2")
                #expect(response.status == 200)
            }
            // Turned-away holders got a 503 with Retry-After, not a reset.
            let statuses = idle.compactMap { fd -> Int? in
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&pfd, 1, 3000) > 0 else { return nil }
                let (bytes, _) = RawHTTPClient.readToEnd(fd)
                return RawHTTPClient.parse(bytes)?.status ?? 0
            }
            #expect(statuses.count == idle.count, "every idle client is closed within the deadline")
            #expect(statuses.contains(503))
        }
    }

    @Test func aFullServerClosesTheLongestWaitingConnectionForANewRequest() throws {
        var configuration = HTTPServer.Configuration(listenAddress: "127.0.0.1:0")
        configuration.connectionLimit = 8
        configuration.connectionLimitPerClient = 100
        configuration.requestTimeoutSeconds = 60
        try withServer(configuration, handler: echoHandler) { server in
            let idle = Self.hold(8, port: server.boundPort, partial: true)
            defer { idle.forEach { close($0) } }
            // Older than the minimum age for eviction (2 s).
            usleep(2_200_000)
            for index in 0..<4 {
                let response = try RawHTTPClient.request(port: server.boundPort, target: "/after-\(index)")
                #expect(response.status == 200)
            }
            #expect(server.table.counts.evictedForRoom >= 1)
            // The oldest holder was closed to make room, and told so.
            var pfd = pollfd(fd: idle[0], events: Int16(POLLIN), revents: 0)
            #expect(poll(&pfd, 1, 2000) == 1)
            let told = RawHTTPClient.parse(RawHTTPClient.readToEnd(idle[0]).bytes)
            #expect(told?.status == 503)
            #expect(told?.header("Retry-After") != nil)
        }
    }

    @Test func overCapacityRequestsGet503WithRetryAfterNotResets() throws {
        var configuration = HTTPServer.Configuration(listenAddress: "127.0.0.1:0")
        configuration.connectionLimit = 8
        configuration.connectionLimitPerClient = 1000
        let count = max(40, Self.holders)
        try withServer(
            configuration,
            handler: { request in
                usleep(500_000)
                return .text("slow \(request.path)")
            }
        ) { server in
            var sockets: [Int32] = []
            defer { sockets.forEach { close($0) } }
            for index in 0..<count {
                let fd = try RawHTTPClient.connect(port: server.boundPort, timeoutSeconds: 20)
                RawHTTPClient.send(fd, RawHTTPClient.requestBytes(target: "/\(index)"))
                sockets.append(fd)
            }
            var ok = 0
            var busy = 0
            var other: [String] = []
            for fd in sockets {
                let (bytes, error) = RawHTTPClient.readToEnd(fd)
                let response = RawHTTPClient.parse(bytes)
                switch response?.status {
                case 200: ok += 1
                case 503 where response?.header("Retry-After") == "1": busy += 1
                default: other.append("\(response?.status ?? 0)/errno \(error ?? 0)")
                }
            }
            #expect(other.isEmpty, "neither 200 nor 503 with Retry-After: \(other.prefix(10))")
            #expect(ok >= 8)
            #expect(busy > 0)
        }
    }

    @Test func perClientLimitAnswers503AndSparesOtherClients() throws {
        var configuration = HTTPServer.Configuration(listenAddress: "127.0.0.1:0")
        configuration.connectionLimitPerClient = 2
        configuration.requestTimeoutSeconds = 30
        try withServer(configuration, handler: echoHandler) { server in
            let holders = Self.hold(2, port: server.boundPort, partial: false)
            defer { holders.forEach { close($0) } }
            let refused = try RawHTTPClient.request(port: server.boundPort, target: "/third")
            #expect(refused.status == 503)
            #expect(refused.header("Retry-After") != nil)
            #expect(try RawHTTPClient.request(port: server.boundPort, target: "/other", source: "127.0.0.2").status == 200)
            #expect(server.table.counts.refusedPerClient == 1)
        }
    }

    @Test func handlersBeyondTheLimitGet503() throws {
        var configuration = HTTPServer.Configuration(listenAddress: "127.0.0.1:0")
        configuration.maxConcurrentRequests = 2
        let running = Counter()
        try withServer(
            configuration,
            handler: { _ in
                running.increment()
                usleep(1_000_000)
                return .text("done")
            }
        ) { server in
            let sockets = try (0..<6).map { index -> Int32 in
                let fd = try RawHTTPClient.connect(port: server.boundPort)
                RawHTTPClient.send(fd, RawHTTPClient.requestBytes(target: "/\(index)"))
                return fd
            }
            defer { sockets.forEach { close($0) } }
            let statuses = sockets.map { RawHTTPClient.parse(RawHTTPClient.readToEnd($0).bytes)?.status ?? 0 }
            #expect(statuses.filter { $0 == 200 }.count == 2)
            #expect(statuses.filter { $0 == 503 }.count == 4)
            #expect(running.value == 2)
        }
    }

    @Test func tlsClientsThatNeverSendAClientHelloAreClosedAtTheDeadline() throws {
        let pki = try TestPKI()
        var configuration = HTTPServer.Configuration(
            listenAddress: "127.0.0.1:0", tls: TLSConfig(certFile: pki.path("server.pem"), keyFile: pki.path("server.key")))
        configuration.connectionLimit = 64
        configuration.requestTimeoutSeconds = 1.5
        try withServer(configuration, handler: echoHandler) { server in
            let idle = Self.hold(Self.holders, port: server.boundPort, partial: false)
            defer { idle.forEach { close($0) } }
            let scrape = try runTool(
                "/usr/bin/curl",
                [
                    "-sS", "--max-time", "5", "--interface", "127.0.0.2", "--cacert", pki.path("server.pem"),
                    "-o", "/dev/null", "-w", "%{http_code}", "https://127.0.0.1:\(server.boundPort)/tls",
                ])
            #expect(scrape.stdoutText == "200", "\(scrape.stderr)")
            let open = idle.filter { !Self.closedByServer($0, within: 4) }
            #expect(open.isEmpty, "\(open.count) silent TLS clients still open")
        }
    }

    @Test func tlsClientsOverTheLimitGet503AfterTheHandshake() throws {
        let pki = try TestPKI()
        var configuration = HTTPServer.Configuration(
            listenAddress: "127.0.0.1:0", tls: TLSConfig(certFile: pki.path("server.pem"), keyFile: pki.path("server.key")))
        configuration.connectionLimitPerClient = 1
        try withServer(configuration, handler: echoHandler) { server in
            let holder = Self.hold(1, port: server.boundPort, partial: false)
            defer { holder.forEach { close($0) } }
            let refused = try runTool(
                "/usr/bin/curl",
                [
                    "-sS", "--max-time", "5", "--cacert", pki.path("server.pem"), "-D", "-", "-o", "/dev/null",
                    "https://127.0.0.1:\(server.boundPort)/tls",
                ])
            #expect(refused.stdoutText.hasPrefix("HTTP/1.1 503"), "\(refused.stdoutText) \(refused.stderr)")
            #expect(refused.stdoutText.contains("Retry-After: 1"))
            #expect(server.table.counts.busyAnswers == 1)
        }
    }

    @Test func refusedConnectionWarningsAreRateLimited() throws {
        let logs = LogCollector()
        var configuration = HTTPServer.Configuration(listenAddress: "127.0.0.1:0")
        configuration.connectionLimitPerClient = 1
        configuration.warningIntervalSeconds = 1
        configuration.logger = logs.logger
        try withServer(configuration, handler: echoHandler) { server in
            let holder = Self.hold(1, port: server.boundPort, partial: false)
            defer { holder.forEach { close($0) } }
            for _ in 0..<100 {
                _ = try? RawHTTPClient.request(port: server.boundPort)
            }
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline && !logs.lines.contains(where: { $0.contains("similar") }) {
                usleep(50_000)
            }
        }
        let refusals = logs.lines.filter { $0.contains("refusing a connection") }
        // 100 refusals: the first line at once, the rest counted into one or two more.
        #expect(refusals.count >= 2 && refusals.count <= 5, "\(refusals)")
        #expect(refusals.contains { $0.contains("similar in the last") }, "\(refusals)")
    }
}
