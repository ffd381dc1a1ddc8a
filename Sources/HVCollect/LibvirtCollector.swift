import HVLibvirt
import HVModel
import HVRuntime
import HVSystem
import Logging
import Synchronization

/// Collects every libvirt domain (running or not) with bulk statistics.
///
/// Per scrape, on a warm cache: one domain list and the bulk-statistics RPCs (the daemon's
/// version is asked once per connection). Domain XML, persistent and autostart flags are
/// fetched only for new domains, after a lifecycle or device event, or when older than
/// `metadataTTL` (times a factor between 0.5 and 1.5 fixed per domain, `Clock.spread`, so that
/// domains do not all come due together).
///
/// Never hangs: each call runs under a deadline (`Deadline.run`); a domain whose job lock is
/// held is reported `timedOut` while the others are served; a stuck or dead daemon gives
/// `libvirt.up == false` and the connection is re-opened by a later scrape.
public final class LibvirtCollector: Collector, @unchecked Sendable {
    public let name = "libvirt"
    public let uri: String
    /// `--libvirt.timeout`: a domain busy for this long in a row is reported timed out.
    public let timeout: Duration
    /// How long cached domain metadata (XML, persistent, autostart) is trusted, seconds.
    public let metadataTTL: Double
    let logger: Logger

    struct Metadata {
        var domainID: Int?
        var persistent: Bool?
        var autostart: Bool?
        var description: DomainDescription?
        var fetchedAt: Double
    }

    struct State {
        /// Session generation the caches below belong to.
        var generation = -1
        var metadata: [String: Metadata] = [:]
        /// UUIDs whose metadata must be re-read (domain events).
        var invalidated: Set<String> = []
        var lastError: String?
        /// Last full statistics of paused domains: a paused guest's CPU, vCPU, balloon and
        /// block figures stand still, so they are asked again only after `pausedRefresh`, a
        /// lifecycle or device event, or a new domain ID; state and interfaces (the host side
        /// of a tap still counts) are asked every scrape.
        var paused: [String: PausedStats] = [:]
        /// Last complete statistics of each running domain (served, marked stale, while the
        /// domain is busy or stuck).
        var lastGood: [String: LastGood] = [:]
        /// Since when (monotonic seconds) each domain has been busy or unanswered.
        var busySince: [String: Double] = [:]
        /// libvirtd's version, asked once per control connection (`generation`).
        var daemonVersion: String?
        /// Whether a paused domain's interfaces are host tap devices (`TapCounters`), for the
        /// domain ID it was checked at.
        var tapServable: [String: (domainID: Int?, servable: Bool)] = [:]
        /// The domains' handles on the statistics connection of `statisticsGeneration`, by
        /// UUID (`statisticsHandles`).
        var statisticsHandles: [String: LibvirtDomain] = [:]
        var statisticsGeneration = -1
    }

    struct LastGood {
        var params: TypedParameters
        var domainID: Int?
        var at: Double
    }

    struct PausedStats {
        var params: TypedParameters
        var domainID: Int?
        var fetchedAt: Double
    }

    /// How often a paused domain's full statistics are asked again when no event said it
    /// changed, seconds (times `Clock.spread`). Its figures stand still (the QEMU process's
    /// own threads may add some CPU time, shown at the next refresh); the full statistics cost
    /// libvirtd about 1.3 ms per domain (block, balloon, vCPU: monitor calls), so with 60
    /// paused domains a one-minute refresh was about 7 ms of libvirtd's CPU per 5-second
    /// scrape, half of it.
    static let pausedRefresh = 300.0

    /// Groups asked every scrape for a paused domain whose other figures are cached.
    static let pausedGroups: DomainStatsGroups = [.state, .interface]

    let state = Mutex(State())
    public let session: LibvirtSession
    /// libvirtd runs on this host (`TapCounters.isLocal`): paused domains' tap counters are
    /// read here.
    let localQEMU: Bool
    let hostProc = ProcFS(root: "/proc")

