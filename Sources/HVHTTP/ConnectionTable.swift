import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Every connection the server holds, and the rules that keep slow, idle or greedy clients from
/// taking the slots scrapes need.
///
/// - At most `capacity` connections, at most `perClient` of them from one IP address.
/// - A deadline for the whole request (head and any body), counted from accept, not reset by
///   each byte; after a finished request on a kept-alive connection, from its end (`idle`).
/// - When all slots are taken, the connection that has waited longest for its request (idle or
///   unfinished, older than `minimumEvictionAge`) is closed to make room for the new one.
/// - At most `maximumHandlers` handlers run at once; requests beyond get 503.
///
/// Closing a connection that libmicrohttpd serves is done with shutdown(2) on a duplicate of
/// its socket that the table owns: MHD's thread then sees end-of-file and closes on its own
/// side, and the duplicate cannot name another file in the meantime.
final class ConnectionTable: Sendable {
    /// Limits, in connections and nanoseconds of the monotonic clock.
    struct Limits: Sendable {
        var capacity: Int
        var perClient: Int
        /// Connections beyond `capacity` still handed to libmicrohttpd to be answered 503
        /// (TLS: the answer needs a handshake, so it cannot be written by the acceptor).
        var overflow: Int
        var requestDeadline: UInt64
        var idleDeadline: UInt64
        var minimumEvictionAge: UInt64
        var maximumHandlers: Int
    }

    /// What to do with a freshly accepted connection.
    enum Admission: Equatable {
        /// Hand it to libmicrohttpd; `id` goes into its socket context.
        case serve(id: UInt64)
        /// Hand it to libmicrohttpd, which answers 503 right after the request head.
        case serveBusy(id: UInt64)
        /// Answer 503 without libmicrohttpd (plain HTTP) or close it.
        case refuse(Refusal)
    }

    enum Refusal: Equatable {
        case capacity
        case perClient
        case descriptor
    }

    /// Where a connection is in its life.
    enum Phase: Equatable {
        /// Waiting for (the rest of) a request; closed when the deadline passes.
        case receiving(since: UInt64, deadline: UInt64)
        /// A request is being answered (handler running or response being sent).
        case answering
    }

    struct Entry {
        /// The descriptor libmicrohttpd owns.
        let descriptor: Int32
        /// Our duplicate, for shutdown(2); closed when the entry goes.
        let duplicate: Int32
        let client: String
        let generation: Int
        let busy: Bool
        /// Plain HTTP: a connection closed while it waits for a request is told why first.
        let plain: Bool
        var phase: Phase
        var bound = false
        var evicted = false
        /// Requests answered on this connection so far.
        var requests = 0
        let acceptedAt: UInt64
    }

    /// Counts for logs and tests.
    struct Counts: Equatable, Sendable {
        var open = 0
        var evictedForRoom = 0
        var closedAtDeadline = 0
        var refusedCapacity = 0
        var refusedPerClient = 0
        var busyAnswers = 0
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        var byDescriptor: [Int32: UInt64] = [:]
        var perClient: [String: Int] = [:]
        var perGeneration: [Int: Int] = [:]
        /// Entries counted against `capacity` (not busy, not evicted).
        var active = 0
        var busy = 0
        var evictedPending = 0
        var handlers = 0
        var nextID: UInt64 = 1
        var totals = Counts()
        var draining: Set<Int> = []
    }

    let limits: Limits
    private let state = Mutex(State())

    init(limits: Limits) {
        self.limits = limits
    }

    /// The most connections libmicrohttpd may hold at once (MHD_OPTION_CONNECTION_LIMIT), so
    /// that it never refuses one the table admitted: capacity, busy answers, and evicted
    /// connections not yet closed.
    var daemonLimit: Int { limits.capacity + limits.overflow + Self.evictionSlack }

    /// Evicted connections still open in libmicrohttpd at most; beyond, nothing more is evicted.
    static let evictionSlack = 64

    /// Entries that libmicrohttpd never reported as started are dropped after this long.
    static let unboundGrace: UInt64 = 10_000_000_000

