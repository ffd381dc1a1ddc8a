import HVExpose
import HVModel

/// `hvtop -b`: the guest table printed once per sample, as text, CSV or JSON lines.
public struct BatchOutput: Sendable {
    public enum Format: String, Sendable, CaseIterable { case text, csv, json }

    public var format: Format
    public var sort: SortKey
    public var filter: String

    public init(format: Format, sort: SortKey = .cpu, filter: String = "") {
        self.format = format
        self.sort = sort
        self.filter = filter
    }

    /// CSV columns, in order.
    public static let csvHeader = [
        "timestamp_seconds", "name", "uuid", "kind", "driver", "state", "vcpus", "cpu_percent",
        "steal_percent", "memory_bytes", "rss_bytes", "disk_read_bytes_per_second",
        "disk_write_bytes_per_second", "net_rx_bytes_per_second", "net_tx_bytes_per_second",
        "job", "job_progress_ratio",
    ]

    /// The output of one iteration (`iteration` counts from 1).
    public func render(_ current: Sample, previous: Sample?, iteration: Int) -> String {
        let state = TopState(sort: sort, filter: filter)
        let rows = state.visibleRows(GuestRow.rows(current, previous: previous))
        switch format {
        case .text:
            let summary = HostSummary(current.snapshot, rows: GuestRow.rows(current, previous: previous))
            var out = "hvtop \(HVTopVersion.text) | \(HVTop.Format.printable(current.snapshot.hostname)) | source: \(current.source)"
            out += " | t=\(HVTop.Format.fixed(current.snapshot.timestampSeconds, 3))"
            if let p = previous { out += " | rates over \(HVTop.Format.fixed(current.seconds(since: p), 2))s" }
            out += "\n" + summary.line + "\n"
            let t = GuestTable.table(rows, sort: sort).render()
            out += t.header + "\n" + t.lines.map { $0 + "\n" }.joined()
            return (iteration > 1 ? "\n" : "") + out
        case .csv:
            var out = iteration == 1 ? Self.csvHeader.joined(separator: ",") + "\n" : ""
            for r in rows {
                let f: [String] = [
                    HVTop.Format.fixed(current.snapshot.timestampSeconds, 3), r.name, r.uuid ?? "", r.kind.rawValue, r.driver,
                    r.state.rawValue, r.vcpus.map(String.init) ?? "", num(r.cpuPercent), num(r.stealPercent),
                    r.memoryBytes.map(String.init) ?? "", r.rssBytes.map(String.init) ?? "", num(r.diskReadRate),
                    num(r.diskWriteRate), num(r.netRxRate), num(r.netTxRate), r.job ?? "", num(r.jobProgress),
                ]
                out += f.map(Self.csvField).joined(separator: ",") + "\n"
            }
            return out
        case .json:
            var w = JSONWriter()
            w.beginObject()
            w.field("timestamp_seconds", current.snapshot.timestampSeconds)
            w.field("hostname", current.snapshot.hostname)
            w.field("source", current.source.isDaemon ? "daemon" : "direct")
            w.field("interval_seconds", previous.map { current.seconds(since: $0) })
            let s = HostSummary(current.snapshot, rows: GuestRow.rows(current, previous: previous))
            w.key("host"); w.beginObject()
            w.field("cpus", s.cpus); w.field("guest_cpu_percent", s.guestCPUPercent); w.field("guest_vcpus", s.guestVCPUs)
            w.field("vcpu_overcommit_ratio", s.vcpuOvercommit); w.field("memory_total_bytes", s.memoryTotalBytes)
            w.field("memory_available_bytes", s.memoryAvailableBytes); w.field("guest_memory_bytes", s.guestMemoryBytes)
            w.field("memory_overcommit_ratio", s.memoryOvercommit); w.field("libvirt_up", s.libvirtUp)
            w.endObject()
            w.key("guests"); w.beginArray()
            for r in rows {
                w.beginObject()
                w.field("name", r.name); w.field("uuid", r.uuid); w.field("key", r.key); w.field("kind", r.kind.rawValue)
                w.field("driver", r.driver); w.field("state", r.state.rawValue); w.field("timed_out", r.timedOut)
                w.field("vcpus", r.vcpus); w.field("cpu_percent", r.cpuPercent); w.field("steal_percent", r.stealPercent)
                w.field("memory_bytes", r.memoryBytes); w.field("rss_bytes", r.rssBytes)
                w.field("disk_read_bytes_per_second", r.diskReadRate); w.field("disk_write_bytes_per_second", r.diskWriteRate)
                w.field("net_rx_bytes_per_second", r.netRxRate); w.field("net_tx_bytes_per_second", r.netTxRate)
                w.field("cpu_seconds", r.counters.cpuSeconds)
                w.field("job", r.job); w.field("job_progress_ratio", r.jobProgress)
                w.endObject()
            }
            w.endArray()
            w.endObject()
            return String(decoding: w.bytes, as: UTF8.self) + "\n"
        }
    }

    private func num(_ v: Double?) -> String { v.map { HVTop.Format.fixed($0, 3) } ?? "" }

    /// RFC 4180: quote fields with commas, quotes or line breaks; double the quotes.
    public static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences("\"", with: "\"\"") + "\""
    }
}
