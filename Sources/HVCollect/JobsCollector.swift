import HVLibvirt
import HVModel
import HVRuntime
import Logging
import Synchronization

/// Domain jobs (migration, save, dump, snapshot, backup...) and block jobs (copy, commit,
/// pull), with the last finished job of each domain kept after it ends.
///
/// Per scrape: one domain list (`virConnectListAllDomains`), then for each running or
/// paused domain one `virDomainGetJobStats` and one `virDomainGetBlockJobInfo` per disk
/// (disk targets come from the domain XML, read once per domain start), on the collector's
/// own lane (`LibvirtLane`, retired when a call gets stuck; the job events come over the
/// session's control connection, see `LibvirtSession.onJobEvent`). libvirt's
/// completed-job record (`VIR_DOMAIN_JOB_STATS_COMPLETED`, read with KEEP_COMPLETED so
/// `virsh domjobinfo --completed` still finds it) is read once per domain and connection,
/// and again whenever a job ends. The calls run on up to `maxWorkers` threads, all under the
/// scrape deadline: a domain that does not answer is marked `timedOut` (and skipped until
/// its call returns), the others are served.
///
/// Short jobs: a job seen in a scrape, or announced by an event (migration iteration, block
/// job, job completed, any lifecycle change such as "suspended paused" at the start of a
/// save), is sampled about every `sampleInterval` seconds on a background thread until it
/// ends. So a 10-second job between two 15-second scrapes still leaves its completed
/// statistics, when it ended, and the highest progress seen. The thread exits when nothing
/// is left to sample.
///
/// Finished jobs: `Guest.lastJob` with outcome completed / failed / cancelled / unknown.
/// Sources, best first: the job-completed event (libvirt sends its statistics; this is
/// also how the source of a migration learns the figures, the domain being gone right
/// after), libvirt's completed-job record, and the last sample when libvirt kept nothing
/// (a cancelled save). After `virsh migrate --undefinesource` the domain no longer exists
/// on the source; its last job is kept `departedRetention` seconds and served as
/// `Snapshot.departedJobs`. The destination's daemon has the incoming side's record
/// (operation migration_in), which an exporter pointed at that daemon reports.
public final class JobsCollector: Collector, @unchecked Sendable {
    public let name = "jobs"
    public let session: LibvirtSession
    /// `--libvirt.timeout`: also the longest a background sampling round waits.
    public let timeout: Duration
    /// Seconds between background samples of a running job.
    public let sampleInterval: Double
    /// How long the last job of a domain that left this daemon is kept, seconds.
    public let departedRetention: Double
    /// Threads asking domains in parallel in one scrape.
    static let maxWorkers = 4
    let logger: Logger
    /// The collector's own connection (see `LibvirtLane`: a job query stuck on a hung QEMU
    /// would otherwise block every call on a shared one).
    let lane: LibvirtLane

    struct State {
        /// Connection generation the domain handles belong to.
        var generation = -1
        /// Losses of the session's control connection seen (daemon restarts end running jobs).
        var losses = 0
        var tracker = JobTracker()
        /// Domain handles from the last list (or a lookup after an event), by UUID.
        var domains: [String: LibvirtDomain] = [:]
        /// Disk targets ("vda") of each domain, for the domain ID they were read at.
        var disks: [String: (id: Int?, targets: [String])] = [:]
        /// Calls per domain that have not returned yet (past their deadline if > 0 at scrape start).
        var inFlight: [String: Int] = [:]
        /// The connection the latest call of each domain went over.
        var inFlightOn: [String: ObjectIdentifier] = [:]
        var samplerRunning = false
        /// When each domain was last probed in a scrape (monotonic seconds).
        var askedAt: [String: Double] = [:]
        /// Domains running after an incoming migration at the previous scrape (state reason
        /// "migrated"); nil before the first scrape.
        var runningMigrated: [String: String]?
    }

