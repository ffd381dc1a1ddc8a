import HVModel

/// btrfs families (`hv_btrfs_*`), one set per mounted filesystem, label `uuid` (the fsid);
/// per-device families add `devid` (unique within the filesystem, also for a missing
/// device) and `device` (kernel name, empty when missing or unknown).
///
/// node_exporter's btrfs collector (`node_btrfs_*`) reads the same sysfs tree; these
/// families add what an operator of a RAID needs beyond it: missing devices, the profile
/// per block-group type, balance and scrub state and the last scrub result, and keep
/// node's shape where they overlap (`hv_btrfs_device_errors_total{type}` is
/// `node_btrfs_device_errors_total{type}` with the same type words without "_errs").
extension SnapshotMetrics {
    static let btrfsInfo = MetricDescriptor(
        "hv_btrfs_filesystem_info", .gauge,
        "btrfs filesystem; value 1. data_profile, metadata_profile, system_profile: the profiles with space for that block-group type (single, dup, raid0, raid1, raid1c3, raid1c4, raid10, raid5, raid6), comma-separated when more than one (after writes on a degraded filesystem); mount_point: one mount of it (empty when none was found).",
        labels: ["uuid", "label", "data_profile", "metadata_profile", "system_profile", "mount_point"])
    static let btrfsDevices = MetricDescriptor(
        "hv_btrfs_devices", .gauge, "Devices the filesystem has, present or missing.", labels: ["uuid"])
    static let btrfsDevicesMissing = MetricDescriptor(
        "hv_btrfs_devices_missing", .gauge,
        "Devices the filesystem has that are not there (devinfo/<id>/missing); a raid1 mounted degraded shows 1.",
        labels: ["uuid"])
    static let btrfsTolerated = MetricDescriptor(
        "hv_btrfs_tolerated_missing_devices", .gauge,
        "Devices that may go missing before some chunks have no copy left: the least over the profiles in use (single, dup, raid0: 0; raid1, raid10, raid5: 1; raid1c3, raid6: 2; raid1c4: 3).",
        labels: ["uuid"])
    static let btrfsAllocSize = MetricDescriptor(
        "hv_btrfs_allocation_size_bytes", .gauge,
        "Space allocated to chunks of this block-group type (data, metadata, system, mixed), one copy (allocation/<type>/total_bytes), bytes.",
        labels: ["uuid", "type"])
    static let btrfsAllocUsed = MetricDescriptor(
        "hv_btrfs_allocation_used_bytes", .gauge,
        "Space used in chunks of this block-group type, one copy (allocation/<type>/bytes_used), bytes.",
        labels: ["uuid", "type"])
    static let btrfsAllocDiskSize = MetricDescriptor(
        "hv_btrfs_allocation_disk_size_bytes", .gauge,
        "Raw device space allocated to chunks of this block-group type, all copies (allocation/<type>/disk_total), bytes.",
        labels: ["uuid", "type"])
    static let btrfsAllocDiskUsed = MetricDescriptor(
        "hv_btrfs_allocation_disk_used_bytes", .gauge,
        "Raw device space used in chunks of this block-group type, all copies (allocation/<type>/disk_used), bytes.",
        labels: ["uuid", "type"])
    static let btrfsProfileSize = MetricDescriptor(
        "hv_btrfs_profile_size_bytes", .gauge,
        "Space allocated to chunks of one block-group type and profile, one copy (allocation/<type>/<profile>/total_bytes), bytes.",
        labels: ["uuid", "type", "profile"])
    static let btrfsProfileUsed = MetricDescriptor(
        "hv_btrfs_profile_used_bytes", .gauge,
        "Space used in chunks of one block-group type and profile, one copy (allocation/<type>/<profile>/used_bytes), bytes.",
        labels: ["uuid", "type", "profile"])
    static let btrfsDeviceErrors = MetricDescriptor(
        "hv_btrfs_device_errors_total", .counter,
        "Errors of a btrfs device since the last `btrfs device stats -z`, by type: write, read, flush, corruption (checksum or metadata verification failures), generation (lost writes). Persistent across remounts.",
        labels: ["uuid", "devid", "device", "type"])
    static let btrfsDeviceMissing = MetricDescriptor(
        "hv_btrfs_device_missing", .gauge,
        "1 when the filesystem knows this device but it is not there.", labels: ["uuid", "devid", "device"])
    static let btrfsDeviceSize = MetricDescriptor(
        "hv_btrfs_device_size_bytes", .gauge,
        "Size of the device in the filesystem (BTRFS_IOC_DEV_INFO), bytes.", labels: ["uuid", "devid", "device"])
    static let btrfsDeviceUsed = MetricDescriptor(
        "hv_btrfs_device_used_bytes", .gauge,
        "Bytes of the device allocated to chunks (BTRFS_IOC_DEV_INFO), bytes.", labels: ["uuid", "devid", "device"])
    static let btrfsExclusive = MetricDescriptor(
        "hv_btrfs_exclusive_operation", .gauge,
        "1 for the operation that holds the filesystem's exclusive lock now (exclusive_operation: none, balance, balance paused, device add, device remove, device replace, resize, swap activate), 0 for the others.",
        labels: ["uuid", "operation"])
    static let btrfsBalanceRunning = MetricDescriptor(
        "hv_btrfs_balance_running", .gauge,
        "1 while a balance runs (a paused balance is 0 here; see hv_btrfs_exclusive_operation).", labels: ["uuid"])
    static let btrfsScrubRunning = MetricDescriptor(
        "hv_btrfs_scrub_running", .gauge,
        "1 while a scrub runs on any device (BTRFS_IOC_SCRUB_PROGRESS); absent when unknown (no mount found).",
        labels: ["uuid"])
    static let btrfsScrubLastErrors = MetricDescriptor(
        "hv_btrfs_scrub_last_errors", .gauge,
        "Errors the last recorded scrub found (read, checksum, verify, superblock), from /var/lib/btrfs/scrub.status.<uuid>.",
        labels: ["uuid"])
    static let btrfsScrubLastUncorrectable = MetricDescriptor(
        "hv_btrfs_scrub_last_uncorrectable_errors", .gauge,
        "Errors the last recorded scrub could not repair.", labels: ["uuid"])
    static let btrfsScrubLastStart = MetricDescriptor(
        "hv_btrfs_scrub_last_start_timestamp_seconds", .gauge,
        "When the last recorded scrub started, seconds since the Unix epoch.", labels: ["uuid"])
    static let btrfsScrubLastDuration = MetricDescriptor(
        "hv_btrfs_scrub_last_duration_seconds", .gauge,
        "How long the last recorded scrub ran, seconds.", labels: ["uuid"])
    static let btrfsScrubLastFinished = MetricDescriptor(
        "hv_btrfs_scrub_last_finished", .gauge,
        "1 when the last recorded scrub ran to its end on every device, 0 when it was canceled or is still running.",
        labels: ["uuid"])
    static let btrfsScrapeError = MetricDescriptor(
        "hv_btrfs_scrape_error", .gauge,
        "1 when part of this filesystem could not be read (see the exporter's log).", labels: ["uuid"])

