import Foundation
import LabSupport
import Testing

/// The shared test support itself: the lab state parser, the bounded poll, the promtool runner.
struct LabSupportTests {
    @Test func stateFileValuesAreUnquotedAsTheShellWould() {
        let text = """
            # hvexporter lab state, written by scripts/lab/write-state.sh
            LAB_URI='qemu:///system'
            LAB_GUEST_WEIRD='we"ird\\ name ü'
            LAB_GUEST_QUOTE='it'\\''s'
            LAB_ID_OFF=''
            not a pair
            LAB_GUEST_KEYS='WEIRD QUOTE'
            """
        let v = LabState.parse(text)
        #expect(v["LAB_URI"] == "qemu:///system")
        #expect(v["LAB_GUEST_WEIRD"] == "we\"ird\\ name ü")
        #expect(v["LAB_GUEST_QUOTE"] == "it's")
        #expect(v["LAB_ID_OFF"] == "")
        #expect(v.count == 5)
    }

    @Test func absentLabIsNotPresent() throws {
        let lab = LabState(directory: "/nonexistent-\(getpid())")
        #expect(!lab.isPresent && lab.values.isEmpty)
        #expect(lab.uri == "qemu:///system")
    }

    @Test func pollReturnsAsSoonAsTheConditionHolds() {
        let clock = ContinuousClock()
        var calls = 0
        let t0 = clock.now
        let ok = Poll.until(timeout: .seconds(10), every: .milliseconds(10)) {
            calls += 1; return calls == 3
        }
        #expect(ok && calls == 3)
        #expect(t0.duration(to: clock.now) < .seconds(5))
    }

    @Test func pollGivesUpAtItsDeadline() {
        let clock = ContinuousClock()
        let t0 = clock.now
        #expect(!Poll.until(timeout: .milliseconds(200), every: .milliseconds(50)) { false })
        let took = t0.duration(to: clock.now)
        #expect(took >= .milliseconds(200) && took < .seconds(5), "took \(took)")
        #expect(Poll.value(timeout: .milliseconds(100)) { Optional<Int>.none } == nil)
    }

    @Test(.promtool) func promtoolReportsFindings() throws {
        #expect(try Promtool.checkMetrics("# HELP a_total A counter.\n# TYPE a_total counter\na_total 1\n").isClean)
        // A counter without _total and a gauge named like a counter: lint findings.
        let bad = try Promtool.checkMetrics("# HELP a_count A.\n# TYPE a_count counter\na_count 1\n")
        #expect(!bad.isClean, "\(bad)")
    }
}
