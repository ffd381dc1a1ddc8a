/// Strict checks of a request head, done before anything else looks at the request: what
/// libmicrohttpd 0.9.75 lets through but a proxy in front of us could read differently.
///
/// Each problem is answered 400 and the connection closed (RFC 9112 sections 3.2, 6.1, 6.3).
enum RequestFraming {
    /// A request head's problem, worded for the client (and the log).
    struct Problem: Error, Equatable, Sendable {
        var status: Int
        var reason: String
    }

    /// What the request announces about a body.
    enum Body: Equatable {
        case none
        /// Content-Length bytes.
        case length(Int)
        /// Transfer-Encoding: chunked, length unknown.
        case chunked
    }

    /// Checks `headers` (in arrival order) of a request with `method` and `version`
    /// (`HTTP/1.1`, `HTTP/1.0`); `targetHasNUL` tells whether the request target held a NUL
    /// byte, literally or as `%00`. Returns the body framing, or the problem.
    static func check(
        method: String, version: String, headers: [HTTPField], targetHasNUL: Bool
    ) -> Result<Body, Problem> {
        if targetHasNUL {
            return .failure(Problem(status: 400, reason: "the request target contains a NUL byte"))
        }
        let hosts = headers.filter { asciiCaseInsensitiveEquals($0.name, "Host") }
        if version == "HTTP/1.1" && hosts.isEmpty {
            return .failure(Problem(status: 400, reason: "HTTP/1.1 request without a Host header"))
        }
        if hosts.count > 1 {
            return .failure(Problem(status: 400, reason: "more than one Host header"))
        }
        let encodings = headers.filter { asciiCaseInsensitiveEquals($0.name, "Transfer-Encoding") }
        let lengths = headers.filter { asciiCaseInsensitiveEquals($0.name, "Content-Length") }
        if !encodings.isEmpty && !lengths.isEmpty {
            return .failure(Problem(status: 400, reason: "both Content-Length and Transfer-Encoding"))
        }
        if !encodings.isEmpty {
            guard encodings.count == 1, asciiCaseInsensitiveEquals(trimmed(encodings[0].value), "chunked") else {
                return .failure(Problem(status: 400, reason: "unsupported Transfer-Encoding (only chunked)"))
            }
            return .success(.chunked)
        }
        // Repeated fields or a list: every value must be the same number (RFC 9112 6.3 item 5).
        var length: Int?
        for field in lengths {
            for part in field.value.split(separator: ",", omittingEmptySubsequences: false) {
                guard let value = decimal(trimmed(Substring(part))) else {
                    return .failure(Problem(status: 400, reason: "malformed Content-Length"))
                }
                if let known = length, known != value {
                    return .failure(Problem(status: 400, reason: "conflicting Content-Length values"))
                }
                length = value
            }
        }
        if let length, length > 0 { return .success(.length(length)) }
        return .success(.none)
    }

    private static func trimmed<S: StringProtocol>(_ text: S) -> String {
        var slice = Substring(text)
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }

    /// 1 to 18 ASCII digits.
    private static func decimal(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }
}
