import HVModel

extension SnapshotMetrics {
    static let buildInfo = MetricDescriptor("hv_exporter_build_info", .gauge,
        "A metric with a constant '1' value labeled by the hv-exporter version.", labels: ["version"])
    static let collectorSuccess = MetricDescriptor("hv_scrape_collector_success", .gauge,
        "1 if the collector succeeded in this scrape, 0 if it failed.", labels: ["collector"])
    static let collectorDuration = MetricDescriptor("hv_scrape_collector_duration_seconds", .gauge,
        "Wall-clock duration of the collector in this scrape, seconds.", labels: ["collector"])

    static func addHealthFamilies(_ s: Snapshot, version: String, _ set: inout MetricSet) {
        set.add(buildInfo, [version], 1)
        for c in s.collectors {
            set.add(collectorSuccess, [c.name], c.success)
            set.add(collectorDuration, [c.name], c.durationSeconds)
        }
    }
}
