import HVModel

/// The process view of one guest: its processes and threads with role, vCPU index and CPU%.
public enum ProcessTable {
    public static let titles = ["PID", "TID", "ROLE", "VCPU", "CPU%", "TIME", "RSS", "EVIDENCE", "COMM"]

    /// One thread of the guest, with its CPU use between two samples.
    public struct Row: Sendable, Equatable {
        public var entry: ProcessEntry
        /// Percent of one host CPU.
        public var cpuPercent: Double?
    }

    /// Rows of the guest with key `guestKey`, busiest first (then vCPU threads by index,
    /// then by TID).
    public static func rows(_ current: Sample, previous: Sample?, guestKey: String) -> [Row] {
        let dt = previous.map { current.seconds(since: $0) }
        var before: [Int: Double] = [:]
        for p in previous?.snapshot.processes ?? [] where p.guestKey == guestKey { before[p.tid] = p.cpuSeconds }
        let rows = current.snapshot.processes.filter { $0.guestKey == guestKey }.map { p in
            Row(entry: p, cpuPercent: dt.flatMap { RateMath.cpuPercent(before[p.tid], p.cpuSeconds, seconds: $0) })
        }
        return rows.sorted { a, b in
            let ca = a.cpuPercent ?? -1
            let cb = b.cpuPercent ?? -1
            if ca != cb { return ca > cb }
            if (a.entry.vcpu ?? Int.max) != (b.entry.vcpu ?? Int.max) { return (a.entry.vcpu ?? Int.max) < (b.entry.vcpu ?? Int.max) }
            return a.entry.tid < b.entry.tid
        }
    }

    public static func table(_ rows: [Row]) -> TextTable {
        let cols: [TextTable.Column] = [
            .init("PID"), .init("TID"), .init("ROLE", .left, minWidth: 8), .init("VCPU"), .init("CPU%", minWidth: 6),
            .init("TIME", minWidth: 7), .init("RSS", minWidth: 5), .init("EVIDENCE", .left, minWidth: 8),
            .init("COMM", .left, flexible: true, minWidth: 8, maxWidth: 32),
        ]
        return TextTable(
            columns: cols,
            rows: rows.map { r in
                let p = r.entry
                return [
                    String(p.pid), String(p.tid), p.role, p.vcpu.map(String.init) ?? "-", Format.percent(r.cpuPercent),
                    Format.duration(p.cpuSeconds), p.pid == p.tid ? Format.bytes(p.rssBytes) : "", p.evidence, Format.printable(p.comm),
                ]
            })
    }

    /// "12 threads in 3 processes: 2 vcpu, 1 emulator, 9 worker".
    public static func summary(_ rows: [Row]) -> String {
        var byRole: [String: Int] = [:]
        for r in rows { byRole[r.entry.role, default: 0] += 1 }
        let procs = Set(rows.map(\.entry.pid)).count
        let roles = byRole.keys.sorted().map { "\(byRole[$0]!) \($0)" }.joined(separator: ", ")
        return "\(rows.count) threads in \(procs) processes" + (roles.isEmpty ? "" : ": \(roles)")
    }
}
