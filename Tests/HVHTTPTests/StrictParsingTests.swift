import Foundation
import Testing

@testable import HVHTTP

#if canImport(Glibc)
import Glibc
#endif

@Suite("Strict request framing")
struct StrictParsingTests {
    /// Raw requests the server must answer 400, with what made them bad.
    @Test(arguments: [
        ("GET /metrics%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "NUL"),
        ("GET /metrics%00.txt?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "NUL"),
        ("GET /metrics\u{0}junk HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "NUL"),
        ("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", "Host"),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n", "Host"),
        ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhello!", "Content-Length"),
        ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\nConnection: close\r\n\r\nhello!", "Content-Length"),
        (
            "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n",
            "Transfer-Encoding"
        ),
        ("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n0\r\n\r\n", "Transfer-Encoding"),
    ])
    func malformedFramingGets400(raw: String, about: String) throws {
        let calls = Counter()
        try withServer(handler: { request in
            calls.increment()
            return echoHandler(request)
        }) { server in
            let response = try RawHTTPClient.exchange(port: server.boundPort, raw: Array(raw.utf8))
            #expect(response.status == 400)
            #expect(response.status == 400, "\(about): \(response.text)")
            #expect(calls.value == 0)
            #expect(try RawHTTPClient.request(port: server.boundPort, target: "/ok").status == 200)
        }
    }

    @Test func acceptableVariantsStillServe() throws {
        try withServer(handler: echoHandler) { server in
            // HTTP/1.0 needs no Host; identical repeated Content-Length is one length.
            let old = try RawHTTPClient.exchange(port: server.boundPort, raw: Array("GET /old HTTP/1.0\r\n\r\n".utf8))
            #expect(old.status == 200)
            let twice = "GET /twice HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 4\r\nConnection: close\r\n\r\nabcd"
            #expect(try RawHTTPClient.exchange(port: server.boundPort, raw: Array(twice.utf8)).status == 200)
            // %00 in the query is a value, not the path.
            let query = try RawHTTPClient.request(port: server.boundPort, target: "/query?a=%00")
            #expect(query.status == 200)
        }
    }

    @Test func smuggledSecondRequestIsNeverServed() throws {
        let paths = LockedStrings()
        try withServer(handler: { request in
            paths.append(request.path)
            return .text("ok")
        }) { server in
            let raw =
                "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
            let fd = try RawHTTPClient.connect(port: server.boundPort, timeoutSeconds: 5)
            defer { close(fd) }
            RawHTTPClient.send(fd, Array(raw.utf8))
            let (bytes, _) = RawHTTPClient.readToEnd(fd)
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 400"))
            #expect(text.components(separatedBy: "HTTP/1.1 ").count == 2, "exactly one response: \(text)")
        }
        #expect(paths.values.isEmpty)
    }

    @Test func largePostIsAnsweredBeforeItsBodyWithoutContinue() throws {
        try withServer(handler: echoHandler) { server in
            let fd = try RawHTTPClient.connect(port: server.boundPort, timeoutSeconds: 5)
            defer { close(fd) }
            let head = "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\nExpect: 100-continue\r\n\r\n"
            RawHTTPClient.send(fd, Array(head.utf8))
            let (bytes, _) = RawHTTPClient.readToEnd(fd)
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 405"), "got: \(text.prefix(80))")
            #expect(!text.contains("100 Continue"))
            #expect(RawHTTPClient.parse(bytes)?.header("Allow") == "GET, HEAD")
        }
    }

    @Test func largePostWithoutExpectStillGetsAStatusLine() throws {
        try withServer(handler: echoHandler) { server in
            let fd = try RawHTTPClient.connect(port: server.boundPort, timeoutSeconds: 5)
            defer { close(fd) }
            RawHTTPClient.send(fd, Array("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 4000000\r\n\r\n".utf8))
            // The server answers right after the head; read before sending any body.
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            #expect(poll(&pfd, 1, 5000) == 1)
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            #expect(count > 0)
            #expect(String(decoding: buffer[..<max(0, count)], as: UTF8.self).hasPrefix("HTTP/1.1 405"))
        }
    }

    @Test func largeBodyOnGetGets413() throws {
        try withServer(handler: echoHandler) { server in
            let fd = try RawHTTPClient.connect(port: server.boundPort, timeoutSeconds: 5)
            defer { close(fd) }
            RawHTTPClient.send(fd, Array("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\nExpect: 100-continue\r\n\r\n".utf8))
            let (bytes, _) = RawHTTPClient.readToEnd(fd)
            #expect(RawHTTPClient.parse(bytes)?.status == 413)
        }
    }

    @Test(arguments: [
        (["Host": "x"], "HTTP/1.1", false, nil as Int?),
        ([:], "HTTP/1.0", false, nil),
        ([:], "HTTP/1.1", false, 400),
        (["Host": "x"], "HTTP/1.1", true, 400),
        (["Host": "x", "Content-Length": "12"], "HTTP/1.1", false, nil),
        (["Host": "x", "Content-Length": "-1"], "HTTP/1.1", false, 400),
        (["Host": "x", "Content-Length": "1e3"], "HTTP/1.1", false, 400),
        (["Host": "x", "Transfer-Encoding": "Chunked"], "HTTP/1.1", false, nil),
        (["Host": "x", "Transfer-Encoding": "identity"], "HTTP/1.1", false, 400),
    ])
    func framingRules(headers: [String: String], version: String, nul: Bool, status: Int?) {
        let fields = headers.sorted { $0.key < $1.key }.map { HTTPField($0.key, $0.value) }
        let result = RequestFraming.check(method: "GET", version: version, headers: fields, targetHasNUL: nul)
        switch result {
        case .success: #expect(status == nil)
        case .failure(let problem): #expect(problem.status == status)
        }
    }

    @Test func framingReportsTheBody() throws {
        let length = RequestFraming.check(
            method: "POST", version: "HTTP/1.1", headers: [HTTPField("Host", "x"), HTTPField("Content-Length", "7, 7")], targetHasNUL: false
        )
        #expect(try length.get() == .length(7))
        let chunked = RequestFraming.check(
            method: "POST", version: "HTTP/1.1", headers: [HTTPField("Host", "x"), HTTPField("Transfer-Encoding", "chunked")],
            targetHasNUL: false)
        #expect(try chunked.get() == .chunked)
    }
}

@Suite("Warning rate limit")
struct LogThrottleTests {
    @Test func holdsBackRepeatsAndReportsTheirCount() {
        let lines = LockedStrings()
        let throttle = LogThrottle(intervalNanoseconds: 5_000_000_000) { lines.append($0) }
        throttle.log("refusing a connection from 10.0.0.1", now: 1_000_000_000)
        for index in 0..<50 {
            throttle.log("refusing a connection from 10.0.0.\(index)", now: 2_000_000_000)
        }
        throttle.log("another kind", now: 2_000_000_000)
        #expect(lines.values == ["refusing a connection from 10.0.0.1", "another kind"])
        throttle.flush(now: 3_000_000_000)
        #expect(lines.values.count == 2)
        throttle.flush(now: 6_000_000_000)
        #expect(lines.values.count == 3)
        #expect(lines.values.last == "refusing a connection from 10.0.0.49 (and 49 similar in the last 5 s)")
        // Quiet now: the next one goes out at once.
        throttle.flush(now: 20_000_000_000)
        throttle.log("refusing a connection from 10.0.0.7", now: 20_000_000_001)
        #expect(lines.values.last == "refusing a connection from 10.0.0.7")
    }
}

/// Strings appended from handler threads.
final class LockedStrings: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    var values: [String] { lock.withLock { storage } }
    func append(_ value: String) { lock.withLock { storage.append(value) } }
}
