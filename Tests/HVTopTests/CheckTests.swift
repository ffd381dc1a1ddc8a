import HVModel
import Testing

@testable import HVTop

struct CheckTests {
    @Test func exitCodesFollowThePluginAPI() {
        #expect(CheckStatus.ok.exitCode == 0)
        #expect(CheckStatus.warning.exitCode == 1)
        #expect(CheckStatus.critical.exitCode == 2)
        #expect(CheckStatus.unknown.exitCode == 3)
        // Combining: a definite problem outranks a doubt.
        #expect(max(CheckStatus.unknown, .warning) == .warning)
        #expect(max(CheckStatus.ok, .unknown) == .unknown)
        #expect([CheckStatus.warning, .critical, .unknown].max() == .critical)
    }

    @Test func evaluateAgainstRanges() throws {
        let w = try NagiosRange("80")
        let c = try NagiosRange("90")
        #expect(CheckStatus.evaluate(50, warning: w, critical: c) == .ok)
        #expect(CheckStatus.evaluate(85, warning: w, critical: c) == .warning)
        #expect(CheckStatus.evaluate(95, warning: w, critical: c) == .critical)
        #expect(CheckStatus.evaluate(95, warning: nil, critical: nil) == .ok)
    }

    @Test func outputHasStatusLinePerfdataAndDetails() throws {
        let r = CheckResult(
            service: "HV RAID", status: .ok, summary: "2 arrays clean",
            perfdata: [PerfDatum("arrays", 2), PerfDatum("degraded", 0)], details: ["md0 ok", "md1 a|b"])
        #expect(r.output == "HV RAID OK - 2 arrays clean | arrays=2;;; degraded=0;;;\nmd0 ok\nmd1 a/b\n")
        let p = PerfDatum(
            "my pool_used", 45.25, unit: "%", warning: try NagiosRange("80"), critical: try NagiosRange("90"), min: 0, max: 100)
        #expect(p.text == "'my pool_used'=45.25%;80;90;0;100")
        #expect(PerfDatum("it's", 1).text == "'it''s'=1;;;")
    }

    func run(_ kind: HostCheck.Kind, _ s: Snapshot, _ configure: (inout HostCheck.Options) -> Void = { _ in }) -> CheckResult {
        var o = HostCheck.Options()
        configure(&o)
        let c = HostCheck(kind, options: o)
        switch kind {
        case .raid: return c.raid(s)
        case .pools: return c.pools(s)
        case .guests: return c.guests(s)
        case .libvirt: return c.libvirt(Sample(snapshot: s, source: .daemon(url: "t")))
        case .migrations: return c.migrations(s, later: nil)
        case .storage: return c.storage(s)
        }
    }

    @Test func raid() throws {
        var s = Fixtures.pair.1.snapshot
        let clean = Fixtures.md("md0", members: [("sda1", ["in_sync"], 0), ("sdb1", ["in_sync"], 1)])
        s.mdArrays = [clean, Fixtures.md("md1", members: [("sdc1", ["in_sync"], 0), ("sdd1", ["in_sync"], 1)])]
        var r = run(.raid, s)
        #expect(r.status == .ok)
        #expect(r.output.hasPrefix("HV RAID OK - 2 arrays clean | arrays=2;;; degraded=0;;;"))

        var degraded = Fixtures.md("md1", degraded: 1, members: [("sdc1", ["in_sync"], 0), ("sdd1", ["faulty"], nil)])
        s.mdArrays = [clean, degraded]
        r = run(.raid, s)
        #expect(r.status == .critical)
        #expect(r.summary.contains("md1") && r.summary.contains("DEGRADED"))
        #expect(r.perfdata.contains { $0.label == "degraded" && $0.value == 1 })

        degraded.syncAction = "recover"
        degraded.syncCompletedSectors = 50
        degraded.syncTotalSectors = 200
        s.mdArrays = [clean, degraded]
        r = run(.raid, s)
        #expect(r.status == .warning, "a rebuild under way is a warning")
        #expect(r.summary.contains("recover 25.0%"))

        // Thresholds: tolerate one missing member.
        s.mdArrays = [clean, Fixtures.md("md1", degraded: 1, members: [("sdc1", ["in_sync"], 0)])]
        r = run(.raid, s) { $0.critical = try! NagiosRange("1") }
        #expect(r.status == .ok)

        var inactive = Fixtures.md("md2", state: "inactive", members: [])
        inactive.level = nil
        s.mdArrays = [inactive]
        #expect(run(.raid, s).status == .critical)

        s.mdArrays = []
        #expect(run(.raid, s).status == .ok)
        #expect(run(.raid, s) { $0.only = ["md5"] }.status == .critical)
        s.collectors.removeAll { $0.name == "mdraid" }
        #expect(run(.raid, s).status == .unknown)
    }

