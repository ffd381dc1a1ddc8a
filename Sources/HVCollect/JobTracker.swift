import HVLibvirt
import HVModel

/// Per-domain job history the jobs collector keeps between scrapes and samples: the running
/// job (latest sample and the highest progress seen), the last finished job, block jobs,
/// and which domains need sampling soon. Pure: no libvirt calls; every method takes the
/// time. Wall times are seconds since the epoch, monotonic times seconds.
struct JobTracker {
    struct Entry {
        var name: String
        /// The running job, latest sample (nil when none).
        var current: DomainJob?
        /// The last finished job.
        var last: DomainJob?
        /// `DomainJobMapping.identity` of the completed-job record behind `last` (or the one
        /// found at start-up), so re-reading the same record is not taken for a new job.
        var completedIdentity: String?
        /// A running job was seen and then vanished; its completed record is still to be read.
        var pendingEnd: PendingEnd?
        var blockJobs: [BlockJob] = []
        /// Sample this domain until this monotonic time (set by events).
        var hotUntil: Double = 0
        /// A block-job event came: read every disk's block job at the next sample.
        var blockHot = false
        /// libvirt's completed-job record was read once on this connection.
        var initialLoaded = false
        /// When the domain was found gone from libvirt (wall time).
        var departedAt: Double?
        /// Running samples taken of the current (or, once it ended, the last) job.
        var samples = 0
        /// Reads of the completed-job record still to make after a job ended without one
        /// (libvirt may publish it a moment late, or its event may fall between connections).
        var recheck = 0
        /// When the domain was seen arrive by migration (wall time): its completed record,
        /// the incoming migration's, is read again and dated by this.
        var arrivedAt: Double?

        init(name: String) { self.name = name }

        /// Wants a sample soon: a job runs, one just ended, a block job runs, or an event said so.
        func isHot(monotonic now: Double) -> Bool {
            current != nil || pendingEnd != nil || !blockJobs.isEmpty || blockHot || recheck > 0 || hotUntil > now
        }
    }

    struct PendingEnd {
        var lastRunning: DomainJob
        /// When the job was first seen gone (wall time).
        var endedAt: Double
    }

    private(set) var entries: [String: Entry] = [:]

    subscript(uuid: String) -> Entry? { entries[uuid] }

    private mutating func with(_ uuid: String, _ name: String, _ body: (inout Entry) -> Void) {
        var e = entries[uuid] ?? Entry(name: name)
        if !name.isEmpty { e.name = name }
        body(&e)
        entries[uuid] = e
    }

    // MARK: observations

    /// Current-job statistics (`virDomainGetJobStats`, flags 0): `wall` when the answer came,
    /// `askedAt` when the call was made. Returns true when the completed-job record should be
    /// read now (a tracked job just ended).
    @discardableResult
    mutating func observeCurrent(
        _ uuid: String, name: String, type: Int, params: TypedParameters, wall: Double,
        askedAt: Double? = nil
    ) -> Bool {
        var wantCompleted = false
        with(uuid, name) { e in
            e.departedAt = nil
            switch type {
            case 1, 2:
                // A sample taken before the last job ended, answered late (a call that
                // outlived its deadline): stale, it must not reopen that job.
                if let end = e.last?.endedAtSeconds, (askedAt ?? wall) < end { return }
                var j = DomainJobMapping.job(type: type, params)
                j.observedAtSeconds = wall
                if let c = e.current, c.operation == j.operation, let ce = c.elapsedSeconds, let je = j.elapsedSeconds, je < ce {
                    return   // older than the sample we have
                }
                // Same job as the last sample (same operation, time not gone backwards): keep its peak.
                var peak = j.progressRatio
                if let c = e.current, c.operation == j.operation, (c.elapsedSeconds ?? 0) <= (j.elapsedSeconds ?? .infinity) {
                    peak = maxOptional(c.peakProgressRatio, peak)
                    e.samples += 1
                } else {
                    e.samples = 1
                }
                j.peakProgressRatio = peak
                e.current = j
                e.pendingEnd = nil
            case 3, 4, 5:
                // libvirt shows a just-finished job in the current statistics for a moment.
                Self.finish(&e, type: type, params: params, wall: wall)
            default:
                if let c = e.current {
                    e.pendingEnd = PendingEnd(lastRunning: c, endedAt: wall)
                    e.current = nil
                }
                wantCompleted = e.pendingEnd != nil
            }
        }
        return wantCompleted
    }

