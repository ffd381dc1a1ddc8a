import Glibc

/// Threads for work that outlives the caller: detached ones (the worker pool's threads, the
/// jobs sampler, the storage pool refresher) and joinable ones (the HTTP accept loop). One way
/// to start them (stack size, the closure's retain handed over), so no component writes
/// `pthread_create` itself.
public enum BackgroundThread {
    /// Stack of each thread, bytes: libvirt's client calls and the collectors' parsers are
    /// shallow; the default 8 MiB would only reserve address space.
    public static let stackBytes = 512 * 1024

    /// Starts `body` on a new detached thread. Returns false when the system refused a
    /// thread (the caller decides what that means; nothing ran).
    @discardableResult
    public static func start(_ body: @escaping @Sendable () -> Void) -> Bool {
        spawn(body, detached: true).status == 0
    }

    /// Starts `body` on a new thread that the caller joins (`JoinableThread.join`), e.g. a
    /// loop that must have ended before its resources are closed. Throws the error number
    /// when the system refused a thread (nothing ran).
    public static func startJoinable(_ body: @escaping @Sendable () -> Void) throws(ThreadStartFailure) -> JoinableThread {
        let (thread, status) = spawn(body, detached: false)
        guard status == 0, let thread else { throw ThreadStartFailure(status: status) }
        return JoinableThread(thread)
    }

    private static func spawn(_ body: @escaping @Sendable () -> Void, detached: Bool) -> (pthread_t?, status: Int32) {
        let box = Unmanaged.passRetained(Body(body))
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setdetachstate(&attr, Int32(detached ? PTHREAD_CREATE_DETACHED : PTHREAD_CREATE_JOINABLE))
        pthread_attr_setstacksize(&attr, stackBytes)
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, &attr,
            { raw in
                Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().run()
                return nil
            }, box.toOpaque())
        pthread_attr_destroy(&attr)
        if rc != 0 { box.release() }
        return (rc == 0 ? thread : nil, rc)
    }

    /// Runs `round` on a background thread for as long as it returns a pause and `owner` is
    /// alive, sleeping that pause between rounds. The thread holds `owner` weakly and only
    /// during a round, so releasing the owner ends the loop. Returns false if no thread
    /// could be started.
    @discardableResult
    public static func loop<Owner: AnyObject & Sendable>(
        weak owner: Owner, _ round: @escaping @Sendable (Owner) -> Duration?
    ) -> Bool {
        let ref = WeakRef(owner)
        return start {
            // The strong reference lives only inside `step`, never across the sleep.
            @Sendable func step() -> Duration? {
                guard let o = ref.value else { return nil }
                return round(o)
            }
            while let pause = step() { sleep(for: pause) }
        }
    }

    /// Sleeps the calling thread (nanosleep, restarted on EINTR).
    public static func sleep(for d: Duration) {
        let (s, atto) = max(d, .zero).components
        var req = timespec(tv_sec: Int(s), tv_nsec: Int(atto / 1_000_000_000))
        var rem = timespec()
        while nanosleep(&req, &rem) != 0 && errno == EINTR { req = rem }
    }

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}

/// The system refused a thread: `status` is `pthread_create`'s error number.
public struct ThreadStartFailure: Error, Sendable {
    public let status: Int32
}

/// A thread started by `BackgroundThread.startJoinable`, to be joined once.
public final class JoinableThread: @unchecked Sendable {
    private let thread: pthread_t
    private var joined = false

    init(_ thread: pthread_t) { self.thread = thread }

    /// Waits for the thread's end. Call it once, from one thread.
    public func join() {
        guard !joined else { return }
        joined = true
        pthread_join(thread, nil)
    }
}

/// A weak reference that can cross threads.
public final class WeakRef<T: AnyObject & Sendable>: @unchecked Sendable {
    public weak var value: T?
    public init(_ value: T) { self.value = value }
}
