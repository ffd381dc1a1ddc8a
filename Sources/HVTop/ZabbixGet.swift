import Glibc
import HVModel

/// `hvtop zabbix get KEY`: one value for one key.
public struct ZabbixGet: Sendable {
    public let source: SnapshotSource
    public let cache: RateCache
    /// When no earlier reading is cached, rates are measured over this many seconds...
    public var sampleInterval = 1.0
    /// ...or less, so that the whole call stays within this many seconds.
    public var timeBudget = 2.5

    public init(source: SnapshotSource, cache: RateCache) {
        self.source = source
        self.cache = cache
    }

    /// Parses `keyText` (`name[p1,p2]`, or a bare name with `extra` parameters given as
    /// separate arguments) and returns the value as Zabbix should see it.
    public func value(_ keyText: String, extra: [String] = []) throws(ZabbixError) -> String {
        let (key, item) = try Self.resolve(keyText, extra: extra)
        switch item.eval {
        case .snapshot:
            return String(decoding: try fetch().json, as: UTF8.self)
        case .value(let f):
            return try f(try fetch().snapshot, key.params)
        case .guestRate:
            let t0 = monotonicSeconds()
            var now = try fetch()
            let fetchSeconds = monotonicSeconds() - t0
            let entries = cache.load()
            var kept = entries
            var before = cache.pick(entries, now: now.snapshot.timestampSeconds)
            if before == nil {
                // Nothing cached at a useful age: measure over sampleInterval, shortened so
                // that two fetches and the wait stay inside Zabbix's 3 s agent timeout. Both
                // readings are kept, so the next key asked right after this one needs no wait.
                let first = RateCache.entry(now)
                let wait = max(0.25, min(sampleInterval, timeBudget - 2 * fetchSeconds))
                usleep(useconds_t(wait * 1_000_000))
                now = try fetch()
                before = first
                kept = cache.adding(first, to: kept)
            }
            cache.save(cache.adding(RateCache.entry(now), to: kept))
            return try Self.rate(key, item, now: now.snapshot, before: before!)
        }
    }

    /// The key and its catalog entry, parameters checked.
    public static func resolve(_ keyText: String, extra: [String] = []) throws(ZabbixError) -> (ZabbixKey, ZabbixItem) {
        var key: ZabbixKey
        do { key = try ZabbixKey(parsing: keyText) } catch { throw ZabbixError(error.description) }
        if !extra.isEmpty {
            guard key.params.isEmpty else { throw ZabbixError("give parameters either in the key or as arguments, not both") }
            key.params = extra
        }
        guard let item = ZabbixItem.find(key.name) else {
            throw ZabbixError("unknown key '\(key.name)'; see `hvtop zabbix keys`")
        }
        try item.validate(key)
        return (key, item)
    }

    /// The value of a non-rate key in one snapshot (`hv.snapshot`: its JSON).
    public static func value(_ keyText: String, in s: Snapshot) throws(ZabbixError) -> String {
        let (key, item) = try resolve(keyText)
        switch item.eval {
        case .snapshot: return String(decoding: Sample(snapshot: s, source: .direct(triedURL: nil, reason: nil)).json, as: UTF8.self)
        case .value(let f): return try f(s, key.params)
        case .guestRate: throw ZabbixError("\(key.name) is a rate: it needs an earlier reading")
        }
    }

    /// A rate key's value between an earlier reading and a snapshot.
    public static func rate(_ key: ZabbixKey, _ item: ZabbixItem, now: Snapshot, before: RateCache.Entry) throws(ZabbixError) -> String {
        guard case .guestRate(let f) = item.eval else { throw ZabbixError("\(key.name) is not a rate") }
        let g = try ZabbixItem.guest(now, key.params)
        guard let reading = before.guests[g.key] else {
            throw ZabbixError("no earlier reading of \(g.name) yet; ask again")
        }
        let dt = now.timestampSeconds - before.timestamp
        guard let v = f(g, GuestCounters(g), reading, dt) else {
            if g.state != .running { return "0" }
            throw ZabbixError("no data: \(key.name) of \(g.name) (counter missing or reset)")
        }
        return Format.number((v * 1000).rounded() / 1000)
    }

    private func fetch() throws(ZabbixError) -> Sample {
        do { return try source.fetch() } catch { throw ZabbixError(error.description) }
    }
}
