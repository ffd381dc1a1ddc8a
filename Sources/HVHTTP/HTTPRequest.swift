/// A request as the handler sees it: everything libmicrohttpd parsed, copied into Swift values.
///
/// The body of a request is never kept (only GET and HEAD reach the handler).
public struct HTTPRequest: Sendable {
    /// The request method as sent, e.g. `GET` or `HEAD` (case-sensitive, as HTTP says).
    public let method: String
    /// The percent-decoded path without the query string, e.g. `/metrics`.
    public let path: String
    /// Query arguments in order, percent-decoded with `+` as space (MHD_GET_ARGUMENT_KIND).
    public let query: [HTTPField]
    /// Request headers in order (MHD_HEADER_KIND).
    public let headers: [HTTPField]
    /// The peer as `1.2.3.4:port` or `[::1]:port`; `""` when unknown.
    public let remoteAddress: String

    public init(
        method: String, path: String, query: [HTTPField] = [], headers: [HTTPField] = [],
        remoteAddress: String = ""
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.remoteAddress = remoteAddress
    }

    /// The first header named `name`, ignoring ASCII case.
    public func header(_ name: String) -> String? {
        headers.firstValue(caseInsensitive: name)
    }

    /// The first query argument named exactly `name`.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// Every query argument named exactly `name`, in order (e.g. `collect[]=a&collect[]=b`).
    public func queryValues(_ name: String) -> [String] {
        query.filter { $0.name == name }.map(\.value)
    }
}