    public init(session: LibvirtSession, timeout: Duration = .seconds(5), metadataTTL: Double = 60, logger: Logger) {
        self.session = session
        self.uri = session.uri
        self.localQEMU = TapCounters.isLocal(session.uri)
        self.timeout = timeout
        self.metadataTTL = metadataTTL
        self.logger = logger
        session.onDomainEvent { [weak self] uuid, kind in
            switch kind {
            case .lifecycle, .deviceAdded, .deviceRemoved, .device:
                self?.state.withLock { _ = $0.invalidated.insert(uuid) }
            default: break
            }
        }
    }

    public static var fills: Set<SnapshotPart> { [.libvirtDomains] }

    public func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws {
        let start = ContinuousClock.now
        var status = LibvirtStatus(uri: uri, up: false, libraryVersion: session.libraryVersion)
        defer {
            status.durationSeconds = (ContinuousClock.now - start).seconds
            snapshot.libvirt = status
        }
        do {
            let guests = try collectGuests(deadline: scrape.libvirtDeadline, status: &status)
            snapshot.guests.append(contentsOf: guests)
            status.up = true
            state.withLock { $0.lastError = nil }
        } catch {
            status.up = false
            status.error = error.description
            let changed = state.withLock { s in
                defer { s.lastError = error.description }
                return s.lastError != error.description
            }
            if changed { logger.warning("libvirt unavailable", metadata: ["uri": "\(uri)", "error": "\(error.description)"]) }
            throw error
        }
    }

    // MARK: - steps

