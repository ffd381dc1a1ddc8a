import HVModel

extension SnapshotMetrics {
    /// Families of the host collector (filled by that work).
    static func addHostFamilies(_ s: Snapshot, _ set: inout MetricSet) {}
}
