import HVLibvirt
import HVRuntime
import Logging
import Synchronization

/// One libvirt connection slot: the one routine that opens a connection under a deadline,
/// and the rule that a connection with a stuck call is not used again.
///
/// Why lanes: with libvirt 9.0 (measured in the lab), once one call on a connection waits for
/// something that does not come (the monitor of a stopped QEMU, a storage pool locked by a
/// long refresh), the connection answers about three more calls and then every further call
/// on it waits for the stuck one (libvirtd serves `max_client_requests`, default 5, calls of
/// one client at a time). So the calls that can get stuck (domain statistics, job queries,
/// pool calls) each go over a lane of their own, apart from the lane of the cheap calls that
/// say whether libvirtd answers at all (version, domain list); and a lane whose call outlived
/// its deadline is `retire`d: the next call opens a fresh connection, the stuck call keeps
/// the old one alive until it returns.
///
/// At most one open attempt runs at a time; an attempt that finishes after its caller gave up
/// still installs its connection for the next call.
public final class LibvirtLane: Sendable {
    public let uri: String
    /// What the lane carries ("domains", "statistics", "jobs", "pools", "pool refresh"), for logs.
    public let purpose: String
    public let readOnly: Bool
    /// Connections watched by the event loop (domain or job events; see `LibvirtEventLoop`).
    public let events: Bool
    let logger: Logger
    /// Runs on the worker thread that opened a connection, before it is handed out
    /// (event registration).
    private let onOpen: (@Sendable (LibvirtConnection) -> Void)?
    /// Another lane's loss count (the control connection's, which has an event watch), for a
    /// lane without one: a connection of this lane opened before that lane's latest loss
    /// (libvirtd restarted) is retired before use, rather than learning it from a failing call.
    private let watchedLosses: (@Sendable () -> Int)?

    struct State {
        var connection: LibvirtConnection?
        var opening = false
        /// Bumped on every new connection (handles and event registrations belong to one).
        var generation = 0
        /// Bumped when a connection was found closed by libvirt (daemon restart, EOF), not
        /// when it was retired for a stuck call: the daemon's state may have been lost.
        var losses = 0
        var retired = 0
        /// `watchedLosses` when the current connection was opened.
        var openedAtLoss = 0
    }

    private let state = Mutex(State())

    public init(
        uri: String, purpose: String, readOnly: Bool = true, events: Bool = false, logger: Logger,
        watchedLosses: (@Sendable () -> Int)? = nil, onOpen: (@Sendable (LibvirtConnection) -> Void)? = nil
    ) {
        self.watchedLosses = watchedLosses
        self.uri = uri
        self.purpose = purpose
        self.readOnly = readOnly
        self.events = events
        self.logger = logger
        self.onOpen = onOpen
    }

    /// Generation of the current connection.
    public var generation: Int { state.withLock { $0.generation } }
    /// How often the connection was lost (see `State.losses`).
    public var losses: Int { state.withLock { $0.losses } }
    /// How often a connection was retired for a stuck call.
    public var retired: Int { state.withLock { $0.retired } }

    /// A live connection, opened (`virConnectOpenReadOnly` or `virConnectOpen`) if needed,
    /// waiting for the open until `deadline` at most.
    public func connection(until deadline: ContinuousClock.Instant) throws(CollectError) -> (LibvirtConnection, generation: Int) {
        let watched = watchedLosses?() ?? 0
        let existing = state.withLock { s -> (LibvirtConnection, Int)? in
            if let c = s.connection, c.isAlive {
                if s.openedAtLoss == watched { return (c, s.generation) }
                s.connection = nil
                s.retired += 1
                logger.info(
                    "libvirt connection retired; the next call opens a fresh one",
                    metadata: [
                        "uri": "\(uri)", "lane": "\(purpose)",
                        "reason": "the control connection was lost since it was opened (libvirtd restarted?)",
                    ])
                return nil
            }
            if s.connection != nil {
                s.connection = nil
                s.losses += 1
                logger.info("libvirt connection lost; reconnecting", metadata: ["uri": "\(uri)", "lane": "\(purpose)"])
            }
            return nil
        }
        if let existing { return existing }
        let busy = state.withLock { s -> Bool in
            if s.opening { return true }
            s.opening = true
            return false
        }
        if busy { throw CollectError("connecting to \(uri): a previous attempt has not finished (libvirtd stuck?)") }
        let (target, readOnly, events, onOpen) = (uri, self.readOnly, self.events, self.onOpen)
        let outcome = Deadline.run(until: deadline) { [self] () -> Result<(LibvirtConnection, Int), LibvirtError> in
            let r: Result<LibvirtConnection, LibvirtError>
            do throws(LibvirtError) {
                r = .success(try LibvirtConnection(uri: target, readOnly: readOnly, events: events))
            } catch { r = .failure(error) }
            if case .success(let c) = r { onOpen?(c) }
            // Installed even if the caller gave up waiting: the next call uses it.
            return state.withLock { s in
                s.opening = false
                switch r {
                case .success(let c):
                    s.connection = c
                    s.generation += 1
                    s.openedAtLoss = watched
                    return .success((c, s.generation))
                case .failure(let e):
                    return .failure(e)
                }
            }
        }
        switch outcome {
        case .timedOut: throw CollectError("connecting to \(uri) did not finish within the deadline")
        case .refused:
            state.withLock { $0.opening = false }
            throw CollectError.tooManyStuck("connecting to \(uri)")
        case .done(.failure(let e)): throw CollectError(e.description)
        case .done(.success(let c)):
            logger.info("connected to libvirt", metadata: ["uri": "\(uri)", "lane": "\(purpose)"])
            return c
        }
    }

