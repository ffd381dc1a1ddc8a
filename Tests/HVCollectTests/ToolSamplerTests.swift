import HVModel
import HVRuntime
import Testing

@testable import HVCollect

@Suite struct ToolSamplerTests {
    final class Script: @unchecked Sendable {
        let lock = LockedCondition()
        var results: [Result<Int, ToolFailure>]
        init(_ r: [Result<Int, ToolFailure>]) { results = r }
        func next() throws(ToolFailure) -> Int {
            let r = lock.withLock { results.count > 1 ? results.removeFirst() : results[0] }
            return try r.get()
        }
    }

    @Test func aFailedRunKeepsTheLastGoodValueMarkedStale() {
        let script = Script([.success(7), .failure(ToolFailure("tool exit status 2: bad")), .success(9)])
        let s = ToolSampler(tool: "fake", target: "/dev/x", interval: .seconds(60)) { () throws(ToolFailure) in try script.next() }
        let before = s.read()
        #expect(before.value == nil)
        #expect(!before.status.success)
        s.runOnce()
        var r = s.read()
        #expect(r.value == 7)
        #expect(r.status.success && !r.status.stale)
        #expect(r.status.lastSuccessSeconds != nil)
        s.runOnce()
        r = s.read()
        #expect(r.value == 7)
        #expect(!r.status.success && r.status.stale)
        #expect(r.status.error == "tool exit status 2: bad")
        s.runOnce()
        r = s.read()
        #expect(r.value == 9 && r.status.success && !r.status.stale && r.status.error == nil)
    }

    @Test func backgroundRunsStartAtOnceAndReadingNeverWaits() throws {
        let s = ToolSampler(tool: "sh", interval: .milliseconds(50)) { () throws(ToolFailure) -> Int in
            guard let sh = ExternalCommand.find("sh") else { throw ToolFailure("no sh") }
            let o = try ExternalCommand.runTool(sh, ["-c", "sleep 0.2; echo 42"], timeout: .seconds(5))
            return Int(String(decoding: o.stdout.dropLast(), as: UTF8.self)) ?? -1
        }
        s.start()
        let t0 = ContinuousClock.now
        _ = s.read()   // while the first run is still sleeping
        #expect(ContinuousClock.now - t0 < .milliseconds(100))
        #expect(s.waitForRuns(2, until: .now + .seconds(10)))
        #expect(s.read().value == 42)
    }

    @Test func aTimedOutToolIsAFailureNamingTheTimeout() throws {
        let sh = try #require(ExternalCommand.find("sh"))
        let o = try ExternalCommand.run(sh, ["-c", "sleep 5"], timeout: .milliseconds(200))
        #expect(ToolFailure.check(o, tool: "smartctl", timeout: .milliseconds(200))?.message.contains("timed out") == true)
        let bits = try ExternalCommand.run(sh, ["-c", "exit 8"], timeout: .seconds(5))
        #expect(ToolFailure.check(bits, tool: "smartctl", timeout: .seconds(5), acceptedStatuses: [0, 8]) == nil)
        #expect(ToolFailure.check(bits, tool: "smartctl", timeout: .seconds(5)) != nil)
        #expect(throws: ToolFailure.self) { try ExternalCommand.runTool("/nonexistent/storcli64", [], timeout: .seconds(1)) }
    }
}