    private func collectGuests(deadline: ContinuousClock.Instant, status: inout LibvirtStatus) throws(CollectError) -> [Guest] {
        // The domain list, on the control connection. A first try that does not answer within
        // `listShare` of the budget is retired and the list asked once more on a fresh
        // connection: seen in the lab with a stopped QEMU, a connection of ours stopped
        // answering for seconds while libvirtd answered other clients at once.
        var attempt = 0
        var listed: (LibvirtConnection, Int, [LibvirtDomain])?
        while listed == nil {
            attempt += 1
            let last = attempt >= 2
            let until = last ? deadline : ContinuousClock.now + (deadline - .now) * Self.listShare
            do {
                listed = try listDomains(until: until, status: &status)
            } catch {
                if last || !error.timedOut { throw error }
                logger.info(
                    "libvirt domain list did not answer in time; asking once more on a fresh connection",
                    metadata: ["error": "\(error.description)"])
            }
        }
        let (conn, _, domains) = listed!
        let driver = (status.hypervisorType ?? "qemu").lowercased()

        let stuck = session.stuckDomains
        let invalidated = state.withLock { s -> Set<String> in
            defer { s.invalidated = [] }
            return s.invalidated
        }
        let metadataStart = ContinuousClock.now
        refreshMetadata(conn, domains, invalidated: invalidated, deadline: deadline)
        let statsStart = ContinuousClock.now
        var retrySeconds = 0.0
        defer {
            logger.debug(
                "libvirt steps",
                metadata: [
                    "domains": "\(domains.count)", "invalidated": "\(invalidated.count)",
                    "metadata_seconds": "\((statsStart - metadataStart).seconds)",
                    "statistics_seconds": "\((ContinuousClock.now - statsStart).seconds - retrySeconds)",
                    "busy_retry_seconds": "\(retrySeconds)",
                    "remaining_seconds": "\((deadline - ContinuousClock.now).seconds)",
                ])
        }

        let ask = domains.filter { !stuck.contains($0.uuid) }
        var records: [String: TypedParameters] = [:]
        var timedOut = stuck
        if !ask.isEmpty {
            let now = Clock.monotonic()
            let cached = state.withLock { $0.paused }
            let light = ask.filter { d in
                guard let c = cached[d.uuid] else { return false }
                return c.domainID == d.id && now - c.fetchedAt < Self.pausedRefresh * Clock.spread(d.uuid) && !invalidated.contains(d.uuid)
            }
            let lightSet = Set(light.map(\.uuid))
            let full = ask.filter { !lightSet.contains($0.uuid) }
            // Paused domains whose interfaces are host tap devices: their interface figures
            // come from one read of /proc/net/dev here rather than from libvirtd.
            let (descriptions, counters) = tapServed(light, driver: driver, invalidated: invalidated)
            var refreshed: Set<String> = []
            var failed: [LibvirtDomain] = []
            var failures: [String] = []
            // Domains of bulk calls that did not answer in time, with the mark their call
            // clears when it returns at last.
            var abandoned: [String: LibvirtSession.CallMark] = [:]
            do {
                let (stats, handles) = try statisticsHandles(until: ContinuousClock.now + (deadline - .now) * Self.listShare, covering: ask)
                let batches = Self.statsBatches(full: full, light: light, ownInterfaces: Set(descriptions.keys))
                // The bulk calls get half of what is left: a stuck one leaves time to find out
                // which domain holds it and for the job collector.
                let batchDeadline = ContinuousClock.now + (deadline - .now) * Self.bulkShare
                let pending = batches.map { b in
                    let marks = Dictionary(b.domains.map { ($0.uuid, LibvirtSession.CallMark()) }, uniquingKeysWith: { a, _ in a })
                    // A domain undefined since the list has no handle here: skipped, as
                    // libvirt skips one undefined since the list it was asked with.
                    let onStats = b.domains.compactMap { handles[$0.uuid] }
                    return (
                        b, marks,
                        Deadline.start { [session] () -> Result<[DomainStatsRecord], LibvirtError> in
                            defer { for (uuid, mark) in marks { session.markAnswered(uuid, mark) } }
                            if onStats.isEmpty { return .success([]) }
                            do throws(LibvirtError) {
                                return .success(
                                    try stats.domainStats(onStats, groups: b.groups, noWait: true))
                            } catch { return .failure(error) }
                        }
                    )
                }
                var clogged = false
                for (b, marks, p) in pending {
                    switch p.wait(until: batchDeadline) {
                    case .done(.success(let recs)):
                        for r in recs {
                            if b.light {
                                guard let c = cached[r.uuid] else { continue }
                                var fresh = r.params
                                if b.ownInterfaces, let desc = descriptions[r.uuid] {
                                    fresh.items += TapCounters.parameters(desc, counters: counters)
                                }
                                records[r.uuid] = Self.merge(cached: c.params, fresh: fresh)
                            } else {
                                records[r.uuid] = r.params
                                refreshed.insert(r.uuid)
                            }
                        }
                    case .done(.failure(let e)):
                        failed += b.domains
                        failures.append(e.description)
                    case .timedOut:
                        clogged = true
                        failed += b.domains
                        abandoned.merge(marks) { a, _ in a }
                        failures.append("virDomainListGetStats did not answer within the deadline")
                    case .refused:
                        failed += b.domains
                        failures.append(CollectError.tooManyStuck("virDomainListGetStats").description)
                    }
                }
                // The call still running holds that connection: the fallback and the next
                // scrape take a fresh one, and the control connection never saw it.
                if clogged { session.statistics.retire(stats, because: "a bulk statistics call did not answer within the deadline") }
            } catch {
                failed = full + light
                failures.append(error.description)
            }
            if !failed.isEmpty {
                logger.warning(
                    "bulk domain stats failed; asking each domain",
                    metadata: ["error": "\(failures.joined(separator: "; "))", "domains": "\(failed.count)"])
                let (perDomain, late) = perDomainStats(failed, deadline: deadline)
                records.merge(perDomain) { _, new in new }
                refreshed.formUnion(perDomain.keys)
                timedOut.formUnion(late)
                // A domain of an abandoned bulk call that answers without its job-bound figures
                // finds its job held, by that very call (it is the one that hangs it) or for a
                // moment by another client: asked again a few times, only the first stays busy.
                let busyNow = failed.filter { abandoned[$0.uuid] != nil && records[$0.uuid].map(Self.lacksJobFigures) == true }
                retryBusy(&records, domains: busyNow, refreshed: &refreshed, deadline: deadline)
                for (uuid, mark) in abandoned where records[uuid].map(Self.lacksJobFigures) ?? true {
                    session.markStuck(uuid, unlessAnswered: mark)
                    if session.stuckDomains.contains(uuid) {
                        timedOut.insert(uuid)
                        logger.warning(
                            "domain did not answer within the deadline",
                            metadata: ["domain": "\(failed.first { $0.uuid == uuid }?.name ?? uuid)"])
                    }
                }
            }
            // Retried: the domains that were not busy in the last scrape (one busy for longer
            // would only cost every scrape the pauses).
            let wasBusy = state.withLock { Set($0.busySince.keys) }
            let retryStart = ContinuousClock.now
            retryBusy(
                &records, domains: ask.filter { !timedOut.contains($0.uuid) && !wasBusy.contains($0.uuid) },
                refreshed: &refreshed, deadline: deadline)
            retrySeconds = (ContinuousClock.now - retryStart).seconds
            notePaused(records, domains: ask, refreshed: refreshed, at: now)
        }

        let meta = state.withLock { $0.metadata }
        let now = Clock.monotonic()
        var guests: [Guest] = []
        guests.reserveCapacity(domains.count)
        state.withLock { s in
            for d in domains {
                // An active domain's state is the record's; without one (its statistics did not
                // come this scrape and there are no earlier ones) it is not known: "nostate",
                // not a guess of "running" (a paused incoming migration guessed running would
                // look like the same guest running on two hosts).
                var g = Guest(
                    name: d.name, uuid: d.uuid, kind: driver == "lxc" ? .container : .vm,
                    driver: driver, state: d.id == nil ? .shutoff : .nostate)
                g.domainID = d.id
                g.listedByLibvirt = true
                if let m = meta[d.uuid] {
                    g.persistent = m.persistent
                    g.autostart = m.autostart
                }
                var busy = false
                if let p = records[d.uuid] {
                    DomainStatsMapping.apply(p, to: &g)
                    busy = DomainStatsMapping.missingJobStats(g)
                    if !busy {
                        // Fresh and complete: the figures to show should a later scrape find
                        // the domain busy or stuck.
                        if d.id != nil { s.lastGood[d.uuid] = LastGood(params: p, domainID: d.id, at: now) }
                        s.busySince[d.uuid] = nil
                    }
                } else if d.id != nil {
                    busy = true
                }
                if timedOut.contains(d.uuid) { busy = true }
                if busy, let last = s.lastGood[d.uuid], last.domainID == d.id {
                    // Busy (another client holds the domain's job) or stuck: the last complete
                    // figures, said to be stale, rather than none.
                    let fresh = records[d.uuid] ?? TypedParameters([])
                    var stale = Guest(name: d.name, uuid: d.uuid, kind: g.kind, driver: driver, state: g.state)
                    DomainStatsMapping.apply(Self.fillMissing(fresh: fresh, from: last.params), to: &stale)
                    stale.domainID = g.domainID
                    stale.listedByLibvirt = true
                    stale.persistent = g.persistent
                    stale.autostart = g.autostart
                    if records[d.uuid] == nil { stale.state = g.state == .shutoff ? .shutoff : stale.state }
                    g = stale
                    g.statsAgeSeconds = now - last.at
                }
                if let desc = meta[d.uuid]?.description, g.statsAgeSeconds != nil || records[d.uuid] != nil {
                    DomainStatsMapping.merge(desc, into: &g)
                }
                if g.kind == .vm {
                    // Blockers read off the XML; a domain whose XML was not read is unknown.
                    g.migrationBlockers = MigrationAssessment.blockers(meta[d.uuid]?.description, persistent: g.persistent)
                }
                if busy {
                    let since = s.busySince[d.uuid] ?? now
                    s.busySince[d.uuid] = since
                    // Busy for a moment is not stuck: timed out once a call is stuck, or the
                    // domain stayed busy across a whole libvirt budget.
                    g.timedOut =
                        timedOut.contains(d.uuid) || now - since >= timeout.seconds || s.lastGood[d.uuid] == nil && records[d.uuid] == nil
                }
                guests.append(g)
            }
            let present = Set(domains.map(\.uuid))
            s.lastGood = s.lastGood.filter { present.contains($0.key) }
            s.busySince = s.busySince.filter { present.contains($0.key) }
        }
        guests.sort { $0.name < $1.name }
        return guests
    }

