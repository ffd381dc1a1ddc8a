import Foundation
import LabSupport
import Testing

@testable import HVHTTP

#if canImport(Glibc)
import Glibc
#endif

/// Echoes what the server parsed, so tests can see the request through the handler's eyes.
@Sendable func echoHandler(_ request: HTTPRequest) -> HTTPResponse {
    switch request.path {
    case "/missing":
        return .text("no such page\n", status: 404)
    case "/query":
        let lines = request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "\n")
        return .text(lines)
    case "/header":
        return .text(request.header("x-probe") ?? "<none>")
    case "/remote":
        return .text(request.remoteAddress)
    case "/custom":
        var response = HTTPResponse(status: 202, text: "{\"ok\":true}", contentType: "application/json")
        response.headers.append(HTTPField("X-Custom", "yes"))
        response.headers.append(HTTPField("X-Bad", "line\r\nInjected: 1"))
        response.headers.append(HTTPField("Bad Name", "x"))
        response.headers.append(HTTPField("Content-Length", "999"))
        return response
    case "/weird-status":
        return HTTPResponse(status: 42)
    case "/empty":
        return HTTPResponse(status: 204)
    default:
        return .text("hello from \(request.method) \(request.path)\n")
    }
}

@Suite("HTTPServer over plain HTTP")
struct HTTPServerTests {
    @Test func getReturnsStatusBodyAndHeaders() throws {
        try withServer(handler: echoHandler) { server in
            #expect(server.boundPort > 0)
            let response = try RawHTTPClient.request(port: server.boundPort, target: "/hello")
            #expect(response.status == 200)
            #expect(response.text == "hello from GET /hello\n")
            #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
            #expect(response.header("Content-Length") == "\(response.body.count)")
            #expect(response.header("Date") != nil)
        }
    }

