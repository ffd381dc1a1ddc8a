import HVModel

/// Domain job and block job families (label `domain`: the libvirt domain name). The
/// `libvirt_domain_job_*` series exist only while a job runs; the `hv_domain_last_job_*`
/// series describe the last finished job, kept after it ends (also for a domain that left
/// this host, e.g. migrated away with --undefinesource, for a while).
extension SnapshotMetrics {
    // MARK: running job
    static let jobType = MetricDescriptor(
        "libvirt_domain_job_type", .gauge,
        "Type of the running job: 1 bounded, 2 unbounded (only while a job runs).", labels: ["domain"])
    static let jobOperation = MetricDescriptor(
        "libvirt_domain_job_operation", .gauge,
        "Operation of the running job: 1 start, 2 save, 3 restore, 4 incoming migration, 5 outgoing migration, 6 snapshot, 7 snapshot revert, 8 dump, 9 backup, 10 snapshot delete.",
        labels: ["domain"])
    static let jobElapsed = MetricDescriptor(
        "libvirt_domain_job_time_elapsed_seconds", .gauge,
        "Time since the running job started, seconds.", labels: ["domain"])
    static let jobRemaining = MetricDescriptor(
        "libvirt_domain_job_time_remaining_seconds", .gauge,
        "Time the running (bounded) job expects to need still, seconds.", labels: ["domain"])
    static let jobDataTotal = MetricDescriptor(
        "libvirt_domain_job_data_total_bytes", .gauge,
        "Data the running job has to move in total (memory and disks), bytes.", labels: ["domain"])
    static let jobDataProcessed = MetricDescriptor(
        "libvirt_domain_job_data_processed_bytes", .gauge,
        "Data the running job has moved, bytes.", labels: ["domain"])
    static let jobDataRemaining = MetricDescriptor(
        "libvirt_domain_job_data_remaining_bytes", .gauge,
        "Data the running job still has to move, bytes.", labels: ["domain"])
    static let jobMemTotal = MetricDescriptor(
        "libvirt_domain_job_memory_total_bytes", .gauge,
        "Guest memory the running job has to move, bytes.", labels: ["domain"])
    static let jobMemProcessed = MetricDescriptor(
        "libvirt_domain_job_memory_processed_bytes", .gauge,
        "Guest memory the running job has moved, bytes.", labels: ["domain"])
    static let jobMemRemaining = MetricDescriptor(
        "libvirt_domain_job_memory_remaining_bytes", .gauge,
        "Guest memory the running job still has to move, bytes.", labels: ["domain"])
    static let jobMemBandwidth = MetricDescriptor(
        "libvirt_domain_job_memory_bandwidth_bytes_per_second", .gauge,
        "Rate at which the running job moves guest memory, bytes per second.", labels: ["domain"])
    static let jobMemDirtyRate = MetricDescriptor(
        "libvirt_domain_job_memory_dirty_rate_bytes_per_second", .gauge,
        "Rate at which the guest dirties memory during the running job (pages per second times page size), bytes per second.",
        labels: ["domain"])
    static let jobMemPageSize = MetricDescriptor(
        "libvirt_domain_job_memory_page_size_bytes", .gauge,
        "Memory page size the running job counts in, bytes.", labels: ["domain"])
    static let jobMemIteration = MetricDescriptor(
        "libvirt_domain_job_memory_iteration", .gauge,
        "Pre-copy pass over guest memory the running migration is in (1 = first pass).", labels: ["domain"])
    static let jobMemPostcopyReqs = MetricDescriptor(
        "libvirt_domain_job_memory_postcopy_requests", .gauge,
        "Page requests the destination made during post-copy of the running migration.", labels: ["domain"])
    static let jobDiskTotal = MetricDescriptor(
        "libvirt_domain_job_disk_total_bytes", .gauge,
        "Disk data the running job has to move (storage migration), bytes.", labels: ["domain"])
    static let jobDiskProcessed = MetricDescriptor(
        "libvirt_domain_job_disk_processed_bytes", .gauge,
        "Disk data the running job has moved, bytes.", labels: ["domain"])
    static let jobDiskRemaining = MetricDescriptor(
        "libvirt_domain_job_disk_remaining_bytes", .gauge,
        "Disk data the running job still has to move, bytes.", labels: ["domain"])
    static let jobDiskBandwidth = MetricDescriptor(
        "libvirt_domain_job_disk_bandwidth_bytes_per_second", .gauge,
        "Rate at which the running job moves disk data, bytes per second.", labels: ["domain"])
    static let jobDowntime = MetricDescriptor(
        "libvirt_domain_job_downtime_seconds", .gauge,
        "Downtime of the guest in the running job: while a migration runs, the pause expected at the switch-over, seconds.",
        labels: ["domain"])
    static let jobCompression = MetricDescriptor(
        "libvirt_domain_job_compression_bytes", .gauge,
        "Compressed data the running migration has sent (XBZRLE), bytes.", labels: ["domain"])
    static let jobAutoConverge = MetricDescriptor(
        "hv_domain_job_auto_converge_throttle_ratio", .gauge,
        "CPU throttle auto-converge applies to the guest during the running migration (0..1).", labels: ["domain"])
    static let jobProgress = MetricDescriptor(
        "hv_domain_job_progress_ratio", .gauge,
        "Progress of the running job (0..1): 1 - remaining/total of its data (else memory, else disk).",
        labels: ["domain", "operation"])

