import Glibc

/// A minimal HTTP/1.0 GET client for the `hv-exporter` daemon: plain HTTP or TLS (gnutls,
/// through `DaemonTLSSession`), optional basic auth. Not a general client: no redirects, no
/// chunked encoding (an HTTP/1.0 request gets a plain body, read up to its Content-Length or
/// until the server closes).
///
/// Written on sockets rather than URLSession so that `hvtop check ...` starts fast and does
/// not load libcurl; every wait is bounded by `timeout`.
public struct DaemonClient: Sendable {
    public let url: DaemonURL
    /// Deadline for connect plus the whole response, seconds.
    public let timeout: Double
    /// Trust and client certificate for an `https://` URL.
    public let tls: DaemonTLSOptions
    /// Sent as `Authorization: Basic`; nil sends none.
    public let credentials: BasicCredentials?

    /// - Parameter credentials: nil: none (not even the URL's; `BasicCredentials.resolve`
    ///   folds the URL's in).
    public init(url: DaemonURL, timeout: Double, tls: DaemonTLSOptions = DaemonTLSOptions(), credentials: BasicCredentials? = nil) {
        self.url = url
        self.timeout = timeout
        self.tls = tls
        self.credentials = credentials
    }

    /// A response: status code and body bytes.
    public struct Response: Sendable {
        public let status: Int
        public let body: [UInt8]
    }

    /// GET `path` (appended to the URL's base path, e.g. "/json" or "/json?pid=12").
    public func get(_ path: String) throws(DaemonError) -> Response {
        let deadline = monotonicSeconds() + timeout
        let fd = try connect(deadline: deadline)
        defer { close(fd) }
        var request = "GET \(url.basePath)\(path) HTTP/1.0\r\nHost: \(url.hostHeader)\r\nUser-Agent: hvtop\r\nAccept: application/json\r\n"
        if let credentials { request += "Authorization: \(credentials.headerValue)\r\n" }
        request += "\r\n"
        let raw: [UInt8]
        if url.isTLS {
            let session = try DaemonTLSSession(fd: fd, options: tls, serverName: tls.serverName ?? url.host, deadline: deadline, url: url)
            try session.sendAll(Array(request.utf8), deadline: deadline, url: url)
            raw = try readResponse(deadline: deadline) { (buf: inout [UInt8]) throws(DaemonError) -> Int in
                try session.receive(into: &buf, deadline: deadline, url: url)
            }
        } else {
            try sendAll(fd, Array(request.utf8), deadline: deadline)
            raw = try readResponse(deadline: deadline) { (buf: inout [UInt8]) throws(DaemonError) -> Int in
                try receive(fd, into: &buf, deadline: deadline)
            }
        }
        return try Self.parseResponse(raw, url: url)
    }

    /// Splits a raw HTTP/1.x response into status and body.
    static func parseResponse(_ raw: [UInt8], url: DaemonURL) throws(DaemonError) -> Response {
        guard let headerEnd = indexOf([13, 10, 13, 10], in: raw) else {
            let hint = raw.isEmpty && !url.isTLS ? " (does the daemon serve TLS? then use an https:// URL)" : ""
            throw DaemonError(url: url.description, kind: .badResponse, detail: "no HTTP header in \(raw.count) bytes\(hint)")
        }
        let head = String(decoding: raw[..<headerEnd], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n", maxSplits: 1).first ?? ""
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            throw DaemonError(url: url.description, kind: .badResponse, detail: "bad status line '\(statusLine)'")
        }
        let lower = head.lowercased()
        if lower.contains("\r\ntransfer-encoding: chunked") {
            throw DaemonError(url: url.description, kind: .badResponse, detail: "chunked response to an HTTP/1.0 request")
        }
        if lower.contains("\r\ncontent-encoding: gzip") {
            throw DaemonError(url: url.description, kind: .badResponse, detail: "gzip response without Accept-Encoding")
        }
        let body = Array(raw[(headerEnd + 4)...])
        if let length = contentLength(lower), body.count < length {
            throw DaemonError(
                url: url.description, kind: .badResponse, detail: "the connection closed after \(body.count) of \(length) body bytes")
        }
        return Response(status: status, body: body)
    }

    /// The Content-Length value of a lower-cased response head, if there is one.
    static func contentLength(_ lowerHead: String) -> Int? {
        guard let r = lowerHead.range(of: "\r\ncontent-length:") else { return nil }
        let value = lowerHead[r.upperBound...].prefix { $0 != "\r" }
        return Int(value.drop { $0 == " " || $0 == "\t" }.prefix { $0 != " " && $0 != "\t" })
    }