    /// A domain paused by its user (not for a save, dump, migration or snapshot) and with no
    /// job in sight is probed in scrapes at most this often, seconds (times a factor between
    /// 0.5 and 1.5 fixed per domain, `Clock.spread`, so that they do not all come due in one
    /// scrape); a job event or a job seen by the sampler makes it hot and probed every scrape
    /// again. Migrations, saves and dumps announce themselves by events (migration iteration,
    /// lifecycle, job completed): this probe is the net for what does not, such as a block
    /// copy started on a paused domain (seen within about a minute; its end is an event).
    /// It was 10 s: with 60 paused domains scraped every 5 s, 60 job calls per scrape.
    static let quietProbeInterval = 60.0
    /// virDomainPausedReason values of a pause that a job holds: MIGRATION 2, SAVE 3, DUMP 4,
    /// SNAPSHOT 9, POSTCOPY 12.
    static let jobPauseReasons: Set<Int> = [2, 3, 4, 9, 12]

    let state = Mutex(State())

    public init(
        session: LibvirtSession, timeout: Duration = .seconds(5), sampleInterval: Double = 1,
        departedRetention: Double = 3600, logger: Logger
    ) {
        self.session = session
        self.timeout = timeout
        self.sampleInterval = sampleInterval
        self.departedRetention = departedRetention
        self.logger = logger
        self.lane = session.lane("jobs")
        session.onJobEvent { [weak self] uuid, name, event in self?.handle(uuid, name, event) }
        session.onDomainEvent { [weak self] uuid, kind in
            switch kind {
            case .deviceAdded, .deviceRemoved, .device:
                self?.state.withLock { _ = $0.disks.removeValue(forKey: uuid) }
            default: break
            }
        }
    }

    /// Reads the libvirt domains' state (paused, timed out) when the libvirt collector runs;
    /// without it, adds bare guests for the domains that have jobs to show.
    public static var reads: [CollectorInput] { [.optional(.libvirtDomains)] }
    public static var fills: Set<SnapshotPart> { [.guestJobs] }

    public func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws {
        if let down = CollectError.libvirtUnanswered(snapshot) {
            fill(&snapshot, all: [], timedOut: [])   // what the tracker knows (last jobs) is kept
            throw down
        }
        let deadline = scrape.libvirtDeadline
        let (conn, all) = try listDomains(until: deadline)
        let wall = Clock.wall()

        // A domain the domain collector found hung (a call outstanding past its deadline), or
        // timed out in this scrape (its statistics call did not answer, or found the domain's
        // job held by another call), is not asked: its job queries would wait for the same
        // monitor or job. Measured in the lab (libvirt 9.0): job queries sent to a guest whose
        // QEMU is stopped, scrape after scrape, made libvirtd stop answering even
        // virConnectListAllDomains within seconds. A domain in an async job (migration, save)
        // is not timed out: the statistics call may join such a job.
        var skipped: Set<String> = session.stuckDomains
        skipped.formUnion(snapshot.guests.filter { $0.listedByLibvirt && $0.timedOut }.compactMap(\.uuid))
        let quiet = Set(
            snapshot.guests.filter {
                $0.listedByLibvirt && $0.state == .paused && !Self.jobPauseReasons.contains($0.stateReason)
            }.compactMap(\.uuid))
        let now = Clock.monotonic()
        // virDomainRunningReason 2: running after an incoming migration.
        var migratedIn: [String: String] = [:]
        for g in snapshot.guests where g.listedByLibvirt && g.state == .running && g.stateReason == 2 {
            if let u = g.uuid { migratedIn[u] = g.name }
        }
        let requests = state.withLock { s -> [ProbeRequest] in
            s.domains = [:]
            for d in all where s.domains[d.uuid] == nil { s.domains[d.uuid] = d }
            s.tracker.reconcile(present: Set(s.domains.keys), wall: wall, retention: departedRetention)
            if let before = s.runningMigrated {
                for (u, name) in migratedIn where before[u] == nil {
                    s.tracker.arrivedByMigration(u, name: name, wall: wall)
                }
            }
            s.runningMigrated = migratedIn
            var out: [ProbeRequest] = []
            var again: [ProbeRequest] = []
            for d in all {
                let e = s.tracker[d.uuid]
                let tracked = e?.current != nil || e?.pendingEnd != nil || (e?.recheck ?? 0) > 0
                // Inactive domains have no job, unless one we watched just ended (a save).
                guard d.id != nil || tracked else { continue }
                if skipped.contains(d.uuid) { continue }
                if quiet.contains(d.uuid), !(e?.isHot(monotonic: now) ?? false),
                    let t = s.askedAt[d.uuid], now - t < Self.quietProbeInterval * Clock.spread(d.uuid)
                {
                    continue
                }
                if s.inFlight[d.uuid, default: 0] > 0 {
                    // A call still out on this connection: the domain is not answering.
                    guard s.inFlightOn[d.uuid] != ObjectIdentifier(conn) else {
                        skipped.insert(d.uuid)
                        continue
                    }
                    // Its call is out on a connection retired since: it may only be queued
                    // behind another domain's stuck call there. Asked again here, after the
                    // others (should it hang too, it holds up no other domain's answer).
                    s.askedAt[d.uuid] = now
                    again.append(request(for: d.uuid, d, s))
                    continue
                }
                s.askedAt[d.uuid] = now
                out.append(request(for: d.uuid, d, s))
            }
            let present = s.domains
            s.askedAt = s.askedAt.filter { present[$0.key] != nil }
            return out + again
        }
        let outcome = runProbes(requests, conn: conn, deadline: deadline)
        // Asked and not answered in time, or not asked because a call is still out. A domain
        // not asked because this scrape's libvirt budget ran out first is not timed out.
        let timedOut = skipped.union(requests.map(\.uuid)).subtracting(outcome.answered).subtracting(outcome.notAsked)
        if !timedOut.isEmpty {
            logger.debug("domain job statistics not answered within the deadline", metadata: ["domains": "\(timedOut.count)"])
        }
        startSamplerIfNeeded()
        fill(&snapshot, all: all, timedOut: timedOut)
    }

