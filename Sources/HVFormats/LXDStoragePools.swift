/// Pure parsers of the LXD REST API answers the `lxd_pools` collector reads
/// (https://documentation.ubuntu.com/lxd/en/latest/rest-api/):
/// - `GET /1.0/storage-pools?recursion=1`: the pools with driver, status, config, `used_by`;
/// - `GET /1.0/storage-pools/<name>/resources`: space and inodes used and total;
/// - `GET /1.0/storage-pools/<name>/volumes?all-projects=true`: volume URLs, whose path
///   names the volume type.
/// Each answer is LXD's envelope (`{"type":"sync","status_code":200,"metadata":...}` or
/// `{"type":"error","error":"...","error_code":404}`).
public enum LXDAPI {
    /// The `metadata` of a sync answer. Throws for an error answer (with LXD's message and
    /// code) or something that is not an LXD answer.
    public static func metadata(_ bytes: [UInt8]) throws(LXDAPIError) -> JSONValue {
        let doc: JSONValue
        do {
            doc = try JSONValue.parse(bytes)
        } catch {
            throw LXDAPIError(reason: "\(error)")
        }
        guard doc.object != nil, let type = doc["type"]?.string else { throw LXDAPIError(reason: "not an LXD answer (no \"type\")") }
        if type == "error" {
            let code = doc["error_code"]?.int
            throw LXDAPIError(
                reason: "LXD error\(code.map { " \($0)" } ?? ""): \(doc["error"]?.string ?? "(no message)")", code: code)
        }
        guard type == "sync" else { throw LXDAPIError(reason: "unexpected answer type \"\(type)\"") }
        return doc["metadata"] ?? .null
    }

    /// The pools of `/1.0/storage-pools?recursion=1`, in LXD's order. A pool entry without a
    /// name is skipped and said in `malformed`; the others are kept.
    public static func storagePools(_ bytes: [UInt8]) throws(LXDAPIError) -> (pools: [LXDPoolRecord], malformed: [String]) {
        guard let items = try metadata(bytes).array else { throw LXDAPIError(reason: "metadata is not a list of pools") }
        var pools: [LXDPoolRecord] = []
        var malformed: [String] = []
        for (i, item) in items.enumerated() {
            guard let name = item["name"]?.string, !name.isEmpty else {
                malformed.append("pool entry \(i) has no name")
                continue
            }
            var p = LXDPoolRecord(name: name)
            p.driver = item["driver"]?.string ?? ""
            p.status = item["status"]?.string ?? ""
            p.description = item["description"]?.string ?? ""
            p.source = item.path("config", "source")?.string
            p.usedBy = item["used_by"]?.array?.compactMap(\.string) ?? []
            pools.append(p)
        }
        return (pools, malformed)
    }

    /// `/1.0/storage-pools/<name>/resources`.
    public static func resources(_ bytes: [UInt8]) throws(LXDAPIError) -> LXDPoolResources {
        let m = try metadata(bytes)
        guard m.object != nil else { throw LXDAPIError(reason: "metadata is not an object") }
        return LXDPoolResources(
            spaceUsed: m.path("space", "used")?.uint64, spaceTotal: m.path("space", "total")?.uint64,
            inodesUsed: m.path("inodes", "used")?.uint64, inodesTotal: m.path("inodes", "total")?.uint64)
    }

    /// Volume counts by type from `/1.0/storage-pools/<name>/volumes` (URLs such as
    /// "/1.0/storage-pools/default/volumes/container/c1?project=p"). URLs of another shape are
    /// counted as "unknown".
    public static func volumeCounts(_ bytes: [UInt8]) throws(LXDAPIError) -> [String: Int] {
        guard let urls = try metadata(bytes).array else { throw LXDAPIError(reason: "metadata is not a list of volumes") }
        var counts: [String: Int] = [:]
        for u in urls {
            counts[u.string.flatMap(volumeType) ?? "unknown", default: 0] += 1
        }
        return counts
    }

    /// "container" from ".../volumes/container/c1?project=p"; nil for another shape.
    static func volumeType(_ url: String) -> String? {
        let path = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
        let parts = path.split(separator: "/")
        // ".../volumes/<type>/<name>": the type is the part after "volumes", a name follows it.
        guard let v = parts.lastIndex(of: "volumes"), v + 2 < parts.count else { return nil }
        let type = String(parts[v + 1])
        return type.isEmpty ? nil : type
    }
}

/// One pool of `/1.0/storage-pools?recursion=1`.
public struct LXDPoolRecord: Sendable, Equatable {
    public var name: String
    /// "dir", "btrfs", "zfs", "lvm", "ceph", "cephfs", "cephobject".
    public var driver: String = ""
    /// "Created", "Pending", "Errored", "Unknown", "Unavailable".
    public var status: String = ""
    public var description: String = ""
    /// `config.source`.
    public var source: String?
    /// URLs of what uses the pool (instances, images, volumes, profiles).
    public var usedBy: [String] = []

    public init(name: String) { self.name = name }
}

/// `/1.0/storage-pools/<name>/resources`: bytes and inodes; nil where LXD gave none.
public struct LXDPoolResources: Sendable, Equatable {
    public var spaceUsed: UInt64?
    public var spaceTotal: UInt64?
    public var inodesUsed: UInt64?
    public var inodesTotal: UInt64?

    public init(spaceUsed: UInt64? = nil, spaceTotal: UInt64? = nil, inodesUsed: UInt64? = nil, inodesTotal: UInt64? = nil) {
        self.spaceUsed = spaceUsed
        self.spaceTotal = spaceTotal
        self.inodesUsed = inodesUsed
        self.inodesTotal = inodesTotal
    }
}

/// An LXD answer that could not be used: LXD's own error (with its code) or a malformed answer.
public struct LXDAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    /// LXD's `error_code` (404, 500...) for an error answer.
    public var code: Int?
    public init(reason: String, code: Int? = nil) {
        self.reason = reason
        self.code = code
    }
    public var description: String { reason }
}
