/// An ordered collection of metric families and their samples, ready to be written.
///
/// Families are written sorted by name (deterministic output, one HELP/TYPE each);
/// samples keep the order in which they were added, which callers make deterministic
/// (guests sorted by name, devices in libvirt's order).
public struct MetricSet: Sendable {
    struct Family: Sendable {
        let descriptor: MetricDescriptor
        var samples: [(labels: [String], value: SampleValue)]
    }

    private(set) var families: [String: Family] = [:]

    public init() {}

    /// Number of samples (series) in the set.
    public var seriesCount: Int { families.values.reduce(0) { $0 + $1.samples.count } }
    /// Number of families that have at least one sample.
    public var familyCount: Int { families.values.filter { !$0.samples.isEmpty }.count }

    /// Adds one sample. `labelValues` must match the descriptor's label names one to one.
    public mutating func add(_ d: MetricDescriptor, _ labelValues: [String] = [], _ value: SampleValue) {
        precondition(labelValues.count == d.labelNames.count, "\(d.name): expected \(d.labelNames.count) labels, got \(labelValues.count)")
        // One hash lookup, appended in place (thousands of samples per scrape).
        families[d.name, default: Family(descriptor: d, samples: [])].samples.append((labelValues, value))
    }

    public mutating func add(_ d: MetricDescriptor, _ labelValues: [String] = [], _ value: Double) {
        add(d, labelValues, .double(value))
    }

    public mutating func add(_ d: MetricDescriptor, _ labelValues: [String] = [], _ value: UInt64) {
        add(d, labelValues, .uint(value))
    }

    public mutating func add(_ d: MetricDescriptor, _ labelValues: [String] = [], _ value: Int) {
        add(d, labelValues, .int(Int64(value)))
    }

    public mutating func add(_ d: MetricDescriptor, _ labelValues: [String] = [], _ value: Bool) {
        add(d, labelValues, .int(value ? 1 : 0))
    }

    /// Adds the sample only when `value` is not nil.
    public mutating func add(_ d: MetricDescriptor, _ labelValues: [String] = [], ifPresent value: UInt64?) {
        if let value { add(d, labelValues, .uint(value)) }
    }

    public mutating func add(_ d: MetricDescriptor, _ labelValues: [String] = [], ifPresent value: Double?) {
        if let value { add(d, labelValues, .double(value)) }
    }

    public mutating func add(_ d: MetricDescriptor, _ labelValues: [String] = [], ifPresent value: Int?) {
        if let value { add(d, labelValues, .int(Int64(value))) }
    }

    /// Makes sure a family's HELP/TYPE appear even with no samples (e.g. `libvirt_domain_timed_out`).
    public mutating func declare(_ d: MetricDescriptor) {
        if families[d.name] == nil { families[d.name] = Family(descriptor: d, samples: []) }
    }

    /// Family names in output order.
    public var sortedNames: [String] { families.keys.sorted() }

    /// Samples of one family (for tests and hvtop), in insertion order.
    public func samples(_ name: String) -> [(labels: [String: String], value: SampleValue)] {
        guard let f = families[name] else { return [] }
        return f.samples.map { s in
            var dict: [String: String] = [:]
            for (i, n) in f.descriptor.labelNames.enumerated() { dict[n] = s.labels[i] }
            return (dict, s.value)
        }
    }
}
