import HVModel

/// External tool families (`hv_external_tool_*`), labels `tool` and `target`: how the
/// background runs of smartctl, RAID controller CLIs, drbdsetup, zpool... went. The figures
/// those tools give are served from their last good run; these say how old and whether the
/// last run failed.
extension SnapshotMetrics {
    static let toolSuccess = MetricDescriptor(
        "hv_external_tool_success", .gauge,
        "1 if the last background run of the tool gave a usable result, 0 if it failed (timed out, exited with an error, printed something unreadable; see the exporter log and /json).",
        labels: ["tool", "target"])
    static let toolStale = MetricDescriptor(
        "hv_external_tool_stale", .gauge,
        "1 if the figures served for this tool come from an older run than the last (the last failed) or are older than twice its interval.",
        labels: ["tool", "target"])
    static let toolLastSuccess = MetricDescriptor(
        "hv_external_tool_last_success_timestamp_seconds", .gauge,
        "When the tool last gave a usable result, seconds since the Unix epoch; absent when it never has.",
        labels: ["tool", "target"])
    static let toolDuration = MetricDescriptor(
        "hv_external_tool_duration_seconds", .gauge,
        "How long the last run of the tool took, seconds.", labels: ["tool", "target"])

    static func addToolFamilies(_ s: Snapshot, _ set: inout MetricSet) {
        for r in s.toolRuns {
            let l = [r.tool, r.target]
            set.add(toolSuccess, l, r.success)
            set.add(toolStale, l, r.stale)
            set.add(toolLastSuccess, l, ifPresent: r.lastSuccessSeconds)
            set.add(toolDuration, l, r.durationSeconds)
        }
    }
}