    /// The domain could not be asked (gone, or no longer running): a tracked job ended.
    mutating func observeUnavailable(_ uuid: String, wall: Double) {
        guard var e = entries[uuid], let c = e.current else { return }
        e.pendingEnd = PendingEnd(lastRunning: c, endedAt: wall)
        e.current = nil
        entries[uuid] = e
    }

    /// libvirt's completed-job record (`VIR_DOMAIN_JOB_STATS_COMPLETED`), type 0 / nil when
    /// it has none, with the domain's state reason (`virDomainRunningReason` etc.) if known.
    mutating func observeCompleted(
        _ uuid: String, name: String, type: Int, params: TypedParameters?,
        stateReason: Int?, running: Bool, wall: Double
    ) {
        with(uuid, name) { e in
            defer { e.initialLoaded = true }
            if e.recheck > 0, e.pendingEnd == nil, e.current == nil, let last = e.last,
                last.outcome == .unknown || last.outcome == .cancelled
            {
                // A job ended without a record; a record that shows up now is that job's.
                e.recheck -= 1
                if type != 0, let params, !params.items.isEmpty, DomainJobMapping.identity(params) != e.completedIdentity {
                    var j = DomainJobMapping.job(type: type, params)
                    j.outcome = j.outcome ?? .completed
                    j.endedAtSeconds = last.endedAtSeconds
                    j.observedAtSeconds = last.endedAtSeconds
                    j.peakProgressRatio = maxOptional(last.peakProgressRatio, j.progressRatio)
                    e.last = j
                    e.completedIdentity = DomainJobMapping.identity(params)
                    e.recheck = 0
                }
                return
            }
            guard type != 0, let params, !params.items.isEmpty else {
                Self.finalizePending(&e, stateReason: stateReason, running: running)
                return
            }
            let id = DomainJobMapping.identity(params)
            if id == e.completedIdentity {
                // The same record as before: the job that just vanished left none of its own.
                Self.finalizePending(&e, stateReason: stateReason, running: running)
                return
            }
            if !e.initialLoaded && e.pendingEnd == nil && e.current == nil {
                // Found at start-up (it ended before we watched), or the record of an
                // incoming migration just seen arrive (dated by the arrival).
                var j = DomainJobMapping.job(type: type, params)
                j.outcome = j.outcome ?? .completed
                if let at = e.arrivedAt { j.observedAtSeconds = at }
                e.arrivedAt = nil
                e.last = j
                e.completedIdentity = id
                return
            }
            Self.finish(&e, type: type, params: params, wall: wall)
        }
    }

    /// A job-completed event (libvirt sends it for successful jobs, with the record).
    mutating func observeCompletedEvent(_ uuid: String, name: String, params: TypedParameters, wall: Double) {
        with(uuid, name) { e in
            if DomainJobMapping.identity(params) == e.completedIdentity { return }
            Self.finish(&e, type: 3, params: params, wall: wall)
        }
    }

    /// Block jobs now on the domain's disks (replaces the previous list).
    mutating func observeBlockJobs(_ uuid: String, name: String, _ jobs: [BlockJob]) {
        with(uuid, name) { e in
            e.blockJobs = jobs
            e.blockHot = false
        }
    }

    /// Sample `uuid` until `until` (monotonic); `block`: re-read its block jobs too.
    mutating func markHot(_ uuid: String, name: String, until: Double, block: Bool = false) {
        with(uuid, name) { e in
            e.hotUntil = max(e.hotUntil, until)
            if block { e.blockHot = true }
        }
    }

