/// Prometheus metric type, as written on the `# TYPE` line.
public enum MetricType: String, Sendable {
    case gauge
    case counter
    case untyped
}

/// A metric family: its name, type, help text and fixed label names.
///
/// Families are declared once (as `static let`s next to the code that fills them), so
/// HELP text and label names cannot drift between call sites.
public struct MetricDescriptor: Sendable, Hashable {
    public let name: String
    public let type: MetricType
    public let help: String
    public let labelNames: [String]

    public init(_ name: String, _ type: MetricType, _ help: String, labels: [String] = []) {
        precondition(MetricDescriptor.isValidName(name), "invalid metric name \(name)")
        precondition(type != .counter || name.hasSuffix("_total"), "counter \(name) must end in _total")
        for label in labels { precondition(MetricDescriptor.isValidName(label) && !label.contains(":"), "invalid label \(label)") }
        self.name = name
        self.type = type
        self.help = help
        self.labelNames = labels
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    static func isValidName(_ s: String) -> Bool {
        var first = true
        for b in s.utf8 {
            let alpha = (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b == 58
            let digit = b >= 48 && b <= 57
            if !(alpha || (!first && digit)) { return false }
            first = false
        }
        return !first
    }
}

/// A sample value: integers are written exactly, doubles in shortest round-trip form.
public enum SampleValue: Sendable, Equatable {
    case int(Int64)
    case uint(UInt64)
    case double(Double)
}
