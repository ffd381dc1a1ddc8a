import Testing

@testable import HVExpose

struct PrometheusTextWriterTests {
    static let g = MetricDescriptor("test_gauge", .gauge, "A gauge.\nWith \\ newline.", labels: ["name", "dev"])
    static let c = MetricDescriptor("a_counter_total", .counter, "A counter.")

    func text(_ set: MetricSet) -> String { String(decoding: PrometheusTextWriter.write(set), as: UTF8.self) }

    @Test func familiesSortedWithOneHelpAndTypeEach() {
        var set = MetricSet()
        set.add(Self.g, ["x", "vda"], 1)
        set.add(Self.c, [], UInt64(42))
        set.add(Self.g, ["y", "vdb"], 2.5)
        #expect(
            text(set) == """
                # HELP a_counter_total A counter.
                # TYPE a_counter_total counter
                a_counter_total 42
                # HELP test_gauge A gauge.\\nWith \\\\ newline.
                # TYPE test_gauge gauge
                test_gauge{name="x",dev="vda"} 1
                test_gauge{name="y",dev="vdb"} 2.5

                """)
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("we\"ird\\ name ü", "we\\\"ird\\\\ name ü"),
        ("line\nbreak", "line\\nbreak"),
        ("", ""),
        ("\\\n\"", "\\\\\\n\\\""),
    ])
    func labelValuesAreEscaped(raw: String, escaped: String) {
        var set = MetricSet()
        set.add(Self.g, [raw, "d"], 1)
        #expect(text(set).contains("test_gauge{name=\"\(escaped)\",dev=\"d\"} 1\n"))
    }

    @Test(arguments: [
        (SampleValue.double(.nan), "NaN"),
        (.double(.infinity), "+Inf"),
        (.double(-.infinity), "-Inf"),
        (.double(3), "3"),
        (.double(0.25), "0.25"),
        (.double(1e20), "1e+20"),
        (.uint(UInt64.max), "18446744073709551615"),
        (.int(-5), "-5"),
        (.int(Int64.min), "-9223372036854775808"),
        (.int(0), "0"),
        (.uint(10), "10"),
        (.double(-0.0), "0"),
        (.double(-42), "-42"),
        (.double(999_999_999_999_999), "999999999999999"),
    ])
    func valuesFormatAsPrometheusParsesThem(value: SampleValue, expected: String) {
        #expect(PrometheusTextWriter.format(value) == expected)
    }

    @Test func declaredFamilyWithoutSamplesStillHasHelpAndType() {
        var set = MetricSet()
        set.declare(Self.c)
        #expect(text(set) == "# HELP a_counter_total A counter.\n# TYPE a_counter_total counter\n")
        #expect(set.seriesCount == 0)
        #expect(set.familyCount == 0)
    }

    @Test func samplesCanBeReadBackByLabel() {
        var set = MetricSet()
        set.add(Self.g, ["x", "vda"], 7)
        let s = set.samples("test_gauge")
        #expect(s.count == 1)
        #expect(s[0].labels["dev"] == "vda")
        #expect(s[0].value == .int(7))
    }
}
