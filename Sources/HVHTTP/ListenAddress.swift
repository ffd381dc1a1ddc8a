/// A parsed `--web.listen-address`: `:9974` (every address, IPv6 and IPv4), `0.0.0.0:9974`,
/// `127.0.0.1:9974`, `[::1]:9974`, `[::]:9974` (dual stack), or `hostname:9974`.
///
/// Parsing is pure; resolving and binding happen in `ListeningSocket`.
struct ListenAddress: Sendable, Equatable {
    /// The host part without brackets; `""` means every local address.
    let host: String
    /// 0 asks the kernel for a free port.
    let port: UInt16

    init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    init(parsing text: String) throws(HTTPServerError) {
        func invalid(_ why: String) -> HTTPServerError {
            HTTPServerError(kind: .invalidListenAddress, subject: "listen address \"\(text)\"", message: why)
        }
        let bytes = Array(text.utf8)
        let hostBytes: ArraySlice<UInt8>
        let portBytes: ArraySlice<UInt8>
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else {
                throw invalid("missing ']' after an IPv6 address; expected e.g. [::1]:9974")
            }
            guard close + 1 < bytes.count, bytes[close + 1] == UInt8(ascii: ":") else {
                throw invalid("missing ':port' after ']'; expected e.g. [::1]:9974")
            }
            hostBytes = bytes[1..<close]
            portBytes = bytes[(close + 2)...]
            guard !hostBytes.isEmpty else { throw invalid("empty IPv6 address in brackets") }
        } else {
            guard let colon = bytes.lastIndex(of: UInt8(ascii: ":")) else {
                throw invalid("missing ':port'; expected e.g. :9974 or 127.0.0.1:9974")
            }
            hostBytes = bytes[..<colon]
            portBytes = bytes[(colon + 1)...]
            if hostBytes.contains(UInt8(ascii: ":")) {
                throw invalid("an IPv6 address needs brackets, e.g. [::1]:9974")
            }
        }
        for byte in hostBytes where byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]") {
            throw invalid("the host contains a space, control character or bracket")
        }
        guard !portBytes.isEmpty, portBytes.count <= 5,
            portBytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else {
            throw invalid("the port must be a number from 0 to 65535")
        }
        let port = portBytes.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        guard port <= 65535 else { throw invalid("the port must be a number from 0 to 65535") }
        self.host = String(decoding: hostBytes, as: UTF8.self)
        self.port = UInt16(port)
    }
}