    /// The words `exclusive_operation` prints (fs/btrfs/sysfs.c, btrfs_exclusive_operation_show).
    static let btrfsExclusiveOperations = [
        "none", "balance", "balance paused", "device add", "device remove", "device replace", "resize", "swap activate",
    ]

    static func addBtrfsFamilies(_ s: Snapshot, _ set: inout MetricSet) {
        for fs in s.btrfsFilesystems {
            let u = [fs.uuid]
            set.add(btrfsScrapeError, u, fs.error != nil)
            set.add(
                btrfsInfo,
                [
                    fs.uuid, fs.label ?? "", fs.profiles("data").joined(separator: ","),
                    fs.profiles("metadata").joined(separator: ","), fs.profiles("system").joined(separator: ","),
                    fs.mountPoint ?? "",
                ], 1)
            set.add(btrfsDevices, u, fs.devices.count)
            set.add(btrfsDevicesMissing, u, fs.missingDevices)
            set.add(btrfsTolerated, u, ifPresent: fs.toleratedMissingDevices)
            for a in fs.allocation {
                let l = [fs.uuid, a.type]
                set.add(btrfsAllocSize, l, ifPresent: a.totalBytes)
                set.add(btrfsAllocUsed, l, ifPresent: a.usedBytes)
                set.add(btrfsAllocDiskSize, l, ifPresent: a.diskTotalBytes)
                set.add(btrfsAllocDiskUsed, l, ifPresent: a.diskUsedBytes)
                for p in a.profiles {
                    set.add(btrfsProfileSize, [fs.uuid, a.type, p.name], ifPresent: p.totalBytes)
                    set.add(btrfsProfileUsed, [fs.uuid, a.type, p.name], ifPresent: p.usedBytes)
                }
            }
            for d in fs.devices {
                let l = [fs.uuid, String(d.devid), d.device ?? ""]
                set.add(btrfsDeviceMissing, l, d.missing)
                set.add(btrfsDeviceSize, l, ifPresent: d.sizeBytes)
                set.add(btrfsDeviceUsed, l, ifPresent: d.usedBytes)
                if let e = d.errors {
                    for (type, n) in e.byType { set.add(btrfsDeviceErrors, l + [type], n) }
                }
            }
            if let op = fs.exclusiveOperation {
                for word in btrfsExclusiveOperations { set.add(btrfsExclusive, [fs.uuid, word], word == op) }
                if !btrfsExclusiveOperations.contains(op) { set.add(btrfsExclusive, [fs.uuid, op], 1) }
            }
            if let b = fs.balanceRunning { set.add(btrfsBalanceRunning, u, b) }
            if let r = fs.scrubRunning { set.add(btrfsScrubRunning, u, r) }
            if let sc = fs.lastScrub {
                set.add(btrfsScrubLastErrors, u, sc.errorsFound)
                set.add(btrfsScrubLastUncorrectable, u, sc.uncorrectableErrors)
                set.add(btrfsScrubLastStart, u, ifPresent: sc.startSeconds)
                set.add(btrfsScrubLastDuration, u, ifPresent: sc.durationSeconds)
                set.add(btrfsScrubLastFinished, u, sc.finished && !sc.canceled)
            }
        }
    }
}
