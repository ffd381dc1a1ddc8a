/// What the multipath collector saw: the dm-multipath maps of this host and how the last
/// `multipathd show maps json` runs went. Nil in the snapshot when the collector is off or
/// dm-multipath is not loaded.
public struct MultipathReport: Sendable, Equatable {
    public var maps: [MultipathMap]
    public var toolRuns: [ToolRunStatus]
    /// Maps that could not be read this time.
    public var problems: [String]

    public init(maps: [MultipathMap] = [], toolRuns: [ToolRunStatus] = [], problems: [String] = []) {
        self.maps = maps
        self.toolRuns = toolRuns
        self.problems = problems
    }
}
