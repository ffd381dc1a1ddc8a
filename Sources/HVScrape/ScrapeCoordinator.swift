import Glibc
import HVCollect
import HVModel
import HVRuntime
import Logging
import Synchronization

/// Runs the collectors and hands out snapshots.
///
/// One scrape, one `ScrapeContext`: its start and the one libvirt deadline every collector
/// shares (`libvirtTimeout` from now). The collectors run in the order their declared inputs
/// give (`Collector.reads` / `fills`, see `CollectorPlan`), not in list order: the guest
/// pipeline (libvirt domains -> guest mapper -> cgroups, jobs, host sums) on the calling
/// thread, and beside it, each on a worker thread and a snapshot of its own, the collectors
/// that share nothing with the guests (storage pools, md arrays, the exporter's own
/// process). Meanwhile the guest mapper's scan (`prepare`) runs on another thread while
/// libvirt answers.
///
/// Single flight: while one collection runs, concurrent requests wait for it and share its
/// result instead of starting their own (200 simultaneous scrapes cost one collection).
/// A finished snapshot is reused for `maxAge` (zero: every request after the last
/// collection finished starts a new one).
public final class ScrapeCoordinator: Sendable {
    /// The collectors, in the order their statuses are reported.
    public let collectors: [any Collector]
    public let plan: CollectorPlan
    /// `--libvirt.timeout`: the libvirt budget of one scrape.
    public let libvirtTimeout: Duration
    public let maxAge: Duration
    let logger: Logger

    struct State {
        var last: Snapshot?
        var lastFinished: ContinuousClock.Instant?
        var running = false
        var generation = 0
    }

    private let state = Mutex(State())
    private let cond = LockedCondition()

    public init(collectors: [any Collector], libvirtTimeout: Duration = .seconds(5), maxAge: Duration = .zero, logger: Logger) {
        self.collectors = collectors
        self.plan = CollectorPlan(collectors)
        self.libvirtTimeout = libvirtTimeout
        self.maxAge = maxAge
        self.logger = logger
    }

    /// A snapshot no older than `maxAge`, collecting one if needed (or joining one in flight).
    public func snapshot() -> Snapshot { served().snapshot }

    /// A served snapshot: the snapshot, which collection made it (a number that grows by one
    /// per collection, so renderings can be cached per collection) and when it finished.
    public struct Served: Sendable {
        public let snapshot: Snapshot
        public let generation: Int
        public let finished: ContinuousClock.Instant
    }

    /// Like `snapshot()`, with the collection's number and end.
    public func served() -> Served {
        enum Step {
            case use(Served)
            case wait(Int)
            case collect
        }
        let step: Step = state.withLock { s in
            if let last = s.last, let t = s.lastFinished, ContinuousClock.now - t <= maxAge, !s.running {
                return .use(Served(snapshot: last, generation: s.generation, finished: t))
            }
            if s.running { return .wait(s.generation) }
            s.running = true
            return .collect
        }
        switch step {
        case .use(let served):
            return served
        case .wait(let gen):
            _ = cond.wait { self.state.withLock { $0.generation != gen } }
            return state.withLock { Served(snapshot: $0.last!, generation: $0.generation, finished: $0.lastFinished!) }
        case .collect:
            let snap = collectNow()
            let served = state.withLock { s in
                s.last = snap
                s.lastFinished = .now
                s.running = false
                s.generation += 1
                return Served(snapshot: snap, generation: s.generation, finished: s.lastFinished!)
            }
            cond.broadcast()
            return served
        }
    }

    /// Longest wait for a collector beside the pipeline past the libvirt deadline (they have
    /// deadlines of their own; this only bounds a bug).
    static let besideGrace = Duration.seconds(2)

