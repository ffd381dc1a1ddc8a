import HVModel

/// ZFS families (`hv_zfs_pool_*`, `hv_zfs_vdev_*`), label `pool`; per vdev `vdev` = its path
/// in the config tree ("tank/mirror-0/sda", "logs/mirror-1/sdc").
///
/// Shapes follow pdf/zfs_exporter's pool families (`zfs_pool_size_bytes`,
/// `zfs_pool_allocated_bytes`, `zfs_pool_free_bytes`, `zfs_pool_fragmentation_ratio`, label
/// `pool`), renamed `hv_zfs_pool_*`; its numeric `zfs_pool_health` is a state set here
/// (`hv_zfs_pool_health{state}`). The scan, data error and per-vdev families are new (they
/// come from `zpool status`, which zfs_exporter does not read). Error counts of vdevs are
/// gauges: `zpool clear` resets them.
extension SnapshotMetrics {
    static let zfsHealth = MetricDescriptor(
        "hv_zfs_pool_health", .gauge,
        "1 for the pool's state (ONLINE, DEGRADED, FAULTED, OFFLINE, UNAVAIL, REMOVED, SUSPENDED), 0 for the others.",
        labels: ["pool", "state"])
    static let zfsSize = MetricDescriptor("hv_zfs_pool_size_bytes", .gauge, "Size of the pool, bytes.", labels: ["pool"])
    static let zfsAllocated = MetricDescriptor(
        "hv_zfs_pool_allocated_bytes", .gauge, "Space allocated in the pool, bytes.", labels: ["pool"])
    static let zfsFree = MetricDescriptor("hv_zfs_pool_free_bytes", .gauge, "Free space in the pool, bytes.", labels: ["pool"])
    static let zfsFragmentation = MetricDescriptor(
        "hv_zfs_pool_fragmentation_ratio", .gauge, "Free-space fragmentation of the pool, 0..1.", labels: ["pool"])
    static let zfsDataErrors = MetricDescriptor(
        "hv_zfs_pool_data_errors", .gauge,
        "Data errors zpool status counts for the pool (permanent errors in files); 0 for 'No known data errors'.",
        labels: ["pool"])
    static let zfsScanRunning = MetricDescriptor(
        "hv_zfs_pool_scan_running", .gauge, "1 while a scrub or resilver runs (kind), 0 otherwise.", labels: ["pool", "kind"])
    static let zfsScanProgress = MetricDescriptor(
        "hv_zfs_pool_scan_progress_ratio", .gauge, "Fraction done of the running scrub or resilver, 0..1.", labels: ["pool", "kind"])
    static let zfsScanRemaining = MetricDescriptor(
        "hv_zfs_pool_scan_remaining_seconds", .gauge, "zpool's estimate of the time left of the running scan, seconds.",
        labels: ["pool", "kind"])
    static let zfsScanEnd = MetricDescriptor(
        "hv_zfs_pool_scan_end_timestamp_seconds", .gauge,
        "When the last scrub or resilver (kind) ended, finished or canceled (outcome), seconds since the Unix epoch.",
        labels: ["pool", "kind", "outcome"])
    static let zfsScanErrors = MetricDescriptor(
        "hv_zfs_pool_scan_errors", .gauge, "Errors the last finished scrub or resilver found ('with N errors').",
        labels: ["pool", "kind"])
    static let zfsScanRepaired = MetricDescriptor(
        "hv_zfs_pool_scan_repaired_bytes", .gauge, "Bytes the last finished scrub repaired or resilver rebuilt.",
        labels: ["pool", "kind"])
    static let zfsVdevState = MetricDescriptor(
        "hv_zfs_vdev_state", .gauge,
        "The vdev's state (ONLINE, DEGRADED, FAULTED, OFFLINE, UNAVAIL, REMOVED; spares AVAIL, INUSE); value 1. block_device: the leaf's kernel name when it resolves.",
        labels: ["pool", "vdev", "state", "block_device"])
    static let zfsVdevRead = MetricDescriptor(
        "hv_zfs_vdev_read_errors", .gauge, "Read I/O errors of the vdev since the pool was imported or cleared.", labels: ["pool", "vdev"])
    static let zfsVdevWrite = MetricDescriptor(
        "hv_zfs_vdev_write_errors", .gauge, "Write I/O errors of the vdev since the pool was imported or cleared.",
        labels: ["pool", "vdev"])
    static let zfsVdevChecksum = MetricDescriptor(
        "hv_zfs_vdev_checksum_errors", .gauge, "Checksum errors of the vdev (bad data returned) since the pool was imported or cleared.",
        labels: ["pool", "vdev"])

    static func addZFSFamilies(_ s: Snapshot, _ set: inout MetricSet) {
        guard let z = s.zfs else { return }
        for p in z.pools {
            let l = [p.name]
            storageStateSet(zfsHealth, l, p.state, ZFSPool.states, &set)
            set.add(zfsSize, l, ifPresent: p.sizeBytes)
            set.add(zfsAllocated, l, ifPresent: p.allocatedBytes)
            set.add(zfsFree, l, ifPresent: p.freeBytes)
            set.add(zfsFragmentation, l, ifPresent: p.fragmentationRatio)
            set.add(zfsDataErrors, l, ifPresent: p.dataErrors)
            if z.source == "zpool" {
                let running = p.scan.map { $0.state == "running" || $0.state == "paused" } ?? false
                for kind in ["scrub", "resilver"] { set.add(zfsScanRunning, [p.name, kind], running && p.scan?.kind == kind) }
            }
            if let scan = p.scan {
                let k = [p.name, scan.kind]
                if scan.state == "running" || scan.state == "paused" {
                    set.add(zfsScanProgress, k, ifPresent: scan.progressRatio)
                    set.add(zfsScanRemaining, k, ifPresent: scan.remainingSeconds)
                } else if scan.state == "finished" || scan.state == "canceled" {
                    set.add(zfsScanEnd, k + [scan.state], ifPresent: scan.endTimestampSeconds)
                    if scan.state == "finished" {
                        set.add(zfsScanErrors, k, ifPresent: scan.errors)
                        set.add(zfsScanRepaired, k, ifPresent: scan.repairedBytes)
                    }
                }
            }
            for v in p.vdevs {
                let vl = [p.name, v.path]
                if let st = v.state { set.add(zfsVdevState, vl + [st, v.blockDevice ?? ""], 1) }
                set.add(zfsVdevRead, vl, ifPresent: v.readErrors)
                set.add(zfsVdevWrite, vl, ifPresent: v.writeErrors)
                set.add(zfsVdevChecksum, vl, ifPresent: v.checksumErrors)
            }
        }
    }
}
