import HVLibvirt
import HVRuntime
import Logging
import Synchronization

/// The libvirt runtime the libvirt collectors (domains, pools, jobs) share: their lanes,
/// the marks of stuck domains, and the domain-event fan-out.
///
/// - `control`: the cheap calls that tell whether libvirtd answers (version, hypervisor,
///   domain list) and the domain metadata (XML, flags); it also carries the domain events
///   and job events (the one lane whose socket the event loop watches).
/// - `statistics`: the bulk and per-domain statistics calls, which wait on QEMU monitors;
///   retired whenever one of its calls is abandoned, so a hung guest never clogs `control`.
///   libvirt sends `virDomainListGetStats` and a domain's own calls over the connection the
///   domain's handle was listed on, whatever connection the call is made on: the domains are
///   listed on this lane too (`LibvirtCollector.statisticsHandles`) for their statistics.
/// - the jobs and pools collectors open lanes of their own (`lane(_:)`).
///
/// A domain with a call outstanding past its deadline (a hung QEMU monitor) is marked stuck
/// and asked by no collector until that call returns or a new control connection is opened.
public final class LibvirtSession: Sendable {
    public let uri: String
    let logger: Logger
    public let control: LibvirtLane
    public let statistics: LibvirtLane

    struct State {
        var hypervisor: (type: String, version: String)?
        var hypervisorGeneration = -1
    }

    private let state = Mutex(State())
    /// UUIDs of domains with a call still outstanding past its deadline.
    private let stuck = StuckSet()
    private let listeners = Mutex<[@Sendable (String, DomainEventKind) -> Void]>([])
    private let jobListeners = Mutex<[@Sendable (String, String, DomainJobEvent) -> Void]>([])

    public init(uri: String, logger: Logger) {
        self.uri = uri
        self.logger = logger
        let fanOut = EventFanOut()
        let control = LibvirtLane(
            uri: uri, purpose: "domains", events: true, logger: logger,
            onOpen: { c in
                let ok = c.onDomainEvents { uuid, kind in fanOut.deliver(uuid, kind) }
                if !ok { logger.debug("libvirt driver does not deliver all domain events; relying on metadata TTL") }
                if c.onJobEvents({ uuid, name, event in fanOut.deliverJob(uuid, name, event) }) == nil {
                    logger.debug("no job events from libvirt; jobs are seen by scrapes only", metadata: ["uri": "\(uri)"])
                }
            })
        self.control = control
        // No event watch of its own: it follows the control connection's losses.
        statistics = LibvirtLane(uri: uri, purpose: "statistics", logger: logger, watchedLosses: { control.losses })
        fanOut.session = WeakRef(self)
    }

    /// A lane of its own for one collector (jobs, pools); `events` for one that registers
    /// for events on its connection (jobs).
    public func lane(_ purpose: String, events: Bool = false) -> LibvirtLane {
        LibvirtLane(uri: uri, purpose: purpose, events: events, logger: logger)
    }

    /// Version of the libvirt library linked into this process.
    public let libraryVersion = LibvirtConnection.libraryVersion()

    /// Registers a domain-event listener (called on libvirt's event thread; keep it short).
    public func onDomainEvent(_ listener: @escaping @Sendable (String, DomainEventKind) -> Void) {
        listeners.withLock { $0.append(listener) }
    }

    fileprivate func deliver(_ uuid: String, _ kind: DomainEventKind) {
        for l in listeners.withLock({ $0 }) { l(uuid, kind) }
    }

    /// Registers a job-event listener (domain UUID, name, event; called on libvirt's event
    /// thread, keep it short). The events come over the control connection, the one the event
    /// loop watches: the lanes that ask about jobs only make calls.
    public func onJobEvent(_ listener: @escaping @Sendable (String, String, DomainJobEvent) -> Void) {
        jobListeners.withLock { $0.append(listener) }
    }

    fileprivate func deliverJob(_ uuid: String, _ name: String, _ event: DomainJobEvent) {
        for l in jobListeners.withLock({ $0 }) { l(uuid, name, event) }
    }

    /// Domains whose last call did not return within its deadline (see `markStuck`).
    public var stuckDomains: Set<String> { stuck.set.withLock { $0 } }

    /// One call's answered flag, read and written under the stuck set's lock: a call that
    /// returns just as its waiter gives up must not leave its domain marked stuck for good
    /// (it would never be asked again, so never seen answering).
    public final class CallMark: @unchecked Sendable {
        var answered = false
        public init() {}
    }

    /// Notes that a call for `uuid` outlived its deadline, unless it has returned meanwhile.
    public func markStuck(_ uuid: String, unlessAnswered mark: CallMark) {
        stuck.set.withLock { if !mark.answered { _ = $0.insert(uuid) } }
    }

    /// Notes that the outstanding call for `uuid` returned: the domain may be asked again.
    public func markAnswered(_ uuid: String, _ mark: CallMark) {
        stuck.set.withLock {
            mark.answered = true
            _ = $0.remove(uuid)
        }
    }

    /// Forgets the stuck marks once the control connection was lost (libvirtd restarted or
    /// died: the calls it had are gone with it). A connection retired by us for a slow call
    /// keeps them: the stuck calls still hold their domains' jobs.
    public func forgetStuckAfterLoss() {
        let losses = control.losses
        let lost = lossesSeen.withLock { seen -> Bool in
            defer { seen = losses }
            return seen != losses
        }
        if lost { stuck.set.withLock { $0.removeAll() } }
    }
    private let lossesSeen = Mutex(0)

    /// Changes whenever a new control connection is installed (caches keyed to it reset).
    public var generation: Int { control.generation }

    /// Hypervisor type and version, asked once per control connection.
    public func hypervisor(_ conn: LibvirtConnection, generation: Int, until deadline: ContinuousClock.Instant) -> (
        type: String, version: String
    )? {
        if let hv = state.withLock({ $0.hypervisorGeneration == generation ? $0.hypervisor : nil }) { return hv }
        guard let hv = try? LibvirtLane.run("virConnectGetVersion", until: deadline, { () throws(LibvirtError) in try conn.hypervisor() })
        else { return nil }
        state.withLock { s in
            s.hypervisor = hv
            s.hypervisorGeneration = generation
        }
        return hv
    }
}

/// Hands libvirt's domain events to the session's listeners; holds the session weakly (the
/// connection that calls it may outlive the session).
private final class EventFanOut: @unchecked Sendable {
    var session: WeakRef<LibvirtSession>?
    func deliver(_ uuid: String, _ kind: DomainEventKind) { session?.value?.deliver(uuid, kind) }
    func deliverJob(_ uuid: String, _ name: String, _ event: DomainJobEvent) { session?.value?.deliverJob(uuid, name, event) }
}

/// The stuck-domain set, in a class of its own so the control lane's open hook can clear it.
private final class StuckSet: Sendable {
    let set = Mutex<Set<String>>([])
}