    @Test func handlerHeadersAreSentAndInvalidOnesDropped() throws {
        let logs = LogCollector()
        var configuration = HTTPServer.Configuration(listenAddress: "127.0.0.1:0")
        configuration.logger = logs.logger
        try withServer(configuration, handler: echoHandler) { server in
            let response = try RawHTTPClient.request(port: server.boundPort, target: "/custom")
            #expect(response.status == 202)
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.header("X-Custom") == "yes")
            #expect(response.header("X-Bad") == nil)
            #expect(response.header("Injected") == nil)
            #expect(response.header("Content-Length") == "11")
            #expect(response.text == "{\"ok\":true}")
        }
        #expect(logs.lines.contains { $0.contains("X-Bad") })
    }

    @Test func headSendsHeadersWithoutBody() throws {
        try withServer(handler: echoHandler) { server in
            let get = try RawHTTPClient.request(port: server.boundPort, target: "/missing")
            let fd = try RawHTTPClient.connect(port: server.boundPort)
            defer { close(fd) }
            RawHTTPClient.send(fd, RawHTTPClient.requestBytes(method: "HEAD", target: "/missing"))
            let (raw, _) = RawHTTPClient.readToEnd(fd)
            let head = try #require(RawHTTPClient.parse(raw))
            #expect(head.status == 404)
            #expect(get.body.count > 0)
            #expect(head.body.isEmpty)
            #expect(head.header("Content-Length") == "\(get.body.count)")
            #expect(head.header("Content-Type") == "text/plain; charset=utf-8")
        }
    }

    @Test(arguments: ["POST", "PUT", "DELETE", "OPTIONS", "PATCH", "get"])
    func otherMethodsGet405(method: String) throws {
        try withServer(handler: echoHandler) { server in
            let response = try RawHTTPClient.request(port: server.boundPort, method: method, target: "/metrics")
            #expect(response.status == 405)
            #expect(response.header("Allow") == "GET, HEAD")
        }
    }

    @Test func postWithSmallBodyGets405() throws {
        try withServer(handler: echoHandler) { server in
            let raw = "POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello"
            let response = try RawHTTPClient.exchange(port: server.boundPort, raw: Array(raw.utf8))
            #expect(response.status == 405)
        }
    }

    @Test func notFoundComesFromTheHandler() throws {
        try withServer(handler: echoHandler) { server in
            let response = try RawHTTPClient.request(port: server.boundPort, target: "/missing")
            #expect(response.status == 404)
            #expect(response.text == "no such page\n")
        }
    }

    @Test func emptyBodyAndOutOfRangeStatus() throws {
        let logs = LogCollector()
        var configuration = HTTPServer.Configuration(listenAddress: "127.0.0.1:0")
        configuration.logger = logs.logger
        try withServer(configuration, handler: echoHandler) { server in
            let empty = try RawHTTPClient.request(port: server.boundPort, target: "/empty")
            #expect(empty.status == 204)
            #expect(empty.body.isEmpty)
            let weird = try RawHTTPClient.request(port: server.boundPort, target: "/weird-status")
            #expect(weird.status == 500)
        }
        #expect(logs.lines.contains { $0.contains("status 42") })
    }

    @Test func queryArgumentsAreDecodedInOrder() throws {
        try withServer(handler: echoHandler) { server in
            let response = try RawHTTPClient.request(
                port: server.boundPort, target: "/query?a=1&b=x%20y&c=hello+world&flag&a=2&collect%5B%5D=cpu")
            #expect(response.status == 200)
            #expect(response.text == "a=1\nb=x y\nc=hello world\nflag=\na=2\ncollect[]=cpu")
        }
    }

    @Test func pathIsPercentDecodedWithoutQuery() throws {
        try withServer(handler: echoHandler) { server in
            let response = try RawHTTPClient.request(port: server.boundPort, target: "/a%20b/%6Detrics?x=%2F")
            #expect(response.text == "hello from GET /a b/metrics\n")
        }
    }

    @Test func stopWaitsForAnInFlightHandler() throws {
        let started = Counter()
        let finished = Counter()
        let server = try HTTPServer(
            configuration: .init(listenAddress: "127.0.0.1:0"),
            handler: { _ in
                started.increment()
                usleep(300_000)
                finished.increment()
                return .text("late")
            })
        let fd = try RawHTTPClient.connect(port: server.boundPort)
        defer { close(fd) }
        RawHTTPClient.send(fd, RawHTTPClient.requestBytes())
        // Stop only once the handler runs (it then takes 0.3 s more).
        try #require(Poll.until(timeout: .seconds(10), every: .milliseconds(5)) { started.value == 1 }, "the handler never started")
        let start = Date()
        server.stop()
        #expect(finished.value == 1, "MHD_stop_daemon joins the connection thread")
        #expect(Date().timeIntervalSince(start) < 5)
        _ = RawHTTPClient.readToEnd(fd)
    }

    @Test func requestAccessors() {
        let request = HTTPRequest(
            method: "GET", path: "/metrics",
            query: [HTTPField("collect[]", "cpu"), HTTPField("x", "1"), HTTPField("collect[]", "md")],
            headers: [HTTPField("Accept-Encoding", "gzip")])
        #expect(request.queryValues("collect[]") == ["cpu", "md"])
        #expect(request.queryValue("x") == "1")
        #expect(request.queryValue("X") == nil)
        #expect(request.header("accept-encoding") == "gzip")
        var response = HTTPResponse.text("x")
        response.setHeader("content-type", "application/json")
        #expect(response.headers == [HTTPField("content-type", "application/json")])
    }

    @Test func requestHeadersAndRemoteAddressReachTheHandler() throws {
        try withServer(handler: echoHandler) { server in
            let header = try RawHTTPClient.request(port: server.boundPort, target: "/header", headers: [("X-Probe", "42")])
            #expect(header.text == "42")
            let remote = try RawHTTPClient.request(port: server.boundPort, target: "/remote")
            #expect(remote.text.hasPrefix("127.0.0.1:"))
            #expect(Int(remote.text.dropFirst("127.0.0.1:".count)) != nil)
        }
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() throws {
        try withServer(handler: echoHandler) { server in
            let fd = try RawHTTPClient.connect(port: server.boundPort)
            defer { close(fd) }
            let first = Array("GET /one HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
            let second = Array("GET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
            RawHTTPClient.send(fd, first + second)
            let (raw, _) = RawHTTPClient.readToEnd(fd)
            let text = String(decoding: raw, as: UTF8.self)
            #expect(text.components(separatedBy: "HTTP/1.1 200").count == 3)
            #expect(text.contains("hello from GET /one"))
            #expect(text.contains("hello from GET /two"))
        }
    }

    @Test func oversizedHeaderGets4xxAndServerKeepsServing() throws {
        try withServer(handler: echoHandler) { server in
            let big = String(repeating: "a", count: 100 * 1024)
            let raw = RawHTTPClient.requestBytes(target: "/", headers: [("X-Big", big)])
            let fd = try RawHTTPClient.connect(port: server.boundPort)
            RawHTTPClient.send(fd, raw)
            let (bytes, _) = RawHTTPClient.readToEnd(fd)
            close(fd)
            let response = try #require(RawHTTPClient.parse(bytes))
            #expect((400...499).contains(response.status))
            let after = try RawHTTPClient.request(port: server.boundPort, target: "/still-alive")
            #expect(after.status == 200)
        }
    }

    @Test func oversizedURLGets4xx() throws {
        try withServer(handler: echoHandler) { server in
            let target = "/" + String(repeating: "b", count: 100 * 1024)
            let fd = try RawHTTPClient.connect(port: server.boundPort)
            RawHTTPClient.send(fd, RawHTTPClient.requestBytes(target: target))
            let (bytes, _) = RawHTTPClient.readToEnd(fd)
            close(fd)
            let response = try #require(RawHTTPClient.parse(bytes))
            #expect((400...499).contains(response.status))
            #expect(try RawHTTPClient.request(port: server.boundPort).status == 200)
        }
    }

    @Test func oversizedBodyOnGetClosesConnectionWithoutCallingHandler() throws {
        let calls = Counter()
        try withServer(handler: { request in
            calls.increment()
            return .text("ok")
        }) { server in
            let body = [UInt8](repeating: UInt8(ascii: "z"), count: 512 * 1024)
            let head = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: \(body.count)\r\n\r\n"
            let fd = try RawHTTPClient.connect(port: server.boundPort)
            RawHTTPClient.send(fd, Array(head.utf8) + body)
            let (bytes, _) = RawHTTPClient.readToEnd(fd)
            close(fd)
            #expect(RawHTTPClient.parse(bytes)?.status != 200)
            #expect(calls.value == 0)
            // A small body on GET is read, dropped, and the request answered.
            let small = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 4\r\n\r\nabcd"
            #expect(try RawHTTPClient.exchange(port: server.boundPort, raw: Array(small.utf8)).status == 200)
            #expect(calls.value == 1)
        }
    }

    @Test(arguments: [
        "garbage\r\n\r\n",
        "GET\r\n\r\n",
        "GET / HTTP/9.9\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "GET / HTTP/1.1\r\n\u{0}\u{1}\u{2}: \u{7f}\r\n\r\n",
        "GET /%zz%00%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ])
    func malformedRequestsNeverCrashTheServer(raw: String) throws {
        try withServer(handler: echoHandler) { server in
            let fd = try RawHTTPClient.connect(port: server.boundPort, timeoutSeconds: 5)
            RawHTTPClient.send(fd, Array(raw.utf8))
            shutdown(fd, Int32(SHUT_WR))
            _ = RawHTTPClient.readToEnd(fd)
            close(fd)
            #expect(try RawHTTPClient.request(port: server.boundPort, target: "/ok").status == 200)
        }
    }

    @Test func twoHundredConcurrentSlowRequestsAllSucceed() throws {
        let inFlight = Counter()
        let peak = Counter()
        // Limits raised: this is about concurrency, ConnectionLimitTests about the limits.
        var configuration = HTTPServer.Configuration(listenAddress: "127.0.0.1:0")
        configuration.connectionLimitPerClient = 256
        configuration.maxConcurrentRequests = 256
        try withServer(
            configuration,
            handler: { request in
                let now = inFlight.increment()
                peak.raise(to: now)
                usleep(200_000)
                inFlight.decrement()
                return .text("slow \(request.path)")
            }
        ) { server in
            let start = Date()
            var sockets: [Int32] = []
            defer { sockets.forEach { close($0) } }
            for index in 0..<200 {
                let fd = try RawHTTPClient.connect(port: server.boundPort, timeoutSeconds: 30)
                sockets.append(fd)
                RawHTTPClient.send(fd, RawHTTPClient.requestBytes(target: "/\(index)"))
            }
            var ok = 0
            for (index, fd) in sockets.enumerated() {
                let (bytes, _) = RawHTTPClient.readToEnd(fd)
                if let response = RawHTTPClient.parse(bytes), response.status == 200, response.text == "slow /\(index)" {
                    ok += 1
                }
            }
            let elapsed = Date().timeIntervalSince(start)
            #expect(ok == 200)
            // One at a time would take 40 s; all in parallel takes a little over 0.2 s.
            #expect(elapsed < 10, "took \(elapsed) s")
            #expect(peak.value >= 100)
        }
    }

    @Test func slowClientDoesNotBlockOthersAndIsTimedOut() throws {
        var configuration = HTTPServer.Configuration(listenAddress: "127.0.0.1:0")
        configuration.connectionTimeoutSeconds = 2
        try withServer(configuration, handler: echoHandler) { server in
            // Half a request, then silence.
            let slow = try RawHTTPClient.connect(port: server.boundPort, timeoutSeconds: 10)
            defer { close(slow) }
            RawHTTPClient.send(slow, Array("GET /slow HTTP/1.1\r\nHost: x\r\nX-Partial: ".utf8))
            let start = Date()
            for index in 0..<20 {
                #expect(try RawHTTPClient.request(port: server.boundPort, target: "/fast\(index)").status == 200)
            }
            #expect(Date().timeIntervalSince(start) < 2)
            // The idle connection is closed by MHD_OPTION_CONNECTION_TIMEOUT.
            let (bytes, error) = RawHTTPClient.readToEnd(slow)
            #expect(error == nil, "expected EOF from the server, got errno \(error ?? 0)")
            #expect(RawHTTPClient.parse(bytes)?.status != 200)
            #expect(Date().timeIntervalSince(start) < 8)
        }
    }

    @Test func handlerSlowerThanTheConnectionTimeoutStillAnswers() throws {
        var configuration = HTTPServer.Configuration(listenAddress: "127.0.0.1:0")
        configuration.connectionTimeoutSeconds = 1
        try withServer(
            configuration,
            handler: { _ in
                usleep(2_500_000)
                return .text("done")
            }
        ) { server in
            let response = try RawHTTPClient.request(port: server.boundPort)
            #expect(response.status == 200)
            #expect(response.text == "done")
        }
    }

    @Test func threadPoolModeServes() throws {
        let configuration = HTTPServer.Configuration(listenAddress: "127.0.0.1:0", threading: .threadPool(size: 2))
        try withServer(configuration, handler: echoHandler) { server in
            for _ in 0..<5 {
                let response = try RawHTTPClient.request(port: server.boundPort, target: "/pool")
                #expect(response.text == "hello from GET /pool\n")
            }
        }
    }

    @Test func connectionLimitIsEnforced() throws {
        var configuration = HTTPServer.Configuration(listenAddress: "127.0.0.1:0")
        configuration.connectionLimit = 2
        configuration.connectionTimeoutSeconds = 5
        try withServer(configuration, handler: echoHandler) { server in
            let holders = try (0..<2).map { _ in try RawHTTPClient.connect(port: server.boundPort) }
            defer { holders.forEach { close($0) } }
            usleep(200_000)
            let extra = try RawHTTPClient.connect(port: server.boundPort, timeoutSeconds: 5)
            defer { close(extra) }
            RawHTTPClient.send(extra, RawHTTPClient.requestBytes())
            let (bytes, _) = RawHTTPClient.readToEnd(extra)
            // The holders are too young to be closed for room: the third one is turned away.
            let refused = RawHTTPClient.parse(bytes)
            #expect(refused?.status == 503, "a third connection must be refused with 503")
            #expect(refused?.header("Retry-After") != nil)
            holders.forEach { shutdown($0, Int32(SHUT_RDWR)) }
            let start = Date()
            var status: Int?
            // Until the server sees the holders' close, a new request may still get 503.
            while status != 200, Date().timeIntervalSince(start) < 8 {
                status = try? RawHTTPClient.request(port: server.boundPort).status
                if status != 200 { usleep(50_000) }
            }
            #expect(status == 200)
        }
    }

    @Test func stopIsIdempotentAndClosesTheListener() throws {
        let server = try HTTPServer(configuration: .init(listenAddress: "127.0.0.1:0"), handler: echoHandler)
        let port = server.boundPort
        #expect(try RawHTTPClient.request(port: port).status == 200)
        server.stop()
        server.stop()
        #expect(throws: RawHTTPError.self) { try RawHTTPClient.connect(port: port) }
    }
}

/// A thread-safe counter for handler-side bookkeeping.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    @discardableResult func increment() -> Int {
        lock.withLock {
            count += 1; return count
        }
    }
    func decrement() { lock.withLock { count -= 1 } }
    func raise(to candidate: Int) { lock.withLock { count = max(count, candidate) } }
}
