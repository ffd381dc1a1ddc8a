import HVModel

/// Which guest owns process or thread N in a snapshot, and in which role: the daemon's
/// `/json?pid=N` answer and `hvtop pid N` (docs/json.md). One lookup, one JSON shape.
public struct PIDLookup: Sendable, Equatable {
    /// The owning guest, as the lookup reports it.
    public struct Owner: Sendable, Equatable {
        public var name: String
        public var uuid: String?
        public var key: String
        public var kind: String
        public var driver: String
        public var state: String

        public init(name: String, uuid: String?, key: String, kind: String, driver: String, state: String) {
            self.name = name
            self.uuid = uuid
            self.key = key
            self.kind = kind
            self.driver = driver
            self.state = state
        }
    }

    public var pid: Int
    public var found: Bool
    /// Found, but a host process (no guest).
    public var host: Bool
    public var owner: Owner?
    /// Matching processes/threads: the thread N itself, or every thread of process N.
    public var entries: [ProcessEntry]
    /// Why the answer may be incomplete (e.g. no process attribution in the snapshot); not in
    /// the JSON answer.
    public var note: String?
    /// N is a thread the snapshot does not list, of this process, which it does (found through
    /// the thread's `Tgid`): a thread that started since the guest mapper last read the
    /// process's threads (a process that used no CPU keeps its list up to a minute).
    public var threadOf: Int?

    public init(pid: Int, found: Bool, host: Bool, owner: Owner?, entries: [ProcessEntry], note: String? = nil) {
        self.pid = pid
        self.found = found
        self.host = host
        self.owner = owner
        self.entries = entries
        self.note = note
    }

    /// The entry that answers for N: thread N, else its process's main thread, else the first.
    public static func main(of entries: [ProcessEntry], pid: Int) -> ProcessEntry? {
        entries.first { $0.tid == pid } ?? entries.first { $0.tid == $0.pid } ?? entries.first
    }

    /// Looks `pid` up in a snapshot: the entries whose TID or PID is N; the owner is that of
    /// thread N, else of the first thread of process N. A thread the snapshot does not list is
    /// looked up by its process, `threadGroup(N)` (its `Tgid`, nil when unknown or gone).
    public init(pid: Int, snapshot s: Snapshot, threadGroup: (Int) -> Int? = { _ in nil }) {
        self.pid = pid
        entries = s.processes.filter { $0.tid == pid || $0.pid == pid }
        if entries.isEmpty, let tgid = threadGroup(pid), tgid != pid {
            entries = s.processes.filter { $0.pid == tgid }
            if !entries.isEmpty { threadOf = tgid }
        }
        found = !entries.isEmpty
        let main = Self.main(of: entries, pid: pid)
        host = main.map { $0.guestKey == nil } ?? false
        if let k = main?.guestKey, let g = s.guests.first(where: { $0.key == k }) {
            owner = Owner(name: g.name, uuid: g.uuid, key: g.key, kind: g.kind.rawValue, driver: g.driver, state: g.state.rawValue)
        }
        note = nil
    }

    /// HTTP status of the answer: 200 found, 404 not found.
    public var httpStatus: Int { found ? 200 : 404 }

    /// `{"pid":N,"found":true,"host":false,"guest":{name,uuid,key,kind,driver,state},"entries":[{pid,tid,comm,role,vcpu,evidence}]}`;
    /// `{"pid":N,"found":false}` when not found.
    public var json: [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.field("pid", pid)
        w.field("found", found)
        if found {
            w.field("host", host)
            if let p = threadOf { w.field("thread_of", p) }
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
        return w.bytes
    }

    /// The PID of a `pid=N` query value, or nil when it is not a positive integer.
    public static func pid(query text: String) -> Int? {
        guard let pid = Int(text), pid > 0 else { return nil }
        return pid
    }

    /// The answer (HTTP status 400) to a query value that is not a positive integer.
    public static func invalidPIDJSON(_ text: String) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject(); w.field("error", "pid must be a positive integer, got \(text)"); w.endObject()
        return w.bytes
    }
}
