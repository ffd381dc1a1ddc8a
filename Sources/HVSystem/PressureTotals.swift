/// Pressure stall information (PSI) totals from `cpu.pressure`, `memory.pressure`,
/// `io.pressure` (cgroup v2) or `/proc/pressure/*`. Totals are microseconds.
public struct PressureTotals: Sendable, Equatable {
    /// Time at least one task was stalled, microseconds.
    public var someMicroseconds: UInt64?
    /// Time all non-idle tasks were stalled at once, microseconds (cpu "full" since Linux 5.13).
    public var fullMicroseconds: UInt64?

    public init(someMicroseconds: UInt64? = nil, fullMicroseconds: UInt64? = nil) {
        self.someMicroseconds = someMicroseconds
        self.fullMicroseconds = fullMicroseconds
    }

    /// Parses `some avg10=0.00 avg60=0.00 avg300=0.00 total=N` and the optional `full ...` line.
    public static func parse(_ bytes: [UInt8]) throws -> PressureTotals {
        var out = PressureTotals()
        var sc = ByteScanner(bytes)
        var sawLine = false
        while let line = sc.line() {
            if line.isEmpty { continue }
            var ls = ByteScanner(Array(line))
            guard let kind = ls.word() else { continue }
            var total: UInt64?
            while let kv = ls.word() {
                if kv.hasPrefix("total=") {
                    guard let v = parseUInt(kv.dropFirst(6)) else { throw SystemError.malformed("bad total") }
                    total = v
                }
            }
            guard let total else { throw SystemError.malformed("line without total=") }
            if kind.equals("some") {
                out.someMicroseconds = total; sawLine = true
            } else if kind.equals("full") {
                out.fullMicroseconds = total; sawLine = true
            } else {
                throw SystemError.malformed("unknown line '\(kind.string)'")
            }
        }
        guard sawLine else { throw SystemError.malformed("no some/full line") }
        return out
    }
}
