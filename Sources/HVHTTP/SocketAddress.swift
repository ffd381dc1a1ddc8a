#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 socket address in a `sockaddr_storage`, as bind(2) wants it.
struct SocketAddress {
    var storage: sockaddr_storage
    var length: socklen_t

    var family: Int32 { Int32(storage.ss_family) }

    /// The port in host byte order.
    var port: UInt16 {
        withUnsafePointer(to: storage) { pointer in
            pointer.withMemoryRebound(to: UInt8.self, capacity: MemoryLayout<sockaddr_storage>.size) { raw in
                // sin_port and sin6_port both sit at offset 2, in network byte order.
                UInt16(raw[2]) << 8 | UInt16(raw[3])
            }
        }
    }

    /// True for `::`, which we bind dual stack.
    var isIPv6Unspecified: Bool {
        guard family == AF_INET6 else { return false }
        return withUnsafePointer(to: storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                withUnsafeBytes(of: v6.pointee.sin6_addr) { $0.allSatisfy { $0 == 0 } }
            }
        }
    }

    static func ipv6Any(port: UInt16) -> SocketAddress {
        var v6 = sockaddr_in6()
        v6.sin6_family = sa_family_t(AF_INET6)
        v6.sin6_port = port.bigEndian
        v6.sin6_addr = in6addr_any
        return SocketAddress(copying: v6)
    }

    static func ipv4Any(port: UInt16) -> SocketAddress {
        var v4 = sockaddr_in()
        v4.sin_family = sa_family_t(AF_INET)
        v4.sin_port = port.bigEndian
        v4.sin_addr.s_addr = INADDR_ANY
        return SocketAddress(copying: v4)
    }

    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    private init<Address>(copying address: Address) {
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { destination in
            withUnsafeBytes(of: address) { destination.copyMemory(from: $0) }
        }
        self.init(storage: storage, length: socklen_t(MemoryLayout<Address>.size))
    }

    /// The host part as text (inet_ntop(3)), an IPv4-mapped IPv6 address as IPv4: what the
    /// per-client connection limit counts by. `""` for other families.
    var hostText: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let written: Bool = withUnsafePointer(to: storage) { pointer in
            if family == AF_INET {
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                    var address = v4.pointee.sin_addr
                    return inet_ntop(AF_INET, &address, &buffer, socklen_t(buffer.count)) != nil
                }
            }
            guard family == AF_INET6 else { return false }
            return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                var address = v6.pointee.sin6_addr
                let bytes = withUnsafeBytes(of: address) { Array($0) }
                if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
                    var v4 = in_addr()
                    withUnsafeMutableBytes(of: &v4) { $0.copyBytes(from: bytes[12..<16]) }
                    return inet_ntop(AF_INET, &v4, &buffer, socklen_t(buffer.count)) != nil
                }
                return inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil
            }
        }
        return written ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
    }

    /// Calls `body` with the address as a `sockaddr` pointer and its length.
    func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        withUnsafePointer(to: storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }

    /// getaddrinfo(3) for a numeric address (with an optional `%zone`) or a host name; the first
    /// IPv4 result wins over IPv6, as Go does when listening on a name.
    static func resolve(host: String, port: UInt16, label: String) throws(HTTPServerError) -> SocketAddress {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let list else {
            let reason = gai_strerror(status).map { String(cString: $0) } ?? "error \(status)"
            throw HTTPServerError(
                kind: .invalidListenAddress, subject: "listen address \"\(label)\"", call: "getaddrinfo",
                message: "cannot resolve host \"\(host)\": \(reason)")
        }
        defer { freeaddrinfo(list) }
        var first: SocketAddress?
        var firstIPv4: SocketAddress?
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            let info = current.pointee
            if let raw = info.ai_addr, info.ai_family == AF_INET || info.ai_family == AF_INET6,
                Int(info.ai_addrlen) <= MemoryLayout<sockaddr_storage>.size
            {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { destination in
                    destination.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: Int(info.ai_addrlen)))
                }
                let address = SocketAddress(storage: storage, length: info.ai_addrlen)
                if first == nil { first = address }
                if firstIPv4 == nil, info.ai_family == AF_INET { firstIPv4 = address }
            }
            entry = info.ai_next
        }
        guard let chosen = firstIPv4 ?? first else {
            throw HTTPServerError(
                kind: .invalidListenAddress, subject: "listen address \"\(label)\"", call: "getaddrinfo",
                message: "host \"\(host)\" has no IPv4 or IPv6 address")
        }
        return chosen
    }
}
