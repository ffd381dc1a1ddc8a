import Foundation
import Testing

@testable import HVHTTP

#if canImport(Glibc)
import Glibc
#endif

@Suite("Reloading TLS and basic auth on a running server")
struct ReloadTests {
    static let alice = ["alice": "$2b$04$8TtIdbdTOietnCUwZg33F.9gYNpH.4kRdrcZeOxhYRugLPXQQngtm"]   // s3cret
    static let bob = ["bob": "$2y$04$N70vE6n8SQJBDiKa751KneLzipZZwbuoVU1BUSAy4BVNdU00.FhEa"]   // hunter2

    static func basic(_ user: String, _ password: String) -> (String, String) {
        ("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
    }

    @Test func newUsersApplyToNewConnectionsAndABadReloadChangesNothing() throws {
        var configuration = HTTPServer.Configuration(listenAddress: "127.0.0.1:0")
        configuration.basicAuth = Self.alice
        try withServer(configuration, handler: echoHandler) { server in
            let port = server.boundPort
            #expect(try RawHTTPClient.request(port: port, headers: [Self.basic("alice", "s3cret")]).status == 200)
            try server.reload(tls: nil, basicAuth: Self.bob)
            #expect(try RawHTTPClient.request(port: port, headers: [Self.basic("alice", "s3cret")]).status == 401)
            #expect(try RawHTTPClient.request(port: port, headers: [Self.basic("bob", "hunter2")]).status == 200)

            #expect(throws: HTTPServerError.self) {
                try server.reload(tls: TLSConfig(certFile: "/nonexistent.pem", keyFile: "/nonexistent.key"), basicAuth: nil)
            }
            #expect(try RawHTTPClient.request(port: port, headers: [Self.basic("bob", "hunter2")]).status == 200)
            #expect(try RawHTTPClient.request(port: port).status == 401)
        }
    }

    @Test func plainToTLSAndBackOnTheSamePort() throws {
        let pki = try TestPKI()
        try withServer(handler: echoHandler) { server in
            let port = server.boundPort
            #expect(try RawHTTPClient.request(port: port, target: "/plain").status == 200)
            try server.reload(tls: TLSConfig(certFile: pki.path("server.pem"), keyFile: pki.path("server.key")), basicAuth: nil)
            let https = try runTool(
                "/usr/bin/curl", ["-sS", "--max-time", "5", "--cacert", pki.path("server.pem"), "https://127.0.0.1:\(port)/tls"])
            #expect(https.stdoutText == "hello from GET /tls\n", "\(https.stderr)")
            try server.reload(tls: nil, basicAuth: nil)
            #expect(try RawHTTPClient.request(port: port, target: "/plain-again").status == 200)
        }
    }

    @Test func aRequestInProgressFinishesOnTheOldDaemon() throws {
        let started = Counter()
        var configuration = HTTPServer.Configuration(listenAddress: "127.0.0.1:0")
        configuration.basicAuth = Self.alice
        try withServer(
            configuration,
            handler: { request in
                started.increment()
                if request.path == "/slow" { usleep(700_000) }
                return .text("done \(request.path)")
            }
        ) { server in
            let fd = try RawHTTPClient.connect(port: server.boundPort)
            defer { close(fd) }
            RawHTTPClient.send(fd, RawHTTPClient.requestBytes(target: "/slow", headers: [Self.basic("alice", "s3cret")]))
            let deadline = Date().addingTimeInterval(5)
            while started.value == 0 && Date() < deadline { usleep(10_000) }
            try server.reload(tls: nil, basicAuth: Self.bob)
            let slow = RawHTTPClient.parse(RawHTTPClient.readToEnd(fd).bytes)
            #expect(slow?.status == 200)
            #expect(slow?.text == "done /slow")
            // The old daemon is stopped once its connection is gone.
            let gone = Date().addingTimeInterval(5)
            while server.table.openConnections(generation: 1) > 0 && Date() < gone { usleep(20_000) }
            #expect(server.table.openConnections(generation: 1) == 0)
        }
    }
}
