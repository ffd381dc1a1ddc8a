import HVModel

/// LXD storage pool families (`hv_lxd_storage_pool_*`, label `pool`: the pool's name).
///
/// A parallel set, not a `manager="lxd"` label on `libvirt_storage_pool_*`: those are the
/// libvirt exporters' families, whose dashboards select and sum by `pool` alone; an LXD pool
/// and a libvirt pool are both called "default" on a typical host, and a label added to
/// the libvirt families would make every existing `by (pool)` query add the two. The
/// `hv_storage_pool_*` names already belong to libvirt pools too. LXD's own words (its
/// status, its drivers) are kept as they are instead of being squeezed into libvirt's
/// state numbers. Absent when LXD is not there.
extension SnapshotMetrics {
    static let lxdPoolInfo = MetricDescriptor(
        "hv_lxd_storage_pool_info", .gauge,
        "LXD storage pool; value 1. driver: dir, btrfs, zfs, lvm, ceph, cephfs, cephobject; source: config.source (directory, device or dataset; empty when unset).",
        labels: ["pool", "driver", "source"])
    static let lxdPoolStatus = MetricDescriptor(
        "hv_lxd_storage_pool_status", .gauge,
        "1 for the pool's current LXD status (Created, Pending, Errored, Unknown, Unavailable), 0 for the others.",
        labels: ["pool", "status"])
    static let lxdPoolCapacity = MetricDescriptor(
        "hv_lxd_storage_pool_capacity_bytes", .gauge,
        "Size of the LXD storage pool's storage (resources space.total), bytes.", labels: ["pool"])
    static let lxdPoolAllocation = MetricDescriptor(
        "hv_lxd_storage_pool_allocation_bytes", .gauge,
        "Space used in the LXD storage pool's storage (resources space.used), bytes.", labels: ["pool"])
    static let lxdPoolAvailable = MetricDescriptor(
        "hv_lxd_storage_pool_available_bytes", .gauge,
        "Space still free in the LXD storage pool's storage (total - used), bytes.", labels: ["pool"])
    static let lxdPoolUsedRatio = MetricDescriptor(
        "hv_lxd_storage_pool_used_ratio", .gauge,
        "Used divided by total space of the LXD storage pool (0..1).", labels: ["pool"])
    static let lxdPoolVolumes = MetricDescriptor(
        "hv_lxd_storage_pool_volumes", .gauge,
        "Volumes in the LXD storage pool by type (container, virtual-machine, image, custom), every project.",
        labels: ["pool", "type"])
    static let lxdPoolScrapeError = MetricDescriptor(
        "hv_lxd_storage_pool_scrape_error", .gauge,
        "1 when LXD did not give this pool's space or volumes (see the exporter's log).", labels: ["pool"])

    /// LXD's pool status words (lxd/db/storage_pools.go, StoragePoolState*).
    static let lxdPoolStatuses = ["Created", "Pending", "Errored", "Unknown", "Unavailable"]

    static func addLXDPoolFamilies(_ s: Snapshot, _ set: inout MetricSet) {
        for p in s.lxdStoragePools {
            let l = [p.name]
            set.add(lxdPoolInfo, [p.name, p.driver, p.source ?? ""], 1)
            for word in lxdPoolStatuses { set.add(lxdPoolStatus, [p.name, word], word == p.status) }
            if !lxdPoolStatuses.contains(p.status) { set.add(lxdPoolStatus, [p.name, p.status], 1) }
            set.add(lxdPoolScrapeError, l, p.error != nil)
            set.add(lxdPoolCapacity, l, ifPresent: p.totalBytes)
            set.add(lxdPoolAllocation, l, ifPresent: p.usedBytes)
            if let t = p.totalBytes, let u = p.usedBytes {
                set.add(lxdPoolAvailable, l, t > u ? t - u : 0)
                if t > 0 { set.add(lxdPoolUsedRatio, l, min(1, Double(u) / Double(t))) }
            }
            for (type, n) in p.volumesByType.sorted(by: { $0.key < $1.key }) { set.add(lxdPoolVolumes, [p.name, type], n) }
        }
    }
}