    // MARK: - steps

    /// Resets per-connection state on a new connection of the lane, and the tracker's running
    /// jobs when the daemon's control connection was lost since (libvirtd restarted: its jobs
    /// ended, its records are gone). Job events come through the session (`onJobEvent`).
    func prepare(_ conn: LibvirtConnection, generation: Int) {
        let losses = session.control.losses
        state.withLock { s in
            if s.generation != generation {
                s.generation = generation
                s.domains = [:]   // handles of the old connection
            }
            if s.losses != losses {
                s.losses = losses
                s.disks = [:]
                s.tracker.newConnection(wall: Clock.wall())
            }
        }
    }

    /// The lane's connection (prepared) and its domain list. A list that fails because the
    /// connection was lost (libvirtd restarted: the lane has no event watch to learn it
    /// sooner) is asked once more on a fresh connection (`LibvirtLane.withConnection`); one
    /// that does not answer retires it.
    func listDomains(until deadline: ContinuousClock.Instant) throws(CollectError) -> (LibvirtConnection, [LibvirtDomain]) {
        // The job events come over the session's control connection: open it if no other
        // collector did (`--no-collector.libvirt`); a live one costs no call.
        _ = try? session.control.connection(until: deadline)
        return try lane.withConnection(until: deadline) { conn, generation throws(CollectError) in
            prepare(conn, generation: generation)
            let all = try lane.run("virConnectListAllDomains", on: conn, until: deadline) { () throws(LibvirtError) in
                try conn.listAllDomains()
            }
            return (conn, all)
        }
    }

    /// What to ask one domain, from what the tracker knows.
    func request(for uuid: String, _ d: LibvirtDomain?, _ s: State) -> ProbeRequest {
        let e = s.tracker[uuid]
        let tracked = e?.current != nil || e?.pendingEnd != nil
        let disks = s.disks[uuid].flatMap { cached in cached.id == d?.id ? cached.targets : nil }
        return ProbeRequest(
            uuid: uuid, name: e?.name ?? d?.name ?? "", domain: d,
            readCompleted: !(e?.initialLoaded ?? false) || e?.pendingEnd != nil || (e?.recheck ?? 0) > 0,
            trackedRunning: tracked, disks: disks,
            blocks: d?.id != nil || (e.map { !$0.blockJobs.isEmpty || $0.blockHot } ?? false))
    }