    /// How often, and after what pause, a domain whose statistics came without the figures
    /// that need its job (another client held the job) is asked again within the scrape.
    static let busyRetryPauses: [Duration] = [.milliseconds(20), .milliseconds(50), .milliseconds(100)]

    /// Asks again, a few times with short pauses, the running domains whose record lacks the
    /// job-bound figures (block, balloon): a job held for milliseconds by another libvirt
    /// client (virt-manager, another exporter, a cloud controller) is not a hung guest.
    private func retryBusy(
        _ records: inout [String: TypedParameters], domains: [LibvirtDomain], refreshed: inout Set<String>,
        deadline: ContinuousClock.Instant
    ) {
        func busy() -> [LibvirtDomain] {
            domains.filter { d in
                guard d.id != nil, let p = records[d.uuid] else { return false }
                return Self.lacksJobFigures(p)
            }
        }
        for pause in Self.busyRetryPauses {
            let again = busy()
            guard !again.isEmpty, ContinuousClock.now + pause < deadline else { return }
            BackgroundThread.sleep(for: pause)
            guard let (conn, handles) = try? statisticsHandles(until: deadline, covering: again) else { return }
            let onStats = again.compactMap { handles[$0.uuid] }
            guard !onStats.isEmpty,
                let recs = try? session.statistics.run(
                    "virDomainListGetStats (busy domains)", on: conn, until: deadline,
                    { () throws(LibvirtError) in
                        try conn.domainStats(onStats, groups: .standard, noWait: true)
                    })
            else { return }
            for r in recs {
                records[r.uuid] = r.params
                refreshed.insert(r.uuid)
            }
        }
    }

