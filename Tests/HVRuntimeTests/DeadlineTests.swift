import Glibc
import Synchronization
import Testing

@testable import HVRuntime

struct DeadlineTests {
    @Test func fastCallReturnsItsValue() {
        guard case .done(let v) = Deadline.run(until: .now + .seconds(2), { 41 + 1 }) else {
            Issue.record("expected done")
            return
        }
        #expect(v == 42)
    }

    @Test func slowCallTimesOutAndIsCountedUntilItReturns() {
        let before = Deadline.abandoned
        let t0 = ContinuousClock.now
        let r = Deadline.run(until: .now + .milliseconds(200)) { () -> Int in
            usleep(800_000); return 1
        }
        let waited = ContinuousClock.now - t0
        guard case .timedOut = r else { Issue.record("expected time-out"); return }
        #expect(waited < .milliseconds(600))
        #expect(Deadline.abandoned >= before + 1)
        #expect(awaitCondition(within: .seconds(3)) { Deadline.abandoned <= before })
    }

    /// Workers are reused once idle, a stuck call delays no other, and at most `maxIdle`
    /// workers stay waiting (a pool of its own, so parallel tests do not take its workers).
    @Test func workersAreReusedAndAStuckCallDelaysNoOther() {
        let pool = WorkerPool(maxThreads: 64, maxIdle: 2, idleSeconds: .seconds(5))
        func call(_ work: @escaping @Sendable () -> Int32) -> Deadline.Pending<Int32> {
            let p = Deadline.start(on: pool, work)
            #expect(!p.refused)
            return p
        }
        func value(_ p: Deadline.Pending<Int32>, _ s: Duration = .seconds(2)) -> Int32? {
            if case .done(let v) = p.wait(until: .now + s) { return v }
            return nil
        }
        let first = value(call { threadID() })
        #expect(awaitCondition(within: .seconds(1)) { pool.idleCount == 1 })
        let second = value(call { threadID() })
        #expect(first != nil && first == second)   // the same thread ran both

        let stuck = call {
            usleep(1_500_000); return threadID()
        }
        let t0 = ContinuousClock.now
        let quick = value(call { threadID() })
        #expect(ContinuousClock.now - t0 < .milliseconds(500))
        #expect(quick != nil)

        let many = (0..<6).map { _ in
            call {
                usleep(100_000); return threadID()
            }
        }
        #expect(Set(many.compactMap { value($0) }).count == 6)
        #expect(value(stuck, .seconds(3)) != nil)
        #expect(awaitCondition(within: .seconds(1)) { pool.idleCount <= 2 })
    }

    /// The thread cap holds for the whole pool: with every thread stuck, a new call is
    /// refused at once (never run on the caller's thread), and accepted again once a stuck
    /// call returns.
    @Test func threadCapRefusesCallsWhileEveryThreadIsStuck() {
        let pool = WorkerPool(maxThreads: 3, maxIdle: 3, idleSeconds: .seconds(5))
        let release = Atomic<Bool>(false)
        let stuck = (0..<3).map { _ in
            Deadline.start(on: pool) { () -> Int in
                while !release.load(ordering: .relaxed) { usleep(5_000) }
                return 1
            }
        }
        #expect(stuck.allSatisfy { !$0.refused })
        #expect(pool.threadCount == 3)
        let t0 = ContinuousClock.now
        let refused = Deadline.start(on: pool) { () -> Int in 2 }
        #expect(refused.refused)
        guard case .refused = refused.wait(until: .now + .seconds(1)) else {
            Issue.record("a call past the cap must be refused")
            return
        }
        #expect(ContinuousClock.now - t0 < .milliseconds(100))
        release.store(true, ordering: .relaxed)
        for p in stuck { if case .done = p.wait(until: .now + .seconds(2)) {} else { Issue.record("stuck call did not end") } }
        #expect(awaitCondition(within: .seconds(1)) { pool.idleCount == 3 })
        guard case .done(let v) = Deadline.start(on: pool, { () -> Int in 3 }).wait(until: .now + .seconds(1)) else {
            Issue.record("an idle worker must take the call")
            return
        }
        #expect(v == 3)
        #expect(pool.threadCount == 3)
    }

    @Test func lockedConditionTimesOutOnTheMonotonicClock() {
        let c = LockedCondition()
        let t0 = ContinuousClock.now
        let held = c.wait(until: .now + .milliseconds(150)) { false }
        let waited = ContinuousClock.now - t0
        #expect(!held)
        #expect(waited >= .milliseconds(140) && waited < .milliseconds(600))
        let flag = Atomic<Bool>(false)
        BackgroundThread.start {
            usleep(50_000)
            flag.store(true, ordering: .relaxed)
            c.broadcast()
        }
        #expect(c.wait(until: .now + .seconds(2)) { flag.load(ordering: .relaxed) })
    }

    /// A joinable thread's `join` returns only once its body has ended (the HTTP accept loop
    /// is joined before its socket is closed).
    @Test func joinWaitsForTheBodysEnd() throws {
        let done = Atomic<Bool>(false)
        let t = try BackgroundThread.startJoinable {
            usleep(100_000)
            done.store(true, ordering: .releasing)
        }
        let early = done.load(ordering: .acquiring)
        #expect(!early, "the body sleeps first")
        t.join()
        let ended = done.load(ordering: .acquiring)
        #expect(ended)
        t.join()   // a second join does nothing
    }

    /// A background loop holds its owner only during a round: releasing the owner ends it.
    @Test func backgroundLoopEndsWithItsOwner() {
        final class Owner: Sendable { let rounds = Atomic<Int>(0) }
        var owner: Owner? = Owner()
        let rounds = Atomic<Int>(0)
        #expect(
            BackgroundThread.loop(weak: owner!) { o in
                o.rounds.add(1, ordering: .relaxed)
                rounds.add(1, ordering: .relaxed)
                return .milliseconds(10)
            })
        #expect(awaitCondition(within: .seconds(2)) { rounds.load(ordering: .relaxed) >= 3 })
        owner = nil
        usleep(50_000)
        let after = rounds.load(ordering: .relaxed)
        usleep(100_000)
        #expect(rounds.load(ordering: .relaxed) <= after + 1)
    }
}

/// Polls `condition` until it holds or `within` passes.
func awaitCondition(within: Duration, _ condition: () -> Bool) -> Bool {
    let until = ContinuousClock.now + within
    while ContinuousClock.now < until {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}

/// The kernel thread ID of the calling thread (from /proc/thread-self -> "PID/task/TID").
func threadID() -> Int32 {
    var buf = [CChar](repeating: 0, count: 64)
    let n = readlink("/proc/thread-self", &buf, 63)
    guard n > 0 else { return -1 }
    let s = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return Int32(s.split(separator: "/").last ?? "") ?? -1
}
