/// How the guest table is ordered. Busy-first for figures (descending), A-Z for names;
/// pressing the same key again reverses. Guests without a figure go last; ties by name.
public enum SortKey: String, Sendable, CaseIterable {
    case cpu, memory, disk, network, name

    /// The key that selects it in the TUI.
    public var keyChar: Character {
        switch self {
        case .cpu: "c"
        case .memory: "m"
        case .disk: "d"
        case .network: "n"
        case .name: "a"
        }
    }

    public init?(keyChar: Character) {
        guard let k = SortKey.allCases.first(where: { $0.keyChar == keyChar }) else { return nil }
        self = k
    }

    /// What is compared, for the status line.
    public var label: String {
        switch self {
        case .cpu: "CPU%"
        case .memory: "RSS (host memory)"
        case .disk: "disk read+write/s"
        case .network: "net rx+tx/s"
        case .name: "name"
        }
    }

    /// Sorts `rows`; `reversed` flips the direction.
    public func sort(_ rows: [GuestRow], reversed: Bool = false) -> [GuestRow] {
        rows.sorted { a, b in
            if self == .name {
                if a.name != b.name { return (a.name < b.name) != reversed }
                return a.key < b.key
            }
            let va = value(a)
            let vb = value(b)
            switch (va, vb) {
            case (let x?, let y?) where x != y: return (x > y) != reversed
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a.name != b.name ? a.name < b.name : a.key < b.key
            }
        }
    }

    /// The figure compared for a row.
    public func value(_ r: GuestRow) -> Double? {
        switch self {
        case .cpu: r.cpuPercent
        case .memory: r.rssBytes.map { Double($0) }
        case .disk: r.diskRate
        case .network: r.netRate
        case .name: nil
        }
    }
}