    // MARK: last finished job
    static let lastJobInfo = MetricDescriptor(
        "hv_domain_last_job_info", .gauge,
        "The domain's last finished job: operation (save, migration_out ...) and outcome (completed, failed, cancelled, unknown); value 1.",
        labels: ["domain", "operation", "outcome"])
    static let lastJobDuration = MetricDescriptor(
        "hv_domain_last_job_duration_seconds", .gauge,
        "How long the domain's last finished job ran, seconds.", labels: ["domain"])
    static let lastJobDowntime = MetricDescriptor(
        "hv_domain_last_job_downtime_seconds", .gauge,
        "How long the guest was paused at the switch-over of its last finished job, seconds.", labels: ["domain"])
    static let lastJobDataTotal = MetricDescriptor(
        "hv_domain_last_job_data_total_bytes", .gauge,
        "Data the domain's last finished job had to move, bytes.", labels: ["domain"])
    static let lastJobEnd = MetricDescriptor(
        "hv_domain_last_job_end_timestamp_seconds", .gauge,
        "When the domain's last finished job ended, as the exporter saw it, seconds since the epoch.", labels: ["domain"])
    static let lastJobPeak = MetricDescriptor(
        "hv_domain_last_job_peak_progress_ratio", .gauge,
        "Highest progress (0..1) the exporter saw for the domain's last finished job (sampled about once a second).",
        labels: ["domain"])

    // MARK: block jobs
    static let blockJobCurrent = MetricDescriptor(
        "libvirt_domain_block_job_current_bytes", .gauge,
        "Progress of the block job on the disk: data done, bytes. type: pull, copy, commit, active_commit, backup.",
        labels: ["domain", "target_device", "type"])
    static let blockJobEnd = MetricDescriptor(
        "libvirt_domain_block_job_end_bytes", .gauge,
        "Data the block job on the disk has to go through, bytes.", labels: ["domain", "target_device", "type"])
    static let blockJobProgress = MetricDescriptor(
        "hv_domain_block_job_progress_ratio", .gauge,
        "Progress of the block job on the disk, current/end (0..1).", labels: ["domain", "target_device", "type"])
    static let blockJobBandwidth = MetricDescriptor(
        "libvirt_domain_block_job_bandwidth_bytes_per_second", .gauge,
        "Bandwidth limit of the block job on the disk, bytes per second (0 = unlimited).",
        labels: ["domain", "target_device", "type"])

