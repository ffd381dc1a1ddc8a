import Glibc

/// Detached threads for work that outlives the caller: the worker pool's threads, the jobs
/// sampler, the storage pool refresher. One way to start them (stack size, detached, the
/// closure's retain handed over), so no component writes `pthread_create` itself.
public enum BackgroundThread {
    /// Stack of each thread, bytes: libvirt's client calls and the collectors' parsers are
    /// shallow; the default 8 MiB would only reserve address space.
    public static let stackBytes = 512 * 1024

    /// Starts `body` on a new detached thread. Returns false when the system refused a
    /// thread (the caller decides what that means; nothing ran).
    @discardableResult
    public static func start(_ body: @escaping @Sendable () -> Void) -> Bool {
        let box = Unmanaged.passRetained(Body(body))
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
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
        return rc == 0
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

/// A weak reference that can cross threads.
public final class WeakRef<T: AnyObject & Sendable>: @unchecked Sendable {
    public weak var value: T?
    public init(_ value: T) { self.value = value }
}
