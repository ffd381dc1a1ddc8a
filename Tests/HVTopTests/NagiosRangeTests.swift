import HVTop
import Testing

struct NagiosRangeTests {
    @Test(arguments: [
        // (range, value, alerts)
        ("10", -1.0, true), ("10", 0.0, false), ("10", 10.0, false), ("10", 10.5, true),
        ("10:", 9.9, true), ("10:", 10.0, false), ("10:", 1e12, false),
        ("~:10", -1e12, false), ("~:10", 10.0, false), ("~:10", 11.0, true),
        ("10:20", 9.0, true), ("10:20", 15.0, false), ("10:20", 21.0, true),
        ("@10:20", 9.0, false), ("@10:20", 10.0, true), ("@10:20", 20.0, true), ("@10:20", 20.1, false),
        ("0", 0.0, false), ("0", 1.0, true),
        ("-5:-1", -3.0, false), ("-5:-1", 0.0, true),
        (":5", 3.0, false), ("2.5", 2.6, true),
    ])
    func rangeAlerts(_ text: String, _ value: Double, _ expected: Bool) throws {
        let r = try NagiosRange(text)
        #expect(r.alerts(value) == expected, "\(text) with \(value)")
    }

    @Test(arguments: ["", "abc", "20:10", "@", "1:x", "~", "nan", "inf:"])
    func invalidRangesAreRejected(_ text: String) {
        #expect(throws: NagiosRangeError.self) { try NagiosRange(text) }
    }

    @Test func errorSaysWhatIsWrong() {
        do {
            _ = try NagiosRange("20:10")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("start is greater than end"))
        }
    }
}