    /// Decides about a connection just accepted on `descriptor` from `client` (an IP address).
    /// `tls`: the daemon speaks TLS (a refusal then cannot be written here, and up to
    /// `overflow` connections are admitted to be answered 503 by libmicrohttpd).
    func admit(descriptor: Int32, client: String, tls: Bool, generation: Int, now: UInt64) -> Admission {
        let busyAllowed = tls
        return state.withLock { state in
            if let stale = state.byDescriptor[descriptor] {
                // libmicrohttpd closed that socket without telling us (a failed start).
                Self.remove(stale, from: &state)
            }
            func busyOrRefuse(_ refusal: Refusal) -> Admission {
                if refusal == .capacity { state.totals.refusedCapacity += 1 } else { state.totals.refusedPerClient += 1 }
                guard busyAllowed, state.busy < limits.overflow else { return .refuse(refusal) }
                guard
                    let id = Self.insert(
                        descriptor: descriptor, client: client, generation: generation, busy: true,
                        plain: !tls, deadline: now + limits.requestDeadline, now: now, into: &state)
                else {
                    return .refuse(.descriptor)
                }
                state.totals.busyAnswers += 1
                return .serveBusy(id: id)
            }
            if state.perClient[client, default: 0] >= limits.perClient {
                return busyOrRefuse(.perClient)
            }
            if state.active >= limits.capacity {
                if !evictOldestWaiting(&state, now: now) {
                    return busyOrRefuse(.capacity)
                }
            }
            guard
                let id = Self.insert(
                    descriptor: descriptor, client: client, generation: generation, busy: false,
                    plain: !tls, deadline: now + limits.requestDeadline, now: now, into: &state)
            else {
                return .refuse(.descriptor)
            }
            return .serve(id: id)
        }
    }

    /// libmicrohttpd refused a connection handed to it (and closed its socket).
    func dropUnstarted(id: UInt64) {
        state.withLock { Self.remove(id, from: &$0) }
    }

    /// MHD_CONNECTION_NOTIFY_STARTED: the id for the connection on `descriptor`, or nil.
    func bind(descriptor: Int32) -> UInt64? {
        state.withLock { state in
            guard let id = state.byDescriptor[descriptor] else { return nil }
            state.entries[id]?.bound = true
            return id
        }
    }

    /// MHD_CONNECTION_NOTIFY_CLOSED.
    func closed(id: UInt64) {
        state.withLock { Self.remove(id, from: &$0) }
    }

    /// The request head is complete. False when the connection was already evicted (close it).
    /// `busy` tells whether it was admitted only to be answered 503.
    func headReceived(id: UInt64) -> (proceed: Bool, busy: Bool) {
        state.withLock { state in
            guard let entry = state.entries[id] else { return (true, false) }
            return (!entry.evicted, entry.busy)
        }
    }

    /// The request is in and about to be answered: the deadline no longer applies. False when
    /// the connection was evicted meanwhile (close it).
    @discardableResult
    func answering(id: UInt64) -> Bool {
        state.withLock { state in
            guard let entry = state.entries[id] else { return true }
            guard !entry.evicted else { return false }
            state.entries[id]!.phase = .answering
            return true
        }
    }

    /// Takes a handler slot; false when `maximumHandlers` run already (answer 503).
    func acquireHandler() -> Bool {
        state.withLock { state in
            guard state.handlers < limits.maximumHandlers else { return false }
            state.handlers += 1
            return true
        }
    }

    /// Gives back a slot taken by `acquireHandler`.
    func releaseHandler() {
        state.withLock { $0.handlers -= 1 }
    }

    /// MHD_OPTION_NOTIFY_COMPLETED: the connection waits for its next request (keep-alive).
    func requestCompleted(id: UInt64, now: UInt64) {
        state.withLock { state in
            guard let entry = state.entries[id], !entry.evicted else { return }
            state.entries[id]!.phase = .receiving(since: now, deadline: now + limits.idleDeadline)
            state.entries[id]!.requests += 1
            if state.draining.contains(entry.generation) {
                Self.evict(id, in: &state)
            }
        }
    }

    /// Closes connections past their deadline and forgets entries libmicrohttpd never started.
    /// Returns how many were closed at their deadline.
    @discardableResult
    func sweep(now: UInt64) -> Int {
        state.withLock { state in
            var closed = 0
            var forgotten: [UInt64] = []
            for (id, entry) in state.entries where !entry.evicted {
                if !entry.bound, now &- entry.acceptedAt > Self.unboundGrace {
                    forgotten.append(id)
                    continue
                }
                if case .receiving(_, let deadline) = entry.phase, now >= deadline {
                    Self.evict(id, in: &state, telling: Self.timeoutAnswer)
                    closed += 1
                }
            }
            for id in forgotten { Self.remove(id, from: &state) }
            state.totals.closedAtDeadline += closed
            return closed
        }
    }

    /// Stops new requests of `generation`: its waiting connections are closed now, the others
    /// after their current request.
    func drain(generation: Int) {
        state.withLock { state in
            state.draining.insert(generation)
            for (id, entry) in state.entries where entry.generation == generation && !entry.evicted {
                if case .receiving = entry.phase { Self.evict(id, in: &state) }
            }
        }
    }

    /// Closes every connection of `generation`, also those being answered.
    func closeAll(generation: Int) {
        state.withLock { state in
            for (id, entry) in state.entries where entry.generation == generation { Self.evict(id, in: &state) }
        }
    }

