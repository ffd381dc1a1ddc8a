import CHVShims
import CMicroHTTPD
#if canImport(Glibc)
import Glibc
#endif

/// The per-request work done on libmicrohttpd's connection thread.
extension ServerContext {
    /// MHD_AccessHandlerCallback: first call (headers parsed) only marks the request; body
    /// chunks, if a client sends any, are counted and dropped (the connection is closed past
    /// `requestBodyDiscardLimit`); the last call builds the request, runs the handler once and
    /// queues the response. Returns 1 (.YES) or 0 (MHD_NO: close the connection).
    ///
    /// `requestState` (MHD's per-request `con_cls`) holds 1 + dropped body bytes as a pointer
    /// bit pattern, so nothing is allocated and nothing needs freeing.
    func access(
        connection: OpaquePointer,
        url: UnsafePointer<CChar>?,
        method: UnsafePointer<CChar>?,
        uploadDataSize: UnsafeMutablePointer<Int>,
        requestState: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    ) -> Int32 {
        guard let state = requestState.pointee else {
            requestState.pointee = UnsafeMutableRawPointer(bitPattern: 1)
            return 1
        }
        if uploadDataSize.pointee > 0 {
            let dropped = Int(bitPattern: state) - 1 + uploadDataSize.pointee
            guard dropped <= requestBodyDiscardLimit else {
                log("closing connection: request body over \(requestBodyDiscardLimit) bytes on a \(method.map { String(cString: $0) } ?? "?") request")
                return 0
            }
            requestState.pointee = UnsafeMutableRawPointer(bitPattern: dropped + 1)
            uploadDataSize.pointee = 0
            return 1
        }
        let request = readRequest(connection: connection, url: url, method: method)
        let response = respond(to: request, connection: connection)
        return queue(response, for: request, on: connection)
    }

    /// Method, path, query (.GET_ARGUMENT_KIND) and headers (.HEADER_KIND) through
    /// MHD_get_connection_values_n; the peer through MHD_get_connection_info.
    private func readRequest(connection: OpaquePointer, url: UnsafePointer<CChar>?, method: UnsafePointer<CChar>?) -> HTTPRequest {
        var address = [CChar](repeating: 0, count: 80)
        let remote = address.withUnsafeMutableBufferPointer { buffer in
            hv_mhd_client_address(connection, buffer.baseAddress, buffer.count) == 0
                ? String(cString: buffer.baseAddress!) : ""
        }
        return HTTPRequest(
            method: method.map { String(cString: $0) } ?? "",
            path: url.map { String(cString: $0) } ?? "/",
            query: Self.values(of: .GET_ARGUMENT_KIND, on: connection),
            headers: Self.values(of: .HEADER_KIND, on: connection),
            remoteAddress: remote)
    }

    private static func values(of kind: MHD_ValueKind, on connection: OpaquePointer) -> [HTTPField] {
        var fields: [HTTPField] = []
        withUnsafeMutablePointer(to: &fields) { pointer in
            _ = MHD_get_connection_values_n(connection, kind, { cls, _, key, keySize, value, valueSize in
                guard let cls, let key else { return .YES }
                let fields = cls.assumingMemoryBound(to: [HTTPField].self)
                let name = String(decoding: UnsafeRawBufferPointer(start: key, count: keySize), as: UTF8.self)
                let text = value.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: valueSize), as: UTF8.self) } ?? ""
                fields.pointee.append(HTTPField(name: name, value: text))
                return .YES
            }, pointer)
        }
        return fields
    }

    /// Client certificate, then basic auth, then method, then the handler.
    private func respond(to request: HTTPRequest, connection: OpaquePointer) -> HTTPResponse {
        if requiresClientCertificate {
            let status = hv_mhd_client_certificate(connection)
            guard status == Int32(HV_MHD_CLIENT_CERT_VERIFIED.rawValue) else {
                let why = status == Int32(HV_MHD_CLIENT_CERT_MISSING.rawValue)
                    ? "a client certificate is required" : "the client certificate is not trusted"
                return .text("Forbidden: \(why)\n", status: 403)
            }
        }
        if let authenticator, !isAuthorized(connection: connection, authenticator: authenticator) {
            var response = HTTPResponse.text("Unauthorized\n", status: 401)
            response.setHeader("WWW-Authenticate", "Basic realm=\"\(BasicAuthenticator.realm)\"")
            return response
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            var response = HTTPResponse.text("Method Not Allowed\n", status: 405)
            response.setHeader("Allow", "GET, HEAD")
            return response
        }
        return handler(request)
    }

    /// MHD_basic_auth_get_username_password, then bcrypt. The password copy is wiped.
    private func isAuthorized(connection: OpaquePointer, authenticator: BasicAuthenticator) -> Bool {
        var password: UnsafeMutablePointer<CChar>?
        let user = MHD_basic_auth_get_username_password(connection, &password)
        defer {
            if let password {
                explicit_bzero(password, strlen(password))
                MHD_free(password)
            }
            if let user { MHD_free(user) }
        }
        guard let user, let password else { return false }
        return authenticator.verify(user: String(cString: user), password: password)
    }

    /// MHD_create_response_from_buffer (.RESPMEM_MUST_COPY), MHD_add_response_header,
    /// MHD_queue_response, MHD_destroy_response. For HEAD, MHD sends the headers only.
    private func queue(_ original: HTTPResponse, for request: HTTPRequest, on connection: OpaquePointer) -> Int32 {
        var response = original
        if !(200...599).contains(response.status) {
            log("handler for \(request.path) returned status \(response.status); sending 500")
            response = .text("Internal Server Error\n", status: 500)
        }
        if let minimum = gzipMinimumBytes, response.body.count >= minimum,
           response.header("Content-Encoding") == nil {
            response.headers.append(HTTPField("Vary", "Accept-Encoding"))
            if let accept = request.header("Accept-Encoding"), GzipEncoding.isAccepted(by: accept),
               let compressed = GzipEncoding.compress(response.body) {
                response.body = compressed
                response.headers.append(HTTPField("Content-Encoding", "gzip"))
            }
        }

        let created: OpaquePointer? = response.body.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress, bytes.count > 0 else {
                return MHD_create_response_from_buffer(0, nil, .RESPMEM_PERSISTENT)
            }
            return MHD_create_response_from_buffer(bytes.count, UnsafeMutableRawPointer(mutating: base), .RESPMEM_MUST_COPY)
        }
        guard let mhdResponse = created else {
            log("cannot allocate a response of \(response.body.count) bytes for \(request.path); closing connection")
            return 0
        }
        defer { MHD_destroy_response(mhdResponse) }
        for field in response.headers {
            if asciiCaseInsensitiveEquals(field.name, "Content-Length") || asciiCaseInsensitiveEquals(field.name, "Transfer-Encoding") {
                continue
            }
            guard Self.isToken(field.name), Self.isFieldValue(field.value) else {
                log("dropping invalid response header \(String(reflecting: field.name)) for \(request.path)")
                continue
            }
            if MHD_add_response_header(mhdResponse, field.name, field.value) != .YES {
                log("libmicrohttpd refused response header \(String(reflecting: field.name)) for \(request.path)")
            }
        }
        return MHD_queue_response(connection, UInt32(response.status), mhdResponse) == .YES ? 1 : 0
    }

    /// RFC 9110 token: the characters allowed in a header name.
    static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    /// A header value must not smuggle a line break or NUL into the response.
    static func isFieldValue(_ value: String) -> Bool {
        !value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }
    }
}
