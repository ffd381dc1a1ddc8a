import Glibc
import HVModel

/// `hvtop check raid|pools|guests|libvirt|migrations|storage`: Nagios-style checks.
/// Each prints `HV <NAME> <STATE> - summary | perfdata` and exits 0/1/2/3.
public struct HostCheck: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case raid, pools, guests, libvirt, migrations, storage

        var service: String { "HV " + rawValue.uppercased() }
    }

    /// Thresholds and selections; which ones a check reads is documented per check.
    public struct Options: Sendable {
        /// Numeric thresholds: raid = missing members per array (default critical "0"),
        /// pools = used percent (default warning "80", critical "90"), libvirt = scrape
        /// duration seconds, migrations = elapsed seconds of a running migration.
        public var warning: NagiosRange?
        public var critical: NagiosRange?
        /// raid: arrays to look at ("md0"); pools: pools to look at; empty = all.
        public var only: [String] = []
        /// guests: names (or UUIDs) that must be running.
        public var running: [String] = []
        /// guests: count thresholds.
        public var pausedWarning: NagiosRange?
        public var pausedCritical: NagiosRange?
        public var crashedWarning: NagiosRange?
        public var crashedCritical: NagiosRange? = try? NagiosRange("0")
        public var timedOutWarning: NagiosRange? = try? NagiosRange("0")
        public var transientWarning: NagiosRange?
        /// raid: threshold on mismatch sectors found by the last check.
        public var mismatchWarning: NagiosRange?
        /// migrations: seconds between two samples to see progress; iterations after which
        /// a pre-copy whose dirty rate exceeds its bandwidth is "not converging"; how long a
        /// failed migration keeps the check in WARNING.
        public var interval = 2.0
        public var maxIterations = 30
        public var failedWindow = 3600.0
        /// migrations: guests that arrived by live migration within this many seconds are
        /// checked for network traffic (counters moving between the two samples).
        public var arrivalWindow = 600.0

        public init() {}
    }

    public let kind: Kind
    public let options: Options
    /// Standing warnings for a source (privileges of a direct collection), added to the details.
    public let warnings: @Sendable (SourceKind) -> [String]

    public init(_ kind: Kind, options: Options, warnings: @escaping @Sendable (SourceKind) -> [String] = { _ in [] }) {
        self.kind = kind
        self.options = options
        self.warnings = warnings
    }

    /// Fetches and judges. An unreachable source is UNKNOWN.
    public func run(_ source: SnapshotSource) -> CheckResult {
        let sample: Sample
        do { sample = try source.fetch() } catch {
            return CheckResult(service: kind.service, status: .unknown, summary: error.description)
        }
        var r: CheckResult
        switch kind {
        case .raid: r = raid(sample.snapshot)
        case .pools: r = pools(sample.snapshot)
        case .guests: r = guests(sample.snapshot)
        case .libvirt: r = libvirt(sample)
        case .storage: r = storage(sample.snapshot)
        case .migrations:
            var later: Sample?
            if !Self.runningMigrations(sample.snapshot).isEmpty
                || !Self.recentArrivals(sample.snapshot, within: options.arrivalWindow).isEmpty
            {
                usleep(useconds_t(max(0, options.interval) * 1_000_000))
                later = try? source.fetch()
            }
            r = migrations(sample.snapshot, later: later?.snapshot)
        }
        if !sample.source.isDaemon {
            r.details.append("source: \(sample.source)")
            r.details.append(contentsOf: warnings(sample.source))
        }
        return r
    }

    /// Guests whose last job is a completed incoming migration that ended within `within`
    /// seconds of the snapshot, with at least one interface with counters.
    static func recentArrivals(_ s: Snapshot, within: Double) -> [Guest] {
        s.guests.filter { g in
            guard let j = g.lastJob, j.operation == 4, j.outcome == .completed, let end = j.endedAtSeconds ?? j.observedAtSeconds else {
                return false
            }
            return s.timestampSeconds - end <= within && g.interfaces.contains { $0.rxPackets != nil || $0.txPackets != nil }
        }
    }

    /// Guests with a running migration job.
    static func runningMigrations(_ s: Snapshot) -> [Guest] {
        s.guests.filter { g in
            guard let j = g.job, j.type == 1 || j.type == 2 else { return false }
            return j.isMigration
        }
    }
}
