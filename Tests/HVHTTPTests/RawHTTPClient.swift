import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A parsed HTTP/1.x response as read off the wire by `RawHTTPClient`.
struct RawHTTPResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var text: String { String(decoding: body, as: UTF8.self) }
}

struct RawHTTPError: Error, CustomStringConvertible {
    var description: String
}

/// A deliberately dumb HTTP client over plain sockets, so tests control every byte sent
/// (oversized headers, half-sent requests, hundreds of parallel connections).
enum RawHTTPClient {
    /// socket + connect with send/receive timeouts, so a broken server fails the test instead
    /// of hanging it.
    /// `source` binds the client end first (IPv4 only), e.g. 127.0.0.2: loopback too, but
    /// another client address for the server's per-client limit.
    static func connect(port: Int, host: String = "127.0.0.1", source: String? = nil, timeoutSeconds: Int = 15) throws -> Int32 {
        let v6 = host.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw RawHTTPError(description: "socket: errno \(errno)") }
        if let source, !v6 {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            inet_pton(AF_INET, source, &local.sin_addr)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                let code = errno
                close(fd)
                throw RawHTTPError(description: "bind to \(source): errno \(code)")
            }
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let result: Int32
        if v6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = UInt16(port).bigEndian
            inet_pton(AF_INET6, host, &address.sin6_addr)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            inet_pton(AF_INET, host, &address.sin_addr)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw RawHTTPError(description: "connect to \(host):\(port): errno \(code)")
        }
        return fd
    }

    /// send(2) with MSG_NOSIGNAL: a server that hangs up early must not SIGPIPE the test.
    /// Returns the number of bytes the peer took before an error.
    @discardableResult
    static func send(_ fd: Int32, _ bytes: [UInt8]) -> Int {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                return offset
            }
            offset += sent
        }
        return offset
    }

    /// Reads until EOF (or error, e.g. a reset after the server answered early).
    static func readToEnd(_ fd: Int32) -> (bytes: [UInt8], error: Int32?) {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                return (data, errno)
            }
            if count == 0 { return (data, nil) }
            data.append(contentsOf: buffer[..<count])
        }
    }

    /// Sends `raw` on a fresh connection and parses what comes back before EOF.
    static func exchange(port: Int, raw: [UInt8], host: String = "127.0.0.1", source: String? = nil) throws -> RawHTTPResponse {
        let fd = try connect(port: port, host: host, source: source)
        defer { close(fd) }
        send(fd, raw)
        let (bytes, error) = readToEnd(fd)
        guard let response = parse(bytes) else {
            throw RawHTTPError(description: "no parsable response (\(bytes.count) bytes, errno \(error.map(String.init) ?? "none"))")
        }
        return response
    }

    /// One request with `Connection: close`.
    static func request(
        port: Int, method: String = "GET", target: String = "/", headers: [(String, String)] = [],
        host: String = "127.0.0.1", source: String? = nil
    ) throws -> RawHTTPResponse {
        try exchange(port: port, raw: requestBytes(method: method, target: target, headers: headers), host: host, source: source)
    }

    static func requestBytes(method: String = "GET", target: String = "/", headers: [(String, String)] = []) -> [UInt8] {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }

    /// Status line, headers, then the rest as body (bounded by Content-Length when present).
    static func parse(_ bytes: [UInt8]) -> RawHTTPResponse? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else { return nil }
        let head = String(decoding: bytes[..<end], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else { return nil }
        let headers: [(String, String)] = lines.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var body = Array(bytes[(end + 4)...])
        if let length = headers.first(where: { $0.0.lowercased() == "content-length" }).flatMap({ Int($0.1) }), body.count > length {
            body = Array(body[..<length])
        }
        return RawHTTPResponse(status: status, headers: headers, body: body)
    }
}
