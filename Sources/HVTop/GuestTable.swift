import HVModel

/// The guest table (TUI main view and batch mode).
public enum GuestTable {
    /// Column titles, in order. Tests and scripts find columns by these.
    public static let titles = [
        "NAME", "KIND", "STATE", "MIG", "VCPU", "CPU%", "STEAL%", "MEM", "RSS",
        "DISK-R/s", "DISK-W/s", "NET-RX/s", "NET-TX/s", "JOB",
    ]

    /// MIG: "ok" nothing blocks live migration, "!N" N reasons do (`hvtop guest X` lists
    /// them), "?" unknown (the domain XML could not be read), "-" not assessed (containers).
    /// The table for `rows` (already sorted), marking the sort column with "*".
    public static func table(_ rows: [GuestRow], sort: SortKey?) -> TextTable {
        var cols: [TextTable.Column] = [
            .init("NAME", .left, flexible: true, minWidth: 12, maxWidth: 40),
            .init("KIND", .left), .init("STATE", .left, minWidth: 8), .init("MIG", .left), .init("VCPU"),
            .init("CPU%", minWidth: 6), .init("STEAL%"), .init("MEM", minWidth: 5), .init("RSS", minWidth: 5),
            .init("DISK-R/s"), .init("DISK-W/s"), .init("NET-RX/s"), .init("NET-TX/s"),
            .init("JOB", .left, flexible: true, minWidth: 3, maxWidth: 24),
        ]
        if let sort {
            let marked: Int =
                switch sort {
                case .name: 0
                case .cpu: 5
                case .memory: 8
                case .disk: 9
                case .network: 11
                }
            cols[marked].title += "*"
            cols[marked].minWidth = max(cols[marked].minWidth, cols[marked].title.count)
        }
        return TextTable(columns: cols, rows: rows.map(cells))
    }

    /// One row's cells, in `titles` order.
    public static func cells(_ r: GuestRow) -> [String] {
        [
            Format.printable(r.name),
            r.kind == .vm ? "vm" : "ct",
            r.timedOut ? "timeout" : r.state.rawValue,
            r.migration,
            r.vcpus.map(String.init) ?? "-",
            Format.percent(r.cpuPercent),
            Format.percent(r.stealPercent),
            Format.bytes(r.memoryBytes),
            Format.bytes(r.rssBytes),
            Format.rate(r.diskReadRate),
            Format.rate(r.diskWriteRate),
            Format.rate(r.netRxRate),
            Format.rate(r.netTxRate),
            r.job.map(Format.printable) ?? "",
        ]
    }
}