    /// Domains libvirt lists now (all, active or not): others are gone. A gone domain with a
    /// running job has that job finished as `unknown` (a job-completed event may still
    /// replace it); its last job is kept `retention` seconds, then forgotten.
    mutating func reconcile(present: Set<String>, wall: Double, retention: Double) {
        for (uuid, var e) in entries {
            if present.contains(uuid) {
                if e.departedAt != nil { e.departedAt = nil; entries[uuid] = e }
                continue
            }
            if e.departedAt == nil {
                e.departedAt = wall
                if let c = e.current { e.pendingEnd = PendingEnd(lastRunning: c, endedAt: wall); e.current = nil }
                Self.finalizePending(&e, stateReason: nil, running: false)
                e.blockJobs = []
                e.blockHot = false
                e.hotUntil = 0
            }
            if e.last == nil || wall - (e.departedAt ?? wall) > retention {
                entries[uuid] = nil
            } else {
                entries[uuid] = e
            }
        }
    }

    /// A domain now running after an incoming migration (state reason "migrated") that was
    /// not so at the previous scrape: the destination's domain existed, paused, while the
    /// migration ran, and no job of its own was seen; its completed record (libvirt keeps the
    /// incoming migration's) is read again at the next probe and dated `wall`.
    mutating func arrivedByMigration(_ uuid: String, name: String, wall: Double) {
        with(uuid, name) { e in
            e.initialLoaded = false
            e.arrivedAt = wall
        }
    }

    /// Forgets what belongs to a connection (the daemon may have restarted, which ends its
    /// jobs): a running job counts as ended now and its outcome is read like any other;
    /// completed records are read again; finished jobs stay.
    mutating func newConnection(wall: Double) {
        for (uuid, var e) in entries {
            if let c = e.current {
                e.pendingEnd = PendingEnd(lastRunning: c, endedAt: wall)
                e.current = nil
            }
            e.initialLoaded = false
            e.blockHot = true
            entries[uuid] = e
        }
    }

    /// UUIDs to sample now.
    func hot(monotonic now: Double) -> [String] {
        entries.filter { $0.value.departedAt == nil && $0.value.isHot(monotonic: now) }.map(\.key).sorted()
    }

    /// Last jobs of departed domains, by name.
    var departed: [DepartedDomainJob] {
        entries.compactMap { uuid, e -> DepartedDomainJob? in
            guard let at = e.departedAt, let j = e.last else { return nil }
            return DepartedDomainJob(name: e.name, uuid: uuid, job: j, departedAtSeconds: at)
        }.sorted { ($0.name, $0.uuid) < ($1.name, $1.uuid) }
    }

    // MARK: helpers

    /// A new finished-job record: it becomes `last`, with the end time and peak progress of
    /// the running job it closes.
    private static func finish(_ e: inout Entry, type: Int, params: TypedParameters, wall: Double) {
        var j = DomainJobMapping.job(type: type, params)
        j.outcome = j.outcome ?? .completed
        let running = e.current ?? e.pendingEnd?.lastRunning
        j.endedAtSeconds = e.pendingEnd?.endedAt ?? wall
        j.observedAtSeconds = j.endedAtSeconds
        j.peakProgressRatio = maxOptional(running?.peakProgressRatio, j.progressRatio)
        e.last = j
        e.completedIdentity = DomainJobMapping.identity(params)
        e.current = nil
        e.pendingEnd = nil
        e.initialLoaded = true
        e.recheck = 0
    }

    /// A job vanished and libvirt kept no record for it: keep the last sample as the last
    /// job. Its outcome: cancelled when the domain runs again with reason "migration
    /// canceled" (6) or "save canceled" (7), else unknown.
    private static func finalizePending(_ e: inout Entry, stateReason: Int?, running: Bool) {
        guard let p = e.pendingEnd else { return }
        var j = p.lastRunning
        let cancelled = running && (stateReason == 6 || stateReason == 7)
        j.outcome = cancelled ? .cancelled : .unknown
        if cancelled { j.type = 5 }
        j.endedAtSeconds = p.endedAt
        j.observedAtSeconds = p.endedAt
        e.last = j
        e.pendingEnd = nil
        e.recheck = 3
    }
}

/// The larger of two optional values; nil only when both are.
func maxOptional(_ a: Double?, _ b: Double?) -> Double? {
    switch (a, b) {
    case (let x?, let y?): max(x, y)
    case (let x?, nil): x
    case (nil, let y?): y
    default: nil
    }
}
