import Foundation
import Testing

@testable import HVHTTP

@Suite("HTTP basic auth against bcrypt hashes")
struct BasicAuthTests {
    /// alice / s3cret ($2b$) and bob / hunter2 (the same hash with the `htpasswd -B` prefix $2y$),
    /// made with libcrypt's crypt(3) at cost 4 to keep tests fast.
    static let users = [
        "alice": "$2b$04$8TtIdbdTOietnCUwZg33F.9gYNpH.4kRdrcZeOxhYRugLPXQQngtm",
        "bob": "$2y$04$N70vE6n8SQJBDiKa751KneLzipZZwbuoVU1BUSAy4BVNdU00.FhEa",
    ]

    static func basic(_ user: String, _ password: String) -> (String, String) {
        ("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
    }

    func withAuthServer(_ body: (HTTPServer, Counter) throws -> Void) throws {
        let calls = Counter()
        var configuration = HTTPServer.Configuration(listenAddress: "127.0.0.1:0")
        configuration.basicAuth = Self.users
        try withServer(
            configuration,
            handler: { _ in
                calls.increment()
                return .text("secret metrics")
            }
        ) { server in
            try body(server, calls)
        }
    }

    @Test func rightCredentialsAreServed() throws {
        try withAuthServer { server, calls in
            let alice = try RawHTTPClient.request(port: server.boundPort, headers: [Self.basic("alice", "s3cret")])
            #expect(alice.status == 200)
            #expect(alice.text == "secret metrics")
            let bob = try RawHTTPClient.request(port: server.boundPort, headers: [Self.basic("bob", "hunter2")])
            #expect(bob.status == 200)
            #expect(calls.value == 2)
        }
    }

    @Test(arguments: [
        [("Authorization", "Basic " + Data("alice:wrong".utf8).base64EncodedString())],
        [("Authorization", "Basic " + Data("alice:s3cret ".utf8).base64EncodedString())],
        [("Authorization", "Basic " + Data("bob:s3cret".utf8).base64EncodedString())],
        [("Authorization", "Basic " + Data("mallory:s3cret".utf8).base64EncodedString())],
        [("Authorization", "Basic " + Data("alice".utf8).base64EncodedString())],
        [("Authorization", "Basic !!!not-base64!!!")],
        [("Authorization", "Basic ")],
        [("Authorization", "Bearer abc")],
        [],
    ])
    func missingOrWrongCredentialsGet401(headers: [(String, String)]) throws {
        try withAuthServer { server, calls in
            let response = try RawHTTPClient.request(port: server.boundPort, headers: headers)
            #expect(response.status == 401)
            #expect(response.header("WWW-Authenticate") == "Basic realm=\"hv-exporter\"")
            #expect(!response.text.contains("secret"))
            #expect(calls.value == 0)
        }
    }

    @Test func authComesBeforeMethodCheck() throws {
        try withAuthServer { server, _ in
            let anonymous = try RawHTTPClient.request(port: server.boundPort, method: "POST")
            #expect(anonymous.status == 401)
            let alice = try RawHTTPClient.request(port: server.boundPort, method: "POST", headers: [Self.basic("alice", "s3cret")])
            #expect(alice.status == 405)
        }
    }

    @Test(arguments: ["s3cret", "$1$abc$def", "", "$2b$04$short", "$2b$03$8TtIdbdTOietnCUwZg33F.9gYNpH.4kRdrcZeOxhYRugLPXQQngtm"])
    func nonBcryptHashesAreRejectedAtStart(hash: String) {
        do {
            _ = try HTTPServer(configuration: .init(listenAddress: "127.0.0.1:0", basicAuth: ["carol": hash]), handler: echoHandler)
            Issue.record("expected invalidConfiguration")
        } catch {
            #expect(error.kind == .invalidConfiguration)
            #expect(error.description.contains("carol"))
        }
    }

    @Test func verifierMatchesOnlyTheRightPassword() throws {
        let authenticator = try BasicAuthenticator(users: Self.users)
        #expect(authenticator.verify(user: "alice", password: "s3cret"))
        #expect(!authenticator.verify(user: "alice", password: "S3cret"))
        #expect(!authenticator.verify(user: "alice", password: ""))
        #expect(!authenticator.verify(user: "nobody", password: "s3cret"))
        #expect(authenticator.verify(user: "bob", password: "hunter2"))
    }

    /// Prometheus sends the same credentials with every scrape: after one bcrypt computation
    /// they are served from the cache. Wrong passwords and unknown users still cost a bcrypt
    /// computation every time, and the cache holds at most its capacity.
    @Test func verifiedCredentialsAreCachedFailuresAreNot() throws {
        let a = try BasicAuthenticator(users: Self.users)
        #expect(a.verify(user: "alice", password: "s3cret"))
        #expect(a.bcryptComputations.count == 1)
        for _ in 0..<10 { #expect(a.verify(user: "alice", password: "s3cret")) }
        #expect(a.bcryptComputations.count == 1)
        for _ in 0..<3 { #expect(!a.verify(user: "alice", password: "s3cret!")) }
        #expect(a.bcryptComputations.count == 4)
        for _ in 0..<2 { #expect(!a.verify(user: "nobody", password: "s3cret")) }
        #expect(a.bcryptComputations.count == 6)
        // The same password under another user is another entry.
        #expect(!a.verify(user: "bob", password: "s3cret"))
        #expect(a.bcryptComputations.count == 7)
        #expect(a.verified.count == 1)

        let small = VerifiedCredentials(capacity: 2)
        let keys = ["x", "y", "z"].map { p in p.withCString { small.key(user: "u", password: $0, hash: "h")! } }
        #expect(Set(keys).count == 3)
        for k in keys { small.insert(k) }
        #expect(small.count == 2)
        #expect(!small.contains(keys[0]) && small.contains(keys[2]))
        // A changed hash (a reloaded web config) does not match the old entry.
        let other = "x".withCString { small.key(user: "u", password: $0, hash: "h2")! }
        #expect(other != keys[0])
    }
}
