/// Short human-readable numbers for tables: binary-prefixed sizes, rates, percents.
public enum Format {
    /// "0", "512", "1.5K", "23M", "1.2G", "3.0T" (1024-based); "-" for nil.
    public static func bytes(_ v: UInt64?) -> String {
        guard let v else { return "-" }
        return bytes(Double(v))
    }

    public static func bytes(_ v: Double) -> String {
        let units = ["", "K", "M", "G", "T", "P", "E"]
        var x = v
        var i = 0
        while x >= 1024 && i < units.count - 1 { x /= 1024; i += 1 }
        if i == 0 { return String(Int(x.rounded())) }
        return (x < 10 ? fixed(x, 1) : String(Int(x.rounded()))) + units[i]
    }

    /// A per-second rate of bytes: like `bytes`, "-" for nil.
    public static func rate(_ v: Double?) -> String {
        guard let v else { return "-" }
        return bytes(v)
    }

    /// "12.3", "0.0", "250"; "-" for nil.
    public static func percent(_ v: Double?) -> String {
        guard let v else { return "-" }
        return v >= 1000 ? String(Int(v.rounded())) : fixed(v, 1)
    }

    /// "1.75" for overcommit ratios.
    public static func ratio(_ v: Double) -> String { fixed(v, 2) }

    /// Seconds as "42s", "3m05s", "2h01m", "3d04h".
    public static func duration(_ s: Double?) -> String {
        guard let s, s.isFinite, s >= 0 else { return "-" }
        let t = Int(s.rounded())
        if t < 60 { return "\(t)s" }
        if t < 3600 { return "\(t / 60)m" + pad2(t % 60) + "s" }
        if t < 86400 { return "\(t / 3600)h" + pad2(t / 60 % 60) + "m" }
        return "\(t / 86400)d" + pad2(t / 3600 % 24) + "h"
    }

    /// `v` with `digits` decimals, without Foundation.
    public static func fixed(_ v: Double, _ digits: Int) -> String {
        guard v.isFinite else { return v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let neg = v < 0
        let n = Int((abs(v) * scale).rounded())
        let whole = n / Int(scale)
        var frac = String(n % Int(scale))
        while frac.count < digits { frac = "0" + frac }
        return (neg && n != 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + frac : "")
    }

    /// A value for machine output (Zabbix, perfdata): integers without ".0", else up to 6
    /// significant decimals without trailing zeros.
    public static func number(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        if v == v.rounded() && abs(v) < 9.0e15 { return String(Int64(v)) }
        var s = fixed(v, 6)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    private static func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// Makes a name safe to print on a terminal: control characters (ESC, newline...) become
    /// `?` so a guest name cannot move the cursor or change colours.
    public static func printable(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { ($0.value < 0x20 || (0x7f...0x9f).contains($0.value)) ? "?" : $0 }))
    }
}
