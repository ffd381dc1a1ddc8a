import HVLibvirt
import HVModel
import Logging
import Synchronization

/// Collects every libvirt domain (running or not) with bulk statistics.
///
/// Per scrape, on a warm cache: one version RPC (liveness), one domain list, one bulk-stats
/// RPC. Domain XML, persistent and autostart flags are fetched only for new domains, after
/// a lifecycle or device event, or when older than `metadataTTL`.
///
/// Never hangs: each call runs under a deadline (`Deadline.run`); a domain whose job lock is
/// held is reported `timedOut` while the others are served; a stuck or dead daemon gives
/// `libvirt.up == false` and the connection is re-opened by a later scrape.
public final class LibvirtCollector: Collector, @unchecked Sendable {
    public let name = "libvirt"
    public let uri: String
    /// Time budget for all libvirt calls of one scrape, seconds.
    public let timeout: Double
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
        /// block figures stand still, so they are asked again only after `metadataTTL`, a
        /// lifecycle or device event, or a new domain ID; state and interfaces (the host side
        /// of a tap still counts) are asked every scrape.
        var paused: [String: PausedStats] = [:]
    }

    struct PausedStats {
        var params: TypedParameters
        var domainID: Int?
        var fetchedAt: Double
    }

    /// Groups asked every scrape for a paused domain whose other figures are cached.
    static let pausedGroups: DomainStatsGroups = [.state, .interface]

    let state = Mutex(State())
    public let session: LibvirtSession

    public init(session: LibvirtSession, timeout: Double = 5, metadataTTL: Double = 60, logger: Logger) {
        self.session = session
        self.uri = session.uri
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

    public func collect(into snapshot: inout Snapshot) throws {
        let start = Clock.monotonic()
        let deadline = session.scrapeDeadline(scrape: snapshot.timestampSeconds, timeout: timeout)
        var status = LibvirtStatus(uri: uri, up: false, libraryVersion: session.libraryVersion)
        defer {
            status.durationSeconds = Clock.monotonic() - start
            snapshot.libvirt = status
        }
        do {
            let guests = try collectGuests(deadline: deadline, status: &status)
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

    private func remaining(_ deadline: Double) -> Double { LibvirtSession.remaining(deadline) }

    private func call<T: Sendable>(_ what: String, _ deadline: Double, _ work: @escaping @Sendable () throws(LibvirtError) -> T) throws(CollectError) -> T {
        try session.call(what, deadline, work)
    }

    private func collectGuests(deadline: Double, status: inout LibvirtStatus) throws(CollectError) -> [Guest] {
        let conn = try session.connection(deadline)
        let generation = session.generation
        state.withLock { s in
            if s.generation != generation { s = State(); s.generation = generation }
        }
        // Liveness and daemon version in one cheap RPC that needs no domain lock.
        do {
            status.daemonVersion = try call("virConnectGetLibVersion", deadline) { () throws(LibvirtError) in try conn.daemonVersion() }
        } catch {
            // A daemon that does not answer this is stuck or gone: drop the connection.
            session.discard(conn)
            throw error
        }
        if let hv = session.hypervisor(conn, deadline) {
            (status.hypervisorType, status.hypervisorVersion) = (hv.type, hv.version)
        }

        let domains = try call("virConnectListAllDomains", deadline) { () throws(LibvirtError) in try conn.listAllDomains() }
        let driver = (status.hypervisorType ?? "qemu").lowercased()

        let stuck = session.stuckDomains
        let invalidated = state.withLock { s -> Set<String> in
            defer { s.invalidated = [] }
            return s.invalidated
        }
        let metadataStart = Clock.monotonic()
        refreshMetadata(domains, invalidated: invalidated, deadline: deadline)
        logger.debug("libvirt steps", metadata: ["domains": "\(domains.count)", "invalidated": "\(invalidated.count)",
                                                 "metadata_seconds": "\(Clock.monotonic() - metadataStart)",
                                                 "remaining_seconds": "\(deadline - Clock.monotonic())"])

        let ask = domains.filter { !stuck.contains($0.uuid) }
        var records: [String: TypedParameters] = [:]
        var timedOut = stuck
        if !ask.isEmpty && Deadline.abandoned >= LibvirtSession.maxAbandoned {
            logger.warning("too many libvirt calls still stuck; domain statistics not asked", metadata: ["stuck": "\(Deadline.abandoned)"])
            timedOut.formUnion(ask.map(\.uuid))
        } else if !ask.isEmpty {
            let now = Clock.monotonic()
            let cached = state.withLock { $0.paused }
            let light = ask.filter { d in
                guard let c = cached[d.uuid] else { return false }
                return c.domainID == d.id && now - c.fetchedAt < metadataTTL && !invalidated.contains(d.uuid)
            }
            let lightSet = Set(light.map(\.uuid))
            let full = ask.filter { !lightSet.contains($0.uuid) }
            var refreshed: Set<String> = []
            var failed: [LibvirtDomain] = []
            var failures: [String] = []
            let batches = Self.statsBatches(full: full, light: light)
            let pending = batches.map { b in
                (b, Deadline.start { () -> Result<[DomainStatsRecord], LibvirtError> in
                    do throws(LibvirtError) {
                        return .success(try conn.domainStats(b.domains, groups: b.light ? Self.pausedGroups : .standard, noWait: true))
                    } catch { return .failure(error) }
                })
            }
            for (b, p) in pending {
                switch p.wait(seconds: remaining(deadline)) {
                case .done(.success(let recs)):
                    for r in recs {
                        if b.light {
                            guard let c = cached[r.domain.uuid] else { continue }
                            records[r.domain.uuid] = Self.merge(cached: c.params, fresh: r.params)
                        } else {
                            records[r.domain.uuid] = r.params
                            refreshed.insert(r.domain.uuid)
                        }
                    }
                case .done(.failure(let e)):
                    failed += b.domains
                    failures.append(e.description)
                case .timedOut:
                    failed += b.domains
                    failures.append("virDomainListGetStats did not answer within the deadline")
                }
            }
            if !failed.isEmpty {
                logger.warning("bulk domain stats failed; asking each domain", metadata: ["error": "\(failures.joined(separator: "; "))", "domains": "\(failed.count)"])
                let (perDomain, late) = perDomainStats(conn, failed, deadline: deadline)
                records.merge(perDomain) { _, new in new }
                refreshed.formUnion(perDomain.keys)
                timedOut.formUnion(late)
            }
            notePaused(records, domains: ask, refreshed: refreshed, at: now)
        }

        let meta = state.withLock { $0.metadata }
        var guests: [Guest] = []
        guests.reserveCapacity(domains.count)
        for d in domains {
            var g = Guest(name: d.name, uuid: d.uuid, kind: driver == "lxc" ? .container : .vm,
                          driver: driver, state: d.id == nil ? .shutoff : .running)
            g.domainID = d.id
            g.listedByLibvirt = true
            if let m = meta[d.uuid] {
                g.persistent = m.persistent
                g.autostart = m.autostart
            }
            if let p = records[d.uuid] {
                DomainStatsMapping.apply(p, to: &g)
                if let desc = meta[d.uuid]?.description { DomainStatsMapping.merge(desc, into: &g) }
                g.timedOut = DomainStatsMapping.missingJobStats(g)
            } else {
                g.timedOut = timedOut.contains(d.uuid) || d.id != nil
            }
            if timedOut.contains(d.uuid) { g.timedOut = true }
            guests.append(g)
        }
        guests.sort { $0.name < $1.name }
        return guests
    }

    /// At most this many bulk-statistics calls run at once (libvirtd serves 5 requests per
    /// client at a time by default: `max_client_requests`).
    static let statsWorkers = 4

    /// One bulk-statistics call: some domains, all groups or (`light`) state and interfaces.
    struct StatsBatch: Sendable {
        let domains: [LibvirtDomain]
        let light: Bool
    }

    /// Splits one scrape's statistics into calls that libvirtd serves side by side: libvirtd
    /// asks the QEMU monitors of one call's running domains one after another (about 4 ms
    /// each for a TCG guest in the lab), so the running domains are dealt over
    /// `statsWorkers` calls; shut-off domains join the first, and the paused domains whose
    /// other figures are cached get a light call of their own.
    static func statsBatches(full: [LibvirtDomain], light: [LibvirtDomain]) -> [StatsBatch] {
        let running = full.filter { $0.id != nil }
        let stopped = full.filter { $0.id == nil }
        var chunks = Array(repeating: [LibvirtDomain](), count: max(1, min(statsWorkers, running.count)))
        for (i, d) in running.enumerated() { chunks[i % chunks.count].append(d) }
        chunks[0] += stopped
        var out = chunks.filter { !$0.isEmpty }.map { StatsBatch(domains: $0, light: false) }
        if !light.isEmpty { out.append(StatsBatch(domains: light, light: true)) }
        return out
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
                if refreshed.contains(d.uuid) { s.paused[d.uuid] = PausedStats(params: p, domainID: d.id, fetchedAt: now) }
            }
            let present = Set(domains.map(\.uuid))
            s.paused = s.paused.filter { present.contains($0.key) }
        }
    }

    /// A paused domain's cached record with this scrape's state and interface figures.
    static func merge(cached: TypedParameters, fresh: TypedParameters) -> TypedParameters {
        var items = cached.items.filter { !$0.key.hasPrefix("state.") && !$0.key.hasPrefix("net.") }
        items.append(contentsOf: fresh.items)
        return TypedParameters(items)
    }

    /// Fetches XML, persistent and autostart for domains that are new, changed or expired.
    private func refreshMetadata(_ domains: [LibvirtDomain], invalidated: Set<String>, deadline: Double) {
        let now = Clock.monotonic()
        let current = state.withLock { $0.metadata }
        var updated: [String: Metadata] = [:]
        for d in domains {
            if let m = current[d.uuid], m.domainID == d.id, !invalidated.contains(d.uuid), now - m.fetchedAt < metadataTTL {
                updated[d.uuid] = m
                continue
            }
            if Clock.monotonic() >= deadline { if let m = current[d.uuid] { updated[d.uuid] = m }; continue }
            let fetched = try? call("domain metadata", deadline) { () throws(LibvirtError) -> Metadata in
                let persistent = try? d.isPersistent()
                let autostart = try? d.autostart()
                let xml = try d.xmlDescription()
                return Metadata(domainID: d.id, persistent: persistent, autostart: autostart,
                                description: try? DomainDescription.parse(xml), fetchedAt: Clock.monotonic())
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

    /// Fallback when the bulk call timed out: one call per domain, all in parallel, sharing
    /// the remaining deadline. Domains that do not answer are marked stuck until they do.
    private func perDomainStats(_ conn: LibvirtConnection, _ domains: [LibvirtDomain], deadline: Double) -> ([String: TypedParameters], Set<String>) {
        var boxes: [(LibvirtDomain, Deadline.Pending<TypedParameters?>, LibvirtSession.CallMark)] = []
        for d in domains {
            let uuid = d.uuid
            let mark = LibvirtSession.CallMark()
            let pending = Deadline.start { [session] () -> TypedParameters? in
                let r = try? conn.domainStats([d], groups: .standard, noWait: true).first?.params
                session.markAnswered(uuid, mark)
                return r
            }
            boxes.append((d, pending, mark))
        }
        var out: [String: TypedParameters] = [:]
        var late: Set<String> = []
        for (d, p, mark) in boxes {
            switch p.wait(seconds: remaining(deadline)) {
            case .done(let params?): out[d.uuid] = params
            case .done(nil): break
            case .timedOut:
                late.insert(d.uuid)
                session.markStuck(d.uuid, unlessAnswered: mark)
                logger.warning("domain did not answer within the deadline", metadata: ["domain": "\(d.name)"])
            }
        }
        return (out, late)
    }
}

/// A collector failure with a message an operator can act on.
public struct CollectError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }

    /// For the pool and job collectors: an error when the domain collector got no answer
    /// from libvirtd in this scrape (asking again would only wait out another deadline).
    static func libvirtUnanswered(_ snapshot: Snapshot) -> CollectError? {
        guard let lv = snapshot.libvirt, !lv.up else { return nil }
        return CollectError("not asked: libvirt did not answer this scrape (\(lv.error ?? "down"))")
    }
}
