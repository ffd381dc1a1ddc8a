import HVModel

/// The health of the storage stack under each guest disk (`Snapshot.guestDiskStacks`), rolled
/// up from the storage findings (md arrays, btrfs, SMART...). Labels `guest` and `driver` as in
/// the other `hv_guest_*` families, `target_device` the disk's target ("vda"; "rootfs" or a
/// mount point for containers). One series per disk, none per layer: the layer that is not
/// healthy is named by `hv_guest_disk_storage_info`, written only for such disks.
extension SnapshotMetrics {
    static let guestDiskStorageDegraded = MetricDescriptor(
        "hv_guest_disk_storage_degraded", .gauge,
        "1 if a layer of the storage stack under the guest disk (md array, btrfs filesystem, disk...) is degraded or failed, else 0.",
        labels: ["guest", "driver", "target_device"])
    static let guestDiskStorageInfo = MetricDescriptor(
        "hv_guest_disk_storage_info", .gauge,
        "The unhealthy layer under a guest disk whose storage is degraded or failed: layer name, the source that reports it (mdraid, btrfs, smart...), health (degraded, failed) and reason; value 1. Absent for healthy disks.",
        labels: ["guest", "driver", "target_device", "layer", "source", "health", "reason"])

    static func addGuestDiskStorageFamilies(_ s: Snapshot, _ set: inout MetricSet) {
        guard !s.guestDiskStacks.isEmpty || s.collectors.contains(where: { $0.name == "storage" }) else { return }
        set.declare(guestDiskStorageDegraded)
        set.declare(guestDiskStorageInfo)
        let owners = seriesOwners(s.guests)
        var owning = Set<String>()
        for (i, g) in s.guests.enumerated() where owners[i] { owning.insert(g.key) }
        var seen = Set<String>()
        for d in s.guestDiskStacks where owning.contains(d.guestKey) {
            let l = [d.guest, d.driver, d.targetDevice]
            guard seen.insert(l.joined(separator: "\u{0}")).inserted else { continue }
            let bad = d.health.severity >= .degraded
            set.add(guestDiskStorageDegraded, l, bad)
            if bad {
                set.add(
                    guestDiskStorageInfo,
                    l + [d.health.layer ?? "", d.health.source ?? "", d.health.severity.name, d.health.reason ?? ""], 1)
            }
        }
    }
}
