import HVExpose
import HVModel

/// `hvtop pid N`: which guest owns process or thread N, and in which role.
public struct PIDLookup: Sendable, Equatable {
    /// The owning guest, as the lookup reports it.
    public struct Owner: Sendable, Equatable {
        public var name: String
        public var uuid: String?
        public var key: String
        public var kind: String
        public var driver: String
        public var state: String
    }

    public var pid: Int
    public var found: Bool
    /// Found, but a host process (no guest).
    public var host: Bool
    public var owner: Owner?
    /// Matching processes/threads: the thread N itself, or every thread of process N.
    public var entries: [ProcessEntry]
    /// Why the answer may be incomplete (e.g. no process attribution in the snapshot).
    public var note: String?

    /// Looks `pid` up in a snapshot (direct collection).
    public init(pid: Int, snapshot s: Snapshot) {
        self.pid = pid
        entries = s.processes.filter { $0.tid == pid || $0.pid == pid }
        found = !entries.isEmpty
        let main = entries.first { $0.tid == pid } ?? entries.first
        host = main.map { $0.guestKey == nil } ?? false
        if let k = main?.guestKey, let g = s.guests.first(where: { $0.key == k }) {
            owner = Owner(name: g.name, uuid: g.uuid, key: g.key, kind: g.kind.rawValue, driver: g.driver, state: g.state.rawValue)
        }
        note = found ? nil : CollectorNames.noData(s, CollectorNames.processes)
    }

    /// Reads the daemon's `/json?pid=N` answer (200 found, 404 not found).
    public init(pid: Int, daemonJSON bytes: [UInt8]) throws(SnapshotDecodeError) {
        let o = try SnapshotDecoder.object(bytes)
        if let e = o.string("error") { throw SnapshotDecodeError(reason: e) }
        self.pid = o.int("pid") ?? pid
        found = o.bool("found") ?? false
        host = o.bool("host") ?? false
        var owner: Owner?
        if let g = o.object("guest") {
            owner = Owner(name: g.string("name") ?? "", uuid: g.string("uuid"), key: g.string("key") ?? "",
                          kind: g.string("kind") ?? "", driver: g.string("driver") ?? "", state: g.string("state") ?? "")
        }
        entries = o.objects("entries").map { e in
            let p = e.int("pid") ?? 0
            return ProcessEntry(pid: p, tid: e.int("tid") ?? p, comm: e.string("comm") ?? "", role: e.string("role") ?? "",
                                vcpu: e.int("vcpu"), guestKey: owner?.key, cpuSeconds: e.double("cpu_seconds") ?? 0,
                                rssBytes: e.uint("rss_bytes") ?? 0, evidence: e.string("evidence") ?? "")
        }
        self.owner = owner
        note = nil
    }

    /// 0 when N belongs to a guest; 1 when it is a host process or not found.
    public var exitCode: Int32 { owner != nil ? 0 : 1 }

    /// The human answer.
    public var text: String {
        guard found else {
            return "PID \(pid): not found on this host (no such process or thread in the last collection)"
                + (note.map { "; \($0)" } ?? "") + "\n"
        }
        let main = entries.first { $0.tid == pid } ?? entries[0]
        var lines: [String] = []
        if let o = owner {
            lines.append("PID \(pid): guest \(Format.printable(o.name)) (\(o.kind), \(o.driver), \(o.state))")
            if let u = o.uuid { lines.append("  uuid      \(u)") }
        } else if host {
            lines.append("PID \(pid): host process (belongs to no guest)")
        } else {
            lines.append("PID \(pid): owner unknown")
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
    public var jsonText: String {
        var w = JSONWriter()
        w.beginObject()
        w.field("pid", pid)
        w.field("found", found)
        if found {
            w.field("host", host)
            if let o = owner {
                w.key("guest"); w.beginObject()
                w.field("name", o.name); w.field("uuid", o.uuid); w.field("key", o.key)
                w.field("kind", o.kind); w.field("driver", o.driver); w.field("state", o.state)
                w.endObject()
            }
            w.key("entries"); w.beginArray()
            for e in entries {
                w.beginObject()
                w.field("pid", e.pid); w.field("tid", e.tid); w.field("comm", e.comm); w.field("role", e.role)
                w.field("vcpu", e.vcpu); w.field("evidence", e.evidence)
                w.endObject()
            }
            w.endArray()
        }
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self) + "\n"
    }
}