    /// `fresh` with every key it lacks taken from `from` (a busy domain's record keeps its
    /// state, CPU and interface figures and gets its last block and balloon figures).
    static func fillMissing(fresh: TypedParameters, from: TypedParameters) -> TypedParameters {
        let have = Set(fresh.items.map(\.key))
        return TypedParameters(fresh.items + from.items.filter { !have.contains($0.key) })
    }

    /// Share of the libvirt budget left that the first try of the domain list may wait.
    static let listShare = 0.3

    /// Version (liveness), hypervisor and the domain list on the control connection, each
    /// waited for until `until`; a call that does not answer retires the connection.
    private func listDomains(until: ContinuousClock.Instant, status: inout LibvirtStatus) throws(CollectError) -> (
        LibvirtConnection, Int, [LibvirtDomain]
    ) {
        let (conn, generation) = try session.control.connection(until: until)
        session.forgetStuckAfterLoss()
        state.withLock { s in
            if s.generation != generation {
                // Caches tied to a connection go; the last complete figures of each domain
                // (kept by UUID and domain ID) and how long it has been busy stay.
                var fresh = State()
                fresh.generation = generation
                fresh.lastGood = s.lastGood
                fresh.busySince = s.busySince
                s = fresh
            }
        }
        // The daemon version, once per connection (a restarted daemon means a new one), in a
        // cheap RPC that needs no domain lock; a daemon that does not answer it is stuck or
        // gone: the connection is dropped. Afterwards the domain list alone says the daemon
        // answers (the event loop's keepalive watches this connection between scrapes).
        let known = state.withLock { s in s.daemonVersion }
        if let known {
            status.daemonVersion = known
        } else {
            do {
                let v = try LibvirtLane.run("virConnectGetLibVersion", until: until) { () throws(LibvirtError) in
                    try conn.daemonVersion()
                }
                status.daemonVersion = v
                state.withLock { $0.daemonVersion = v }
            } catch {
                session.control.retire(conn, because: error.description)
                throw error
            }
        }
        if let hv = session.hypervisor(conn, generation: generation, until: until) {
            (status.hypervisorType, status.hypervisorVersion) = (hv.type, hv.version)
        }
        let domains = try session.control.run("virConnectListAllDomains", on: conn, until: until) { () throws(LibvirtError) in
            try conn.listAllDomains()
        }
        return (conn, generation, domains)
    }