    /// Asks the domains of `requests` on up to `maxWorkers` threads; each answer goes into
    /// the tracker as it comes (even after the deadline). Returns the UUIDs answered in time.
    @discardableResult
    func runProbes(_ requests: [ProbeRequest], conn: LibvirtConnection, deadline: ContinuousClock.Instant) -> ParallelCalls.Outcome {
        guard !requests.isEmpty else { return ParallelCalls.Outcome() }
        state.withLock { s in
            for r in requests {
                s.inFlight[r.uuid, default: 0] += 1
                s.inFlightOn[r.uuid] = ObjectIdentifier(conn)
            }
        }
        let outcome = ParallelCalls.runTracked(
            requests, workers: Self.maxWorkers, deadline: deadline, key: \.uuid,
            body: { [self] r in apply(JobsCollector.probe(r, conn: conn), for: r) },
            finally: { [self] r in
                state.withLock { s in
                    let n = s.inFlight[r.uuid, default: 1] - 1
                    s.inFlight[r.uuid] = n > 0 ? n : nil
                    if n <= 0 { s.inFlightOn[r.uuid] = nil }
                }
            })
        // A call still running holds this connection hostage: continue on another.
        if outcome.answered.count + outcome.notAsked.count < requests.count {
            lane.retire(conn, because: "a domain job query did not answer within the deadline")
        }
        return outcome
    }

    /// Puts one domain's answers into the tracker (and the disk cache).
    private func apply(_ r: ProbeResult, for req: ProbeRequest) {
        let wall = Clock.wall()
        state.withLock { s in
            if let d = r.lookedUp { s.domains[req.uuid] = d }
            let name = r.lookedUp?.name ?? req.name
            if let (type, params) = r.current {
                s.tracker.observeCurrent(req.uuid, name: name, type: type, params: params, wall: wall, askedAt: r.startedAt)
            } else if r.domainUnavailable {
                s.tracker.observeUnavailable(req.uuid, wall: wall)
            }
            if let e = r.completedError {
                logger.debug("reading the completed-job record failed", metadata: ["domain": "\(name)", "error": "\(e)"])
            }
            if r.completedAsked {
                s.tracker.observeCompleted(
                    req.uuid, name: name, type: r.completed?.type ?? 0, params: r.completed?.params,
                    stateReason: r.stateReason, running: r.running, wall: wall)
            }
            if r.completedAsked || r.domainUnavailable {
                let e = s.tracker[req.uuid]
                logger.debug(
                    "job record",
                    metadata: [
                        "domain": "\(name)", "current_type": "\(r.current.map { String($0.type) } ?? "-")",
                        "unavailable": "\(r.domainUnavailable)", "record_type": "\(r.completed.map { String($0.type) } ?? "-")",
                        "record": "\(r.completed.map { DomainJobMapping.identity($0.params) } ?? "-")",
                        "last_outcome": "\(e?.last?.outcome?.rawValue ?? "-")", "recheck": "\(e?.recheck ?? 0)",
                        "pending": "\(e?.pendingEnd != nil)", "running_job": "\(e?.current != nil)",
                    ])
            }
            if let jobs = r.blockJobs { s.tracker.observeBlockJobs(req.uuid, name: name, jobs) }
            if let disks = r.disks { s.disks[req.uuid] = (r.domainID, disks) }
        }
    }

    /// Attaches jobs to the snapshot's guests (by UUID) and lists departed domains' last jobs.
    private func fill(_ snapshot: inout Snapshot, all: [LibvirtDomain], timedOut: Set<String>) {
        let (entries, departed) = state.withLock { s in (s.tracker.entries, s.tracker.departed) }
        var attached = Set<String>()
        for i in snapshot.guests.indices {
            guard let uuid = snapshot.guests[i].uuid else { continue }
            if timedOut.contains(uuid) { snapshot.guests[i].timedOut = true }
            guard let e = entries[uuid] else { continue }
            snapshot.guests[i].job = e.current
            snapshot.guests[i].lastJob = e.last
            snapshot.guests[i].blockJobs = e.blockJobs
            attached.insert(uuid)
        }
        // Without the libvirt collector there are no guests to attach to: add bare ones
        // (name, UUID, state unknown) for domains that have something to show.
        if snapshot.libvirt == nil {
            for d in all where !attached.contains(d.uuid) {
                guard let e = entries[d.uuid], e.current != nil || e.last != nil || !e.blockJobs.isEmpty else { continue }
                var g = Guest(name: d.name, uuid: d.uuid, kind: .vm, driver: "qemu", state: .nostate)
                g.domainID = d.id
                g.listedByLibvirt = true
                g.job = e.current
                g.lastJob = e.last
                g.blockJobs = e.blockJobs
                g.timedOut = timedOut.contains(d.uuid)
                snapshot.guests.append(g)
            }
        }
        snapshot.departedJobs = departed
    }
}
