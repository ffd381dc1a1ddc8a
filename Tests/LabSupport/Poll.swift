import Foundation

/// Bounded waiting for a condition, instead of a fixed sleep before an assertion.
///
/// `poll(until:timeout:every:)` checks the condition at once, then every `every` until it
/// holds or `timeout` has passed (monotonic clock); it returns whether it held, having checked
/// once more at the deadline. Tests assert on the result (with what was last seen), so a slow
/// machine waits longer and a fast one does not wait at all.
public enum Poll {
    /// Waits until `condition` is true or `timeout` passes; true when it held.
    @discardableResult
    public static func until(
        timeout: Duration, every interval: Duration = .milliseconds(100),
        _ condition: () throws -> Bool
    ) rethrows -> Bool {
        try value(timeout: timeout, every: interval) { try condition() ? true : nil } ?? false
    }

    /// The first non-nil result of `probe`, polled until `timeout` passes; nil if none came.
    public static func value<T>(
        timeout: Duration, every interval: Duration = .milliseconds(100),
        _ probe: () throws -> T?
    ) rethrows -> T? {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: timeout)
        while true {
            if let v = try probe() { return v }
            let now = clock.now
            if now >= end { return nil }
            let wait = min(interval, now.duration(to: end))
            let (s, a) = wait.components
            var ts = timespec(tv_sec: Int(s), tv_nsec: Int(a / 1_000_000_000))
            var left = timespec()
            while nanosleep(&ts, &left) != 0 && errno == EINTR { ts = left }
            if clock.now >= end { return try probe() }
        }
    }
}
