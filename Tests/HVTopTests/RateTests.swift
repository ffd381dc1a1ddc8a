import HVModel
import Testing

@testable import HVTop

struct RateTests {
    @Test(
        arguments: [
            // (previous, current, seconds, expected)
            (100.0, 105.0, 10.0, 0.5), (0.0, 0.0, 1.0, 0.0), (5.0, 4.0, 1.0, nil), (1.0, 2.0, 0.0, nil), (1.0, 2.0, -1.0, nil),
        ] as [(Double, Double, Double, Double?)])
    func perSecond(_ p: Double, _ c: Double, _ dt: Double, _ expected: Double?) {
        #expect(RateMath.perSecond(p, c, seconds: dt) == expected)
    }

    @Test func missingReadingsGiveNoRate() {
        #expect(RateMath.perSecond(nil as Double?, 1, seconds: 1) == nil)
        #expect(RateMath.perSecond(UInt64(1), nil, seconds: 1) == nil)
        #expect(RateMath.perSecond(UInt64(10), UInt64(5), seconds: 1) == nil, "a counter reset is no rate, not a huge one")
        #expect(RateMath.perSecond(UInt64(10), UInt64(30), seconds: 4) == 5)
    }

    @Test func cpuPercentIsOfOneHostCPU() {
        #expect(RateMath.cpuPercent(100, 120, seconds: 10) == 200)
        #expect(RateMath.stealPercent(2, 4, seconds: 10, vcpus: 2) == 10)
        #expect(RateMath.stealPercent(2, 4, seconds: 10, vcpus: 0) == nil)
    }

    @Test func guestRowsFromTwoSamples() throws {
        let (a, b) = Fixtures.pair
        #expect(b.seconds(since: a) == 10)
        let rows = GuestRow.rows(b, previous: a)
        let web = try #require(rows.first { $0.name == "web" })
        #expect(web.cpuPercent == 50)
        #expect(web.stealPercent == 10)
        #expect(web.diskReadRate == 1000)
        #expect(web.diskWriteRate == 0)
        #expect(web.netRxRate == 1000)
        #expect(web.rssBytes == 900 << 20)
        #expect(web.memoryBytes == 1 << 30)
        let db = try #require(rows.first { $0.name == "db" })
        #expect(db.cpuPercent == 150)
        #expect(db.diskRate == 300_000)
        let idle = try #require(rows.first { $0.name == "idle" })
        #expect(idle.cpuPercent == 0)
        // libvirt reports a cpu.time for inactive domains on some hosts; a shut-off guest has no rates.
        let off = try #require(rows.first { $0.name == "off" })
        #expect(off.cpuPercent == nil && off.counters.cpuSeconds == nil)
        // Containers: CPU, memory and network from the cgroup.
        let ct = try #require(rows.first { $0.name == "ct1" })
        #expect(ct.kind == .container)
        #expect(ct.cpuPercent == 10)
        #expect(ct.rssBytes == 64 << 20)
        #expect(ct.netRxRate == 0)
    }

    @Test func firstSampleHasNoRates() {
        let (_, b) = Fixtures.pair
        let rows = GuestRow.rows(b, previous: nil)
        #expect(rows.allSatisfy { $0.cpuPercent == nil && $0.diskReadRate == nil && $0.netTxRate == nil })
    }

    @Test func restartedGuestGetsNoRate() throws {
        let (a, b) = Fixtures.pair
        var later = b.snapshot
        later.guests[0].cpuTimeSeconds = 1   // web restarted: its counter went back
        let rows = GuestRow.rows(Sample(snapshot: later, source: b.source, receivedAt: 10), previous: a)
        #expect(try #require(rows.first { $0.name == "web" }).cpuPercent == nil)
    }

    @Test func sortKeysOrderByTheirFigures() {
        let (a, b) = Fixtures.pair
        let rows = GuestRow.rows(b, previous: a)
        #expect(SortKey.cpu.sort(rows).map(\.name) == ["db", "web", "ct1", "idle", "off"])
        #expect(SortKey.cpu.sort(rows, reversed: true).map(\.name).prefix(3) == ["idle", "ct1", "web"])
        #expect(SortKey.memory.sort(rows).map(\.name) == ["db", "web", "idle", "ct1", "off"])   // off occupies nothing
        #expect(SortKey.disk.sort(rows).map(\.name).prefix(2) == ["db", "web"])
        #expect(SortKey.network.sort(rows).first?.name == "web")
        #expect(SortKey.name.sort(rows).map(\.name) == ["ct1", "db", "idle", "off", "web"])
    }

    @Test func hostSummarySaysOvercommit() {
        let (a, b) = Fixtures.pair
        let s = HostSummary(b.snapshot, rows: GuestRow.rows(b, previous: a))
        #expect(s.vcpuOvercommit == 0.5)
        #expect(s.guestCPUPercent == 210)
        #expect(s.line.contains("8 host CPUs"))
        #expect(s.line.contains("Guests 5: 3 running, 1 paused, 1 shutoff"))
    }

    @Test func rateCacheRoundTripsAndPicksAUsefulAge() {
        let cache = RateCache(directory: "/nonexistent")
        let e1 = RateCache.Entry(
            timestamp: 100,
            guests: ["k1": .init(cpuSeconds: 1.5, stealSeconds: nil), "lxc-tools:we ird": .init(cpuSeconds: 2, stealSeconds: 0.25)])
        let e2 = RateCache.Entry(timestamp: 160.5, guests: ["k1": .init(cpuSeconds: 3, stealSeconds: 1)])
        #expect(RateCache.parse(RateCache.format([e1, e2])) == [e1, e2])
        #expect(cache.pick([e1, e2], now: 161) == e1, "e2 is younger than a second")
        #expect(cache.pick([e1, e2], now: 170) == e2)
        #expect(cache.pick([e1], now: 100 + 901) == nil, "too old")
        let kept = cache.adding(RateCache.Entry(timestamp: 160.9, guests: [:]), to: [e1, e2])
        #expect(kept == [e1, e2], "a reading within a second of the last is not kept")
    }

    @Test func zabbixRateKeysUseTheEarlierReading() throws {
        let (a, b) = Fixtures.pair
        let before = RateCache.entry(a.snapshot)
        let (k, item) = try ZabbixGet.resolve("hv.guest.cpu.util[web]")
        #expect(try ZabbixGet.rate(k, item, now: b.snapshot, before: before) == "50")
        let (k2, item2) = try ZabbixGet.resolve("hv.guest.cpu.steal", extra: ["web"])
        #expect(try ZabbixGet.rate(k2, item2, now: b.snapshot, before: before) == "10")
        let (k3, item3) = try ZabbixGet.resolve("hv.guest.cpu.util[off]")
        #expect(try ZabbixGet.rate(k3, item3, now: b.snapshot, before: before) == "0")
    }
}