    @Test func raidFromASourceWithoutMemberCountsIsUnknown() {
        var s = Fixtures.pair.1.snapshot
        var a = MDArray(device: "md0")
        a.level = "raid1"
        a.arrayState = "clean"
        a.members = [MDMember(device: "sda1", states: ["in_sync"], slot: 0)]
        s.mdArrays = [a]
        #expect(run(.raid, s).status == .unknown)
    }

    @Test func pools() throws {
        var s = Fixtures.pair.1.snapshot
        s.storagePools = [Fixtures.pool("default", capacity: 100, allocation: 50), Fixtures.pool("big", capacity: 100, allocation: 85)]
        var r = run(.pools, s)
        #expect(r.status == .warning)
        #expect(r.perfdata.contains { $0.label == "big_used" && $0.value == 85 && $0.unit == "%" })
        r = run(.pools, s) {
            $0.warning = try! NagiosRange("90"); $0.critical = try! NagiosRange("95")
        }
        #expect(r.status == .ok)
        s.storagePools.append(Fixtures.pool("full", capacity: 100, allocation: 99))
        #expect(run(.pools, s).status == .critical)
        #expect(run(.pools, s) { $0.only = ["default"] }.status == .ok)
        s.storagePools = [Fixtures.pool("gone", state: 4)]
        #expect(run(.pools, s).status == .critical)
        s.storagePools = [Fixtures.pool("off", state: 0, autostart: false)]
        #expect(run(.pools, s).status == .ok)
        s.storagePools = [Fixtures.pool("off", state: 0, autostart: true)]
        #expect(run(.pools, s).status == .critical)
    }

    @Test func guests() {
        var s = Fixtures.pair.1.snapshot
        var r = run(.guests, s)
        #expect(r.status == .ok)
        #expect(r.perfdata.contains { $0.label == "paused" && $0.value == 1 })
        #expect(run(.guests, s) { $0.pausedWarning = try! NagiosRange("0") }.status == .warning)
        #expect(run(.guests, s) { $0.running = ["web", "db"] }.status == .ok)
        r = run(.guests, s) { $0.running = ["web", "off", "ghost"] }
        #expect(r.status == .critical)
        #expect(r.summary.contains("off is shutoff") && r.summary.contains("ghost not found"))
        s.guests[0].state = .crashed
        #expect(run(.guests, s).status == .critical)
        s.guests[0].state = .running
        s.guests[1].timedOut = true
        #expect(run(.guests, s).status == .warning)
    }

    @Test func libvirt() throws {
        var s = Fixtures.pair.1.snapshot
        var r = run(.libvirt, s)
        #expect(r.status == .ok)
        #expect(r.output.contains("up=1;;;0;1"))
        #expect(run(.libvirt, s) { $0.warning = try! NagiosRange("0.01") }.status == .warning)
        s.libvirt?.up = false
        s.libvirt?.error = "Failed to connect socket"
        r = run(.libvirt, s)
        #expect(r.status == .critical)
        #expect(r.summary.contains("down"))
        s.libvirt = nil
        #expect(run(.libvirt, s).status == .unknown)
    }

