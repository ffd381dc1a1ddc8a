import HVModel

/// The storage view: md RAID arrays and libvirt storage pools.
public enum StorageTables {
    public static func arrays(_ s: Snapshot) -> TextTable {
        let cols: [TextTable.Column] = [
            .init("ARRAY", .left), .init("LEVEL", .left), .init("STATE", .left), .init("STATUS", .left),
            .init("DISKS"), .init("DEGRADED"), .init("SYNC", .left), .init("DONE%"), .init("SPEED"), .init("LEFT"),
            .init("MISMATCH"), .init("MEMBERS", .left, flexible: true, minWidth: 8, maxWidth: 60),
        ]
        let rows = s.mdArrays.map { a -> [String] in
            let h = ArrayHealth(a)
            let members = a.members.map { m in m.device + (m.role == .active ? "" : "(\(m.role.rawValue))") }.joined(separator: " ")
            return [
                a.device, a.level ?? "-", a.arrayState ?? "-", h.status.description,
                a.raidDisks.map { "\(h.activeDisks)/\($0)" } ?? String(a.members.count), String(h.degraded),
                a.syncAction ?? "-", Format.percent(h.syncProgress.map { $0 * 100 }),
                a.syncSpeedBytesPerSecond.map { Format.bytes($0) + "/s" } ?? "-", Format.duration(a.syncRemainingSeconds),
                a.mismatchSectors.map(String.init) ?? "-", members,
            ]
        }
        return TextTable(columns: cols, rows: rows)
    }

    public static func pools(_ s: Snapshot) -> TextTable {
        let cols: [TextTable.Column] = [
            .init("POOL", .left, flexible: true, minWidth: 8, maxWidth: 32), .init("TYPE", .left), .init("STATE", .left),
            .init("CAPACITY"), .init("ALLOC"), .init("AVAIL"), .init("USED%"), .init("VOLUMES"), .init("AUTOSTART", .left),
        ]
        let rows = s.storagePools.map { p -> [String] in
            [
                Format.printable(p.name), p.type ?? "-", p.timedOut ? "timeout" : p.stateName,
                Format.bytes(p.capacityBytes), Format.bytes(p.allocationBytes), Format.bytes(p.availableBytes),
                Format.percent(PoolHealth.usedPercent(p)), p.volumes.map(String.init) ?? "-",
                p.autostart.map { $0 ? "yes" : "no" } ?? "-",
            ]
        }
        return TextTable(columns: cols, rows: rows)
    }
}

/// Storage pool figures shared by the view, `check pools` and Zabbix.
public enum PoolHealth {
    /// allocation / capacity × 100; nil when unknown or capacity 0.
    public static func usedPercent(_ p: StoragePool) -> Double? {
        guard let c = p.capacityBytes, c > 0, let a = p.allocationBytes else { return nil }
        return min(100, Double(a) / Double(c) * 100)
    }
}
