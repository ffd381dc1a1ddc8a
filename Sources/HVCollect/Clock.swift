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

    /// A factor in [0.5, 1.5) fixed for `key` (a domain UUID): a refresh interval multiplied by
    /// it differs from one domain to the next, so that domains first asked in the same scrape
    /// (all of them, at start) come due in different scrapes later instead of all together
    /// every interval (a latency spike, seen in the lab as a p99 of 267 ms with 60 paused
    /// domains refreshed in one scrape each minute). FNV-1a of the key's bytes.
    static func spread(_ key: String) -> Double {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return 0.5 + Double(h >> 11) / Double(1 << 53)
    }
}
