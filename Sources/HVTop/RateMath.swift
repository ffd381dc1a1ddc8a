/// Rates from two readings of a counter. A counter that went backwards (guest restarted,
/// device replaced, counter reset) or a missing reading gives no rate rather than a wrong one.
public enum RateMath {
    /// Units per second between two readings `seconds` apart.
    public static func perSecond(_ previous: Double?, _ current: Double?, seconds: Double) -> Double? {
        guard let p = previous, let c = current, seconds > 0, c >= p else { return nil }
        return (c - p) / seconds
    }

    public static func perSecond(_ previous: UInt64?, _ current: UInt64?, seconds: Double) -> Double? {
        guard let p = previous, let c = current, seconds > 0, c >= p else { return nil }
        return Double(c - p) / seconds
    }

    /// CPU use in percent of one host CPU (top's convention: two busy CPUs = 200%), from CPU
    /// seconds consumed between two readings.
    public static func cpuPercent(_ previous: Double?, _ current: Double?, seconds: Double) -> Double? {
        perSecond(previous, current, seconds: seconds).map { $0 * 100 }
    }

    /// Steal as the guest sees it, percent of the guest's vCPU capacity: time its vCPUs were
    /// runnable but waiting for a host CPU, over `vcpus` × elapsed time.
    public static func stealPercent(_ previous: Double?, _ current: Double?, seconds: Double, vcpus: Int) -> Double? {
        guard vcpus > 0, let r = perSecond(previous, current, seconds: seconds) else { return nil }
        return r / Double(vcpus) * 100
    }

    /// Sum of optional values; nil when every value is nil.
    static func sum(_ values: [UInt64?]) -> UInt64? {
        var total: UInt64?
        for v in values { if let v { total = (total ?? 0) &+ v } }
        return total
    }

    static func sum(_ values: [Double?]) -> Double? {
        var total: Double?
        for v in values { if let v { total = (total ?? 0) + v } }
        return total
    }
}
