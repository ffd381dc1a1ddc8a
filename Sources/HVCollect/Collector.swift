import HVModel
import HVRuntime

/// One collector: fills its part of a snapshot, once per scrape.
///
/// What a collector reads that another fills is declared (`reads`, `fills`), never implied
/// by the order of a list: the scrape coordinator orders the collectors by it, runs the
/// collectors that share nothing with the guest pipeline side by side, and refuses at start
/// a set of collectors in which a required input has no collector to fill it.
public protocol Collector: Sendable {
    /// Name used in --collector.<name> and hv_scrape_collector_success{collector}.
    var name: String { get }
    /// The parts of the snapshot this collector reads, filled by others (declared on the
    /// type, so a set of collectors can be checked before any is built).
    static var reads: [CollectorInput] { get }
    /// The parts of the snapshot this collector fills. A collector that fills only parts
    /// apart from the guests and reads nothing runs beside the guest pipeline.
    static var fills: Set<SnapshotPart> { get }
    /// Whether `prepare()` does anything (the scrape then runs it on another thread).
    var prepares: Bool { get }
    /// Work that needs nothing from the snapshot (a walk of /proc), done before `collect`
    /// while the collectors before this one run (the libvirt collector waits on libvirtd
    /// meanwhile). `collect` must still work, doing that work itself, if it was not called.
    func prepare()
    /// Fills its part of the snapshot. What it `reads` is filled by then. Libvirt calls
    /// wait at most until `scrape.libvirtDeadline`. Throwing marks this collector failed
    /// for this scrape; the snapshot keeps the rest.
    func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws
}

extension Collector {
    public static var reads: [CollectorInput] { [] }
    public static var fills: Set<SnapshotPart> { [] }
    public var prepares: Bool { false }
    public func prepare() {}
}

/// A part of the snapshot that a collector fills.
public enum SnapshotPart: String, Sendable, Hashable, CaseIterable {
    /// `Snapshot.libvirt` and one guest per libvirt domain (state, CPU, memory, devices).
    case libvirtDomains
    /// Containers and unlisted QEMU guests, every guest's processes and cgroup paths
    /// (`Guest.cgroup`), `Snapshot.processes`.
    case guestProcesses
    /// Figures read from each guest's cgroups (`Guest.cgroup` counters).
    case guestCgroupFigures
    /// Jobs of guests (`Guest.job`, `lastJob`, `blockJobs`) and `Snapshot.departedJobs`.
    case guestJobs
    /// `Snapshot.host`.
    case hostFacts
    /// `Snapshot.storagePools`.
    case storagePools
    /// `Snapshot.mdArrays`.
    case mdArrays
    /// `Snapshot.exporterProcess`.
    case exporterProcess
    /// `Snapshot.raidControllers` and `Snapshot.raidControllerTools`.
    case raidControllers
    /// `Snapshot.smartDisks`.
    case smartDisks
    /// `Snapshot.btrfsFilesystems`.
    case btrfs
    /// `Snapshot.lxdStoragePools`.
    case lxdPools
    /// Guests' storage migration blockers and disk source identities, `Snapshot.lockManager`.
    case migrationSafety
    /// `Snapshot.drbd`.
    case drbd
    /// `Snapshot.multipath`.
    case multipath
    /// `Snapshot.zfs`.
    case zfs
    /// `Snapshot.guestDiskStacks` (the storage stack under each guest disk).
    case storageStacks

    /// Parts that touch `Snapshot.guests`: collectors filling them run one after another.
    public var touchesGuests: Bool {
        switch self {
        case .libvirtDomains, .guestProcesses, .guestCgroupFigures, .guestJobs, .migrationSafety: return true
        case .hostFacts, .storagePools, .mdArrays, .exporterProcess: return false
        case .raidControllers, .smartDisks: return false
        case .btrfs, .lxdPools, .storageStacks: return false
        case .drbd, .multipath, .zfs: return false
        }
    }
}

/// One input of a collector: a part of the snapshot, and whether the collector is
/// meaningless without it (`required`) or uses it when present (optional: it then runs
/// after the collector that fills it).
public struct CollectorInput: Sendable, Hashable {
    public let part: SnapshotPart
    public let required: Bool
    public static func required(_ p: SnapshotPart) -> CollectorInput { CollectorInput(part: p, required: true) }
    public static func optional(_ p: SnapshotPart) -> CollectorInput { CollectorInput(part: p, required: false) }
}

/// What one scrape shares between its collectors: when it started and the one deadline
/// for every wait on libvirt in it.
///
/// The budget is one budget: the domain, pool and job collectors all wait until the same
/// `libvirtDeadline`, on the monotonic clock, so the libvirt waiting of a scrape never
/// exceeds `--libvirt.timeout`, whatever mix of stuck domain, pool and job calls.
public struct ScrapeContext: Sendable {
    /// Monotonic instant the scrape started.
    public let started: ContinuousClock.Instant
    /// Wall-clock start, seconds since the Unix epoch (for timestamps in the output).
    public let timestampSeconds: Double
    /// No libvirt call of this scrape is waited for past this instant.
    public let libvirtDeadline: ContinuousClock.Instant

    /// - Parameter timestampSeconds: the wall-clock start; nil: now.
    public init(libvirtTimeout: Duration, started: ContinuousClock.Instant = .now, timestampSeconds: Double? = nil) {
        self.started = started
        self.timestampSeconds = timestampSeconds ?? Clock.wall()
        self.libvirtDeadline = started + libvirtTimeout
    }

    /// Time left of the libvirt budget (zero once spent).
    public var libvirtRemaining: Duration { max(.zero, libvirtDeadline - .now) }

    /// The instant `share` (0...1) of the libvirt budget left now is used up, for a step that
    /// must leave time to the steps after it.
    public func libvirtShare(_ share: Double) -> ContinuousClock.Instant {
        ContinuousClock.now + libvirtRemaining * share
    }
}

/// The `prepare()` of some collectors, running on a thread of their own.
public struct Preparation: Sendable {
    let pending: Deadline.Pending<Bool>?

    /// Starts `prepare()` of each collector that `prepares`, in order, on one thread (on
    /// the caller's when no thread is free).
    public static func start(_ collectors: [any Collector]) -> Preparation {
        let todo = collectors.filter(\.prepares)
        guard !todo.isEmpty else { return Preparation(pending: nil) }
        let p = Deadline.start {
            for c in todo { c.prepare() }; return true
        }
        if p.refused { for c in todo { c.prepare() } }
        return Preparation(pending: p.refused ? nil : p)
    }

    /// Waits for the preparations to end (at most `within`: a collector whose preparation
    /// is still running then does its own work, after waiting for its lock).
    public func wait(within: Duration = .seconds(30)) {
        _ = pending?.wait(until: .now + within)
    }
}
