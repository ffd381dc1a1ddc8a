/// Writes a `MetricSet` in the Prometheus text exposition format 0.0.4.
///
/// Label values are escaped (`\\`, `\"`, `\n`); HELP text escapes `\\` and `\n`.
/// Works on bytes, no Foundation.
public enum PrometheusTextWriter {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func write(_ set: MetricSet) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(set.seriesCount * 96 + set.families.count * 128)
        for name in set.sortedNames {
            let family = set.families[name]!
            let d = family.descriptor
            out.append(contentsOf: "# HELP ".utf8)
            out.append(contentsOf: name.utf8)
            out.append(0x20)
            appendEscaped(&out, d.help, quotes: false)
            out.append(contentsOf: "\n# TYPE ".utf8)
            out.append(contentsOf: name.utf8)
            out.append(0x20)
            out.append(contentsOf: d.type.rawValue.utf8)
            out.append(0x0A)
            for sample in family.samples {
                out.append(contentsOf: name.utf8)
                if !d.labelNames.isEmpty {
                    out.append(UInt8(ascii: "{"))
                    for (i, labelName) in d.labelNames.enumerated() {
                        if i > 0 { out.append(UInt8(ascii: ",")) }
                        out.append(contentsOf: labelName.utf8)
                        out.append(contentsOf: "=\"".utf8)
                        appendEscaped(&out, sample.labels[i], quotes: true)
                        out.append(UInt8(ascii: "\""))
                    }
                    out.append(UInt8(ascii: "}"))
                }
                out.append(0x20)
                appendValue(&out, sample.value)
                out.append(0x0A)
            }
        }
        return out
    }

    static func appendEscaped(_ out: inout [UInt8], _ s: String, quotes: Bool) {
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case UInt8(ascii: "\"") where quotes: out.append(contentsOf: [0x5C, 0x22])
            default: out.append(b)
            }
        }
    }

    /// Formats a value the way Prometheus parses it: exact integers, `NaN`, `+Inf`, `-Inf`.
    public static func format(_ v: SampleValue) -> String {
        var out: [UInt8] = []
        appendValue(&out, v)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendValue(_ out: inout [UInt8], _ v: SampleValue) {
        switch v {
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .uint(let u): out.append(contentsOf: String(u).utf8)
        case .double(let d):
            if d.isNaN { out.append(contentsOf: "NaN".utf8) }
            else if d == .infinity { out.append(contentsOf: "+Inf".utf8) }
            else if d == -.infinity { out.append(contentsOf: "-Inf".utf8) }
            else if d == d.rounded(), abs(d) < 1e15 { out.append(contentsOf: String(Int64(d)).utf8) }
            else { out.append(contentsOf: d.description.utf8) }
        }
    }
}
