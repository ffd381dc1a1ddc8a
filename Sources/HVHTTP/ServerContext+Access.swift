import CHVShims
import CMicroHTTPD

#if canImport(Glibc)
import Glibc
#endif

/// The per-request work done on libmicrohttpd's connection thread.
extension ServerContext {
    /// MHD_AccessHandlerCallback.
    ///
    /// First call (head parsed): strict framing checks (400), a connection admitted only to be
    /// turned away (503), and for a request that announces a body it will not get (any method
    /// but GET/HEAD, or a body over `requestBodyDiscardLimit`) the answer right away, before
    /// libmicrohttpd sends `100 Continue` or reads the body: libmicrohttpd then sends it and
    /// closes. Body chunks of a small GET body are counted and dropped. The last call builds the
    /// request, runs the handler once (if a handler slot is free, else 503) and queues the
    /// response. Returns 1 (.YES) or 0 (MHD_NO: close the connection).
    ///
    /// `requestState` (MHD's per-request `con_cls`) is a bit pattern, so nothing is allocated:
    /// before the first call, as set by `requestTargetSeen`, bit 1 = the target has `%00` and
    /// the bits above = its raw length; from the first call on, bit 0 = 1 and the bits above =
    /// body bytes dropped.
    func access(
        connection: OpaquePointer,
        url: UnsafePointer<CChar>?,
        method: UnsafePointer<CChar>?,
        version: UnsafePointer<CChar>?,
        targetSpan: Int,
        uploadDataSize: UnsafeMutablePointer<Int>,
        requestState: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    ) -> Int32 {
        let state = Int(bitPattern: requestState.pointee)
        let id = Self.connectionID(connection)
        if state & 1 == 0 {
            requestState.pointee = UnsafeMutableRawPointer(bitPattern: 1)
            return firstCall(
                connection: connection, id: id, url: url, method: method, version: version,
                targetHasNUL: state & 2 != 0 || (targetSpan >= 0 && state >> 2 != targetSpan))
        }
        if uploadDataSize.pointee > 0 {
            let dropped = (state >> 1) + uploadDataSize.pointee
            guard dropped <= requestBodyDiscardLimit else {
                log(
                    "closing connection: request body over \(requestBodyDiscardLimit) bytes on a \(method.map { String(cString: $0) } ?? "?") request"
                )
                return 0
            }
            requestState.pointee = UnsafeMutableRawPointer(bitPattern: (dropped << 1) | 1)
            uploadDataSize.pointee = 0
            return 1
        }
        if let id, !table.answering(id: id) { return 0 }
        let request = readRequest(connection: connection, url: url, method: method)
        let response = respond(to: request, connection: connection)
        return queue(response, for: request, on: connection)
    }

    /// The head is in: answer now what must not wait for a body, else go on.
    private func firstCall(
        connection: OpaquePointer, id: UInt64?, url: UnsafePointer<CChar>?, method: UnsafePointer<CChar>?,
        version: UnsafePointer<CChar>?, targetHasNUL: Bool
    ) -> Int32 {
        if let id {
            let admitted = table.headReceived(id: id)
            guard admitted.proceed else { return 0 }
            if admitted.busy {
                table.answering(id: id)
                return queue(
                    Self.busy("too many connections"), for: readRequest(connection: connection, url: url, method: method), on: connection)
            }
        }
        let request = readRequest(connection: connection, url: url, method: method)
        let framing = RequestFraming.check(
            method: request.method, version: version.map { String(cString: $0) } ?? "",
            headers: request.headers, targetHasNUL: targetHasNUL)
        var early: HTTPResponse?
        switch framing {
        case .failure(let problem):
            log("bad request from \(request.remoteAddress): \(problem.reason)")
            early = .text("Bad Request: \(problem.reason)\n", status: problem.status)
        case .success(.none):
            break
        case .success(let body):
            let answer = preliminaryChecks(request, connection: connection)
            if answer != nil {
                early = answer
            } else if case .length(let length) = body, length > requestBodyDiscardLimit {
                early = .text("Content Too Large: a \(request.method) request carries no body here\n", status: 413)
            } else if body == .chunked {
                early = .text("Bad Request: a \(request.method) request carries no chunked body here\n", status: 400)
            }
        }
        guard var early else { return 1 }
        early.setHeader("Connection", "close")
        if let id { table.answering(id: id) }
        return queue(early, for: request, on: connection)
    }

