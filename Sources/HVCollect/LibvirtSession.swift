import HVLibvirt
import Logging
import Synchronization

/// One libvirt connection shared by the libvirt collectors (domains, pools, jobs), with the
/// rules that keep a scrape from hanging:
///
/// - every call runs under a deadline (`call`); a call that outlives it is abandoned;
/// - at most one open attempt at a time; an attempt that finishes after its caller gave up
///   still installs its connection for the next scrape;
/// - a connection libvirt reports closed (daemon restart, keepalive) is replaced on next use;
/// - past `maxAbandoned` stuck threads no new call is made.
public final class LibvirtSession: Sendable {
    public let uri: String
    let logger: Logger
    /// Upper bound on abandoned libvirt threads; past it no new calls are made.
    static let maxAbandoned = 64

    struct State {
        var connection: LibvirtConnection?
        var opening = false
        var hypervisor: (type: String, version: String)?
        /// Bumped on every new connection, so caches keyed to a connection can reset.
        var generation = 0
    }

    private let state = Mutex(State())
    /// UUIDs of domains with a call still outstanding past its deadline (a hung QEMU monitor):
    /// no collector asks them again until that call returns or a new connection is opened.
    private let stuck = Mutex<Set<String>>([])
    private let listeners = Mutex<[@Sendable (String, DomainEventKind) -> Void]>([])

    public init(uri: String, logger: Logger) {
        self.uri = uri
        self.logger = logger
    }

    /// Version of the libvirt library linked into this process.
    public let libraryVersion = LibvirtConnection.libraryVersion()

    /// Registers a domain-event listener (called on libvirt's event thread; keep it short).
    public func onDomainEvent(_ listener: @escaping @Sendable (String, DomainEventKind) -> Void) {
        listeners.withLock { $0.append(listener) }
    }

    /// The deadline all libvirt collectors of one scrape share, set by the first to ask.
    private let budget = Mutex<(scrape: Double, deadline: Double)>((-1, 0))

    /// Later collectors of a scrape get at least this share of the timeout, so a scrape that
    /// the domain collector used up still looks at pools and jobs, briefly.
    public static let minimumShare = 0.5

    /// The deadline for libvirt calls of the scrape whose snapshot carries `scrape` (its
    /// timestamp): now + `timeout` for the first collector that asks, the same instant for
    /// the others, but never less than `minimumShare` of `timeout` from now. A scrape with
    /// no timestamp (0) shares nothing.
    public func scrapeDeadline(scrape: Double, timeout: Double) -> Double {
        let now = Clock.monotonic()
        guard scrape > 0 else { return now + timeout }
        let shared = budget.withLock { b -> Double in
            if b.scrape != scrape { b = (scrape, now + timeout) }
            return b.deadline
        }
        return max(shared, now + timeout * Self.minimumShare)
    }

    /// Domains whose last call did not return within its deadline (see `markStuck`).
    public var stuckDomains: Set<String> { stuck.withLock { $0 } }

    /// One call's answered flag, read and written under the stuck set's lock: a call that
    /// returns just as its waiter gives up must not leave its domain marked stuck for good
    /// (it would never be asked again, so never seen answering).
    public final class CallMark: @unchecked Sendable {
        var answered = false
        public init() {}
    }

    /// Notes that a call for `uuid` outlived its deadline, unless it has returned meanwhile.
    public func markStuck(_ uuid: String, unlessAnswered mark: CallMark) {
        stuck.withLock { if !mark.answered { _ = $0.insert(uuid) } }
    }

    /// Notes that the outstanding call for `uuid` returned: the domain may be asked again.
    public func markAnswered(_ uuid: String, _ mark: CallMark) {
        stuck.withLock {
            mark.answered = true
            _ = $0.remove(uuid)
        }
    }

    /// Counter that changes whenever a new connection is installed.
    public var generation: Int { state.withLock { $0.generation } }

    static func remaining(_ deadline: Double) -> Double { max(0.05, deadline - Clock.monotonic()) }

    /// Runs one blocking libvirt call with the deadline; errors carry the call's message.
    public func call<T: Sendable>(_ what: String, _ deadline: Double, _ work: @escaping @Sendable () throws(LibvirtError) -> T) throws(CollectError) -> T {
        if Deadline.abandoned >= Self.maxAbandoned {
            throw CollectError("too many libvirt calls still stuck (\(Deadline.abandoned)); not calling \(what)")
        }
        let outcome = Deadline.run(seconds: Self.remaining(deadline)) { () -> Result<T, LibvirtError> in
            do throws(LibvirtError) { return .success(try work()) } catch { return .failure(error) }
        }
        switch outcome {
        case .timedOut: throw CollectError("\(what) did not answer within the deadline")
        case .done(.failure(let e)): throw CollectError(e.description)
        case .done(.success(let v)): return v
        }
    }

    /// A live connection, opened if needed.
    public func connection(_ deadline: Double) throws(CollectError) -> LibvirtConnection {
        let existing: LibvirtConnection? = state.withLock { s in
            if let c = s.connection, c.isAlive { return c }
            if s.connection != nil {
                logger.info("libvirt connection lost, reconnecting", metadata: ["uri": "\(self.uri)"])
            }
            s.connection = nil
            s.hypervisor = nil
            return nil
        }
        if let existing { return existing }
        let alreadyOpening = state.withLock { s -> Bool in
            if s.opening { return true }
            s.opening = true
            return false
        }
        if alreadyOpening { throw CollectError("connecting to \(uri): a previous attempt has not finished (libvirtd stuck?)") }
        let target = uri
        let outcome = Deadline.run(seconds: Self.remaining(deadline)) { [self] () -> Result<LibvirtConnection, LibvirtError> in
            let r: Result<LibvirtConnection, LibvirtError>
            do throws(LibvirtError) { r = .success(try LibvirtConnection(uri: target)) } catch { r = .failure(error) }
            // Install the connection even if the caller gave up waiting: the next scrape uses it.
            state.withLock { s in
                s.opening = false
                if case .success(let c) = r {
                    s.connection = c
                    s.generation += 1
                }
            }
            // Calls stuck on the old connection say nothing about the new one.
            if case .success = r { stuck.withLock { $0.removeAll() } }
            if case .success(let c) = r { registerEvents(c) }
            return r
        }
        switch outcome {
        case .timedOut: throw CollectError("connecting to \(uri) did not finish within the deadline")
        case .done(.failure(let e)): throw CollectError(e.description)
        case .done(.success(let c)):
            logger.info("connected to libvirt", metadata: ["uri": "\(uri)"])
            return c
        }
    }

    /// Drops `conn` (e.g. after it failed to answer); the next call reconnects.
    public func discard(_ conn: LibvirtConnection) {
        state.withLock { if $0.connection === conn { $0.connection = nil } }
    }

    /// Hypervisor type and version, asked once per connection.
    public func hypervisor(_ conn: LibvirtConnection, _ deadline: Double) -> (type: String, version: String)? {
        if let hv = state.withLock({ $0.hypervisor }) { return hv }
        guard let hv = try? call("virConnectGetVersion", deadline, { () throws(LibvirtError) in try conn.hypervisor() }) else { return nil }
        state.withLock { $0.hypervisor = hv }
        return hv
    }

    private func registerEvents(_ c: LibvirtConnection) {
        let ok = c.onDomainEvents { [weak self] uuid, kind in
            guard let self else { return }
            for l in self.listeners.withLock({ $0 }) { l(uuid, kind) }
        }
        if !ok { logger.debug("libvirt driver does not deliver all domain events; relying on metadata TTL") }
    }
}
