import HVCollect

/// The order a set of collectors runs in, from what each declares it reads and fills.
///
/// - `pipeline`: the collectors that touch the guests (or read what others fill), each
///   after every collector that fills a part it reads (required or optional), otherwise in
///   the given order.
/// - `beside`: the collectors that read nothing and fill only parts apart from the guests;
///   they run side by side with the pipeline (a pipeline collector that reads a part one of
///   them fills waits for it: the coordinator takes that part in first).
/// - `missing`: collectors whose required input no collector of the set fills, with the
///   reason (`CollectorCatalog.check` refuses such a set at start; a coordinator built
///   anyway reports them failed instead of succeeding with nothing).
public struct CollectorPlan: Sendable {
    public let pipeline: [any Collector]
    public let beside: [any Collector]
    public let missing: [String: String]

    public init(_ collectors: [any Collector]) {
        var pipeline: [any Collector] = []
        var beside: [any Collector] = []
        for c in collectors {
            let t = type(of: c)
            if t.reads.isEmpty, !t.fills.isEmpty, !t.fills.contains(where: \.touchesGuests) {
                beside.append(c)
            } else {
                pipeline.append(c)
            }
        }
        let fillers = Dictionary(grouping: collectors.flatMap { c in type(of: c).fills.map { ($0, c.name) } }, by: \.0).mapValues {
            $0.map(\.1)
        }
        var missing: [String: String] = [:]
        for c in collectors {
            for input in type(of: c).reads where input.required && fillers[input.part] == nil {
                missing[c.name] = "needs \(input.part.rawValue), which no enabled collector fills"
            }
        }
        // Stable topological order: the first collector (in the given order) whose inputs'
        // fillers have all run.
        var ordered: [any Collector] = []
        var placed: Set<String> = []
        var rest = pipeline
        while !rest.isEmpty {
            let i =
                rest.firstIndex { c in
                    type(of: c).reads.allSatisfy { input in
                        (fillers[input.part] ?? []).allSatisfy { $0 == c.name || placed.contains($0) }
                    }
                } ?? 0   // a cycle: keep the given order
            let c = rest.remove(at: i)
            ordered.append(c)
            placed.insert(c.name)
        }
        self.pipeline = ordered
        self.beside = beside
        self.missing = missing
    }
}