    static func addJobFamilies(_ s: Snapshot, _ set: inout MetricSet) {
        // One series set per domain name: libvirt's own domains first (a QEMU guest of the
        // same name under another libvirt daemon, which the mapper found, has no jobs here).
        var names = Set<String>()
        let ordered = s.guests.filter(\.listedByLibvirt) + s.guests.filter { !$0.listedByLibvirt }
        for g in ordered where g.uuid != nil && names.insert(g.name).inserted {
            let d = [g.name]
            if let j = g.job, j.isActive {
                set.add(jobType, d, j.type)
                set.add(jobOperation, d, ifPresent: j.operation)
                set.add(jobElapsed, d, ifPresent: j.elapsedSeconds)
                set.add(jobRemaining, d, ifPresent: j.remainingSeconds)
                set.add(jobDataTotal, d, ifPresent: j.dataTotalBytes)
                set.add(jobDataProcessed, d, ifPresent: j.dataProcessedBytes)
                set.add(jobDataRemaining, d, ifPresent: j.dataRemainingBytes)
                set.add(jobMemTotal, d, ifPresent: j.memoryTotalBytes)
                set.add(jobMemProcessed, d, ifPresent: j.memoryProcessedBytes)
                set.add(jobMemRemaining, d, ifPresent: j.memoryRemainingBytes)
                set.add(jobMemBandwidth, d, ifPresent: j.memoryBandwidthBytesPerSecond)
                set.add(jobMemDirtyRate, d, ifPresent: j.memoryDirtyRateBytesPerSecond)
                set.add(jobMemPageSize, d, ifPresent: j.memoryPageSizeBytes)
                set.add(jobMemIteration, d, ifPresent: j.memoryIteration)
                set.add(jobMemPostcopyReqs, d, ifPresent: j.memoryPostcopyRequests)
                set.add(jobDiskTotal, d, ifPresent: j.diskTotalBytes)
                set.add(jobDiskProcessed, d, ifPresent: j.diskProcessedBytes)
                set.add(jobDiskRemaining, d, ifPresent: j.diskRemainingBytes)
                set.add(jobDiskBandwidth, d, ifPresent: j.diskBandwidthBytesPerSecond)
                set.add(jobDowntime, d, ifPresent: j.downtimeSeconds)
                set.add(jobCompression, d, ifPresent: j.compressionBytes)
                set.add(jobAutoConverge, d, ifPresent: j.autoConvergeThrottlePercent.map { Double($0) / 100 })
                set.add(jobProgress, [g.name, j.operationName], ifPresent: j.progressRatio)
            }
            if let j = g.lastJob { addLastJob(g.name, j, &set) }
            for b in g.blockJobs {
                let l = [g.name, b.disk, b.typeName]
                set.add(blockJobCurrent, l, b.currentBytes)
                set.add(blockJobEnd, l, b.endBytes)
                set.add(blockJobProgress, l, ifPresent: b.progressRatio)
                set.add(blockJobBandwidth, l, b.bandwidthBytesPerSecond)
            }
        }
        // Domains gone from this daemon: their last job, unless a domain of that name is
        // here again (one series per name), the most recent first.
        let departed = s.departedJobs.sorted { ($0.job.endedAtSeconds ?? 0) > ($1.job.endedAtSeconds ?? 0) }
        var departedRows: [(String, DomainJob)] = []
        for p in departed where names.insert(p.name).inserted { departedRows.append((p.name, p.job)) }
        for (name, j) in departedRows.sorted(by: { $0.0 < $1.0 }) { addLastJob(name, j, &set) }
    }

    private static func addLastJob(_ name: String, _ j: DomainJob, _ set: inout MetricSet) {
        let d = [name]
        set.add(lastJobInfo, [name, j.operationName, (j.outcome ?? .unknown).rawValue], 1)
        set.add(lastJobDuration, d, ifPresent: j.elapsedSeconds)
        set.add(lastJobDowntime, d, ifPresent: j.downtimeSeconds)
        set.add(lastJobDataTotal, d, ifPresent: j.dataTotalBytes)
        set.add(lastJobEnd, d, ifPresent: j.endedAtSeconds)
        set.add(lastJobPeak, d, ifPresent: j.peakProgressRatio)
    }
}
