import Foundation
import Testing

@testable import HVHTTP

@Suite("gzip response compression")
struct GzipTests {
    static let largeText = (0..<400).map { "hv_guest_cpu_seconds_total{guest=\"vm\($0)\"} \($0 * 7)\n" }.joined()

    @Sendable static func handler(_ request: HTTPRequest) -> HTTPResponse {
        request.path == "/small" ? .text("tiny") : .text(largeText)
    }

    @Test(arguments: [
        ("gzip", true), ("GZIP", true), ("deflate, gzip;q=0.5", true), ("x-gzip", true), ("*", true),
        ("gzip;q=0", false), ("gzip; q=0.000", false), ("deflate, br", false), ("", false),
        ("*;q=0", false), ("gzip;q=0, *", false), ("br, *;q=0.1", true), ("identity", false),
    ])
    func acceptEncodingNegotiation(header: String, accepted: Bool) {
        #expect(GzipEncoding.isAccepted(by: header) == accepted)
    }

    @Test func largeBodyIsGzippedAndRoundTrips() throws {
        try withServer(handler: Self.handler) { server in
            let response = try RawHTTPClient.request(port: server.boundPort, target: "/metrics", headers: [("Accept-Encoding", "gzip")])
            #expect(response.status == 200)
            #expect(response.header("Content-Encoding") == "gzip")
            #expect(response.header("Vary") == "Accept-Encoding")
            #expect(Array(response.body.prefix(2)) == [0x1f, 0x8b])
            #expect(response.body.count < Self.largeText.utf8.count / 3)
            let gunzip = try runTool("/bin/gzip", ["-dc"], stdin: Data(response.body))
            #expect(gunzip.status == 0)
            #expect(gunzip.stdoutText == Self.largeText)

            // curl decodes it the way a Prometheus server would.
            let curl = try runTool("/usr/bin/curl", ["-sS", "--compressed", "http://127.0.0.1:\(server.boundPort)/metrics"])
            #expect(curl.status == 0)
            #expect(curl.stdoutText == Self.largeText)
        }
    }

    @Test func bodyIsPlainWithoutAcceptEncodingOrWhenSmall() throws {
        try withServer(handler: Self.handler) { server in
            let plain = try RawHTTPClient.request(port: server.boundPort, target: "/metrics")
            #expect(plain.header("Content-Encoding") == nil)
            #expect(plain.header("Vary") == "Accept-Encoding")
            #expect(plain.text == Self.largeText)
            let refused = try RawHTTPClient.request(port: server.boundPort, target: "/metrics", headers: [("Accept-Encoding", "gzip;q=0")])
            #expect(refused.header("Content-Encoding") == nil)
            let small = try RawHTTPClient.request(port: server.boundPort, target: "/small", headers: [("Accept-Encoding", "gzip")])
            #expect(small.header("Content-Encoding") == nil)
            #expect(small.text == "tiny")
        }
    }

    @Test func compressionCanBeTurnedOff() throws {
        var configuration = HTTPServer.Configuration(listenAddress: "127.0.0.1:0")
        configuration.gzipMinimumBytes = nil
        try withServer(configuration, handler: Self.handler) { server in
            let response = try RawHTTPClient.request(port: server.boundPort, target: "/metrics", headers: [("Accept-Encoding", "gzip")])
            #expect(response.header("Content-Encoding") == nil)
            #expect(response.text == Self.largeText)
        }
    }

    @Test func headAnnouncesTheCompressedLength() throws {
        try withServer(handler: Self.handler) { server in
            let get = try RawHTTPClient.request(port: server.boundPort, target: "/metrics", headers: [("Accept-Encoding", "gzip")])
            let head = try RawHTTPClient.request(
                port: server.boundPort, method: "HEAD", target: "/metrics", headers: [("Accept-Encoding", "gzip")])
            #expect(head.body.isEmpty)
            #expect(head.header("Content-Encoding") == "gzip")
            #expect(head.header("Content-Length") == "\(get.body.count)")
        }
    }

    @Test(arguments: [0, 1, 1000, 100_000])
    func compressorRoundTrips(size: Int) throws {
        var generator = SystemRandomNumberGenerator()
        let input = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let compressed = try #require(GzipEncoding.compress(input))
        let gunzip = try runTool("/bin/gzip", ["-dc"], stdin: Data(compressed))
        #expect(gunzip.status == 0)
        #expect(Array(gunzip.stdout) == input)
    }
}
