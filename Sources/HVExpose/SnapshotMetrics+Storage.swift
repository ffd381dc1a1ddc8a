import HVModel

/// libvirt storage pool families (label `pool`: the pool's name). Sizes are those of the
/// pool's last start or refresh; inactive pools have no size series.
extension SnapshotMetrics {
    static let poolState = MetricDescriptor(
        "libvirt_storage_pool_state", .gauge,
        "Storage pool state: 0 inactive, 1 building, 2 running, 3 degraded, 4 inaccessible.", labels: ["pool"])
    static let poolInfo = MetricDescriptor(
        "libvirt_storage_pool_info", .gauge,
        "Storage pool identity as labels (type: dir, fs, netfs, logical, iscsi, rbd, gluster, zfs ...); value 1.",
        labels: ["pool", "uuid", "type"])
    static let poolCapacity = MetricDescriptor(
        "libvirt_storage_pool_capacity_bytes", .gauge,
        "Size of the storage pool, bytes.", labels: ["pool"])
    static let poolAllocation = MetricDescriptor(
        "libvirt_storage_pool_allocation_bytes", .gauge,
        "Space allocated in the storage pool, bytes.", labels: ["pool"])
    static let poolAvailable = MetricDescriptor(
        "libvirt_storage_pool_available_bytes", .gauge,
        "Space still free for new allocations in the storage pool, bytes.", labels: ["pool"])
    static let poolVolumes = MetricDescriptor(
        "libvirt_storage_pool_volumes", .gauge,
        "Number of volumes in the storage pool (active pools only).", labels: ["pool"])
    static let poolAutostart = MetricDescriptor(
        "hv_storage_pool_autostart", .gauge,
        "1 if libvirt starts the storage pool when libvirtd starts.", labels: ["pool"])
    static let poolPersistent = MetricDescriptor(
        "hv_storage_pool_persistent", .gauge,
        "1 if the storage pool has a persistent definition, 0 if transient.", labels: ["pool"])
    static let poolTimedOut = MetricDescriptor(
        "hv_storage_pool_timed_out", .gauge,
        "1 if libvirt did not answer for this storage pool within the scrape deadline, or failed to give its state (its figures are missing).",
        labels: ["pool"])
    static let poolUsedRatio = MetricDescriptor(
        "hv_storage_pool_used_ratio", .gauge,
        "Allocation divided by capacity of the storage pool (0..1).", labels: ["pool"])
    static let poolRefreshTime = MetricDescriptor(
        "hv_storage_pool_last_refresh_timestamp_seconds", .gauge,
        "When the exporter last refreshed the storage pool (--libvirt.pool-refresh-interval), seconds since the epoch.",
        labels: ["pool"])
    static let poolRefreshSuccess = MetricDescriptor(
        "hv_storage_pool_last_refresh_success", .gauge,
        "1 if the exporter's last refresh of the storage pool succeeded, 0 if libvirt failed it (libvirt then stops the pool).",
        labels: ["pool"])

    static func addStoragePoolFamilies(_ s: Snapshot, _ set: inout MetricSet) {
        guard !s.storagePools.isEmpty || s.collectors.contains(where: { $0.name == "pools" }) else { return }
        set.declare(poolTimedOut)
        for p in s.storagePools {
            let l = [p.name]
            set.add(poolInfo, [p.name, p.uuid ?? "", p.type ?? ""], 1)
            set.add(poolTimedOut, l, p.timedOut)
            if p.timedOut { continue }
            set.add(poolState, l, p.state)
            set.add(poolCapacity, l, ifPresent: p.capacityBytes)
            set.add(poolAllocation, l, ifPresent: p.allocationBytes)
            set.add(poolAvailable, l, ifPresent: p.availableBytes)
            set.add(poolUsedRatio, l, ifPresent: p.usedRatio)
            set.add(poolVolumes, l, ifPresent: p.volumes)
            if let a = p.autostart { set.add(poolAutostart, l, a) }
            if let v = p.persistent { set.add(poolPersistent, l, v) }
            set.add(poolRefreshTime, l, ifPresent: p.lastRefreshSeconds)
            if let ok = p.lastRefreshSucceeded { set.add(poolRefreshSuccess, l, ok) }
        }
    }
}
