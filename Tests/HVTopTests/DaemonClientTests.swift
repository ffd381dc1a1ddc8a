import Glibc
import Testing

@testable import HVTop

/// The daemon client's URL, credential and response handling, and its TLS session against
/// local sockets that misbehave (a peer that never answers the handshake, a plain-HTTP peer).
/// The full TLS path against a real hv-exporter is IntegrationTests.HvtopTLSTests.
struct DaemonClientTests {
    @Test func httpsURLs() throws {
        let u = try DaemonURL("https://hv1.example/exporter")
        #expect(u.isTLS && u.host == "hv1.example" && u.port == 443 && u.basePath == "/exporter")
        let v = try DaemonURL("https://alice@127.0.0.1:9974")
        #expect(v.isTLS && v.port == 9974 && v.user == "alice" && v.password == nil && v.description == "https://***@127.0.0.1:9974")
        let w = try DaemonURL("http://hv1.example")
        #expect(!w.isTLS && w.port == 80)
        #expect(throws: DaemonURLError.self) { try DaemonURL("ftp://x:1") }
        #expect(throws: DaemonURLError.self) { try DaemonURL("https://x:1/json?pid=1") }
    }

    @Test func credentialsComeFromFlagEnvironmentFileOrURL() throws {
        let plain = try DaemonURL("https://127.0.0.1:9974")
        #expect(
            try BasicCredentials.resolve(url: plain, user: nil, passwordFile: nil, environmentUser: nil, environmentPassword: nil) == nil)
        let fromEnv = try BasicCredentials.resolve(
            url: plain, user: "alice", passwordFile: nil, environmentUser: nil, environmentPassword: "s3cret")
        #expect(fromEnv == BasicCredentials(user: "alice", password: "s3cret"))
        #expect(fromEnv?.headerValue == "Basic YWxpY2U6czNjcmV0")
        // $HVTOP_USER when there is no --user; the URL's user takes a password from the environment.
        #expect(
            try BasicCredentials.resolve(url: plain, user: nil, passwordFile: nil, environmentUser: "bob", environmentPassword: "pw")?.user
                == "bob")
        let urlUser = try DaemonURL("https://alice@127.0.0.1:9974")
        #expect(
            try BasicCredentials.resolve(url: urlUser, user: nil, passwordFile: nil, environmentUser: nil, environmentPassword: "pw")
                == BasicCredentials(user: "alice", password: "pw"))
        // A URL password still works (old habit), and the environment overrides it.
        let urlBoth = try DaemonURL("http://admin:old@h:1")
        #expect(
            try BasicCredentials.resolve(url: urlBoth, user: nil, passwordFile: nil, environmentUser: nil, environmentPassword: nil)?
                .password == "old")
        #expect(
            try BasicCredentials.resolve(url: urlBoth, user: nil, passwordFile: nil, environmentUser: nil, environmentPassword: "new")?
                .password == "new")

        // The file's first line, without its line end (CRLF too).
        let path = "/tmp/hvtop-pw-\(getpid())"
        defer { unlink(path) }
        for content in ["s3cret\n", "s3cret\r\nsecond line\n", "s3cret"] {
            try writeFile(path, content)
            #expect(
                try BasicCredentials.resolve(
                    url: plain, user: "alice", passwordFile: path, environmentUser: nil, environmentPassword: "env")?.password == "s3cret")
        }

        // Half a credential is an error that says what is missing.
        #expect {
            try BasicCredentials.resolve(url: plain, user: "alice", passwordFile: nil, environmentUser: nil, environmentPassword: nil)
        } throws: { "\($0)".contains("no password for user 'alice'") }
        #expect {
            try BasicCredentials.resolve(url: plain, user: nil, passwordFile: nil, environmentUser: nil, environmentPassword: "pw")
        } throws: { "\($0)".contains("no user") }
        try writeFile(path, "\n")
        #expect {
            try BasicCredentials.resolve(url: plain, user: "alice", passwordFile: path, environmentUser: nil, environmentPassword: nil)
        } throws: { "\($0)".contains("is empty") }
        #expect {
            try BasicCredentials.resolve(
                url: plain, user: "alice", passwordFile: "/nonexistent/pw", environmentUser: nil, environmentPassword: nil)
        } throws: { "\($0)".contains("cannot read --password-file /nonexistent/pw") }
    }

    @Test func bodyShorterThanContentLengthIsAnError() throws {
        let u = try DaemonURL("https://127.0.0.1:1")
        let full = try DaemonClient.parseResponse(Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".utf8), url: u)
        #expect(full.status == 200 && full.body == Array("{}".utf8))
        #expect { try DaemonClient.parseResponse(Array("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}".utf8), url: u) } throws: {
            "\($0)".contains("closed after 2 of 10 body bytes")
        }
        #expect(DaemonClient.contentLength("http/1.1 200 ok\r\ncontent-length:  42 \r\nx: y") == 42)
        #expect(DaemonClient.contentLength("http/1.1 200 ok\r\nx: y") == nil)
    }

    @Test func errorsNeverShowTheURLPassword() throws {
        let u = try DaemonURL("http://admin:s3cret@127.0.0.1:1")
        #expect { try DaemonClient(url: u, timeout: 2).get("/json") } throws: { e in
            "\(e)".contains("***@127.0.0.1:1") && !"\(e)".contains("s3cret")
        }
    }

    @Test func aHandshakeThatNeverAnswersTimesOut() throws {
        let listener = try Listener()
        defer { listener.close() }
        let client = DaemonClient(url: try DaemonURL("https://127.0.0.1:\(listener.port)"), timeout: 0.5)
        let t0 = monotonicSeconds()
        #expect { try client.get("/json") } throws: { e in
            (e as? DaemonError)?.kind == .timeout && "\(e)".contains("TLS handshake timed out")
        }
        let took = monotonicSeconds() - t0
        #expect(took >= 0.4 && took < 3, "bounded by --timeout: \(took)s")
    }

    @Test func aPlainHTTPPeerGetsAHintAtHTTP() throws {
        let listener = try Listener(reply: "HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        defer { listener.close() }
        let client = DaemonClient(url: try DaemonURL("https://127.0.0.1:\(listener.port)"), timeout: 5)
        #expect { try client.get("/json") } throws: { e in
            (e as? DaemonError)?.kind == .tls && "\(e)".contains("plain HTTP")
        }
    }

    @Test func unreadableTLSFilesAreNamed() throws {
        let listener = try Listener()
        defer { listener.close() }
        let url = try DaemonURL("https://127.0.0.1:\(listener.port)")
        #expect { try DaemonClient(url: url, timeout: 2, tls: DaemonTLSOptions(caFile: "/nonexistent/ca.crt")).get("/json") } throws: { e in
            (e as? DaemonError)?.kind == .tlsConfig && "\(e)".contains("cannot load the CA file /nonexistent/ca.crt")
        }
        let tls = DaemonTLSOptions(certFile: "/nonexistent/c.crt", keyFile: "/nonexistent/c.key")
        #expect { try DaemonClient(url: url, timeout: 2, tls: tls).get("/json") } throws: { e in
            (e as? DaemonError)?.kind == .tlsConfig && "\(e)".contains("cannot load the client certificate /nonexistent/c.crt")
        }
    }

    private func writeFile(_ path: String, _ text: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(fd >= 0)
        _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        Glibc.close(fd)
    }
}

