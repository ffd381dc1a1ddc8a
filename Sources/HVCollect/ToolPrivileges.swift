import HVSystem

/// What the storage tools need of this process's capabilities, said once when their collector
/// starts: without them a tool fails on every disk or controller, or worse, smartctl reads a
/// SATA disk as "unsupported" and cannot tell why (seen under a systemd unit without
/// CAP_SYS_RAWIO, scripts/systemd-test.sh).
enum ToolPrivileges {
    /// Where the unit's grants for the storage tools, and the drop-in that takes them away, are
    /// explained (also named by the smart collector's per-run hint).
    static let unitDoc = "docs/alerts-and-dashboards.md, \"Storage tools under the packaged systemd unit\""
    static let unitNote = "the packaged systemd unit grants these unless a drop-in removed them (\(unitDoc))"

    /// The warning for the smart collector; nil when nothing is missing or the set is unknown.
    static func smartWarning(_ caps: ProcessCapabilities?) -> String? {
        guard let caps else { return nil }
        var missing: [String] = []
        if !caps.has(.sysRawIO) {
            missing.append("CAP_SYS_RAWIO (smartctl cannot send ATA commands through libata: SATA disks read as unsupported)")
        }
        if !caps.has(.sysAdmin) {
            missing.append("CAP_SYS_ADMIN (NVMe admin commands are refused: NVMe disks read as error, Permission denied)")
        }
        guard !missing.isEmpty else { return nil }
        return "smart: this process lacks \(missing.joined(separator: " and ")); \(unitNote)"
    }

    /// The warning for the raid_controller collector; nil when nothing is missing or the set
    /// is unknown.
    static func raidControllerWarning(_ caps: ProcessCapabilities?) -> String? {
        guard let caps, !caps.has(.sysAdmin) else { return nil }
        return
            "raid_controller: this process lacks CAP_SYS_ADMIN, which storcli/perccli, ssacli and arcconf need for their controllers' ioctls: expect every run to fail; \(unitNote)"
    }
}
