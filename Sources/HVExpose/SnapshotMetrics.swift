import HVModel

/// Turns a `Snapshot` into Prometheus metric families.
///
/// One extension file per area (`SnapshotMetrics+Libvirt.swift`, `+Guests`, `+Host`, `+MD`,
/// `+Storage`...) declares its families as `static let` descriptors and fills them.
public enum SnapshotMetrics {
    /// - Parameter version: the exporter's version, for `hv_exporter_build_info`.
    public static func build(_ snapshot: Snapshot, version: String = "dev") -> MetricSet {
        var set = MetricSet()
        addHealthFamilies(snapshot, version: version, &set)
        addLibvirtFamilies(snapshot, &set)
        addGuestCgroupFamilies(snapshot, &set)
        addHostFamilies(snapshot, &set)
        addMDFamilies(snapshot, &set)
        addStoragePoolFamilies(snapshot, &set)
        addJobFamilies(snapshot, &set)
        addToolFamilies(snapshot, &set)
        addRAIDControllerFamilies(snapshot, &set)
        addSMARTFamilies(snapshot, &set)
        addBtrfsFamilies(snapshot, &set)
        addLXDPoolFamilies(snapshot, &set)
        addMigrationFamilies(snapshot, &set)
        addDRBDFamilies(snapshot, &set)
        addMultipathFamilies(snapshot, &set)
        addZFSFamilies(snapshot, &set)
        addGuestDiskStorageFamilies(snapshot, &set)
        return set
    }
}
