/// What a check prints and how it exits: the Nagios plugin output format,
/// `SERVICE STATUS - summary | perfdata` on the first line, then detail lines.
public struct CheckResult: Sendable, Equatable {
    /// "HV RAID", "HV POOLS"...
    public var service: String
    public var status: CheckStatus
    public var summary: String
    public var perfdata: [PerfDatum]
    /// Further lines (long output): one per array, pool, guest...
    public var details: [String]

    public init(service: String, status: CheckStatus, summary: String, perfdata: [PerfDatum] = [], details: [String] = []) {
        self.service = service
        self.status = status
        self.summary = summary
        self.perfdata = perfdata
        self.details = details
    }

    /// The plugin output, newline-terminated.
    public var output: String {
        var first = "\(service) \(status) - \(Format.printable(summary).replacingPipes())"
        if !perfdata.isEmpty { first += " | " + perfdata.map(\.text).joined(separator: " ") }
        return ([first] + details.map { Format.printable($0).replacingPipes() }).joined(separator: "\n") + "\n"
    }
}

/// One performance-data item: `'label'=value[UOM];warn;crit;min;max`.
public struct PerfDatum: Sendable, Equatable {
    public var label: String
    public var value: Double
    /// "", "s", "%", "B", "c" (counter).
    public var unit: String
    public var warning: NagiosRange?
    public var critical: NagiosRange?
    public var min: Double?
    public var max: Double?

    public init(
        _ label: String, _ value: Double, unit: String = "", warning: NagiosRange? = nil, critical: NagiosRange? = nil,
        min: Double? = nil, max: Double? = nil
    ) {
        self.label = label
        self.value = value
        self.unit = unit
        self.warning = warning
        self.critical = critical
        self.min = min
        self.max = max
    }

    /// The perfdata text. Labels with spaces, quotes or '=' are single-quoted (a quote
    /// inside doubled), as the plugin guidelines say.
    public var text: String {
        var l = label.replacingOccurrences("'", with: "''")
        if l.contains(where: { $0 == " " || $0 == "=" || $0 == "'" || $0 == "|" }) || label.contains("'") { l = "'\(l)'" }
        var s = "\(l)=\(Format.number(value))\(unit);\(warning?.text ?? "");\(critical?.text ?? "");\(min.map(Format.number) ?? "")"
        if let max { s += ";\(Format.number(max))" }
        return s
    }
}

extension String {
    /// `|` separates perfdata in plugin output; keep it out of free text.
    func replacingPipes() -> String { replacingOccurrences("|", with: "/") }

    /// Replaces every occurrence of `target` (no Foundation).
    func replacingOccurrences(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
