import HVModel

/// The block-device and interface views: every device of every (filtered) guest, with rates.
public enum DeviceTables {
    /// Block devices: bytes and requests per second, size and allocation.
    public static func block(_ current: Sample, previous: Sample?, guests: [Guest]) -> TextTable {
        let dt = previous.map { current.seconds(since: $0) }
        var before: [String: BlockDevice] = [:]
        for g in previous?.snapshot.guests ?? [] { for b in g.blockDevices { before[g.key + "\u{0}" + b.target] = b } }
        let cols: [TextTable.Column] = [
            .init("GUEST", .left, flexible: true, minWidth: 10, maxWidth: 32), .init("DEV", .left), .init("BUS", .left),
            .init("READ/s"), .init("WRITE/s"), .init("R-IOPS"), .init("W-IOPS"), .init("CAPACITY"), .init("ALLOC"),
            .init("SOURCE", .left, flexible: true, minWidth: 6, maxWidth: 60),
        ]
        var rows: [[String]] = []
        for g in guests {
            for b in g.blockDevices {
                let p = before[g.key + "\u{0}" + b.target]
                func r(_ f: (BlockDevice) -> UInt64?) -> Double? { dt.flatMap { RateMath.perSecond(p.flatMap(f), f(b), seconds: $0) } }
                rows.append([
                    Format.printable(g.name), b.target, b.bus ?? "-",
                    Format.rate(r(\.readBytes)), Format.rate(r(\.writeBytes)),
                    Format.percent(r(\.readRequests)), Format.percent(r(\.writeRequests)),
                    Format.bytes(b.capacityBytes), Format.bytes(b.allocationBytes), Format.printable(b.source),
                ])
            }
        }
        return TextTable(columns: cols, rows: rows)
    }

    /// Interfaces: bytes and packets per second, error and drop totals.
    public static func interfaces(_ current: Sample, previous: Sample?, guests: [Guest]) -> TextTable {
        let dt = previous.map { current.seconds(since: $0) }
        var before: [String: NetInterface] = [:]
        for g in previous?.snapshot.guests ?? [] { for n in g.interfaces { before[g.key + "\u{0}" + n.target] = n } }
        let cols: [TextTable.Column] = [
            .init("GUEST", .left, flexible: true, minWidth: 10, maxWidth: 32), .init("DEV", .left), .init("TYPE", .left),
            .init("SOURCE", .left, flexible: true, minWidth: 6, maxWidth: 16), .init("MAC", .left),
            .init("RX/s"), .init("TX/s"), .init("RX-PK/s"), .init("TX-PK/s"), .init("ERRORS"), .init("DROPS"),
        ]
        var rows: [[String]] = []
        for g in guests {
            for n in g.interfaces {
                let p = before[g.key + "\u{0}" + n.target]
                func r(_ f: (NetInterface) -> UInt64?) -> Double? { dt.flatMap { RateMath.perSecond(p.flatMap(f), f(n), seconds: $0) } }
                let errors = RateMath.sum([n.rxErrors, n.txErrors])
                let drops = RateMath.sum([n.rxDrops, n.txDrops])
                rows.append([
                    Format.printable(g.name), n.target.isEmpty ? "-" : n.target, n.type ?? "-", Format.printable(n.source ?? "-"),
                    n.mac ?? "-", Format.rate(r(\.rxBytes)), Format.rate(r(\.txBytes)),
                    Format.percent(r(\.rxPackets)), Format.percent(r(\.txPackets)),
                    errors.map(String.init) ?? "-", drops.map(String.init) ?? "-",
                ])
            }
        }
        return TextTable(columns: cols, rows: rows)
    }
}