/// A loopback listener on a free port whose one thread accepts connections and, if `reply` is
/// set, writes it after the first bytes arrive; otherwise it reads and never answers.
private final class Listener: @unchecked Sendable {
    let fd: Int32
    let port: Int
    private var thread: pthread_t?

    init(reply: String? = nil) throws {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, len) } }
        guard bound == 0, listen(s, 8) == 0 else {
            Glibc.close(s)
            throw DaemonURLError(text: "listener", reason: String(cString: strerror(errno)))
        }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) } }
        fd = s
        port = Int(UInt16(bigEndian: addr.sin_port))
        let box = Unmanaged.passRetained(ListenerContext(fd: fd, reply: reply.map { Array($0.utf8) }))
        var t = pthread_t()
        pthread_create(
            &t, nil,
            { arg in
                let ctx = Unmanaged<ListenerContext>.fromOpaque(arg!).takeRetainedValue()
                var held: [Int32] = []
                while true {
                    let c = accept(ctx.fd, nil, nil)
                    if c < 0 { break }
                    held.append(c)
                    if let reply = ctx.reply {
                        var buf = [UInt8](repeating: 0, count: 4096)
                        _ = buf.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
                        _ = reply.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                        shutdown(c, Int32(SHUT_WR))
                    }
                }
                held.forEach { Glibc.close($0) }
                return nil
            }, box.toOpaque())
        thread = t
    }

    func close() {
        shutdown(fd, Int32(SHUT_RDWR))
        if let thread { pthread_join(thread, nil) }
        Glibc.close(fd)
    }
}

private final class ListenerContext {
    let fd: Int32
    let reply: [UInt8]?
    init(fd: Int32, reply: [UInt8]?) { self.fd = fd; self.reply = reply }
}