    @Test func migrations() {
        var s = Fixtures.pair.1.snapshot
        #expect(run(.migrations, s).status == .ok)
        var j = DomainJob(type: 1)
        j.operation = 5
        j.elapsedSeconds = 700
        j.dataTotalBytes = 1000
        j.dataProcessedBytes = 400
        j.dataRemainingBytes = 600
        s.guests[0].job = j
        var r = run(.migrations, s)
        #expect(r.status == .ok)
        #expect(r.summary.contains("1 migration progressing"))
        r = run(.migrations, s) { $0.warning = try! NagiosRange("600") }
        #expect(r.status == .warning)
        // Stalled: the same figures a few seconds later.
        let c = HostCheck(.migrations, options: HostCheck.Options())
        #expect(c.migrations(s, later: s).status == .critical)
        var moved = s
        moved.guests[0].job?.dataProcessedBytes = 500
        moved.guests[0].job?.dataRemainingBytes = 500
        #expect(c.migrations(s, later: moved).status == .ok)
        // Not converging.
        s.guests[0].job?.memoryIteration = 40
        s.guests[0].job?.memoryDirtyRateBytesPerSecond = 100
        s.guests[0].job?.memoryBandwidthBytesPerSecond = 50
        #expect(run(.migrations, s).status == .warning)
        // A failed migration recently.
        var t = Fixtures.pair.1.snapshot
        var failed = DomainJob(type: 4)
        failed.operation = 5
        failed.observedAtSeconds = t.timestampSeconds - 60
        t.guests[1].lastJob = failed
        #expect(run(.migrations, t).status == .warning)
        t.collectors.removeAll { $0.name == "jobs" }
        #expect(run(.migrations, t).status == .unknown)
    }

    /// Traffic resumed after an incoming migration? Packets between the two samples.
    @Test func migratedInWithoutTraffic() throws {
        var s = Fixtures.pair.1.snapshot
        let i = try #require(s.guests.firstIndex { $0.kind == .vm && !$0.interfaces.isEmpty })
        s.guests[i].interfaces[0].rxPackets = 100
        s.guests[i].interfaces[0].txPackets = 50
        var arrived = DomainJob(type: 3)
        arrived.operation = 4
        arrived.outcome = .completed
        arrived.endedAtSeconds = s.timestampSeconds - 120
        s.guests[i].lastJob = arrived
        #expect(HostCheck.recentArrivals(s, within: 600).map(\.key) == [s.guests[i].key])
        let c = HostCheck(.migrations, options: HostCheck.Options())
        var later = s
        later.timestampSeconds += 2
        // Counters stand still: WARNING, named.
        var r = c.migrations(s, later: later)
        #expect(r.status == .warning)
        #expect(r.summary == "no traffic after migration: \(s.guests[i].name)")
        #expect(r.output.contains("silent_arrivals=1;;;0"))
        // They move: OK.
        later.guests[i].interfaces[0].rxPackets = 103
        r = c.migrations(s, later: later)
        #expect(r.status == .ok)
        #expect(r.details.contains { $0.hasPrefix("OK: \(s.guests[i].name) arrived 2m") && $0.hasSuffix("3 packets in 2s") })
        // Under a minute after the job: not judged yet.
        later.guests[i].interfaces[0].rxPackets = 100
        s.guests[i].lastJob?.endedAtSeconds = s.timestampSeconds - 30
        #expect(c.migrations(s, later: later).status == .ok)
        // Outside the window, an outgoing job, or a guest without interfaces: not an arrival.
        s.guests[i].lastJob?.endedAtSeconds = s.timestampSeconds - 700
        #expect(HostCheck.recentArrivals(s, within: 600).isEmpty)
        s.guests[i].lastJob?.endedAtSeconds = s.timestampSeconds - 120
        s.guests[i].lastJob?.operation = 5
        #expect(HostCheck.recentArrivals(s, within: 600).isEmpty)
        s.guests[i].lastJob?.operation = 4
        s.guests[i].interfaces = []
        #expect(HostCheck.recentArrivals(s, within: 600).isEmpty)
    }
}
