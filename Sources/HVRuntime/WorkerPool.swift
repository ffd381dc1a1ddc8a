/// The threads that run blocking calls under a deadline (`Deadline`), with one cap for the
/// whole process.
///
/// A worker that finished its call waits up to `idleSeconds` for another (at most `maxIdle`
/// wait), so the dozen calls of a scrape reuse threads instead of creating a dozen. A call
/// only ever goes to a worker that is waiting, never behind a running call: a stuck libvirt
/// call holds its own thread and delays nothing else.
///
/// The cap: at most `maxThreads` threads exist at once, idle or busy. A call abandoned at its
/// deadline keeps its thread busy until libvirt returns, so a daemon with many stuck calls
/// reaches the cap; then `submit` refuses new calls (the caller reports "not asked") instead
/// of piling up threads or running the call on the caller's thread (which could hang it).
public final class WorkerPool: @unchecked Sendable {
    /// The pool every `Deadline` call uses.
    public static let shared = WorkerPool(maxThreads: 64, maxIdle: 8, idleSeconds: .seconds(30))

    public let maxThreads: Int
    public let maxIdle: Int
    public let idleSeconds: Duration
    private let lock = LockedCondition()
    private var queue: [any PoolTask] = []
    private var idle = 0
    private var threads = 0

    public init(maxThreads: Int, maxIdle: Int, idleSeconds: Duration) {
        self.maxThreads = maxThreads
        self.maxIdle = maxIdle
        self.idleSeconds = idleSeconds
    }

    /// Threads waiting for a call now.
    public var idleCount: Int { lock.withLock { idle - queue.count } }
    /// Threads alive now (idle or running a call).
    public var threadCount: Int { lock.withLock { threads } }

    /// Hands `task` to a waiting worker or a new thread; false when the cap is reached or the
    /// system refused a thread (nothing runs then).
    func submit(_ task: any PoolTask) -> Bool {
        enum Step { case queued, spawn, refused }
        let step: Step = lock.withLock {
            if idle > queue.count {
                queue.append(task)
                lock.signal()
                return .queued
            }
            guard threads < maxThreads else { return .refused }
            threads += 1
            return .spawn
        }
        switch step {
        case .queued: return true
        case .refused: return false
        case .spawn:
            let started = BackgroundThread.start { [self] in run(task) }
            if !started { lock.withLock { threads -= 1 } }
            return started
        }
    }

    private func run(_ first: any PoolTask) {
        var next: (any PoolTask)? = first
        while let task = next {
            task.execute()
            next = take()
        }
    }

    /// The next call for this worker, or nil: the thread ends (enough are idle, or none came
    /// within `idleSeconds`).
    private func take() -> (any PoolTask)? {
        lock.withLock {
            guard idle < maxIdle else {
                threads -= 1
                return nil
            }
            idle += 1
            let until = ContinuousClock.now + idleSeconds
            while queue.isEmpty {
                if !lock.waitLocked(until: until), queue.isEmpty {
                    idle -= 1
                    threads -= 1
                    return nil
                }
            }
            idle -= 1
            return queue.removeFirst()
        }
    }
}

/// Something a worker runs.
protocol PoolTask: AnyObject, Sendable {
    func execute()
}
