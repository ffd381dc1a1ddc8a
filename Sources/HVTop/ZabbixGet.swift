import Glibc
import HVModel

/// `hvtop zabbix get KEY`: one value for one key.
public struct ZabbixGet: Sendable {
    public let source: SnapshotSource
    public let cache: RateCache
    /// When no earlier reading is cached, rates are measured over this many seconds.
    public var sampleInterval = 1.0

    public init(source: SnapshotSource, cache: RateCache) {
        self.source = source
        self.cache = cache
    }

    /// Parses `keyText` (`name[p1,p2]`, or a bare name with `extra` parameters given as
    /// separate arguments) and returns the value as Zabbix should see it.
    public func value(_ keyText: String, extra: [String] = []) throws(ZabbixError) -> String {
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
        switch item.eval {
        case .snapshot:
            let s = try fetch()
            return String(decoding: s.json, as: UTF8.self)
        case .value(let f):
            return try f(try fetch().snapshot, key.params)
        case .guestRate(let f):
            var now = try fetch()
            let entries = cache.load()
            var kept = entries
            var before = cache.pick(entries, now: now.snapshot.timestampSeconds)
            if before == nil {
                // Nothing cached at a useful age: measure over sampleInterval. Both readings
                // are kept, so the next key asked right after this one needs no wait.
                let first = RateCache.entry(now)
                usleep(useconds_t(sampleInterval * 1_000_000))
                now = try fetch()
                before = first
                kept = cache.adding(first, to: kept)
            }
            cache.save(cache.adding(RateCache.entry(now), to: kept))
            guard let g = GuestLookup.find(now.snapshot, key.params[0]) else {
                throw ZabbixError(GuestLookup.notFound(now.snapshot, key.params[0]))
            }
            guard let b = before, let reading = b.guests[g.key] else {
                throw ZabbixError("no earlier reading of \(g.name) yet; ask again")
            }
            let dt = now.snapshot.timestampSeconds - b.timestamp
            guard let v = f(g, GuestCounters(g), reading, dt) else {
                if g.state != .running { return "0" }
                throw ZabbixError("no data: \(key.name) of \(g.name) (counter missing or reset)")
            }
            return Format.number((v * 1000).rounded() / 1000)
        }
    }

    private func fetch() throws(ZabbixError) -> Sample {
        do { return try source.fetch() } catch { throw ZabbixError(error.description) }
    }
}
