import HVModel

/// One line of the guest table: identity, sizes, and rates between two samples.
public struct GuestRow: Sendable, Equatable {
    public var key: String
    public var name: String
    public var uuid: String?
    public var kind: GuestKind
    public var driver: String
    public var state: GuestState
    public var timedOut: Bool
    /// Live-migration marker: "ok", "!N" (N blocking reasons), "?" unknown, "-" not assessed.
    public var migration: String
    /// vCPUs online (or configured).
    public var vcpus: Int?
    /// CPU use, percent of one host CPU (200 = two CPUs busy).
    public var cpuPercent: Double?
    /// Steal as the guest sees it, percent of its vCPU capacity.
    public var stealPercent: Double?
    /// Memory given to the guest (VM: current balloon size; container: its limit), bytes.
    public var memoryBytes: UInt64?
    /// Host memory the guest actually occupies (QEMU RSS, cgroup usage), bytes.
    public var rssBytes: UInt64?
    /// Bytes per second.
    public var diskReadRate: Double?
    public var diskWriteRate: Double?
    public var netRxRate: Double?
    public var netTxRate: Double?
    /// Running job, e.g. "migration_out 45%", "copy vda 12%"; nil when none.
    public var job: String?
    /// Its progress, 0...1.
    public var jobProgress: Double?
    /// Cumulative counters of this sample (for the next delta and for batch JSON).
    public var counters: GuestCounters

    /// Builds the row of `guest` from this sample, with rates against `previous` (the same
    /// guest, by key, in the sample `seconds` earlier).
    /// - Parameter processRSS: sum of the RSS of the guest's processes, when the mapper gave them.
    public init(guest g: Guest, previous: Guest?, seconds: Double?, processRSS: UInt64? = nil) {
        key = g.key
        name = g.name
        uuid = g.uuid
        kind = g.kind
        driver = g.driver
        state = g.state
        timedOut = g.timedOut
        migration = Self.migrationMarker(g.migrationBlockers)
        vcpus = g.vcpuCurrent ?? (g.vcpus.isEmpty ? g.vcpuMaximum : g.vcpus.count)
        switch g.kind {
        case .vm:
            memoryBytes = g.memoryBytes ?? g.balloon?.currentBytes ?? g.maxMemoryBytes
            rssBytes = g.balloon?.rssBytes ?? processRSS ?? g.cgroup?.memoryUsageBytes
        case .container:
            memoryBytes = g.cgroup?.memoryLimitBytes ?? g.memoryBytes ?? g.maxMemoryBytes
            rssBytes = g.cgroup?.memoryUsageBytes ?? processRSS
        }
        let now = GuestCounters(g)
        counters = now
        if let previous, let dt = seconds, dt > 0 {
            let before = GuestCounters(previous)
            cpuPercent = RateMath.cpuPercent(before.cpuSeconds, now.cpuSeconds, seconds: dt)
            stealPercent = RateMath.stealPercent(before.stealSeconds, now.stealSeconds, seconds: dt, vcpus: g.vcpus.count)
            diskReadRate = RateMath.perSecond(before.diskReadBytes, now.diskReadBytes, seconds: dt)
            diskWriteRate = RateMath.perSecond(before.diskWriteBytes, now.diskWriteBytes, seconds: dt)
            netRxRate = RateMath.perSecond(before.netRxBytes, now.netRxBytes, seconds: dt)
            netTxRate = RateMath.perSecond(before.netTxBytes, now.netTxBytes, seconds: dt)
        }
        if let j = g.job, j.type == 1 || j.type == 2 {
            jobProgress = j.progressRatio
            job = j.operationName + (j.progressRatio.map { " \(Int(($0 * 100).rounded(.down)))%" } ?? "")
        } else if let b = g.blockJobs.first {
            jobProgress = b.progressRatio
            job = "\(b.typeName) \(b.disk)" + (b.progressRatio.map { " \(Int(($0 * 100).rounded(.down)))%" } ?? "")
        }
    }

    /// Disk read + write, bytes per second (the `d` sort key).
    public var diskRate: Double? { RateMath.sum([diskReadRate, diskWriteRate]) }
    /// Network rx + tx, bytes per second (the `n` sort key).
    public var netRate: Double? { RateMath.sum([netRxRate, netTxRate]) }

    /// Rows for every guest of `current`, with rates against `previous`.
    public static func rows(_ current: Sample, previous: Sample?) -> [GuestRow] {
        let dt = previous.map { current.seconds(since: $0) }
        var before: [String: Guest] = [:]
        for g in previous?.snapshot.guests ?? [] { before[g.key] = g }
        var rss: [String: UInt64] = [:]
        for p in current.snapshot.processes where p.pid == p.tid {
            if let k = p.guestKey { rss[k, default: 0] &+= p.rssBytes }
        }
        return current.snapshot.guests.map { g in
            GuestRow(guest: g, previous: before[g.key], seconds: dt, processRSS: rss[g.key])
        }
    }
}

extension GuestRow {
    /// The MIG cell for a guest's blockers (see `GuestTable`).
    public static func migrationMarker(_ blockers: [MigrationBlocker]?) -> String {
        guard let blockers else { return "-" }
        if blockers.isEmpty { return "ok" }
        if blockers.contains(where: { $0.reason == .unknown }) { return "?" }
        return "!" + String(Set(blockers.map(\.reason)).count)
    }
}
