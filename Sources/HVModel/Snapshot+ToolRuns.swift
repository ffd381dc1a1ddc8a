extension Snapshot {
    /// The status of every external tool behind this snapshot, from each source that runs
    /// one (one line per source; a new tool-backed collector adds its own here), for the
    /// `hv_external_tool_*` families.
    public var toolRuns: [ToolRunStatus] {
        var all: [ToolRunStatus] = []
        all += raidControllerTools
        all += smartDisks.map(\.run)
        all += drbd?.toolRuns ?? []
        all += multipath?.toolRuns ?? []
        all += zfs?.toolRuns ?? []
        if let lxd = lxdPoolsRun { all.append(lxd) }
        return all
    }
}
