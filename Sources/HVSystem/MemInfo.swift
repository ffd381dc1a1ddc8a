/// `/proc/meminfo`: memory and hugepage figures (proc(5)).
///
/// Values with a "kB" unit are converted to bytes; unitless lines (`HugePages_Total`)
/// are counts.
public struct MemInfo: Sendable, Equatable {
    /// Every line, key -> value (bytes for "kB" lines, counts otherwise).
    public var values: [String: UInt64]

    public init(values: [String: UInt64]) { self.values = values }

    /// `MemTotal`, bytes.
    public var totalBytes: UInt64? { values["MemTotal"] }
    /// `MemAvailable`, bytes.
    public var availableBytes: UInt64? { values["MemAvailable"] }
    /// `HugePages_Total` / `HugePages_Free`, pages of the default size.
    public var hugePagesTotal: UInt64? { values["HugePages_Total"] }
    public var hugePagesFree: UInt64? { values["HugePages_Free"] }
    /// `Hugepagesize`, bytes.
    public var hugePageSizeBytes: UInt64? { values["Hugepagesize"] }

    public static func parse(_ bytes: [UInt8]) throws -> MemInfo {
        var values: [String: UInt64] = [:]
        var sc = ByteScanner(bytes)
        while let line = sc.line() {
            if line.isEmpty { continue }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                throw SystemError.malformed("line without ':'")
            }
            var vs = ByteScanner(Array(line[(colon + 1)...]))
            guard let v = vs.uint() else { throw SystemError.malformed("no number after '\(line[line.startIndex..<colon].string):'") }
            let unit = vs.word()
            var value = v
            if let unit {
                guard unit.equals("kB") else { throw SystemError.malformed("unknown unit '\(unit.string)'") }
                let (m, o) = v.multipliedReportingOverflow(by: 1024)
                guard !o else { throw SystemError.malformed("value overflows") }
                value = m
            }
            values[line[line.startIndex..<colon].string] = value
        }
        guard !values.isEmpty else { throw SystemError.malformed("empty meminfo") }
        return MemInfo(values: values)
    }
}
