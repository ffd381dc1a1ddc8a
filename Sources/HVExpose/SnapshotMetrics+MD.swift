import HVModel

extension SnapshotMetrics {
    /// Families of the md RAID collector (filled by that work).
    static func addMDFamilies(_ s: Snapshot, _ set: inout MetricSet) {}
}
