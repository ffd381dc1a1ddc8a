import HVLibvirt
import HVModel
import LabSupport
import Testing

@testable import HVCollect

/// Which libvirt connection the libvirt collector's calls really take, on the lab's libvirtd.
@Suite(.serialized, .lab(.root, .guestsListed))
struct LibvirtLanesLabTests {
    /// libvirt sends `virDomainListGetStats` over the connection of the domains' handles, not
    /// the one the call is made on. The statistics calls must hold handles listed on the
    /// statistics connection: else a hung guest's call sits on the control connection (domain
    /// list, metadata, events) and each bulk call wakes the event loop that watches it.
    @Test func statisticsCallsHoldHandlesOfTheStatisticsConnection() throws {
        let session = JobsLab.session()
        let collector = LibvirtCollector(session: session, logger: JobsLab.logger)
        for _ in 0..<2 {
            var s = Snapshot(timestampSeconds: 0, hostname: "lab")
            try collector.collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
            let name = try #require(Lab.guests.first { $0.key == "RUN1" }?.name)
            let run1 = try #require(s.guests.first { $0.name == name })
            #expect(run1.blockDevices.contains { $0.readRequests != nil }, "a running guest's block figures came back")
        }
        let deadline = ContinuousClock.now + .seconds(5)
        let (stats, _) = try session.statistics.connection(until: deadline)
        let (control, _) = try session.control.connection(until: deadline)
        #expect(stats !== control)
        let handles = collector.state.withLock { $0.statisticsHandles }
        let listed = try control.listAllDomains()
        #expect(Set(handles.keys) == Set(listed.map { $0.uuid }), "every domain has a handle for statistics")
        #expect(handles.values.allSatisfy { $0.isOn(stats) }, "statistics handles on the statistics connection")
        #expect(!handles.values.contains { $0.isOn(control) })
        #expect(listed.allSatisfy { $0.isOn(control) && !$0.isOn(stats) }, "isOn tells the two connections apart")
    }

    /// A domain defined after the handles were listed is listed again on the statistics
    /// connection and gets its figures in the same scrape.
    @Test func aNewDomainIsListedAgainOnTheStatisticsConnection() throws {
        let lease = try JobsLab.Lease()
        defer { lease.release() }
        let session = JobsLab.session()
        let collector = LibvirtCollector(session: session, logger: JobsLab.logger)
        var s = Snapshot(timestampSeconds: 0, hostname: "lab")
        try collector.collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
        let g = try JobsLab.makeGuest("hv-lanes-\(JobsLab.tag)")
        defer { JobsLab.removeGuest(g.name, removeFiles: true) }
        var t = Snapshot(timestampSeconds: 0, hostname: "lab")
        try collector.collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &t)
        let fresh = try #require(t.guests.first { $0.name == g.name })
        #expect(fresh.state == .running)
        #expect(fresh.blockDevices.contains { $0.readRequests != nil }, "the new domain's statistics came in its first scrape")
        let handles = collector.state.withLock { $0.statisticsHandles }
        #expect(handles[try #require(fresh.uuid)] != nil)
    }
}
