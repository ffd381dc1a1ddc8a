import HVModel

/// The jobs view: running libvirt jobs (migration, save, dump...), block jobs, and each
/// guest's last finished job.
public enum JobTable {
    public static func table(_ guests: [Guest], includeLast: Bool = true) -> TextTable {
        let cols: [TextTable.Column] = [
            .init("GUEST", .left, flexible: true, minWidth: 10, maxWidth: 32), .init("JOB", .left), .init("STATUS", .left),
            .init("ELAPSED"), .init("DONE%"), .init("REMAINING"), .init("TOTAL"), .init("BANDWIDTH"), .init("DIRTY/s"),
            .init("ITER"), .init("DOWNTIME"),
        ]
        var rows: [[String]] = []
        for g in guests {
            let name = Format.printable(g.name)
            if let j = g.job, j.type == 1 || j.type == 2 { rows.append(row(name, j, status: "running")) }
            for b in g.blockJobs {
                rows.append([
                    name, "\(b.typeName) \(b.disk)", "running", "-",
                    Format.percent(b.progressRatio.map { $0 * 100 }),
                    Format.bytes(b.endBytes >= b.currentBytes ? b.endBytes - b.currentBytes : 0),
                    Format.bytes(b.endBytes), b.bandwidthBytesPerSecond > 0 ? Format.bytes(b.bandwidthBytesPerSecond) + "/s" : "unlimited",
                    "-", "-", "-",
                ])
            }
            if includeLast, let j = g.lastJob { rows.append(row(name, j, status: "last: " + outcome(j))) }
        }
        return TextTable(columns: cols, rows: rows)
    }

    /// Jobs of domains that left this host (migrated away, transient and stopped).
    public static func departed(_ jobs: [DepartedDomainJob]) -> TextTable {
        var t = table([])
        t.rows = jobs.map { d in row(Format.printable(d.name), d.job, status: "departed: " + outcome(d.job)) }
        return t
    }

    /// "completed", "failed: <message>"...
    static func outcome(_ j: DomainJob) -> String {
        if let o = j.outcome { return o.rawValue + (j.errorMessage.map { ": \($0)" } ?? "") }
        return j.typeName
    }

    static func row(_ name: String, _ j: DomainJob, status: String) -> [String] {
        [
            name, j.operationName, status, Format.duration(j.elapsedSeconds),
            Format.percent(j.progressRatio.map { $0 * 100 }), Format.bytes(j.dataRemainingBytes ?? j.memoryRemainingBytes),
            Format.bytes(j.dataTotalBytes ?? j.memoryTotalBytes),
            j.memoryBandwidthBytesPerSecond.map { Format.bytes($0) + "/s" } ?? "-",
            j.memoryDirtyRateBytesPerSecond.map { Format.bytes($0) + "/s" } ?? "-",
            j.memoryIteration.map(String.init) ?? "-",
            j.downtimeSeconds.map { Format.fixed($0 * 1000, 0) + "ms" } ?? "-",
        ]
    }
}
