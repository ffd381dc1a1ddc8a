import HVLibvirt
import Synchronization

/// Runs blocking per-item libvirt work (one domain's or one pool's calls) on a few threads
/// under one deadline, so one item that does not answer costs one thread, not the scrape.
///
/// Items are dealt round-robin to up to `workers` threads (`Deadline.start`); each thread
/// works through its items one after another while the deadline has not passed and skips
/// the rest. The caller waits until the deadline at most; threads still inside a call are
/// abandoned (counted in `Deadline.abandoned`) and finish on their own.
enum ParallelCalls {
    /// - Parameters:
    ///   - body: the blocking work for one item; runs on a worker thread, may finish after
    ///     the caller gave up (it must store its own results).
    ///   - finally: called for every item once its thread is done with it (run or skipped),
    ///     e.g. to clear an "in flight" mark.
    /// - Returns: keys of the items whose `body` finished before the caller stopped waiting.
    static func run<Item: Sendable>(_ items: [Item], workers: Int, deadline: Double,
                                    key: @escaping @Sendable (Item) -> String,
                                    body: @escaping @Sendable (Item) -> Void,
                                    finally: @escaping @Sendable (Item) -> Void = { _ in }) -> Set<String> {
        guard !items.isEmpty else { return [] }
        let answered = AnsweredSet()
        let n = max(1, min(workers, items.count))
        var chunks = Array(repeating: [Item](), count: n)
        for (i, item) in items.enumerated() { chunks[i % n].append(item) }
        var pending: [Deadline.Pending<Void>] = []
        for chunk in chunks {
            pending.append(Deadline.start {
                for item in chunk {
                    if Clock.monotonic() < deadline {
                        body(item)
                        answered.insert(key(item))
                    }
                    finally(item)
                }
            })
        }
        for p in pending { _ = p.wait(seconds: LibvirtSession.remaining(deadline)) }
        return answered.snapshot()
    }
}

/// Keys of items answered in time, shared between the waiting caller and its worker threads.
final class AnsweredSet: Sendable {
    private let set = Mutex<Set<String>>([])
    func insert(_ key: String) { set.withLock { _ = $0.insert(key) } }
    func snapshot() -> Set<String> { set.withLock { $0 } }
}