    /// Runs every collector once, timing each; a failing collector is recorded and logged,
    /// never fatal.
    public func collectNow() -> Snapshot {
        let scrape = ScrapeContext(libvirtTimeout: libvirtTimeout)
        var snap = Snapshot(timestampSeconds: scrape.timestampSeconds, hostname: hostName())
        var statuses: [String: CollectorStatus] = [:]

        // Beside the guest pipeline: each on a worker thread and a snapshot of its own.
        let beside = plan.beside.map { c -> (any Collector, Deadline.Pending<(Snapshot, CollectorStatus)>) in
            let p = Deadline.start { Self.run(c, scrape, into: Snapshot(timestampSeconds: scrape.timestampSeconds)) }
            return (c, p)
        }
        // A beside collector's part that a pipeline collector reads (the pools the migration
        // collector looks up) is waited for and taken in before that collector runs.
        var taken = Set<String>()
        func takeBeside(_ c: any Collector, _ p: Deadline.Pending<(Snapshot, CollectorStatus)>) {
            guard taken.insert(c.name).inserted else { return }
            let outcome: (Snapshot, CollectorStatus)
            switch p.wait(until: scrape.libvirtDeadline + Self.besideGrace) {
            case .done(let r): outcome = r
            case .refused: outcome = Self.run(c, scrape, into: Snapshot(timestampSeconds: scrape.timestampSeconds))
            case .timedOut:
                outcome = (
                    Snapshot(),
                    CollectorStatus(
                        name: c.name, success: false, durationSeconds: (ContinuousClock.now - scrape.started).seconds,
                        error: "did not finish within the scrape's deadline")
                )
            }
            for part in type(of: c).fills { snap.take(part, from: outcome.0) }
            statuses[c.name] = outcome.1
        }
        let preparation = Preparation.start(Array(plan.pipeline.dropFirst()))
        var prepared = false
        for (i, c) in plan.pipeline.enumerated() {
            if i > 0 && c.prepares && !prepared {
                preparation.wait()
                prepared = true
            }
            if let missing = plan.missing[c.name] {
                statuses[c.name] = CollectorStatus(name: c.name, success: false, durationSeconds: 0, error: missing)
                continue
            }
            let wanted = Set(type(of: c).reads.map(\.part))
            for (b, p) in beside where !type(of: b).fills.isDisjoint(with: wanted) { takeBeside(b, p) }
            let (next, status) = Self.run(c, scrape, into: snap)
            snap = next
            statuses[c.name] = status
        }
        for (c, p) in beside { takeBeside(c, p) }
        snap.collectors = collectors.compactMap { statuses[$0.name] }
        // Storage health rolls up to the guest disks once every source has filled its part.
        snap.rollUpStorageHealth()
        for s in snap.collectors where !s.success {
            logger.debug("collector failed", metadata: ["collector": "\(s.name)", "error": "\(s.error ?? "")"])
        }
        return snap
    }

    /// Runs one collector on `snapshot`, timing it.
    static func run(_ c: any Collector, _ scrape: ScrapeContext, into snapshot: Snapshot) -> (Snapshot, CollectorStatus) {
        var snap = snapshot
        let t0 = ContinuousClock.now
        var failure: String?
        do { try c.collect(scrape, into: &snap) } catch { failure = "\(error)" }
        let status = CollectorStatus(
            name: c.name, success: failure == nil, durationSeconds: (ContinuousClock.now - t0).seconds, error: failure)
        return (snap, status)
    }
}

extension Snapshot {
    /// Copies one part that a collector beside the guest pipeline filled on its own snapshot.
    mutating func take(_ part: SnapshotPart, from other: Snapshot) {
        switch part {
        case .hostFacts: host = other.host
        case .storagePools: storagePools = other.storagePools
        case .mdArrays: mdArrays = other.mdArrays
        case .exporterProcess: exporterProcess = other.exporterProcess
        case .raidControllers:
            raidControllers = other.raidControllers
            raidControllerTools = other.raidControllerTools
        case .smartDisks: smartDisks = other.smartDisks
        case .btrfs: btrfsFilesystems = other.btrfsFilesystems
        case .lxdPools:
            lxdStoragePools = other.lxdStoragePools
            lxdPoolsRun = other.lxdPoolsRun
        case .drbd: drbd = other.drbd
        case .multipath: multipath = other.multipath
        case .zfs: zfs = other.zfs
        case .storageStacks: guestDiskStacks = other.guestDiskStacks
        case .libvirtDomains, .guestProcesses, .guestCgroupFigures, .guestJobs, .migrationSafety:
            // Guest parts are filled in the pipeline, never beside it.
            break
        }
    }
}

func hostName() -> String {
    var buf = [CChar](repeating: 0, count: 256)
    guard gethostname(&buf, buf.count - 1) == 0 else { return "" }
    return buf.withUnsafeBufferPointer { String(decoding: UnsafeRawBufferPointer($0).prefix { $0 != 0 }, as: UTF8.self) }
}
