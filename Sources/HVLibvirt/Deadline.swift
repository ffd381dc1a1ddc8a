import Glibc
import Synchronization

/// Runs blocking calls with a deadline.
///
/// libvirt calls block (a stuck daemon, a domain whose job lock is held, a hung QEMU
/// monitor). Each call runs on a thread of its own (a worker kept from an earlier call, see
/// `WorkerPool`); the caller waits at most `seconds`. On time-out the call is abandoned: its
/// thread keeps running until libvirt returns, and
/// `Deadline.abandoned` counts such threads so callers can refuse to pile up more.
public enum Deadline {
    /// Threads whose call outlived its deadline and has not returned yet.
    public static var abandoned: Int { abandonedCount.load(ordering: .relaxed) }
    static let abandonedCount = Atomic<Int>(0)

    /// Result of a call with a deadline.
    public enum Outcome<T: Sendable>: Sendable {
        case done(T)
        case timedOut
    }

    /// Runs `work` on a worker thread, waits at most `seconds` for it.
    public static func run<T: Sendable>(seconds: Double, _ work: @escaping @Sendable () -> T) -> Outcome<T> {
        start(work).wait(seconds: seconds)
    }

    /// A call started on a worker thread; `wait` collects it with a deadline.
    public struct Pending<T: Sendable>: Sendable {
        let box: CallBox<T>?
        let immediate: T?

        /// Waits at most `seconds`; on time-out the call is abandoned (counted in `abandoned`).
        public func wait(seconds: Double) -> Outcome<T> {
            if let immediate { return .done(immediate) }
            if let value = box!.wait(seconds: seconds) { return .done(value) }
            return .timedOut
        }
    }

    /// Starts `work` on a worker thread (an idle one, else a new one) and returns at once.
    public static func start<T: Sendable>(_ work: @escaping @Sendable () -> T) -> Pending<T> {
        let box = CallBox<T>(work)
        guard WorkerPool.shared.submit(box) else { return Pending(box: nil, immediate: work()) }
        return Pending(box: box, immediate: nil)
    }

    /// Idle worker threads now (tests).
    static var idleWorkers: Int { WorkerPool.shared.idleCount }
}

/// The threads that run `Deadline` calls. A worker that finished its call waits up to
/// `idleSeconds` for another (at most `maxIdle` workers wait), so the dozen calls of a scrape
/// reuse threads instead of creating a dozen (thread creation and exit were a few percent of
/// the exporter's CPU). A call only ever goes to a worker that is waiting, never behind a
/// running call: a stuck libvirt call holds its own thread and delays nothing else.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool(maxIdle: 8, idleSeconds: 30)

    let maxIdle: Int
    let idleSeconds: Double
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private var queue: [CallBoxProtocol] = []
    private var idle = 0

    init(maxIdle: Int, idleSeconds: Double) {
        self.maxIdle = maxIdle
        self.idleSeconds = idleSeconds
        MonotonicWait.initialize(&mutex, &cond)
    }

    deinit {
        pthread_cond_destroy(&cond)
        pthread_mutex_destroy(&mutex)
    }

    var idleCount: Int {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return idle - queue.count
    }

    /// Hands `box` to a waiting worker or a new thread; false when no thread could be made.
    func submit(_ box: CallBoxProtocol) -> Bool {
        pthread_mutex_lock(&mutex)
        if idle > queue.count {
            queue.append(box)
            pthread_cond_signal(&cond)
            pthread_mutex_unlock(&mutex)
            return true
        }
        pthread_mutex_unlock(&mutex)
        return spawn(box)
    }

    private struct Start {
        let pool: WorkerPool
        let first: CallBoxProtocol
    }

    private func spawn(_ first: CallBoxProtocol) -> Bool {
        let start = Unmanaged.passRetained(StartBox(Start(pool: self, first: first)))
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attr, 512 * 1024)
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attr, { raw in
            let s = Unmanaged<StartBox>.fromOpaque(raw!).takeRetainedValue().start
            s.pool.run(s.first)
            return nil
        }, start.toOpaque())
        pthread_attr_destroy(&attr)
        if rc != 0 { start.release() }
        return rc == 0
    }

    private final class StartBox {
        let start: Start
        init(_ s: Start) { start = s }
    }

    private func run(_ first: CallBoxProtocol) {
        var next: CallBoxProtocol? = first
        while let box = next {
            box.execute()
            next = nil
            next = take()
        }
    }

    /// The next call for this worker, or nil: the thread ends (enough are idle, or none came
    /// within `idleSeconds`).
    private func take() -> CallBoxProtocol? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        guard idle < maxIdle else { return nil }
        idle += 1
        var until = MonotonicWait.deadline(after: idleSeconds)
        while queue.isEmpty {
            if pthread_cond_timedwait(&cond, &mutex, &until) == ETIMEDOUT, queue.isEmpty {
                idle -= 1
                return nil
            }
        }
        idle -= 1
        return queue.removeFirst()
    }
}

protocol CallBoxProtocol: AnyObject { func execute() }

/// Holds one call's closure and result; the waiting side and the worker thread share it.
final class CallBox<T: Sendable>: CallBoxProtocol, @unchecked Sendable {
    private let work: @Sendable () -> T
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private var result: T?
    private var abandoned = false

    init(_ work: @escaping @Sendable () -> T) {
        self.work = work
        MonotonicWait.initialize(&mutex, &cond)
    }

    deinit {
        pthread_cond_destroy(&cond)
        pthread_mutex_destroy(&mutex)
    }

    func execute() {
        let value = work()
        pthread_mutex_lock(&mutex)
        result = value
        if abandoned { Deadline.abandonedCount.subtract(1, ordering: .relaxed) }
        pthread_cond_signal(&cond)
        pthread_mutex_unlock(&mutex)
    }

    func wait(seconds: Double) -> T? {
        var until = MonotonicWait.deadline(after: seconds)
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while result == nil {
            if pthread_cond_timedwait(&cond, &mutex, &until) == ETIMEDOUT, result == nil {
                abandoned = true
                Deadline.abandonedCount.add(1, ordering: .relaxed)
                return nil
            }
        }
        return result
    }
}

/// A mutex and a condition variable that times out on the monotonic clock (wall-clock
/// jumps neither shorten nor stretch a deadline).
enum MonotonicWait {
    static func initialize(_ mutex: inout pthread_mutex_t, _ cond: inout pthread_cond_t) {
        pthread_mutex_init(&mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(&cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    /// The `pthread_cond_timedwait` deadline `seconds` from now.
    static func deadline(after seconds: Double) -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let total = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 + max(0, seconds)
        return timespec(tv_sec: Int(total), tv_nsec: Int((total - total.rounded(.down)) * 1e9))
    }
}