    /// Connections still open in `generation`.
    func openConnections(generation: Int) -> Int {
        state.withLock { $0.perGeneration[generation, default: 0] }
    }

    /// Handlers running now.
    var handlersRunning: Int { state.withLock { $0.handlers } }

    var counts: Counts {
        state.withLock { state in
            var counts = state.totals
            counts.open = state.entries.count
            return counts
        }
    }

    // MARK: - Under the lock

    private static func insert(
        descriptor: Int32, client: String, generation: Int, busy: Bool, plain: Bool, deadline: UInt64, now: UInt64,
        into state: inout State
    ) -> UInt64? {
        let duplicate = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard duplicate >= 0 else { return nil }
        let id = state.nextID
        state.nextID += 1
        state.entries[id] = Entry(
            descriptor: descriptor, duplicate: duplicate, client: client, generation: generation, busy: busy,
            plain: plain, phase: .receiving(since: now, deadline: deadline), acceptedAt: now)
        state.byDescriptor[descriptor] = id
        state.perClient[client, default: 0] += 1
        state.perGeneration[generation, default: 0] += 1
        if busy { state.busy += 1 } else { state.active += 1 }
        return id
    }

    private static func remove(_ id: UInt64, from state: inout State) {
        guard let entry = state.entries.removeValue(forKey: id) else { return }
        if state.byDescriptor[entry.descriptor] == id {
            state.byDescriptor.removeValue(forKey: entry.descriptor)
        }
        if entry.evicted {
            state.evictedPending -= 1
        } else {
            release(entry, in: &state)
        }
        state.perGeneration[entry.generation, default: 1] -= 1
        if state.perGeneration[entry.generation] == 0 { state.perGeneration.removeValue(forKey: entry.generation) }
        _ = Glibc.close(entry.duplicate)
    }

    /// Gives back the slot and per-client count of a connection that is going away.
    private static func release(_ entry: Entry, in state: inout State) {
        if entry.busy { state.busy -= 1 } else { state.active -= 1 }
        let left = state.perClient[entry.client, default: 1] - 1
        if left == 0 { state.perClient.removeValue(forKey: entry.client) } else { state.perClient[entry.client] = left }
    }

    /// shutdown(2) through our duplicate: MHD's thread sees end-of-file and closes. A plain
    /// HTTP connection waiting for its first request is first sent `answer`, if given (nothing
    /// else writes to it then: its response comes only after `answering`, under this lock). A
    /// kept-alive connection between requests is closed silently, as an idle timeout would:
    /// clients retry on a fresh connection, and an unsolicited status on an idle connection is
    /// logged as an error by some (Go's net/http, except for 408).
    private static func evict(_ id: UInt64, in state: inout State, telling answer: [UInt8]? = nil) {
        guard let entry = state.entries[id], !entry.evicted else { return }
        state.entries[id]!.evicted = true
        state.evictedPending += 1
        release(entry, in: &state)
        if let answer, entry.plain, entry.requests == 0, case .receiving = entry.phase {
            answer.withUnsafeBytes { bytes in
                _ = send(entry.duplicate, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
            }
        }
        _ = shutdown(entry.duplicate, Int32(SHUT_RDWR))
    }

    /// Sent to a plain-HTTP client turned away or closed for room: 503 with Retry-After.
    static let busyAnswer = canned(503, "Service Unavailable", "too many connections, retry later", retry: true)
    /// Sent to a plain-HTTP client whose request did not arrive in time.
    static let timeoutAnswer = canned(408, "Request Timeout", "the request did not arrive in time", retry: false)

    private static func canned(_ status: Int, _ phrase: String, _ why: String, retry: Bool) -> [UInt8] {
        let body = "\(phrase): \(why)\n"
        var text = "HTTP/1.1 \(status) \(phrase)\r\n"
        if retry { text += "Retry-After: \(ServerContext.retryAfterSeconds)\r\n" }
        text += "Content-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        return Array(text.utf8)
    }

    /// Closes the connection that has waited longest for a request, if one is old enough.
    private func evictOldestWaiting(_ state: inout State, now: UInt64) -> Bool {
        guard state.evictedPending < Self.evictionSlack else { return false }
        var victim: (id: UInt64, since: UInt64)?
        for (id, entry) in state.entries where !entry.evicted && !entry.busy {
            guard case .receiving(let since, _) = entry.phase, now &- since >= limits.minimumEvictionAge else { continue }
            if victim == nil || since < victim!.since { victim = (id, since) }
        }
        guard let victim else { return false }
        Self.evict(victim.id, in: &state, telling: Self.busyAnswer)
        state.totals.evictedForRoom += 1
        return true
    }
}
