import HVModel

/// The storage view's disk health table: one row per disk the smart collector asks.
public enum SMARTTable {
    public static func disks(_ s: Snapshot) -> TextTable {
        let cols: [TextTable.Column] = [
            .init("DISK", .left), .init("MODEL", .left, flexible: true, minWidth: 8, maxWidth: 28),
            .init("SERIAL", .left, flexible: true, minWidth: 6, maxWidth: 20), .init("STATE", .left), .init("TEMP"),
            .init("POWER-ON"), .init("REALLOC"), .init("PENDING"), .init("WEAR%"), .init("NVME-WARN"),
            .init("CHECKED", .left), .init("NOTE", .left, flexible: true, minWidth: 8, maxWidth: 60),
        ]
        let rows = s.smartDisks.map { d -> [String] in
            let finding = d.storageFinding
            var note = finding?.reason ?? ""
            if note.isEmpty, d.state == .unsupported || d.state == .error || d.state == .standby { note = d.stateReason ?? "" }
            if d.run.stale, let e = d.run.error { note = "stale: " + e + (note.isEmpty ? "" : "; " + note) }
            let age = d.run.lastSuccessSeconds.map { s.timestampSeconds - $0 }
            return [
                d.device, Format.printable(d.model ?? "-"), Format.printable(d.serial ?? "-"),
                d.state.rawValue + (finding.map { $0.severity == .ok ? "" : " (\($0.severity.name))" } ?? ""),
                d.temperatureCelsius.map { Format.fixed($0, 0) + "C" } ?? "-",
                d.powerOnHours.map { Format.duration($0 * 3600) } ?? "-",
                d.reallocatedSectors.map(String.init) ?? d.grownDefects.map(String.init) ?? "-",
                d.pendingSectors.map(String.init) ?? "-", d.enduranceUsedPercent.map(String.init) ?? "-",
                d.nvmeCriticalWarning.map(String.init) ?? "-", age.map { Format.duration(max(0, $0)) + " ago" } ?? "never",
                Format.printable(note),
            ]
        }
        return TextTable(columns: cols, rows: rows)
    }

    /// Whether a disk's row should stand out: failed or degraded, stale, or never read.
    public static func alerts(_ d: SMARTDisk) -> Bool {
        if let f = d.storageFinding, f.severity != .ok { return true }
        return d.run.stale || d.state == .error
    }
}
