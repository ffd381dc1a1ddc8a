/// What `zpool list -Hp -o name,size,allocated,free,fragmentation,health` prints: one line
/// per pool, tab separated, exact bytes, fragmentation in percent, "-" for a figure the pool
/// does not have (a FAULTED pool has none).
///
/// The human form with a header line (`NAME SIZE ALLOC FREE EXPANDSZ FRAG CAP DEDUP HEALTH
/// ALTROOT`, sizes like "19.9G", "33%") is read too, its columns found by the header. A line
/// with fewer columns than expected is listed in `malformed`; the others are kept.
public struct ZpoolList: Sendable, Equatable {
    public var pools: [ZpoolListEntry]
    public var malformed: [String]

    public init(pools: [ZpoolListEntry] = [], malformed: [String] = []) {
        self.pools = pools
        self.malformed = malformed
    }

    /// The columns the exporter asks for, in order (the `-o` argument).
    public static let columns = ["name", "size", "allocated", "free", "fragmentation", "health"]

    public static func parse(_ bytes: [UInt8]) -> ZpoolList {
        var out = ZpoolList()
        var index: [String: Int] = ["name": 0, "size": 1, "allocated": 2, "free": 3, "fragmentation": 4, "health": 5]
        var first = true
        for line in StorageToolText.lines(bytes) {
            let t = StorageToolText.trimmed(line)
            if t.isEmpty { continue }
            let fields: [Substring] =
                line.contains("\t")
                ? line.split(separator: "\t", omittingEmptySubsequences: false).map { StorageToolText.trimmed($0) }
                : StorageToolText.words(t)
            if first, fields.first == "NAME" {
                index = [:]
                let aliases = ["ALLOC": "allocated", "FRAG": "fragmentation"]
                for (i, f) in fields.enumerated() { index[aliases[String(f)] ?? f.lowercased()] = i }
                first = false
                continue
            }
            first = false
            let needed = index.values.max() ?? 0
            guard fields.count > needed, let ni = index["name"], !fields[ni].isEmpty else {
                out.malformed.append("'\(t.prefix(80))': \(fields.count) columns, expected \(needed + 1)")
                continue
            }
            var e = ZpoolListEntry(name: String(fields[ni]))
            func field(_ k: String) -> Substring? { index[k].map { fields[$0] } }
            e.sizeBytes = field("size").flatMap(StorageToolText.size)
            e.allocatedBytes = field("allocated").flatMap(StorageToolText.size)
            e.freeBytes = field("free").flatMap(StorageToolText.size)
            if let f = field("fragmentation") { e.fragmentationPercent = StorageToolText.decimal(f.hasSuffix("%") ? f.dropLast() : f) }
            if let h = field("health"), h != "-" { e.health = String(h) }
            out.pools.append(e)
        }
        return out
    }
}

/// One pool of `zpool list`.
public struct ZpoolListEntry: Sendable, Equatable {
    public var name: String
    public var sizeBytes: UInt64?
    public var allocatedBytes: UInt64?
    public var freeBytes: UInt64?
    /// Free-space fragmentation, percent (0...100).
    public var fragmentationPercent: Double?
    public var health: String?

    public init(name: String) { self.name = name }
}
