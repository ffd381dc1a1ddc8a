/// `/proc/stat`: the number of CPUs (one `cpuN` line per online CPU).
public enum CPUStat {
    /// Counts `cpu<digits>` lines.
    public static func parseCPUCount(_ bytes: [UInt8]) throws -> Int {
        var count = 0
        var sawAggregate = false
        var sc = ByteScanner(bytes)
        while let line = sc.line() {
            guard line.hasPrefix("cpu") else { continue }
            let rest = line.dropFirst(3)
            if let f = rest.first, ByteScanner.isDigit(f) { count += 1 } else if rest.first == 0x20 { sawAggregate = true }
        }
        guard sawAggregate || count > 0 else { throw SystemError.malformed("no cpu lines") }
        return count
    }
}
