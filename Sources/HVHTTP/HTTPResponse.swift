/// What a handler returns. The server adds `Content-Length` and `Date`; it compresses with gzip
/// when the client accepts it and the body is large enough (see `HTTPServer.Configuration`).
public struct HTTPResponse: Sendable {
    /// HTTP status code; values outside 200...599 are sent as 500 and logged.
    public var status: Int
    /// Response headers. `Content-Length` and `Transfer-Encoding` are ignored (the server
    /// frames the body); headers with CR, LF or NUL, or a name that is not an HTTP token, are
    /// dropped and logged.
    public var headers: [HTTPField]
    /// The body in bytes (omitted on the wire for HEAD, but its length is announced).
    public var body: [UInt8]

    public init(status: Int = 200, headers: [HTTPField] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A text response, UTF-8 encoded, with the given `Content-Type`.
    public init(status: Int = 200, text: String, contentType: String = "text/plain; charset=utf-8") {
        self.init(status: status, headers: [HTTPField("Content-Type", contentType)], body: Array(text.utf8))
    }

    /// A plain-text response: `HTTPResponse.text("not found\n", status: 404)`.
    public static func text(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, text: text)
    }

    /// The first header named `name`, ignoring ASCII case.
    public func header(_ name: String) -> String? {
        headers.firstValue(caseInsensitive: name)
    }

    /// Replaces every header named `name` (ignoring ASCII case) by one with `value`.
    public mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { asciiCaseInsensitiveEquals($0.name, name) }
        headers.append(HTTPField(name, value))
    }
}
