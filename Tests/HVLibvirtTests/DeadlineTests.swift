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

    /// Workers are reused once idle, a stuck call delays no other, and at most `maxIdle`
    /// workers stay waiting (a pool of its own, so parallel tests do not take its workers).
    @Test func workersAreReusedAndAStuckCallDelaysNoOther() {
        let pool = WorkerPool(maxIdle: 2, idleSeconds: 5)
        func call(_ work: @escaping @Sendable () -> Int32) -> CallBox<Int32> {
            let box = CallBox<Int32>(work)
            #expect(pool.submit(box))
            return box
        }
        let first = call { threadID() }.wait(seconds: 2)
        for _ in 0..<100 where pool.idleCount == 0 { usleep(10_000) }
        #expect(pool.idleCount == 1)
        let second = call { threadID() }.wait(seconds: 2)
        #expect(first != nil && first == second)               // the same thread ran both

        let stuck = call { usleep(1_500_000); return threadID() }
        let t0 = monotonicNow()
        let quick = call { threadID() }.wait(seconds: 2)
        #expect(monotonicNow() - t0 < 0.5)
        #expect(quick != nil)

        let many = (0..<6).map { _ in call { usleep(100_000); return threadID() } }
        #expect(Set(many.compactMap { $0.wait(seconds: 2) }).count == 6)
        #expect(stuck.wait(seconds: 3) != nil)
        usleep(100_000)
        #expect(pool.idleCount <= 2)
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

/// The kernel thread ID of the calling thread (from /proc/thread-self -> "PID/task/TID").
func threadID() -> Int32 {
    var buf = [CChar](repeating: 0, count: 64)
    let n = readlink("/proc/thread-self", &buf, 63)
    guard n > 0 else { return -1 }
    let s = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return Int32(s.split(separator: "/").last ?? "") ?? -1
}
