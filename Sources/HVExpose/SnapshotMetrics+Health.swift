import HVModel

extension SnapshotMetrics {
    static let buildInfo = MetricDescriptor(
        "hv_exporter_build_info", .gauge,
        "A metric with a constant '1' value labeled by the hv-exporter version.", labels: ["version"])
    static let collectorSuccess = MetricDescriptor(
        "hv_scrape_collector_success", .gauge,
        "1 if the collector succeeded in this scrape, 0 if it failed.", labels: ["collector"])
    static let collectorDuration = MetricDescriptor(
        "hv_scrape_collector_duration_seconds", .gauge,
        "Wall-clock duration of the collector in this scrape, seconds.", labels: ["collector"])

    static let processCPU = MetricDescriptor(
        "process_cpu_seconds_total", .counter,
        "Total user and system CPU time spent by hv-exporter, seconds.")
    static let processRSS = MetricDescriptor("process_resident_memory_bytes", .gauge, "Resident memory size of hv-exporter, bytes.")
    static let processVirtual = MetricDescriptor("process_virtual_memory_bytes", .gauge, "Virtual memory size of hv-exporter, bytes.")
    static let processStart = MetricDescriptor(
        "process_start_time_seconds", .gauge,
        "Start time of hv-exporter since the Unix epoch, seconds.")
    static let processOpenFDs = MetricDescriptor("process_open_fds", .gauge, "Open file descriptors of hv-exporter.")
    static let processMaxFDs = MetricDescriptor("process_max_fds", .gauge, "Maximum number of open file descriptors of hv-exporter.")
    static let processThreads = MetricDescriptor("process_threads", .gauge, "Threads of hv-exporter.")

    static func addHealthFamilies(_ s: Snapshot, version: String, _ set: inout MetricSet) {
        set.add(buildInfo, [version], 1)
        for c in s.collectors {
            set.add(collectorSuccess, [c.name], c.success)
            set.add(collectorDuration, [c.name], c.durationSeconds)
        }
        if let p = s.exporterProcess {
            set.add(processCPU, [], p.cpuSeconds)
            set.add(processRSS, [], p.residentBytes)
            set.add(processVirtual, [], p.virtualBytes)
            set.add(processStart, [], p.startTimeSeconds)
            set.add(processOpenFDs, [], p.openFDs)
            if p.maxFDs >= 0 { set.add(processMaxFDs, [], p.maxFDs) }
            set.add(processThreads, [], p.threads)
        }
    }
}
