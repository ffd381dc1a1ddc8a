import Glibc

/// A minimal HTTP/1.1 GET over a unix stream socket, for local daemons' APIs (LXD's
/// `/var/lib/lxd/unix.socket`). One request per connection (`Connection: close`), every
/// wait bounded by one deadline (non-blocking socket and `poll(2)`), the body capped.
/// Reads `Content-Length`, chunked and close-delimited bodies. Underneath: `socket(2)`
/// AF_UNIX/SOCK_STREAM, `connect(2)`, `poll(2)`, `send(2)`, `recv(2)`, `close(2)`.
public enum UnixHTTPClient {
    /// An answer: status code and body.
    public struct Response: Sendable, Equatable {
        public var status: Int
        public var body: [UInt8]
    }

    /// What went wrong, with the socket path and what was being done.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            /// No socket at the path, or nobody listening (ENOENT, ECONNREFUSED).
            case absent
            /// The deadline passed.
            case timedOut
            /// A syscall failed otherwise.
            case io
            /// The answer is not HTTP/1.x, or larger than the cap.
            case malformed
        }
        public var kind: Kind
        public var socketPath: String
        public var reason: String
        public var description: String { "\(socketPath): \(reason)" }
    }

    /// GETs `target` (path and query, e.g. "/1.0/storage-pools?recursion=1") from the server
    /// on `socketPath`, giving up at `deadline`.
    /// - Parameter maxBytes: the largest response (headers and body) accepted.
    public static func get(
        socketPath: String, target: String, host: String = "localhost", deadline: ContinuousClock.Instant,
        maxBytes: Int = 8 << 20
    ) throws(Failure) -> Response {
        func fail(_ k: Failure.Kind, _ r: String) -> Failure { Failure(kind: k, socketPath: socketPath, reason: r) }
        func errnoText(_ what: String, _ e: Int32) -> String { "\(what): \(String(cString: strerror(e)))" }

        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw fail(.io, errnoText("socket", errno)) }
        defer { close(fd) }

        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw fail(.io, "socket path too long") }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in pathBytes.enumerated() { raw[i] = b }
            raw[pathBytes.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc != 0 {
            let e = errno
            if e == ENOENT || e == ECONNREFUSED || e == ENOTDIR { throw fail(.absent, errnoText("connect", e)) }
            guard e == EINPROGRESS || e == EAGAIN || e == EINTR else { throw fail(.io, errnoText("connect", e)) }
            try wait(fd, events: Int16(POLLOUT), deadline: deadline, what: "connect", fail)
            var soError: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
            if soError != 0 {
                throw fail(soError == ECONNREFUSED || soError == ENOENT ? .absent : .io, errnoText("connect", soError))
            }
        }

        let request = Array(
            "GET \(target) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: hv-exporter\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
                .utf8)
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n; continue }
            let e = errno
            guard n < 0, e == EAGAIN || e == EINTR else { throw fail(.io, errnoText("send", e)) }
            try wait(fd, events: Int16(POLLOUT), deadline: deadline, what: "send", fail)
        }

        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            do {
                if let r = try parse(data, complete: false) { return r }
            } catch let e as Failure {
                throw fail(.malformed, e.reason)
            } catch {
                throw fail(.malformed, "\(error)")
            }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n > 0 {
                data.append(contentsOf: chunk[0..<n])
                if data.count > maxBytes { throw fail(.malformed, "response larger than \(maxBytes) bytes") }
                continue
            }
            if n == 0 {   // peer closed: what we have must be the whole answer
                do {
                    if let r = try parse(data, complete: true) { return r }
                } catch let e as Failure {
                    throw fail(.malformed, e.reason)
                } catch {}
                throw fail(.malformed, "connection closed after \(data.count) bytes, answer incomplete")
            }
            let e = errno
            guard e == EAGAIN || e == EINTR else { throw fail(.io, errnoText("recv", e)) }
            try wait(fd, events: Int16(POLLIN), deadline: deadline, what: "answer", fail)
        }
    }

    private static func wait(
        _ fd: Int32, events: Int16, deadline: ContinuousClock.Instant, what: String, _ fail: (Failure.Kind, String) -> Failure
    ) throws(Failure) {
        while true {
            let left = deadline - .now
            guard left > .zero else { throw fail(.timedOut, "no \(what) before the deadline") }
            let (s, atto) = left.components
            let ms = Int32(clamping: s * 1000 + atto / 1_000_000_000_000_000 + 1)
            var p = pollfd(fd: fd, events: events, revents: 0)
            let r = poll(&p, 1, ms)
            if r > 0 { return }
            if r < 0, errno != EINTR { throw fail(.io, "poll: \(String(cString: strerror(errno)))") }
        }
    }

    /// The response in `data` if it is complete (nil: more bytes needed). `complete`: the peer
    /// closed, so a body without length ends here. Pure; throws on a malformed head.
    public static func parse(_ data: [UInt8], complete: Bool) throws -> Response? {
        guard let headEnd = find(data, [13, 10, 13, 10], from: 0) else {
            if complete { throw Failure(kind: .malformed, socketPath: "", reason: "no end of headers") }
            return nil
        }
        let head = String(decoding: data[0..<headEnd], as: UTF8.self)
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = lines.first.map { $0.split(separator: " ", maxSplits: 2) } ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]),
            (100...999).contains(status)
        else {
            throw Failure(kind: .malformed, socketPath: "", reason: "not an HTTP/1.x status line")
        }
        var length: Int?
        var chunked = false
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces
            if name == "content-length" {
                guard let n = Int(value), n >= 0 else {
                    throw Failure(kind: .malformed, socketPath: "", reason: "bad Content-Length")
                }
                length = n
            } else if name == "transfer-encoding", value.lowercased().contains("chunked") {
                chunked = true
            }
        }
        let bodyStart = headEnd + 4
        if chunked {
            guard let body = try dechunk(data, from: bodyStart) else {
                if complete { throw Failure(kind: .malformed, socketPath: "", reason: "chunked body cut short") }
                return nil
            }
            return Response(status: status, body: body)
        }
        if let length {
            guard data.count - bodyStart >= length else {
                if complete { throw Failure(kind: .malformed, socketPath: "", reason: "body shorter than Content-Length") }
                return nil
            }
            return Response(status: status, body: Array(data[bodyStart..<(bodyStart + length)]))
        }
        return complete ? Response(status: status, body: Array(data[bodyStart...])) : nil
    }

    /// The body of a chunked encoding starting at `from`; nil when incomplete.
    static func dechunk(_ data: [UInt8], from: Int) throws -> [UInt8]? {
        var out: [UInt8] = []
        var i = from
        while true {
            guard let lineEnd = find(data, [13, 10], from: i) else { return nil }
            var size = 0
            var digits = 0
            for b in data[i..<lineEnd] {
                let v: Int
                switch b {
                case 0x30...0x39: v = Int(b - 0x30)
                case 0x61...0x66: v = Int(b - 0x61 + 10)
                case 0x41...0x46: v = Int(b - 0x41 + 10)
                default: v = -1
                }
                if v < 0 { break }
                guard size <= (Int.max - 15) / 16 else {
                    throw Failure(kind: .malformed, socketPath: "", reason: "chunk size too large")
                }
                size = size * 16 + v
                digits += 1
            }
            guard digits > 0 else { throw Failure(kind: .malformed, socketPath: "", reason: "bad chunk size line") }
            let start = lineEnd + 2
            if size == 0 { return out }
            guard data.count >= start + size + 2 else { return nil }
            out.append(contentsOf: data[start..<(start + size)])
            i = start + size + 2
        }
    }

    static func find(_ data: [UInt8], _ needle: [UInt8], from: Int) -> Int? {
        guard data.count >= needle.count, from <= data.count - needle.count else { return nil }
        var i = from
        while i <= data.count - needle.count {
            if data[i] == needle[0] {
                var ok = true
                for j in 1..<needle.count where data[i + j] != needle[j] {
                    ok = false
                    break
                }
                if ok { return i }
            }
            i += 1
        }
        return nil
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }
}
