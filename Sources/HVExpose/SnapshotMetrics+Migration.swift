import HVModel

/// Migration-safety families: what blocks each guest's live migration, each guest disk's
/// source identity (the same on every host for shared storage, so two hosts opening one
/// image show up in a join), and libvirt's lock manager.
extension SnapshotMetrics {
    static let migrationBlocker = MetricDescriptor(
        "hv_guest_migration_blocker", .gauge,
        "1 for each reason the guest cannot live-migrate as it is (hostdev_pci, hostdev_usb, mdev, hostdev_other, sriov_interface, vhost_user, shared_memory, host_passthrough_cpu, local_disk, local_media, transient; unknown when its XML could not be read); no series when nothing blocks it.",
        labels: ["guest", "driver", "reason"])
    static let diskSourceInfo = MetricDescriptor(
        "hv_guest_disk_source_info", .gauge,
        "Identity of a writable, non-shareable guest disk's source as a label, the same on every host for shared storage (file:<dev>:<inode>, block:<wwn or major:minor>, rbd:<pool>/<image>, iscsi:<iqn>/<lun>, nfs:<server>:<export>/<path>); value 1. Read-only media and <shareable/> disks have none: opening them twice is intended.",
        labels: ["guest", "driver", "target_device", "identity"])
    static let lockManagerInfo = MetricDescriptor(
        "hv_host_lock_manager_info", .gauge,
        "libvirt's disk lock manager from qemu.conf (lockd, sanlock; none when unset) as a label; value 1.",
        labels: ["lock_manager"])

    static func addMigrationFamilies(_ s: Snapshot, _ set: inout MetricSet) {
        let assessed = s.guests.contains { $0.migrationBlockers != nil }
        if assessed || s.collectors.contains(where: { $0.name == "migration" }) {
            set.declare(migrationBlocker)
            set.declare(diskSourceInfo)
        }
        let owners = seriesOwners(s.guests)
        for (i, g) in s.guests.enumerated() where owners[i] && g.kind == .vm {
            if let blockers = g.migrationBlockers {
                for reason in Set(blockers.map(\.reason)).sorted() {
                    set.add(migrationBlocker, [g.name, g.driver, reason.rawValue], 1)
                }
            }
            var seen = Set<String>()
            for d in g.blockDevices {
                guard let id = d.sourceIdentity, !d.readOnly, !d.shareable, seen.insert(d.target).inserted else { continue }
                set.add(diskSourceInfo, [g.name, g.driver, d.target, id], 1)
            }
        }
        if let lm = s.lockManager { set.add(lockManagerInfo, [lm], 1) }
    }
}
