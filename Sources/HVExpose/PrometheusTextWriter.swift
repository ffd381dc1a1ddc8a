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
        var s = s
        s.withUTF8 { u in
            // Most values need no escaping: one copy.
            if !u.contains(where: { $0 == 0x5C || $0 == 0x0A || (quotes && $0 == 0x22) }) {
                out.append(contentsOf: u)
                return
            }
            for b in u {
                switch b {
                case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case UInt8(ascii: "\""): if quotes { out.append(contentsOf: [0x5C, 0x22]) } else { out.append(b) }
                default: out.append(b)
                }
            }
        }
    }

    /// Decimal digits of `u`, without making a String (thousands of values per scrape).
    static func appendDecimal(_ out: inout [UInt8], _ u: UInt64) {
        if u < 10 { out.append(0x30 + UInt8(u)); return }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buf in
            var n = u
            var i = 20
            while n > 0 {
                i -= 1
                buf[i] = 0x30 + UInt8(n % 10)
                n /= 10
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<20]))
        }
    }

    static func appendDecimal(_ out: inout [UInt8], _ i: Int64) {
        if i < 0 { out.append(UInt8(ascii: "-")) }
        appendDecimal(&out, i.magnitude)
    }

    /// Formats a value the way Prometheus parses it: exact integers, `NaN`, `+Inf`, `-Inf`.
    public static func format(_ v: SampleValue) -> String {
        var out: [UInt8] = []
        appendValue(&out, v)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendValue(_ out: inout [UInt8], _ v: SampleValue) {
        switch v {
        case .int(let i): appendDecimal(&out, Int64(i))
        case .uint(let u): appendDecimal(&out, UInt64(u))
        case .double(let d):
            if d.isNaN {
                out.append(contentsOf: "NaN".utf8)
            } else if d == .infinity {
                out.append(contentsOf: "+Inf".utf8)
            } else if d == -.infinity {
                out.append(contentsOf: "-Inf".utf8)
            } else if d == d.rounded(), abs(d) < 1e15 {
                appendDecimal(&out, Int64(d))
            } else {
                out.append(contentsOf: d.description.utf8)
            }
        }
    }
}
