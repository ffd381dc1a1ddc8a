import Glibc
import HVCollect
import HVModel
import Logging
import Synchronization

/// Runs the collectors and hands out snapshots.
///
/// Single flight: while one collection runs, concurrent requests wait for it and share its
/// result instead of starting their own (200 simultaneous scrapes cost one collection).
/// A finished snapshot is reused for `maxAge` seconds (0 = every request after the last
/// collection finished starts a new one).
public final class ScrapeCoordinator: Sendable {
    public let collectors: [any Collector]
    public let maxAge: Double
    let logger: Logger

    struct State {
        var last: Snapshot?
        var lastFinished: Double = -1e9
        var running = false
        var generation = 0
    }

    private let state = Mutex(State())
    private let cond = Condition()

    public init(collectors: [any Collector], maxAge: Double = 0, logger: Logger) {
        self.collectors = collectors
        self.maxAge = maxAge
        self.logger = logger
    }

    /// A snapshot no older than `maxAge`, collecting one if needed (or joining one in flight).
    public func snapshot() -> Snapshot {
        enum Step { case use(Snapshot), wait(Int), collect }
        let step: Step = state.withLock { s in
            let now = monotonic()
            if let last = s.last, now - s.lastFinished <= maxAge, !s.running { return .use(last) }
            if s.running { return .wait(s.generation) }
            s.running = true
            return .collect
        }
        switch step {
        case .use(let snap):
            return snap
        case .wait(let gen):
            cond.wait(until: { self.state.withLock { $0.generation != gen } })
            return state.withLock { $0.last! }
        case .collect:
            let snap = collectNow()
            state.withLock { s in
                s.last = snap
                s.lastFinished = monotonic()
                s.running = false
                s.generation += 1
            }
            cond.broadcast()
            return snap
        }
    }

    /// Runs every collector once, in order, timing each; a failing collector is recorded
    /// and logged, never fatal. Meanwhile, on another thread, the collectors after the first
    /// do their `prepare()` (the guest mapper walks /proc while libvirt answers); each of
    /// them waits for it before its `collect`.
    public func collectNow() -> Snapshot {
        var snap = Snapshot(timestampSeconds: wallClock(), hostname: hostName())
        let preparation = Preparation.start(Array(collectors.dropFirst()))
        var prepared = false
        for (i, c) in collectors.enumerated() {
            if i > 0 && c.prepares && !prepared {
                preparation.wait()
                prepared = true
            }
            let t0 = monotonic()
            var failure: String?
            do { try c.collect(into: &snap) } catch { failure = "\(error)" }
            let dt = monotonic() - t0
            snap.collectors.append(CollectorStatus(name: c.name, success: failure == nil, durationSeconds: dt, error: failure))
            if let failure { logger.debug("collector failed", metadata: ["collector": "\(c.name)", "error": "\(failure)"]) }
        }
        return snap
    }
}

/// A pthread condition variable paired with its own mutex, for waiting on a predicate.
final class Condition: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&cond, nil)
    }

    func wait(until predicate: () -> Bool) {
        pthread_mutex_lock(&mutex)
        while !predicate() { pthread_cond_wait(&cond, &mutex) }
        pthread_mutex_unlock(&mutex)
    }

    func broadcast() {
        pthread_mutex_lock(&mutex)
        pthread_cond_broadcast(&cond)
        pthread_mutex_unlock(&mutex)
    }
}

func monotonic() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func wallClock() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func hostName() -> String {
    var buf = [CChar](repeating: 0, count: 256)
    guard gethostname(&buf, buf.count - 1) == 0 else { return "" }
    return buf.withUnsafeBufferPointer { String(decoding: UnsafeRawBufferPointer($0).prefix { $0 != 0 }, as: UTF8.self) }
}
