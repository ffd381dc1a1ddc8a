import HVModel

/// Finds a guest by what an operator types: its UUID or key, `driver:name`, its name, else a
/// case-insensitive name. A VM and a container may share a name (and so may containers of
/// different managers): then the name alone is ambiguous and the caller must ask which one,
/// listing the candidates (`candidates`), which a UUID or `driver:name` picks.
public enum GuestLookup {
    /// What a query matched.
    public enum Match: Sendable {
        case one(Guest)
        /// Several guests answer to the query (in snapshot order).
        case ambiguous([Guest])
        case none
    }

    public static func match(_ s: Snapshot, _ query: String) -> Match {
        let q = query.lowercased()
        // A UUID or key is an identity: at most one guest has it.
        if let g = s.guests.first(where: { $0.uuid == q || $0.key == query }) { return .one(g) }
        let tries: [(Guest) -> Bool] = [
            { "\($0.driver):\($0.name)" == query },
            { $0.name == query },
            { $0.name.lowercased() == q },
        ]
        for f in tries {
            let found = s.guests.filter(f)
            if found.count == 1 { return .one(found[0]) }
            if found.count > 1 { return .ambiguous(found) }
        }
        return .none
    }

    /// The guest `query` names, or nil when none or several do (see `match`).
    public static func find(_ s: Snapshot, _ query: String) -> Guest? {
        if case .one(let g) = match(s, query) { return g }
        return nil
    }

    /// What picks `g` for sure: its UUID, else `driver:name` (its key).
    public static func selector(_ g: Guest) -> String { g.uuid ?? "\(g.driver):\(g.name)" }

    /// "no guest 'x' (known: a, b, c)".
    public static func notFound(_ s: Snapshot, _ query: String) -> String {
        let names = s.guests.map { Format.printable($0.name) }.sorted()
        return "no guest '\(Format.printable(query))' on \(s.hostname.isEmpty ? "this host" : s.hostname)"
            + (names.isEmpty ? " (no guests known)" : " (known: \(names.joined(separator: ", ")))")
    }

    /// One line: "3 guests are named 'web' on hv1; name one by UUID or driver:name: vm qemu
    /// 1111... (running) -> '1111...'; container lxc-tools (running) -> 'lxc-tools:web'".
    public static func ambiguous(_ s: Snapshot, _ query: String, _ candidates: [Guest]) -> String {
        "\(candidates.count) guests are named '\(Format.printable(query))' on \(s.hostname.isEmpty ? "this host" : s.hostname); "
            + "name one by UUID or driver:name: "
            + candidates.map { "\(candidateLine($0)) -> '\(Format.printable(selector($0)))'" }.joined(separator: "; ")
    }

    /// "vm qemu 1111... (paused)"; containers without a UUID show "-".
    public static func candidateLine(_ g: Guest) -> String {
        "\(g.kind.rawValue) \(g.driver) \(g.uuid ?? "-") (\(g.state.rawValue))"
    }
}
