/// A threshold range in the Nagios plugin syntax (monitoring-plugins guidelines, "Threshold
/// and ranges"): a value raises an alert when it lies outside the range, or inside it when
/// the range starts with `@`.
///
/// | text     | alert when          |
/// |----------|---------------------|
/// | `10`     | `< 0` or `> 10`     |
/// | `10:`    | `< 10`              |
/// | `~:10`   | `> 10`              |
/// | `10:20`  | `< 10` or `> 20`    |
/// | `@10:20` | `>= 10` and `<= 20` |
public struct NagiosRange: Sendable, Equatable, CustomStringConvertible {
    /// Lower bound (`-infinity` for `~`).
    public var start: Double
    /// Upper bound (`+infinity` when omitted after the colon).
    public var end: Double
    /// `@`: alert when the value is inside the range.
    public var alertInside: Bool
    /// The text it was parsed from (printed back in performance data).
    public var text: String

    /// Parses one range; throws for empty text, junk, or start > end.
    public init(_ text: String) throws(NagiosRangeError) {
        self.text = text
        var s = Substring(text.trimmingSpaces())
        guard !s.isEmpty else { throw NagiosRangeError(text: text, reason: "empty range") }
        alertInside = s.first == "@"
        if alertInside { s = s.dropFirst() }
        if let colon = s.firstIndex(of: ":") {
            let lo = s[..<colon]
            let hi = s[s.index(after: colon)...]
            if lo == "~" {
                start = -.infinity
            } else if lo.isEmpty {
                start = 0
            } else {
                guard let v = Double(lo), v.isFinite else { throw NagiosRangeError(text: text, reason: "start '\(lo)' is not a number") }
                start = v
            }
            if hi.isEmpty {
                end = .infinity
            } else {
                guard let v = Double(hi), v.isFinite else { throw NagiosRangeError(text: text, reason: "end '\(hi)' is not a number") }
                end = v
            }
        } else {
            guard let v = Double(s), v.isFinite else { throw NagiosRangeError(text: text, reason: "'\(s)' is not a number") }
            start = 0
            end = v
        }
        guard start <= end else { throw NagiosRangeError(text: text, reason: "start is greater than end") }
    }

    /// True when `value` should raise an alert.
    public func alerts(_ value: Double) -> Bool {
        let inside = value >= start && value <= end
        return alertInside ? inside : !inside
    }

    public var description: String { text }
}

/// A threshold that is not valid Nagios range syntax.
public struct NagiosRangeError: Error, Equatable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String {
        "invalid threshold '\(text)': \(reason) (Nagios range syntax: 10, 10:, ~:10, 10:20, @10:20)"
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
