/// One domain's bulk statistics (`virDomainStatsRecord`): keys like "state.state",
/// "cpu.time", "vcpu.0.time", "block.1.rd.bytes", "net.0.tx.bytes".
///
/// Carries the domain's UUID, not a handle: a handle costs libvirt a reference, three getters
/// and a free, each formatting the UUID for its debug macro whether debug logging is on or
/// not (making and freeing domain handles, for these records and the domain lists together,
/// was about 4 % of the exporter's CPU in a profile at 60 domains).
public struct DomainStatsRecord: Sendable {
    /// Lower-case UUID string of the domain.
    public let uuid: String
    public let params: TypedParameters

    public init(uuid: String, params: TypedParameters) {
        self.uuid = uuid
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
