import HVModel

/// Finds a guest by what an operator types: its name, else its UUID or key, else a
/// case-insensitive name when that is unambiguous.
public enum GuestLookup {
    public static func find(_ s: Snapshot, _ query: String) -> Guest? {
        if let g = s.guests.first(where: { $0.name == query }) { return g }
        let q = query.lowercased()
        if let g = s.guests.first(where: { $0.uuid == q || $0.key == query }) { return g }
        let ci = s.guests.filter { $0.name.lowercased() == q }
        return ci.count == 1 ? ci[0] : nil
    }

    /// "no guest 'x' (known: a, b, c)".
    public static func notFound(_ s: Snapshot, _ query: String) -> String {
        let names = s.guests.map { Format.printable($0.name) }.sorted()
        return "no guest '\(Format.printable(query))' on \(s.hostname.isEmpty ? "this host" : s.hostname)"
            + (names.isEmpty ? " (no guests known)" : " (known: \(names.joined(separator: ", ")))")
    }
}
