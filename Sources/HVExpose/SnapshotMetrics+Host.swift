import HVModel

/// Host capacity against what guests claim (`hv_host_*`).
extension SnapshotMetrics {
    static let hostCPUs = MetricDescriptor("hv_host_cpus", .gauge, "Online CPUs of the host.")
    static let hostMemoryTotal = MetricDescriptor(
        "hv_host_memory_total_bytes", .gauge,
        "Physical memory of the host (MemTotal), bytes.")
    static let hostGuestVCPUs = MetricDescriptor(
        "hv_host_guest_vcpus", .gauge,
        "vCPUs of active guests (running, paused, blocked, pmsuspended).")
    static let hostGuestMemory = MetricDescriptor(
        "hv_host_guest_memory_bytes", .gauge,
        "Maximum memory of active guests, bytes.")
    static let hostVCPUOvercommit = MetricDescriptor(
        "hv_host_vcpu_overcommit_ratio", .gauge,
        "vCPUs of active guests per host CPU (above 1 = overcommitted).")
    static let hostMemoryOvercommit = MetricDescriptor(
        "hv_host_memory_overcommit_ratio", .gauge,
        "Maximum memory of active guests per byte of host memory (above 1 = overcommitted).")
    static let hostKSMShared = MetricDescriptor(
        "hv_host_ksm_pages_shared", .gauge,
        "KSM pages in use that are shared (pages_shared).")
    static let hostKSMSharing = MetricDescriptor(
        "hv_host_ksm_pages_sharing", .gauge,
        "Additional sites sharing KSM pages, i.e. pages saved (pages_sharing).")
    static let hostKSMFullScans = MetricDescriptor(
        "hv_host_ksm_full_scans_total", .counter,
        "Completed KSM full scans (full_scans).")
    static let hostHugepagesTotal = MetricDescriptor(
        "hv_host_hugepages", .gauge,
        "Hugepages of the default size in the pool (HugePages_Total). Not named *_total: it is a gauge.")
    static let hostHugepagesFree = MetricDescriptor(
        "hv_host_hugepages_free", .gauge,
        "Hugepages of the default size not allocated (HugePages_Free).")
    static let hostHugepageSize = MetricDescriptor(
        "hv_host_hugepage_size_bytes", .gauge,
        "Default hugepage size (Hugepagesize), bytes.")

    static func addHostFamilies(_ s: Snapshot, _ set: inout MetricSet) {
        guard let h = s.host else { return }
        set.add(hostCPUs, ifPresent: h.cpus)
        set.add(hostMemoryTotal, ifPresent: h.memoryTotalBytes)
        set.add(hostGuestVCPUs, ifPresent: h.guestVCPUs)
        set.add(hostGuestMemory, ifPresent: h.guestMemoryBytes)
        if let v = h.guestVCPUs, let c = h.cpus, c > 0 { set.add(hostVCPUOvercommit, [], Double(v) / Double(c)) }
        if let m = h.guestMemoryBytes, let t = h.memoryTotalBytes, t > 0 {
            set.add(hostMemoryOvercommit, [], Double(m) / Double(t))
        }
        set.add(hostKSMShared, ifPresent: h.ksmPagesShared)
        set.add(hostKSMSharing, ifPresent: h.ksmPagesSharing)
        set.add(hostKSMFullScans, ifPresent: h.ksmFullScans)
        set.add(hostHugepagesTotal, ifPresent: h.hugepagesTotal)
        set.add(hostHugepagesFree, ifPresent: h.hugepagesFree)
        set.add(hostHugepageSize, ifPresent: h.hugepageSizeBytes)
    }
}
