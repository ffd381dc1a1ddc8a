import HVCollect
import HVExpose
import HVModel

/// `hvtop pid N`: the lookup (`HVExpose.PIDLookup`) read from the daemon or made from a direct
/// collection, and printed for a human or as the daemon's JSON.
extension PIDLookup {
    /// Looks `pid` up in a direct collection, noting when the snapshot has no process
    /// attribution to look in.
    public init(pid: Int, directCollection s: Snapshot, procfs: String = "/proc") {
        self.init(pid: pid, snapshot: s, threadGroup: { GuestMapper.threadGroup(of: $0, procfs: procfs) })
        note = found ? nil : CollectorNames.noData(s, CollectorNames.processes)
    }

    /// Reads the daemon's `/json?pid=N` answer (200 found, 404 not found).
    public init(pid: Int, daemonJSON bytes: [UInt8]) throws(SnapshotDecodeError) {
        let o = try SnapshotDecoder.object(bytes)
        if let e = o.string("error") { throw SnapshotDecodeError(reason: e) }
        var owner: Owner?
        if let g = o.object("guest") {
            owner = Owner(
                name: g.string("name") ?? "", uuid: g.string("uuid"), key: g.string("key") ?? "",
                kind: g.string("kind") ?? "", driver: g.string("driver") ?? "", state: g.string("state") ?? "")
        }
        let entries = o.objects("entries").map { e in
            let p = e.int("pid") ?? 0
            return ProcessEntry(
                pid: p, tid: e.int("tid") ?? p, comm: e.string("comm") ?? "", role: e.string("role") ?? "",
                vcpu: e.int("vcpu"), guestKey: owner?.key, cpuSeconds: e.double("cpu_seconds") ?? 0,
                rssBytes: e.uint("rss_bytes") ?? 0, evidence: e.string("evidence") ?? "")
        }
        self.init(
            pid: o.int("pid") ?? pid, found: o.bool("found") ?? false, host: o.bool("host") ?? false,
            owner: owner, entries: entries)
        threadOf = o.int("thread_of")
    }

    /// 0 when N belongs to a guest; 1 when it is a host process or not found.
    public var exitCode: Int32 { owner != nil ? 0 : 1 }

    /// The human answer.
    public var text: String {
        guard found, let main = Self.main(of: entries, pid: pid) else {
            return "PID \(pid): not found on this host (no such process or thread in the last collection)"
                + (note.map { "; \($0)" } ?? "") + "\n"
        }
        var lines: [String] = []
        if let o = owner {
            lines.append("PID \(pid): guest \(Format.printable(o.name)) (\(o.kind), \(o.driver), \(o.state))")
            if let u = o.uuid { lines.append("  uuid      \(u)") }
        } else if host {
            lines.append("PID \(pid): host process (belongs to no guest)")
        } else {
            lines.append("PID \(pid): owner unknown")
        }
        if let p = threadOf {
            // Not in the last scan's thread list: its process is.
            lines.append("  thread \(pid) of process \(p) \"\(Format.printable(main.comm))\" (started since the last read of its threads)")
            return lines.joined(separator: "\n") + "\n"
        }
        let what = main.tid == main.pid ? "process \(main.pid)" : "thread \(main.tid) of process \(main.pid)"
        lines.append("  \(what) \"\(Format.printable(main.comm))\"")
        lines.append("  role      \(main.role)" + (main.vcpu.map { ", vCPU \($0)" } ?? ""))
        if !main.evidence.isEmpty { lines.append("  evidence  \(main.evidence)") }
        if main.tid == pid && main.pid == pid && entries.count > 1 {
            var byRole: [String: Int] = [:]
            for e in entries { byRole[e.role, default: 0] += 1 }
            lines.append("  threads   \(entries.count): " + byRole.keys.sorted().map { "\(byRole[$0]!) \($0)" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension PIDLookup {
    /// The lookup in the daemon's `/json?pid=N` shape (for a direct collection).
    public var jsonText: String { String(decoding: json, as: UTF8.self) + "\n" }
}
