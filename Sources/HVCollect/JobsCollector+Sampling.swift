import HVLibvirt
import HVModel
import HVRuntime

/// What to ask one domain.
struct ProbeRequest: Sendable {
    let uuid: String
    let name: String
    /// nil: look it up by UUID first (known only from an event).
    let domain: LibvirtDomain?
    /// Read libvirt's completed-job record (first time on this connection, or a job ended).
    let readCompleted: Bool
    /// A running job was tracked: read the completed record if it is gone now.
    let trackedRunning: Bool
    /// Disk targets, when cached for this domain ID.
    let disks: [String]?
    /// Ask each disk for its block job.
    let blocks: Bool
}

/// One domain's answers (nil / false: not asked or failed).
struct ProbeResult: Sendable {
    /// When the probe started, seconds since the epoch (its answers are as of then; an
    /// answer that comes late must not pass for a new one).
    var startedAt = Clock.wall()
    var lookedUp: LibvirtDomain?
    var current: (type: Int, params: TypedParameters)?
    /// The domain is gone or not running any more (VIR_ERR_NO_DOMAIN, VIR_ERR_OPERATION_INVALID).
    var domainUnavailable = false
    var completedAsked = false
    var completed: (type: Int, params: TypedParameters)?
    var completedError: String?
    var stateReason: Int?
    var running = false
    var domainID: Int?
    var disks: [String]?
    var blockJobs: [BlockJob]?
}

extension JobsCollector {
    /// Asks one domain what `r` says; blocking (run it on a worker thread under a deadline).
    static func probe(_ r: ProbeRequest, conn: LibvirtConnection) -> ProbeResult {
        var out = ProbeResult()
        let d: LibvirtDomain
        if let given = r.domain {
            d = given
        } else {
            guard let found = try? conn.domain(uuid: r.uuid) else { out.domainUnavailable = true; return out }
            d = found
            out.lookedUp = found
        }
        out.domainID = d.id
        do {
            out.current = try d.currentJobStats()
        } catch {
            out.domainUnavailable = error.code == 42 || error.code == 55   // no domain / not running
        }
        let jobGone = out.current.map { $0.type == 0 } ?? true
        if r.readCompleted || (r.trackedRunning && jobGone) {
            out.completedAsked = true
            do { out.completed = try d.completedJobStats() } catch { out.completedError = error.description }
            if let st = try? d.state() {
                out.stateReason = st.reason
                out.running = st.state == 1
            }
        }
        if r.blocks && !out.domainUnavailable {
            var targets = r.disks
            if targets == nil, let xml = try? d.xmlDescription(), let desc = try? DomainDescription.parse(xml) {
                targets = desc.disks.filter { ($0.device == "disk" || $0.device == "lun" || $0.device.isEmpty) && !$0.target.isEmpty }.map(
                    \.target)
                out.disks = targets
            }
            if let targets {
                var jobs: [BlockJob] = []
                for t in targets {
                    guard let info = try? d.blockJobInfo(disk: t) else { continue }
                    jobs.append(
                        BlockJob(
                            disk: t, type: info.type, currentBytes: info.current, endBytes: info.end,
                            bandwidthBytesPerSecond: info.bandwidthBytesPerSecond))
                }
                out.blockJobs = jobs
            }
        }
        return out
    }

    /// A job event (on libvirt's event thread): record what it carries, mark the domain for
    /// sampling, wake the sampler.
    func handle(_ uuid: String, _ name: String, _ event: DomainJobEvent) {
        let now = Clock.monotonic()
        let wall = Clock.wall()
        state.withLock { s in
            switch event {
            case .jobCompleted(let params):
                s.tracker.observeCompletedEvent(uuid, name: name, params: params, wall: wall)
                s.tracker.markHot(uuid, name: name, until: now + 3 * sampleInterval)
            case .migrationIteration:
                s.tracker.markHot(uuid, name: name, until: now + 5 * sampleInterval)
            case .blockJob:
                s.tracker.markHot(uuid, name: name, until: now + 3 * sampleInterval, block: true)
            case .lifecycle:
                // Start of a save (suspended), end of a migration (suspended/stopped/resumed
                // "migrated"), a restore or incoming migration (started): look now.
                s.tracker.markHot(uuid, name: name, until: now + 3 * sampleInterval)
            }
        }
        startSamplerIfNeeded()
    }

    /// Starts the background sampler if something is hot and none runs.
    func startSamplerIfNeeded() {
        let start = state.withLock { s -> Bool in
            guard !s.samplerRunning, !s.tracker.hot(monotonic: Clock.monotonic()).isEmpty else { return false }
            s.samplerRunning = true
            return true
        }
        guard start else { return }
        // The collector is held only during a round, never while sleeping.
        let started = BackgroundThread.loop(weak: self) { c in
            c.sampleOnce() ? .seconds(max(0.05, c.sampleInterval)) : nil
        }
        if !started { state.withLock { $0.samplerRunning = false } }
    }

    /// One round of the sampler: asks every hot domain once. Returns false (and marks the
    /// sampler stopped) when nothing is hot any more.
    func sampleOnce() -> Bool {
        let now = Clock.monotonic()
        let deadline = ContinuousClock.now + min(timeout, .seconds(max(1, 3 * sampleInterval)))
        let requests = state.withLock { s -> [ProbeRequest]? in
            let hot = s.tracker.hot(monotonic: now)
            if hot.isEmpty {
                s.samplerRunning = false
                return nil
            }
            return hot.filter { s.inFlight[$0, default: 0] == 0 }.map { request(for: $0, s.domains[$0], s) }
        }
        guard let requests else { return false }
        if requests.isEmpty { return true }
        guard let (conn, generation) = try? lane.connection(until: deadline) else {
            // libvirt unreachable: stop; the next scrape or event starts sampling again.
            state.withLock { $0.samplerRunning = false }
            return false
        }
        if generation != state.withLock({ $0.generation }) {
            // A fresh connection: the handles in `requests` belong to the old one.
            prepare(conn, generation: generation)
            return true
        }
        _ = runProbes(requests, conn: conn, deadline: deadline)
        return true
    }
}