    /// The statistics connection, with the handles of the domains on it by UUID.
    ///
    /// libvirt sends a domain's calls, `virDomainListGetStats` included, over the connection
    /// its handle came from (the first domain's, for a list), not the one the call is made
    /// on: the domains listed on the control connection would take their statistics there.
    /// So the domains are listed on the statistics connection too (one
    /// `virConnectListAllDomains`), kept for as long as that connection lives, and listed again
    /// only when the control list names a domain this one lacks. libvirtd finds a domain by
    /// UUID, so a kept handle serves a domain restarted since (new ID); the records come with
    /// the current one. A list that does not answer by `until` retires the connection.
    ///
    /// After a libvirtd restart the lane hands out a fresh connection (it follows the control
    /// connection's losses), so the bulk calls are not made on a dead one.
    private func statisticsHandles(
        until: ContinuousClock.Instant, covering domains: [LibvirtDomain] = []
    ) throws(CollectError) -> (LibvirtConnection, [String: LibvirtDomain]) {
        let (conn, generation) = try session.statistics.connection(until: until)
        let kept = state.withLock { s in s.statisticsGeneration == generation ? s.statisticsHandles : nil }
        if let kept, domains.allSatisfy({ kept[$0.uuid] != nil }) { return (conn, kept) }
        let listed = try session.statistics.run("virConnectListAllDomains (statistics)", on: conn, until: until) {
            () throws(LibvirtError) in try conn.listAllDomains()
        }
        let handles = Dictionary(listed.map { ($0.uuid, $0) }, uniquingKeysWith: { a, _ in a })
        state.withLock { s in
            s.statisticsHandles = handles
            s.statisticsGeneration = generation
        }
        return (conn, handles)
    }

    /// Share of the libvirt budget left that the bulk statistics calls may wait.
    static let bulkShare = 0.5

    /// At most this many bulk-statistics calls run at once (libvirtd serves 5 requests per
    /// client at a time by default: `max_client_requests`).
    static let statsWorkers = 4

    /// One bulk-statistics call: some domains, all groups or (`light`) state and interfaces.
    struct StatsBatch: Sendable {
        let domains: [LibvirtDomain]
        let light: Bool
        /// Light domains whose interface figures are read here (`TapCounters`).
        var ownInterfaces = false

        var groups: DomainStatsGroups {
            if !light { return .standard }
            return ownInterfaces ? [.state] : LibvirtCollector.pausedGroups
        }
    }

