import HVModel

/// How one md array is doing, in check states: the judgement shared by the storage view,
/// `hvtop check raid` and the Zabbix keys.
public struct ArrayHealth: Sendable, Equatable {
    public var device: String
    public var status: CheckStatus
    /// "raid1 clean, 2/2 disks", "raid5 DEGRADED 2/3, recover 45%"...
    public var text: String
    /// Missing or failed members.
    public var degraded: Int
    /// Members in sync, and the count a complete array has.
    public var activeDisks: Int
    public var raidDisks: Int?
    /// Progress of a running sync operation, 0...1.
    public var syncProgress: Double?

    /// Members missing or failed: `md/degraded`, else raid_disks minus members in sync, else
    /// faulty members (mdstat-only arrays).
    public static func degradedCount(_ a: MDArray) -> Int {
        if let d = a.degraded { return d }
        let active = a.members.filter { $0.role == .active }.count
        if let r = a.raidDisks, !a.members.isEmpty { return max(0, r - active) }
        return a.members.filter { $0.role == .faulty }.count
    }

    /// The default critical range: alert on any missing member.
    public static let anyMissing: NagiosRange? = try? NagiosRange("0")

    /// Levels without redundancy (nothing can be degraded; a lost disk is a failed array).
    static let noRedundancy: Set<String> = ["raid0", "linear", "container", "faulty", "multipath"]

    /// - Parameters:
    ///   - degradedWarning, degradedCritical: ranges for the count of missing members
    ///     (default: any missing member is critical; a rebuild under way lowers that to warning).
    public init(_ a: MDArray, degradedWarning: NagiosRange? = nil, degradedCritical: NagiosRange? = ArrayHealth.anyMissing) {
        device = a.device
        degraded = Self.degradedCount(a)
        activeDisks = a.members.filter { $0.role == .active }.count
        raidDisks = a.raidDisks
        syncProgress = a.syncCompletedRatio
        let level = a.level ?? "?"
        let state = a.arrayState ?? "?"
        var parts = ["\(level) \(state)"]
        if let r = a.raidDisks { parts.append("\(activeDisks)/\(r) disks in sync") }
        let action = a.syncAction ?? "idle"
        let running = action != "idle" && action != "frozen"
        if running {
            var s = action + (syncProgress.map { " \(Format.percent($0 * 100))%" } ?? "")
            if let speed = a.syncSpeedBytesPerSecond { s += " at \(Format.bytes(speed))/s" }
            if let left = a.syncRemainingSeconds { s += ", \(Format.duration(left)) left" }
            parts.append(s)
        } else if a.syncState == .pending || a.syncState == .delayed {
            parts.append("sync \(a.syncState!.rawValue)")
        }
        let faulty = a.members.filter { $0.role == .faulty }.map(\.device)
        if !faulty.isEmpty { parts.append("faulty: \(faulty.joined(separator: ","))") }
        if let m = a.mismatchSectors, m > 0 { parts.append("mismatch \(m) sectors") }

        var st = CheckStatus.ok
        if let e = a.error {
            st = .unknown
            parts.append("unreadable: \(e)")
        } else if a.isContainer {
            st = .ok
        } else if a.degraded == nil && a.raidDisks == nil && !Self.noRedundancy.contains(level) && state != "inactive" {
            // An array whose missing members nobody reported (a /json without md detail).
            st = .unknown
            parts.append("missing-member count not reported by the source (try --source direct)")
        } else if state == "inactive" || state == "broken" || state == "clear" || state == "suspended" {
            st = .critical
        } else if degraded > 0, CheckStatus.evaluate(Double(degraded), warning: degradedWarning, critical: degradedCritical) != .ok {
            // Losing redundancy is critical; a rebuild under way is a warning.
            let judged = CheckStatus.evaluate(Double(degraded), warning: degradedWarning, critical: degradedCritical)
            let rebuilding = action == "recover" || action == "reshape" || action == "resync"
            st = judged == .critical && rebuilding ? .warning : judged
            parts[0] = "\(level) DEGRADED (\(degraded) missing)"
        } else if degraded > 0 {
            parts[0] = "\(level) degraded (\(degraded) missing, within thresholds)"
        } else if !faulty.isEmpty {
            st = .warning
        } else if action == "recover" || action == "reshape" {
            st = .warning
        }
        status = st
        text = parts.joined(separator: ", ")
    }
}
