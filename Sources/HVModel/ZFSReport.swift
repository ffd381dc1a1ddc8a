/// What the zfs collector saw: the ZFS pools of this host and how the last `zpool` runs went.
/// Nil in the snapshot when the collector is off or the ZFS module is not loaded.
public struct ZFSReport: Sendable, Equatable {
    /// "zpool" (zpool status and list, in the background) or "kstat"
    /// (/proc/spl/kstat/zfs/<pool>/state only, when zpool is not installed).
    public var source: String
    public var pools: [ZFSPool]
    public var toolRuns: [ToolRunStatus]
    /// Items that could not be read this time.
    public var problems: [String]

    public init(source: String, pools: [ZFSPool] = [], toolRuns: [ToolRunStatus] = [], problems: [String] = []) {
        self.source = source
        self.pools = pools
        self.toolRuns = toolRuns
        self.problems = problems
    }
}