    /// Splits one scrape's statistics into calls that libvirtd serves side by side: libvirtd
    /// asks the QEMU monitors of one call's running domains one after another (about 4 ms
    /// each for a TCG guest in the lab), so the running domains are dealt over
    /// `statsWorkers` calls; shut-off domains join the first, and the paused domains whose
    /// other figures are cached get a light call of their own.
    static func statsBatches(full: [LibvirtDomain], light: [LibvirtDomain], ownInterfaces: Set<String> = []) -> [StatsBatch] {
        let running = full.filter { $0.id != nil }
        let stopped = full.filter { $0.id == nil }
        var chunks = Array(repeating: [LibvirtDomain](), count: max(1, min(statsWorkers, running.count)))
        for (i, d) in running.enumerated() { chunks[i % chunks.count].append(d) }
        chunks[0] += stopped
        var out = chunks.filter { !$0.isEmpty }.map { StatsBatch(domains: $0, light: false) }
        let own = light.filter { ownInterfaces.contains($0.uuid) }
        let asked = light.filter { !ownInterfaces.contains($0.uuid) }
        if !asked.isEmpty { out.append(StatsBatch(domains: asked, light: true)) }
        if !own.isEmpty { out.append(StatsBatch(domains: own, light: true, ownInterfaces: true)) }
        return out
    }

    /// The `light` domains that get their interface figures from the host's /proc/net/dev
    /// (`TapCounters`), with their descriptions, and those counters by device: none for a
    /// remote or non-QEMU libvirtd, a domain whose XML is not known, or when /proc/net/dev
    /// cannot be read.
    private func tapServed(
        _ light: [LibvirtDomain], driver: String, invalidated: Set<String>
    ) -> ([String: DomainDescription], [String: NetDevCounters]) {
        guard localQEMU, driver == "qemu", !light.isEmpty else { return ([:], [:]) }
        let meta = state.withLock { $0.metadata }
        var known = state.withLock { $0.tapServable }
        var served: [String: DomainDescription] = [:]
        for d in light {
            guard let desc = meta[d.uuid]?.description else { continue }
            let ok: Bool
            if let k = known[d.uuid], k.domainID == d.id, !invalidated.contains(d.uuid) {
                ok = k.servable
            } else {
                ok = TapCounters.servable(desc)
                known[d.uuid] = (d.id, ok)
            }
            if ok { served[d.uuid] = desc }
        }
        let present = Set(light.map(\.uuid))
        state.withLock { $0.tapServable = known.filter { present.contains($0.key) } }
        guard !served.isEmpty, let devs = try? hostProc.ownNetDev() else { return ([:], [:]) }
        return (served, Dictionary(devs.map { ($0.interface, $0) }, uniquingKeysWith: { a, _ in a }))
    }

    /// Remembers the full records of paused domains (refreshed this scrape) and forgets the
    /// domains that are no longer paused.
    private func notePaused(_ records: [String: TypedParameters], domains: [LibvirtDomain], refreshed: Set<String>, at now: Double) {
        state.withLock { s in
            for d in domains {
                guard let p = records[d.uuid], p["state.state"]?.int64 == Int64(GuestState.paused.code) else {
                    s.paused[d.uuid] = nil
                    continue
                }
                // A record without the job-bound figures (the domain was busy, e.g. libvirtd
                // still reconnecting to QEMU after its restart) is not kept: kept, it would
                // read as busy for a whole `metadataTTL`.
                if refreshed.contains(d.uuid) {
                    s.paused[d.uuid] = Self.lacksJobFigures(p) ? nil : PausedStats(params: p, domainID: d.id, fetchedAt: now)
                }
            }
            let present = Set(domains.map(\.uuid))
            s.paused = s.paused.filter { present.contains($0.key) }
        }
    }

    /// Whether a running or paused QEMU domain's record lacks the figures that need the
    /// domain's job (block counters, balloon): libvirt skipped them because the job was held.
    /// Read off the keys alone (it runs for every active domain each scrape): the state is
    /// running, blocked or paused (or absent), the record has block devices (`block.<n>.*`)
    /// and none has `rd.reqs` (`DomainStatsMapping.missingJobStats` says the same of a
    /// mapped guest).
    static func lacksJobFigures(_ p: TypedParameters) -> Bool {
        // No state in the record: taken as running, as the mapping does.
        let state = p["state.state"]?.int64 ?? 1
        guard state == 1 || state == 2 || state == 3 else { return false }
        var devices = false
        for (key, _) in p.items where key.hasPrefix("block.") {
            guard let digit = key.utf8.dropFirst(6).first, digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { continue }
            if key.hasSuffix(".rd.reqs") { return false }
            devices = true
        }
        return devices
    }

