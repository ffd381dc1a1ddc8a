import Synchronization

/// Runs blocking calls with a deadline.
///
/// libvirt calls block (a stuck daemon, a domain whose job lock is held, a hung QEMU
/// monitor). Each call runs on a thread of the shared `WorkerPool`; the caller waits until
/// its deadline at most. On time-out the call is abandoned: its thread keeps running until
/// libvirt returns, and `Deadline.abandoned` counts such threads. When the pool is at its
/// thread cap a call is refused at once (`Outcome.refused`), never run on the caller's thread.
public enum Deadline {
    /// Threads whose call outlived its deadline and has not returned yet.
    public static var abandoned: Int { abandonedCount.load(ordering: .relaxed) }
    static let abandonedCount = Atomic<Int>(0)

    /// Result of a call with a deadline.
    public enum Outcome<T: Sendable>: Sendable {
        case done(T)
        /// The deadline passed first; the call goes on, abandoned.
        case timedOut
        /// No thread was free under the cap (too many calls stuck): the call never ran.
        case refused
    }

    /// Runs `work` on a worker thread and waits for it until `deadline`.
    public static func run<T: Sendable>(until deadline: ContinuousClock.Instant, _ work: @escaping @Sendable () -> T) -> Outcome<T> {
        start(work).wait(until: deadline)
    }

    /// A call started on a worker thread; `wait` collects it with a deadline.
    public struct Pending<T: Sendable>: Sendable {
        let box: CallBox<T>?

        /// Whether the call was refused (the pool is at its cap).
        public var refused: Bool { box == nil }

        /// Waits until `deadline` at most; on time-out the call is abandoned (counted in
        /// `abandoned`). A deadline already past still collects a call that has finished.
        public func wait(until deadline: ContinuousClock.Instant) -> Outcome<T> {
            guard let box else { return .refused }
            if let value = box.wait(until: deadline) { return .done(value) }
            return .timedOut
        }
    }

    /// Starts `work` on a worker thread (an idle one, else a new one under the cap) and
    /// returns at once.
    public static func start<T: Sendable>(on pool: WorkerPool = .shared, _ work: @escaping @Sendable () -> T) -> Pending<T> {
        let box = CallBox<T>(work)
        guard pool.submit(box) else { return Pending(box: nil) }
        return Pending(box: box)
    }

    /// Idle worker threads of the shared pool now (tests).
    public static var idleWorkers: Int { WorkerPool.shared.idleCount }
}

/// Holds one call's closure and result; the waiting side and the worker thread share it.
final class CallBox<T: Sendable>: PoolTask, @unchecked Sendable {
    private let work: @Sendable () -> T
    private let lock = LockedCondition()
    private var result: T?
    private var abandoned = false

    init(_ work: @escaping @Sendable () -> T) { self.work = work }

    func execute() {
        let value = work()
        lock.withLock {
            result = value
            if abandoned { Deadline.abandonedCount.subtract(1, ordering: .relaxed) }
            lock.signal()
        }
    }

    func wait(until deadline: ContinuousClock.Instant) -> T? {
        lock.withLock {
            while result == nil {
                if !lock.waitLocked(until: deadline), result == nil {
                    if !abandoned {
                        abandoned = true
                        Deadline.abandonedCount.add(1, ordering: .relaxed)
                    }
                    return nil
                }
            }
            return result
        }
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number (for output and logs, never
    /// for deadlines).
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }

    /// A duration from floating-point seconds (flags such as `--libvirt.timeout=2.5s`).
    public static func seconds(_ value: Double) -> Duration { .nanoseconds(Int64((value * 1e9).rounded())) }
}
