/// What the drbd collector saw: the DRBD resources of this host and, for DRBD 9, how the
/// last `drbdsetup status` runs went. Nil in the snapshot when the collector is off or the
/// DRBD kernel module is not loaded.
public struct DRBDReport: Sendable, Equatable {
    /// Where the figures come from: "procfs" (/proc/drbd, DRBD 8.x, read at scrape time) or
    /// "drbdsetup" (DRBD 9, run in the background).
    public var source: String
    /// Kernel module version from /proc/drbd ("8.4.11", "9.2.8"); nil when unknown.
    public var moduleVersion: String?
    public var resources: [DRBDResource]
    /// The drbdsetup runs behind `resources` (empty for the procfs source).
    public var toolRuns: [ToolRunStatus]
    /// Items that could not be read this time (a /proc/drbd block, a JSON element), for the log and /json.
    public var problems: [String]

    public init(
        source: String, moduleVersion: String? = nil, resources: [DRBDResource] = [], toolRuns: [ToolRunStatus] = [],
        problems: [String] = []
    ) {
        self.source = source
        self.moduleVersion = moduleVersion
        self.resources = resources
        self.toolRuns = toolRuns
        self.problems = problems
    }
}