    /// Stops using `conn` (one of its calls is stuck, or it failed to answer); the next
    /// `connection` opens another.
    public func retire(_ conn: LibvirtConnection, because why: String) {
        let changed = state.withLock { s -> Bool in
            guard s.connection === conn else { return false }
            s.connection = nil
            s.retired += 1
            return true
        }
        if changed {
            logger.info(
                "libvirt connection retired; the next call opens a fresh one",
                metadata: ["uri": "\(uri)", "lane": "\(purpose)", "reason": "\(why)"])
        }
    }

    /// Runs one blocking call on this lane's connection, waiting until `deadline` at most.
    /// A call that outlives the deadline retires the connection (it is clogged now). A call
    /// that fails because the connection was lost is made once more on a fresh connection
    /// (`withConnection`).
    public func call<T: Sendable>(
        _ what: String, until deadline: ContinuousClock.Instant,
        _ work: @escaping @Sendable (LibvirtConnection) throws(LibvirtError) -> T
    ) throws(CollectError) -> T {
        try withConnection(until: deadline) { conn, _ throws(CollectError) in
            try run(what, on: conn, until: deadline) { () throws(LibvirtError) in try work(conn) }
        }
    }

    /// `body` with this lane's connection (and its generation), opened if needed. When `body`
    /// fails because that connection was lost (libvirtd restarted or closed the socket: a
    /// connection without events learns it only from a failing call), `body` runs once more
    /// on a fresh connection. A call that timed out is not repeated: `run` retired its
    /// connection, and the time is spent. The one place of that rule for every lane user:
    /// `body` returns whatever it needs of the connection it ran on (handles belong to it).
    public func withConnection<T>(
        until deadline: ContinuousClock.Instant,
        _ body: (LibvirtConnection, _ generation: Int) throws(CollectError) -> T
    ) throws(CollectError) -> T {
        let (conn, generation) = try connection(until: deadline)
        do {
            return try body(conn, generation)
        } catch {
            guard !error.timedOut, !conn.isAlive else { throw error }
            let (again, next) = try connection(until: deadline)
            return try body(again, next)
        }
    }

    /// `work` on `conn` (a connection this lane gave out) under `deadline`; a call that does
    /// not answer in time retires `conn`: it is clogged now, and the next call opens a fresh one.
    public func run<T: Sendable>(
        _ what: String, on conn: LibvirtConnection, until deadline: ContinuousClock.Instant,
        _ work: @escaping @Sendable () throws(LibvirtError) -> T
    ) throws(CollectError) -> T {
        do {
            return try LibvirtLane.run(what, until: deadline, work)
        } catch {
            if error.timedOut { retire(conn, because: "\(what) did not answer within the deadline") }
            throw error
        }
    }

    /// Runs one blocking libvirt call on a worker thread, waiting until `deadline`; errors
    /// carry the call's message.
    public static func run<T: Sendable>(
        _ what: String, until deadline: ContinuousClock.Instant,
        _ work: @escaping @Sendable () throws(LibvirtError) -> T
    ) throws(CollectError) -> T {
        let outcome = Deadline.run(until: deadline) { () -> Result<T, LibvirtError> in
            do throws(LibvirtError) { return .success(try work()) } catch { return .failure(error) }
        }
        switch outcome {
        case .timedOut: throw CollectError("\(what) did not answer within the deadline", timedOut: true)
        case .refused: throw CollectError.tooManyStuck(what)
        case .done(.failure(let e)): throw CollectError(e.description)
        case .done(.success(let v)): return v
        }
    }
}
