import HVLibvirt
import HVModel
import Testing

@testable import HVCollect

/// The pools and jobs collectors on libvirt's built-in test driver (`test:///default`, in
/// process, no daemon): one running dir pool, one running domain whose driver supports no
/// job statistics. Runs anywhere libvirt is installed.
struct TestDriverPoolsJobsTests {
    @Test func poolOfTheTestDriver() throws {
        let c = StoragePoolCollector(session: JobsLab.session("test:///default"), logger: JobsLab.logger)
        var s = Snapshot()
        try c.collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
        let p = try #require(s.storagePools.first { $0.name == "default-pool" })
        #expect(p.state == 2 && p.type == "dir" && p.timedOut == false && p.error == nil)
        #expect(p.capacityBytes ?? 0 > 0 && p.availableBytes != nil && p.allocationBytes != nil)
        #expect(p.volumes != nil && p.persistent == true && p.autostart == false)
        #expect(p.targetPath == "/default-pool")
        // A second scrape uses the cached XML and gives the same.
        var s2 = Snapshot()
        try c.collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s2)
        #expect(s2.storagePools == s.storagePools)
    }

    /// A pool without state says why: not answered, never asked, or failed before its state
    /// was asked (its own connection refused), with libvirt's words kept.
    @Test func aPoolWithoutStateSaysWhy() {
        let late = StoragePoolCollector.unansweredReason(notAsked: false, finished: false, errors: [])
        #expect(late == "libvirt did not answer for this pool within the deadline")
        let skipped = StoragePoolCollector.unansweredReason(notAsked: true, finished: false, errors: [])
        #expect(skipped.hasPrefix("not asked:"))
        let failed = StoragePoolCollector.unansweredReason(
            notAsked: false, finished: true, errors: ["Failed to connect socket to '/run/libvirt/libvirt-sock'"])
        #expect(failed == "its state could not be asked: Failed to connect socket to '/run/libvirt/libvirt-sock'")
        // Errors that came before a call that is still out are kept too.
        let partly = StoragePoolCollector.unansweredReason(notAsked: false, finished: false, errors: ["lookup: x"])
        #expect(partly == "libvirt did not answer for this pool within the deadline: lookup: x")
    }

    @Test func driverWithoutJobStatisticsGivesNoJobsAndNoTimeouts() throws {
        let jobs = JobsCollector(session: JobsLab.session("test:///default"), logger: JobsLab.logger)
        var s = Snapshot()
        s.libvirt = LibvirtStatus(uri: "test:///default", up: true)
        s.guests = [Guest(name: "test", uuid: "6695eb01-f6a4-8304-79aa-97f2502e193f", kind: .vm, driver: "test", state: .running)]
        try jobs.collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
        #expect(s.guests.count == 1)
        #expect(s.guests[0].job == nil && s.guests[0].lastJob == nil && s.guests[0].blockJobs.isEmpty)
        #expect(s.guests[0].timedOut == false)
        #expect(s.departedJobs.isEmpty)
        // Nothing to sample afterwards.
        #expect(jobs.state.withLock { $0.tracker.hot(monotonic: Clock.monotonic()) }.isEmpty)
    }

    /// A paused domain's cached record gets this scrape's state and interfaces, and keeps
    /// its CPU, balloon and block figures.
    @Test func pausedRecordMergesFreshStateAndInterfaces() {
        let cached = TypedParameters([
            ("state.state", .int(3)), ("state.reason", .int(1)), ("cpu.time", .uint(5_000_000_000)),
            ("block.count", .uint(1)), ("block.0.rd.bytes", .uint(4096)),
            ("net.count", .uint(1)), ("net.0.rx.bytes", .uint(10)),
        ])
        let fresh = TypedParameters([
            ("state.state", .int(1)), ("state.reason", .int(3)),
            ("net.count", .uint(1)), ("net.0.rx.bytes", .uint(99)),
        ])
        let m = LibvirtCollector.merge(cached: cached, fresh: fresh)
        #expect(m["state.state"] == .int(1) && m["state.reason"] == .int(3))
        #expect(m["net.0.rx.bytes"] == .uint(99))
        #expect(m["cpu.time"] == .uint(5_000_000_000) && m["block.0.rd.bytes"] == .uint(4096))
        #expect(m.items.filter { $0.key == "net.0.rx.bytes" }.count == 1)
    }
}
