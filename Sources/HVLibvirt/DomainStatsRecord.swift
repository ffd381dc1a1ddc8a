/// One domain's bulk statistics (`virDomainStatsRecord`): keys like "state.state",
/// "cpu.time", "vcpu.0.time", "block.1.rd.bytes", "net.0.tx.bytes".
public struct DomainStatsRecord: Sendable {
    public let domain: LibvirtDomain
    public let params: TypedParameters

    public init(domain: LibvirtDomain, params: TypedParameters) {
        self.domain = domain
        self.params = params
    }
}

/// Which statistics groups to ask for (`virDomainStatsTypes`).
public struct DomainStatsGroups: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let state = DomainStatsGroups(rawValue: 1 << 0)
    public static let cpuTotal = DomainStatsGroups(rawValue: 1 << 1)
    public static let balloon = DomainStatsGroups(rawValue: 1 << 2)
    public static let vcpu = DomainStatsGroups(rawValue: 1 << 3)
    public static let interface = DomainStatsGroups(rawValue: 1 << 4)
    public static let block = DomainStatsGroups(rawValue: 1 << 5)
    public static let perf = DomainStatsGroups(rawValue: 1 << 6)
    public static let iothread = DomainStatsGroups(rawValue: 1 << 7)
    public static let memory = DomainStatsGroups(rawValue: 1 << 8)
    public static let dirtyrate = DomainStatsGroups(rawValue: 1 << 9)
    public static let standard: DomainStatsGroups = [.state, .cpuTotal, .balloon, .vcpu, .interface, .block]
}
