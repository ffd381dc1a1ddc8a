import Glibc
import Testing
@testable import HVLibvirt

struct DeadlineTests {
    @Test func fastCallReturnsItsValue() {
        guard case .done(let v) = Deadline.run(seconds: 2, { 41 + 1 }) else {
            Issue.record("expected done")
            return
        }
        #expect(v == 42)
    }

    @Test func slowCallTimesOutAndIsCountedUntilItReturns() {
        let before = Deadline.abandoned
        let t0 = monotonicNow()
        let r = Deadline.run(seconds: 0.2) { () -> Int in usleep(800_000); return 1 }
        let waited = monotonicNow() - t0
        guard case .timedOut = r else { Issue.record("expected time-out"); return }
        #expect(waited < 0.6)
        #expect(Deadline.abandoned >= before + 1)
        usleep(1_000_000)
        #expect(Deadline.abandoned <= before)
    }

    @Test func libvirtTestDriverAnswersThroughTheWrapper() throws {
        let c = try LibvirtConnection(uri: "test:///default")
        let doms = try c.listAllDomains()
        #expect(doms.map(\.name) == ["test"])
        #expect(doms[0].uuid.count == 36)
        let recs = try c.domainStats(nil, groups: .standard, noWait: true)
        #expect(recs.count == 1)
        #expect(recs[0].params["state.state"]?.int64 == 1)
        let xml = try doms[0].xmlDescription()
        #expect(try DomainDescription.parse(xml).interfaces.count == 1)
        #expect(try c.daemonVersion().split(separator: ".").count == 3)
    }

    @Test func badURIGivesLibvirtsMessage() {
        #expect {
            _ = try LibvirtConnection(uri: "nosuchdriver:///nothing")
        } throws: { error in
            guard let e = error as? LibvirtError else { return false }
            return e.call == "virConnectOpenReadOnly" && !e.message.isEmpty
        }
    }
}

func monotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
