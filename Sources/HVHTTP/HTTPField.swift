/// One name/value pair from a request's header or query string, or for a response header.
///
/// Kept in arrival order; names are compared case-insensitively where HTTP says so (headers),
/// exactly for query arguments.
public struct HTTPField: Sendable, Hashable {
    /// Header name or query argument name, as received (headers) or percent-decoded (query).
    public var name: String
    /// Header value or percent-decoded query value (`""` for `?flag` without `=`).
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// Shorthand: `HTTPField("Content-Type", "text/plain")`.
    public init(_ name: String, _ value: String) {
        self.init(name: name, value: value)
    }
}

extension Array where Element == HTTPField {
    /// The first value whose name matches `name` ignoring ASCII case (HTTP header semantics).
    func firstValue(caseInsensitive name: String) -> String? {
        first { asciiCaseInsensitiveEquals($0.name, name) }?.value
    }
}

/// ASCII case-insensitive comparison (header names are ASCII tokens; no locale rules).
func asciiCaseInsensitiveEquals(_ lhs: String, _ rhs: String) -> Bool {
    let a = lhs.utf8
    let b = rhs.utf8
    guard a.count == b.count else { return false }
    for (x, y) in zip(a, b) where asciiLowercase(x) != asciiLowercase(y) {
        return false
    }
    return true
}

@inline(__always)
func asciiLowercase(_ byte: UInt8) -> UInt8 {
    (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
}
