import Glibc

/// Time sources for collectors.
enum Clock {
    /// Monotonic time, seconds (CLOCK_MONOTONIC): for durations and deadlines.
    static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Wall-clock time, seconds since the Unix epoch (CLOCK_REALTIME).
    static func wall() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