    /// Reads until the server closes or the body reaches its Content-Length (the daemon sends
    /// one, so a TLS peer that closes without close_notify cannot truncate unnoticed).
    private func readResponse(deadline: Double, _ receive: (inout [UInt8]) throws(DaemonError) -> Int) throws(DaemonError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(65_536)
        var buf = [UInt8](repeating: 0, count: 65_536)
        var expected: Int?   // header + body bytes, once the head is in
        var scanned = 0
        while true {
            let n = try receive(&buf)
            if n == 0 { return out }
            out.append(contentsOf: buf[..<n])
            if expected == nil {
                let from = max(0, scanned - 3)
                if let end = indexOf([13, 10, 13, 10], in: Array(out[from...])).map({ $0 + from }) {
                    let lower = String(decoding: out[..<end], as: UTF8.self).lowercased()
                    expected = Self.contentLength(lower).map { end + 4 + $0 } ?? Int.max
                }
                scanned = out.count
            }
            if let expected, out.count >= expected { return out }
        }
    }

    private func connect(deadline: Double) throws(DaemonError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(url.host, String(url.port), &hints, &res)
        guard rc == 0, let first = res else {
            throw DaemonError(
                url: url.description, kind: .unreachable, detail: "cannot resolve \(url.host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(res) }
        var lastError = "no address"
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            defer { ai = a.pointee.ai_next }
            let fd = socket(
                a.pointee.ai_family, a.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue),
                a.pointee.ai_protocol)
            if fd < 0 { lastError = errnoText(); continue }
            if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return fd }
            if errno != EINPROGRESS { lastError = errnoText(); close(fd); continue }
            guard wait(fd, events: Int16(POLLOUT), deadline: deadline) else {
                close(fd)
                throw DaemonError(url: url.description, kind: .unreachable, detail: "connect timed out after \(timeout)s")
            }
            var soErr: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soErr, &len)
            if soErr == 0 { return fd }
            lastError = String(cString: strerror(soErr))
            close(fd)
        }
        throw DaemonError(url: url.description, kind: .unreachable, detail: lastError)
    }

    private func sendAll(_ fd: Int32, _ bytes: [UInt8], deadline: Double) throws(DaemonError) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { off += n; continue }
            if n < 0 && (errno == EINTR) { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                guard wait(fd, events: Int16(POLLOUT), deadline: deadline) else {
                    throw DaemonError(url: url.description, kind: .timeout, detail: "sending the request timed out")
                }
                continue
            }
            throw DaemonError(url: url.description, kind: .unreachable, detail: "send: \(errnoText())")
        }
    }

    /// One recv on the plain socket: the count, 0 when the server closed.
    private func receive(_ fd: Int32, into buf: inout [UInt8], deadline: Double) throws(DaemonError) -> Int {
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n >= 0 { return n }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                guard wait(fd, events: Int16(POLLIN), deadline: deadline) else {
                    throw DaemonError(url: url.description, kind: .timeout, detail: "no complete answer within \(timeout)s")
                }
                continue
            }
            throw DaemonError(url: url.description, kind: .unreachable, detail: "recv: \(errnoText())")
        }
    }

    /// Waits until `fd` is ready for `events` or the deadline passes.
    private func wait(_ fd: Int32, events: Int16, deadline: Double) -> Bool {
        while true {
            let left = deadline - monotonicSeconds()
            if left <= 0 { return false }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let rc = poll(&p, 1, Int32(min(left * 1000, 60_000).rounded(.up)))
            if rc > 0 { return true }
            if rc < 0 && errno != EINTR { return true }   // let the next call report the error
        }
    }
}

/// Why the daemon could not be asked.
public struct DaemonError: Error, CustomStringConvertible {
    public enum Kind: Sendable {
        /// Nothing listens there (refused, no route, cannot resolve, connect timeout).
        case unreachable
        /// Connected, but no complete answer in time.
        case timeout
        /// Answered something that is not a usable HTTP response.
        case badResponse
        /// TLS: the server certificate failed verification (untrusted, expired, wrong name).
        case certificate
        /// TLS: the CA, client certificate or key file could not be loaded.
        case tlsConfig
        /// TLS: the handshake or session failed otherwise (refused client certificate,
        /// plain HTTP on the other side, protocol error).
        case tls
    }
    public let url: String
    public let kind: Kind
    public let detail: String
    public var description: String { "hv-exporter at \(url): \(detail)" }
}

func errnoText() -> String { String(cString: strerror(errno)) }

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func wallClockSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// First index of `needle` in `hay`.
func indexOf(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
    guard hay.count >= needle.count else { return nil }
    var i = 0
    while i <= hay.count - needle.count {
        if hay[i] == needle[0] {
            var j = 1
            while j < needle.count && hay[i + j] == needle[j] { j += 1 }
            if j == needle.count { return i }
        }
        i += 1
    }
    return nil
}
