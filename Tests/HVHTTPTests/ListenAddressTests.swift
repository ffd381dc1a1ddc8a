import Foundation
import Testing

@testable import HVHTTP

#if canImport(Glibc)
import Glibc
#endif

@Suite("Listen addresses and start-up errors")
struct ListenAddressTests {
    @Test(arguments: [
        (":9974", "", 9974),
        ("0.0.0.0:9974", "0.0.0.0", 9974),
        ("127.0.0.1:0", "127.0.0.1", 0),
        ("[::1]:9974", "::1", 9974),
        ("[::]:65535", "::", 65535),
        ("[fe80::1%eth0]:80", "fe80::1%eth0", 80),
        ("localhost:9100", "localhost", 9100),
    ])
    func parsesValidAddresses(text: String, host: String, port: Int) throws {
        let address = try ListenAddress(parsing: text)
        #expect(address == ListenAddress(host: host, port: UInt16(port)))
    }

    @Test(arguments: [
        "", "9974", "127.0.0.1", "127.0.0.1:", ":65536", ":99999999", ":-1", ":http", "::1:9974",
        "[::1]", "[::1]9974", "[::1:9974", "[]:9974", "host name:1", "a\u{0}b:1", ":12a",
    ])
    func rejectsMalformedAddresses(text: String) {
        #expect {
            _ = try ListenAddress(parsing: text)
        } throws: { error in
            (error as? HTTPServerError)?.kind == .invalidListenAddress
        }
    }

    @Test func serverRejectsMalformedAddressWithClearMessage() {
        do {
            _ = try HTTPServer(configuration: .init(listenAddress: "::1:9974"), handler: echoHandler)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .invalidListenAddress)
            #expect(error.description.contains("::1:9974"))
            #expect(error.description.contains("brackets"))
        }
    }

    @Test func unresolvableHostIsInvalid() {
        #expect {
            _ = try HTTPServer(configuration: .init(listenAddress: "no-such-host.invalid:0"), handler: echoHandler)
        } throws: { error in
            (error as? HTTPServerError)?.kind == .invalidListenAddress
        }
    }

    @Test func addressInUseIsReported() throws {
        try withServer(handler: echoHandler) { server in
            do {
                _ = try HTTPServer(configuration: .init(listenAddress: "127.0.0.1:\(server.boundPort)"), handler: echoHandler)
                Issue.record("expected EADDRINUSE")
            } catch let error as HTTPServerError {
                #expect(error.kind == .addressInUse)
                #expect(error.call == "bind")
                #expect(error.errno == EADDRINUSE)
                #expect(error.description.contains("EADDRINUSE"))
                #expect(error.description.contains("127.0.0.1:\(server.boundPort)"))
            } catch {
                Issue.record("unexpected error \(error)")
            }
            // The running server is unaffected.
            let status = try RawHTTPClient.request(port: server.boundPort).status
            #expect(status == 200)
        }
    }

    @Test func foreignAddressIsNotAvailable() {
        // 192.0.2.0/24 is TEST-NET-1: never configured on a real host.
        #expect {
            _ = try HTTPServer(configuration: .init(listenAddress: "192.0.2.1:0"), handler: echoHandler)
        } throws: { error in
            (error as? HTTPServerError)?.kind == .addressNotAvailable
        }
    }

    @Test(.enabled(if: getuid() != 0, "root may bind privileged ports"))
    func privilegedPortNeedsPermission() {
        #expect {
            _ = try HTTPServer(configuration: .init(listenAddress: "127.0.0.1:80"), handler: echoHandler)
        } throws: { error in
            (error as? HTTPServerError)?.kind == .permissionDenied
        }
    }

    @Test(arguments: [
        HTTPServer.Configuration(listenAddress: "127.0.0.1:0", connectionLimit: 0),
        HTTPServer.Configuration(listenAddress: "127.0.0.1:0", connectionTimeoutSeconds: -1),
        HTTPServer.Configuration(listenAddress: "127.0.0.1:0", perConnectionMemoryLimit: 100),
        HTTPServer.Configuration(listenAddress: "127.0.0.1:0", threading: .threadPool(size: 0)),
        HTTPServer.Configuration(listenAddress: "127.0.0.1:0", gzipMinimumBytes: -1),
    ])
    func outOfRangeSettingsAreRejected(configuration: HTTPServer.Configuration) {
        #expect {
            _ = try HTTPServer(configuration: configuration, handler: echoHandler)
        } throws: { error in
            (error as? HTTPServerError)?.kind == .invalidConfiguration
        }
    }

    static let hasIPv6Loopback: Bool = {
        (try? String(contentsOfFile: "/proc/net/if_inet6", encoding: .utf8))?
            .contains("00000000000000000000000000000001") ?? false
    }()

    @Test(.enabled(if: hasIPv6Loopback))
    func ipv6LoopbackOnly() throws {
        try withServer(.init(listenAddress: "[::1]:0"), handler: echoHandler) { server in
            let response = try RawHTTPClient.request(port: server.boundPort, target: "/remote", host: "::1")
            #expect(response.status == 200)
            #expect(response.text.hasPrefix("[::1]:"))
            #expect(throws: RawHTTPError.self) { try RawHTTPClient.connect(port: server.boundPort, host: "127.0.0.1") }
        }
    }

    @Test(.enabled(if: hasIPv6Loopback))
    func wildcardPortListensOnIPv4AndIPv6() throws {
        try withServer(.init(listenAddress: ":0"), handler: echoHandler) { server in
            let v4 = try RawHTTPClient.request(port: server.boundPort, target: "/remote", host: "127.0.0.1")
            #expect(v4.text.hasPrefix("127.0.0.1:"), "IPv4-mapped peers are shown as IPv4")
            let v6 = try RawHTTPClient.request(port: server.boundPort, target: "/remote", host: "::1")
            #expect(v6.text.hasPrefix("[::1]:"))
        }
    }

    @Test func ipv4WildcardServesLoopback() throws {
        try withServer(.init(listenAddress: "0.0.0.0:0"), handler: echoHandler) { server in
            let status = try RawHTTPClient.request(port: server.boundPort).status
            #expect(status == 200)
        }
    }
}