    /// A paused domain's cached record with this scrape's state and interface figures.
    static func merge(cached: TypedParameters, fresh: TypedParameters) -> TypedParameters {
        var items = cached.items.filter { !$0.key.hasPrefix("state.") && !$0.key.hasPrefix("net.") }
        items.append(contentsOf: fresh.items)
        return TypedParameters(items)
    }

    /// Fetches XML, persistent and autostart for domains that are new, changed or expired.
    private func refreshMetadata(
        _ conn: LibvirtConnection, _ domains: [LibvirtDomain], invalidated: Set<String>, deadline: ContinuousClock.Instant
    ) {
        let now = Clock.monotonic()
        let current = state.withLock { $0.metadata }
        var updated: [String: Metadata] = [:]
        var clogged = false
        for d in domains {
            if let m = current[d.uuid], m.domainID == d.id, !invalidated.contains(d.uuid),
                now - m.fetchedAt < metadataTTL * Clock.spread(d.uuid)
            {
                updated[d.uuid] = m
                continue
            }
            if clogged || ContinuousClock.now >= deadline { if let m = current[d.uuid] { updated[d.uuid] = m }; continue }
            let fetched: Metadata?
            do {
                fetched = try session.control.run("domain metadata", on: conn, until: deadline) { () throws(LibvirtError) -> Metadata in
                    let persistent = try? d.isPersistent()
                    let autostart = try? d.autostart()
                    let xml = try d.xmlDescription()
                    return Metadata(
                        domainID: d.id, persistent: persistent, autostart: autostart,
                        description: try? DomainDescription.parse(xml), fetchedAt: Clock.monotonic())
                }
            } catch {
                fetched = nil
                clogged = error.timedOut
            }
            if let fetched {
                if fetched.description == nil { logger.warning("could not parse domain XML", metadata: ["domain": "\(d.name)"]) }
                updated[d.uuid] = fetched
            } else if let m = current[d.uuid] {
                updated[d.uuid] = m
            }
        }
        state.withLock { $0.metadata = updated }
    }

    /// Fallback when a bulk call failed: one call per domain on a fresh statistics
    /// connection, on at most `statsWorkers` threads, sharing the remaining deadline.
    /// Domains that do not answer are marked stuck until they do.
    private func perDomainStats(_ domains: [LibvirtDomain], deadline: ContinuousClock.Instant) -> ([String: TypedParameters], Set<String>) {
        guard let (conn, handles) = try? statisticsHandles(until: deadline, covering: domains) else {
            return ([:], Set(domains.map(\.uuid)))
        }
        let out = Mutex<[String: TypedParameters]>([:])
        let marks = Dictionary(uniqueKeysWithValues: domains.map { ($0.uuid, LibvirtSession.CallMark()) })
        let answered = ParallelCalls.run(
            domains, workers: Self.statsWorkers, deadline: deadline, key: \.uuid,
            body: { [session] d in
                defer { if let mark = marks[d.uuid] { session.markAnswered(d.uuid, mark) } }
                // Undefined since the list: no record, as from a bulk call.
                guard let h = handles[d.uuid] else { return }
                let r = try? conn.domainStats([h], groups: .standard, noWait: true).first?.params
                if let r { out.withLock { $0[d.uuid] = r } }
            })
        var late: Set<String> = []
        for d in domains where !answered.contains(d.uuid) {
            late.insert(d.uuid)
            if let mark = marks[d.uuid] { session.markStuck(d.uuid, unlessAnswered: mark) }
            logger.warning("domain did not answer within the deadline", metadata: ["domain": "\(d.name)"])
        }
        if !late.isEmpty { session.statistics.retire(conn, because: "a domain statistics call did not answer within the deadline") }
        return (out.withLock { $0 }, late)
    }
}
