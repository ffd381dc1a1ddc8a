#if canImport(Glibc)
import Glibc
#endif

extension TLSConfig {
    /// The PEM contents of the certificate, key and client-CA files, read with open(2)/read(2)
    /// and at most `maximumFileBytes` each.
    func loadPEM() throws(HTTPServerError) -> (cert: String, key: String, clientCA: String?) {
        let cert = try Self.readPEM(certFile, role: "certificate")
        let key = try Self.readPEM(keyFile, role: "private key")
        let clientCA = try clientCAFile.map { path throws(HTTPServerError) in try Self.readPEM(path, role: "client CA") }
        return (cert, key, clientCA)
    }

    private static func readPEM(_ path: String, role: String) throws(HTTPServerError) -> String {
        func failure(_ call: String, _ code: Int32?, _ message: String) -> HTTPServerError {
            HTTPServerError(kind: .tlsFileUnreadable, subject: "TLS \(role) file \(path)", call: call, errno: code, message: message)
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open", errno, "cannot open") }
        defer { close(fd) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("read", errno, "cannot read")
            }
            if count == 0 { break }
            contents.append(contentsOf: chunk[..<count])
            guard contents.count <= maximumFileBytes else {
                throw failure("read", nil, "larger than \(maximumFileBytes) bytes; is this really a PEM file?")
            }
        }
        let marker = Array("-----BEGIN ".utf8)
        let hasMarker =
            contents.count >= marker.count
            && (0...(contents.count - marker.count)).contains { contents[$0..<($0 + marker.count)].elementsEqual(marker) }
        guard !contents.contains(0), hasMarker else {
            throw failure("read", nil, "not a PEM file (expected -----BEGIN ...-----)")
        }
        return String(decoding: contents, as: UTF8.self)
    }
}
