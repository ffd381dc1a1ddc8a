import Glibc

/// A pthread mutex and a condition variable that times out on the monotonic clock, both in
/// heap memory of their own.
///
/// Why not `var mutex = pthread_mutex_t()` in a class passed as `&mutex`: Swift does not
/// promise a stable address for a stored property passed inout, and a pthread object must
/// not move. Here both live at one allocated address for the object's life. Wall-clock jumps
/// neither shorten nor stretch a timed wait (`pthread_condattr_setclock(CLOCK_MONOTONIC)`).
public final class LockedCondition: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>

    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        cond = .allocate(capacity: 1)
        cond.initialize(to: pthread_cond_t())
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` holding the mutex.
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits (the mutex held by the caller, inside `withLock`) until signalled or `deadline`
    /// passes; nil waits without a limit. Returns false when the deadline passed. Spurious
    /// wake-ups happen: callers loop on their own predicate.
    public func waitLocked(until deadline: ContinuousClock.Instant?) -> Bool {
        guard let deadline else {
            pthread_cond_wait(cond, mutex)
            return true
        }
        var ts = Self.monotonicTimespec(after: deadline - .now)
        return pthread_cond_timedwait(cond, mutex, &ts) != ETIMEDOUT
    }

    /// Waits until `predicate` (evaluated under the mutex) holds or `deadline` passes.
    /// Returns whether the predicate held.
    public func wait(until deadline: ContinuousClock.Instant? = nil, for predicate: () -> Bool) -> Bool {
        withLock {
            while !predicate() {
                if !waitLocked(until: deadline) { return predicate() }
            }
            return true
        }
    }

    /// Wakes one waiter (call with or without the mutex held).
    public func signal() { pthread_cond_signal(cond) }

    /// Wakes every waiter.
    public func broadcast() {
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(cond)
        pthread_mutex_unlock(mutex)
    }

    /// The CLOCK_MONOTONIC instant `delay` from now, as `pthread_cond_timedwait` wants it
    /// (a negative delay is now).
    static func monotonicTimespec(after delay: Duration) -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let (s, atto) = max(delay, .zero).components
        var sec = now.tv_sec + Int(s)
        var nsec = now.tv_nsec + Int(atto / 1_000_000_000)
        if nsec >= 1_000_000_000 {
            sec += 1
            nsec -= 1_000_000_000
        }
        return timespec(tv_sec: sec, tv_nsec: nsec)
    }
}
