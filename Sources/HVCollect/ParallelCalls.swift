import HVRuntime
import Synchronization

/// Runs blocking per-item libvirt work (one domain's or one pool's calls) on a few threads
/// under one deadline, so one item that does not answer costs one thread, not the scrape.
///
/// Up to `workers` threads (`Deadline.start`) take the items from one shared queue, one at a
/// time, while the deadline has not passed; the rest is skipped. A thread stuck on one item
/// holds only that item: the others go on with the queue. The caller waits until the
/// deadline at most; threads still inside a call are abandoned (counted in
/// `Deadline.abandoned`) and finish on their own.
enum ParallelCalls {
    /// - Parameters:
    ///   - body: the blocking work for one item; runs on a worker thread, may finish after
    ///     the caller gave up (it must store its own results).
    ///   - finally: called for every item once a thread is done with it (run or skipped),
    ///     e.g. to clear an "in flight" mark.
    /// - Returns: keys of the items whose `body` finished before the caller stopped waiting
    ///   (use `runTracked` to also know which were never asked).
    static func run<Item: Sendable>(
        _ items: [Item], workers: Int, deadline: ContinuousClock.Instant,
        key: @escaping @Sendable (Item) -> String,
        body: @escaping @Sendable (Item) -> Void,
        finally: @escaping @Sendable (Item) -> Void = { _ in }
    ) -> Set<String> {
        runTracked(items, workers: workers, deadline: deadline, key: key, body: body, finally: finally).answered
    }

    /// What became of the items of one run.
    struct Outcome: Sendable {
        /// Items whose `body` finished in time.
        var answered: Set<String> = []
        /// Items whose `body` never began: the deadline passed first, or no thread was free.
        /// Not asked is not "did not answer".
        var notAsked: Set<String> = []
    }

    /// As `run`, also telling which items were never asked.
    static func runTracked<Item: Sendable>(
        _ items: [Item], workers: Int, deadline: ContinuousClock.Instant,
        key: @escaping @Sendable (Item) -> String,
        body: @escaping @Sendable (Item) -> Void,
        finally: @escaping @Sendable (Item) -> Void = { _ in }
    ) -> Outcome {
        guard !items.isEmpty else { return Outcome() }
        let answered = AnsweredSet()
        let begun = AnsweredSet()
        let queue = WorkQueue(items)
        let n = max(1, min(workers, items.count))
        var pending: [Deadline.Pending<Void>] = []
        for _ in 0..<n {
            let p = Deadline.start {
                while let item = queue.next() {
                    if ContinuousClock.now < deadline {
                        begun.insert(key(item))
                        body(item)
                        answered.insert(key(item))
                    }
                    finally(item)
                }
            }
            if !p.refused { pending.append(p) }
        }
        // No thread free under the pool's cap (calls stuck in libvirt): nothing is asked,
        // every item is let go.
        if pending.isEmpty { while let item = queue.next() { finally(item) } }
        for p in pending { _ = p.wait(until: deadline) }
        let started = begun.snapshot()
        return Outcome(answered: answered.snapshot(), notAsked: Set(items.map(key)).subtracting(started))
    }
}

/// Items handed out one at a time to worker threads.
private final class WorkQueue<Item: Sendable>: Sendable {
    private let state: Mutex<(items: [Item], next: Int)>
    init(_ items: [Item]) { state = Mutex((items, 0)) }
    func next() -> Item? {
        state.withLock { s in
            guard s.next < s.items.count else { return nil }
            defer { s.next += 1 }
            return s.items[s.next]
        }
    }
}

/// Keys of items answered in time, shared between the waiting caller and its worker threads.
private final class AnsweredSet: Sendable {
    private let set = Mutex<Set<String>>([])
    func insert(_ key: String) { set.withLock { _ = $0.insert(key) } }
    func snapshot() -> Set<String> { set.withLock { $0 } }
}
