import HVModel

/// dm-multipath families (`hv_multipath_*`), label `map` = the map's name (alias, mpathX or WWID).
///
/// node_exporter's dmmultipath collector (`node_dmmultipath_*`, from sysfs) counts paths by
/// SCSI device state (`device_paths`, `device_paths_active`, `device_paths_failed`); here the
/// counts follow multipathd's view (dm state and path checker), which sees a path that is
/// "running" to the kernel yet failed by the checker: `hv_multipath_paths{state}` and
/// `hv_multipath_active_paths`. vexxhost's multipathd_exporter exposes the raw per-path
/// states (`multipathd_path_checker_state`...); `hv_multipath_path_checker_state` is that.
extension SnapshotMetrics {
    static let mpathInfo = MetricDescriptor(
        "hv_multipath_map_info", .gauge,
        "dm-multipath map; value 1. wwid as multipathd prints it, dm_device the kernel name (dm-3), vendor and product of the LUN.",
        labels: ["map", "wwid", "dm_device", "vendor", "product"])
    static let mpathPaths = MetricDescriptor(
        "hv_multipath_paths", .gauge,
        "Paths of the map by state: active (used by dm, checker not faulty), failed (dm failed it or the checker finds it faulty/shaky), other.",
        labels: ["map", "state"])
    static let mpathActive = MetricDescriptor(
        "hv_multipath_active_paths", .gauge, "Paths the map can use now; 0: I/O queues (hv_multipath_queueing 1) or fails.",
        labels: ["map"])
    static let mpathQueueing = MetricDescriptor(
        "hv_multipath_queueing", .gauge,
        "1 if I/O queues when no path is left (queue_if_no_path, or no_path_retry still counting), else 0.", labels: ["map"])
    static let mpathFaults = MetricDescriptor(
        "hv_multipath_path_faults_total", .counter, "Path failures multipathd saw on this map since it was created.",
        labels: ["map"])
    static let mpathPathActive = MetricDescriptor(
        "hv_multipath_path_active", .gauge, "1 if the path is used by dm and not called faulty by the checker, else 0.",
        labels: ["map", "path", "group"])
    static let mpathPathChecker = MetricDescriptor(
        "hv_multipath_path_checker_state", .gauge,
        "The path checker's state of the path (ready, faulty, shaky, ghost, i/o pending, delayed, undef); value 1.",
        labels: ["map", "path", "state"])

    static func addMultipathFamilies(_ s: Snapshot, _ set: inout MetricSet) {
        guard let mp = s.multipath else { return }
        for m in mp.maps {
            set.add(mpathInfo, [m.name, m.wwid ?? "", m.dmDevice ?? "", m.vendor ?? "", m.product ?? ""], 1)
            let active = m.paths.filter(\.isActive).count
            let failed = m.failedPaths
            if !m.paths.isEmpty {
                set.add(mpathPaths, [m.name, "active"], active)
                set.add(mpathPaths, [m.name, "failed"], failed)
                set.add(mpathPaths, [m.name, "other"], m.paths.count - active - failed)
            }
            set.add(mpathActive, [m.name], ifPresent: m.activePaths)
            set.add(mpathQueueing, [m.name], m.queueingEnabled)
            set.add(mpathFaults, [m.name], ifPresent: m.pathFaults)
            for p in m.paths {
                set.add(mpathPathActive, [m.name, p.device, p.group.map(String.init) ?? ""], p.isActive)
                if let c = p.checkerState { set.add(mpathPathChecker, [m.name, p.device, c], 1) }
            }
        }
    }
}
