/// How the last background runs of one external tool went (smartctl on one disk, a RAID
/// controller's CLI, drbdsetup, zpool), for `hv_external_tool_*` and `/json`.
///
/// Tools run in the background at their own interval; a scrape reads their cached result.
/// When the last run failed, the figures served are the last good ones, `stale`.
public struct ToolRunStatus: Sendable, Equatable {
    /// The tool as configured, e.g. "smartctl", "storcli64".
    public var tool: String
    /// What it was asked about, e.g. "/dev/sda", "c0"; empty for a whole-host run.
    public var target: String
    /// Whether the last run gave a usable result.
    public var success: Bool
    /// Why the last run failed ("timed out after 30s", "exit status 2: ...", "not found").
    public var error: String?
    /// Wall-clock end of the last run, seconds since the Unix epoch (nil: not run yet).
    public var lastRunSeconds: Double?
    /// Wall-clock end of the last successful run (nil: never succeeded).
    public var lastSuccessSeconds: Double?
    /// Duration of the last run, seconds.
    public var durationSeconds: Double
    /// Whether the figures served come from an older run than the last (the last failed)
    /// or are older than twice the interval.
    public var stale: Bool

    public init(
        tool: String, target: String = "", success: Bool, error: String? = nil, lastRunSeconds: Double? = nil,
        lastSuccessSeconds: Double? = nil, durationSeconds: Double = 0, stale: Bool = false
    ) {
        self.tool = tool
        self.target = target
        self.success = success
        self.error = error
        self.lastRunSeconds = lastRunSeconds
        self.lastSuccessSeconds = lastSuccessSeconds
        self.durationSeconds = durationSeconds
        self.stale = stale
    }
}