    /// 503 with Retry-After, for a server (or its handlers) at capacity.
    static func busy(_ why: String) -> HTTPResponse {
        var response = HTTPResponse.text("Service Unavailable: \(why), retry later\n", status: 503)
        response.setHeader("Retry-After", "\(retryAfterSeconds)")
        response.setHeader("Connection", "close")
        return response
    }

    /// Seconds a client turned away is asked to wait.
    static let retryAfterSeconds = 1

    /// The table id kept in the connection's socket context (see `connectionEvent`).
    static func connectionID(_ connection: OpaquePointer) -> UInt64? {
        guard let context = hv_mhd_socket_context(connection) else { return nil }
        return UInt64(UInt(bitPattern: context))
    }

    /// MHD_OPTION_NOTIFY_CONNECTION: binds the connection to its table entry on start, frees
    /// the entry on close.
    func connectionEvent(connection: OpaquePointer, socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>, started: Bool) {
        if started {
            let descriptor = hv_mhd_connection_fd(connection)
            if descriptor >= 0, let id = table.bind(descriptor: descriptor) {
                socketContext.pointee = UnsafeMutableRawPointer(bitPattern: UInt(id))
            }
        } else if let context = socketContext.pointee {
            table.closed(id: UInt64(UInt(bitPattern: context)))
            socketContext.pointee = nil
        }
    }

    /// MHD_OPTION_NOTIFY_COMPLETED: the connection goes back to waiting for a request.
    func requestCompleted(connection: OpaquePointer) {
        if let id = Self.connectionID(connection) {
            table.requestCompleted(id: id, now: MonotonicClock.now)
        }
    }

    /// MHD_OPTION_URI_LOG_CALLBACK: the raw request target, before decoding. Returns the
    /// initial request state (see `access`).
    static func requestTargetSeen(_ uri: UnsafePointer<CChar>?) -> UnsafeMutableRawPointer? {
        guard let uri else { return nil }
        let length = strlen(uri)
        var nul = false
        var index = 0
        // %00 in the path (the query is decoded field by field and keeps its NULs).
        while index < length {
            let byte = UInt8(bitPattern: uri[index])
            if byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") { break }
            if byte == UInt8(ascii: "%"), index + 2 < length, uri[index + 1] == 0x30, uri[index + 2] == 0x30 {
                nul = true
                break
            }
            index += 1
        }
        return UnsafeMutableRawPointer(bitPattern: UInt(length) << 2 | (nul ? 2 : 0))
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
            _ = MHD_get_connection_values_n(
                connection, kind,
                { cls, _, key, keySize, value, valueSize in
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

    /// Client certificate, then basic auth, then method, then the handler (if a handler slot
    /// is free).
    private func respond(to request: HTTPRequest, connection: OpaquePointer) -> HTTPResponse {
        if let answer = preliminaryChecks(request, connection: connection) { return answer }
        guard table.acquireHandler() else {
            log("answering 503: \(table.limits.maximumHandlers) requests are being handled already")
            return Self.busy("too many requests in progress")
        }
        defer { table.releaseHandler() }
        return handler(request)
    }

    /// Client certificate, basic auth and method: the answer when one of them fails.
    private func preliminaryChecks(_ request: HTTPRequest, connection: OpaquePointer) -> HTTPResponse? {
        if requiresClientCertificate {
            let status = hv_mhd_client_certificate(connection)
            guard status == Int32(HV_MHD_CLIENT_CERT_VERIFIED.rawValue) else {
                let why =
                    status == Int32(HV_MHD_CLIENT_CERT_MISSING.rawValue)
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
        return nil
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
            response.header("Content-Encoding") == nil
        {
            response.headers.append(HTTPField("Vary", "Accept-Encoding"))
            if let accept = request.header("Accept-Encoding"), GzipEncoding.isAccepted(by: accept),
                let compressed = GzipEncoding.compress(response.body)
            {
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
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
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
