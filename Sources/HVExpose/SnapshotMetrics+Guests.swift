import HVModel

extension SnapshotMetrics {
    /// Families of the guest mapper / cgroup collector (filled by that work).
    static func addGuestCgroupFamilies(_ s: Snapshot, _ set: inout MetricSet) {}
}
