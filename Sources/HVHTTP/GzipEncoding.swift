import CHVShims

/// gzip `Content-Encoding` for responses: negotiation on `Accept-Encoding` and compression via
/// zlib deflate with a gzip wrapper (`hv_gzip_compress`).
enum GzipEncoding {
    /// zlib level: 6 is zlib's (and Go's gzip) default, a good size/CPU balance for metrics text.
    static let level: Int32 = 6

    /// True when an `Accept-Encoding` value admits gzip: a `gzip` (or `x-gzip`, or `*`) coding
    /// whose `q` is not zero. Unparsable parameters are ignored.
    static func isAccepted(by acceptEncoding: String) -> Bool {
        var gzipQuality: Bool?
        var wildcardQuality: Bool?
        for element in acceptEncoding.utf8.split(separator: UInt8(ascii: ",")) {
            let parts = element.split(separator: UInt8(ascii: ";"))
            guard let coding = parts.first.map(trimmedLowercase) else { continue }
            var acceptable = true
            for parameter in parts.dropFirst() {
                let text = trimmedLowercase(parameter)
                guard text.hasPrefix("q=") else { continue }
                acceptable = !isZeroQuality(text.dropFirst(2))
            }
            switch coding {
            case "gzip", "x-gzip": gzipQuality = acceptable
            case "*": wildcardQuality = acceptable
            default: break
            }
        }
        return gzipQuality ?? wildcardQuality ?? false
    }

    /// The gzip member for `body`, or nil when zlib fails (then the body goes out uncompressed).
    static func compress(_ body: [UInt8]) -> [UInt8]? {
        let capacity = hv_gzip_bound(body.count)
        var output = [UInt8](repeating: 0, count: capacity)
        let produced = body.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                hv_gzip_compress(source.baseAddress, source.count, destination.baseAddress, capacity, level)
            }
        }
        guard produced > 0 else { return nil }
        output.removeSubrange(produced...)
        return output
    }

    private static func trimmedLowercase(_ bytes: Substring.UTF8View.SubSequence) -> String {
        String(decoding: bytes.map(asciiLowercase), as: UTF8.self)
            .trimmingASCIIWhitespace()
    }

    private static func isZeroQuality(_ value: Substring) -> Bool {
        // "0", "0.", "0.0", "0.00", "0.000" are zero; anything else (including junk) is not.
        guard value.first == "0" else { return false }
        let rest = value.dropFirst()
        if rest.isEmpty { return true }
        guard rest.first == "." else { return false }
        return rest.dropFirst().allSatisfy { $0 == "0" }
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs (HTTP OWS).
    func trimmingASCIIWhitespace() -> String {
        let bytes = Array(utf8)
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
