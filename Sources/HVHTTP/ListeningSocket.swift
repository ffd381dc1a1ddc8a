#if canImport(Glibc)
import Glibc
#endif

/// A bound, listening, non-blocking TCP socket, read by the `Acceptor`.
///
/// We bind ourselves (socket(2), setsockopt(2), bind(2), listen(2)) so that a failure reaches
/// the operator as EADDRINUSE / EACCES / EADDRNOTAVAIL with the address, and accept ourselves so
/// that connection limits and deadlines are ours (libmicrohttpd gets each admitted connection).
struct ListeningSocket {
    /// The listening descriptor; closed by `Acceptor.stop` (or by `HTTPServer.init` on failure).
    let descriptor: Int32
    /// The bound port (the kernel's choice when port 0 was asked for).
    let port: Int

    /// Resolves and binds `address`. `:port` means IPv6 `::` with IPV6_V6ONLY off (IPv4 too,
    /// like Go's `net.Listen`), falling back to IPv4 `0.0.0.0` on hosts without IPv6. `[::]:port`
    /// is dual stack as well; any other IPv6 address is IPv6 only.
    static func open(_ address: ListenAddress, label: String) throws(HTTPServerError) -> ListeningSocket {
        if address.host.isEmpty {
            do {
                return try bind(SocketAddress.ipv6Any(port: address.port), dualStack: true, label: label)
            } catch  where error.errno == EAFNOSUPPORT {
                return try bind(SocketAddress.ipv4Any(port: address.port), dualStack: false, label: label)
            }
        }
        let resolved = try SocketAddress.resolve(host: address.host, port: address.port, label: label)
        return try bind(resolved, dualStack: resolved.isIPv6Unspecified, label: label)
    }

    /// close(2).
    func close() {
        _ = Glibc.close(descriptor)
    }

    private static func bind(_ address: SocketAddress, dualStack: Bool, label: String) throws(HTTPServerError) -> ListeningSocket {
        func failure(_ call: String, _ code: Int32) -> HTTPServerError {
            let kind: HTTPServerError.Kind
            let message: String
            switch code {
            case EADDRINUSE:
                kind = .addressInUse
                message = "cannot listen: another process already listens on this address"
            case EACCES, EPERM:
                kind = .permissionDenied
                message = "cannot listen: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
            case EADDRNOTAVAIL:
                kind = .addressNotAvailable
                message = "cannot listen: the address is not configured on any interface of this host"
            default:
                kind = .socketFailed
                message = "cannot listen"
            }
            return HTTPServerError(kind: kind, subject: "listen address \"\(label)\"", call: call, errno: code, message: message)
        }

        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = socket(address.family, type, Int32(IPPROTO_TCP))
        guard fd >= 0 else { throw failure("socket", errno) }
        var keep = false
        defer { if !keep { _ = Glibc.close(fd) } }

        // Restart right away even while old connections sit in TIME_WAIT.
        var one: Int32 = 1
        guard setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw failure("setsockopt(SO_REUSEADDR)", errno)
        }
        if address.family == AF_INET6 {
            var v6only: Int32 = dualStack ? 0 : 1
            guard setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &v6only, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
                throw failure("setsockopt(IPV6_V6ONLY)", errno)
            }
        }
        let bound = address.withSockaddr { Glibc.bind(fd, $0, $1) }
        guard bound == 0 else { throw failure("bind", errno) }
        guard listen(fd, SOMAXCONN) == 0 else { throw failure("listen", errno) }

        var local = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw failure("getsockname", errno) }
        keep = true
        return ListeningSocket(descriptor: fd, port: Int(SocketAddress(storage: local, length: length).port))
    }
}
