import HVModel

/// Hardware RAID controller families (`hv_raid_controller_*`, `hv_raid_logical_drive_*`,
/// `hv_raid_physical_drive_*`), label `controller` = "storcli/c0", "ssacli/slot0",
/// "arcconf/1" (tool family and the tool's own controller id).
///
/// States are normalised to small vocabularies (one series per word, 1 for the current one):
/// - controller status: optimal, degraded (storcli "Needs Attention"), failed, unknown
/// - battery/CacheVault/capacitor: optimal, charging, degraded, failed, absent, unknown
/// - cache: ok, disabled, failed, unknown
/// - logical drive: optimal, degraded, rebuilding, initializing, failed, offline, unknown
/// - physical drive: online, spare, unconfigured, jbod, rebuilding, predictive_failure,
///   offline, failed, missing, unknown
///
/// The tool's own word ("Dgrd", "Interim Recovery Mode", "Onln") is the `*_word` label of the
/// `_info` series. How the tool runs went is in `hv_external_tool_*{tool="storcli64"}`; the
/// figures here are those of its last good run.
extension SnapshotMetrics {
    static let raidControllerInfo = MetricDescriptor(
        "hv_raid_controller_info", .gauge,
        "Hardware RAID controller; value 1. vendor: broadcom, dell, hpe, microchip; tool: the CLI that reports it; status_word, battery_word, cache_word: the tool's own words.",
        labels: ["controller", "vendor", "model", "serial", "firmware", "tool", "status_word", "battery_word", "cache_word"])
    static let raidControllerStatus = MetricDescriptor(
        "hv_raid_controller_status", .gauge,
        "1 for the controller's current status (optimal, degraded, failed, unknown), 0 for the others.",
        labels: ["controller", "status"])
    static let raidControllerBattery = MetricDescriptor(
        "hv_raid_controller_battery_state", .gauge,
        "1 for the current state of the cache's backup power (BBU, CacheVault, capacitor, ZMM): optimal, charging, degraded, failed, absent, unknown; 0 for the others. Absent when the tool says nothing about it.",
        labels: ["controller", "state"])
    static let raidControllerCache = MetricDescriptor(
        "hv_raid_controller_cache_state", .gauge,
        "1 for the controller cache's current state: ok, disabled (write cache off, e.g. after a backup power failure), failed, unknown; 0 for the others. Absent when the tool says nothing about it.",
        labels: ["controller", "state"])
    static let raidControllerProblems = MetricDescriptor(
        "hv_raid_controller_problems", .gauge,
        "Parts of the last tool run about this controller that could not be read (a sub-command that failed, an unreadable row); see /json.",
        labels: ["controller"])
    static let raidLogicalInfo = MetricDescriptor(
        "hv_raid_logical_drive_info", .gauge,
        "Logical drive of a hardware RAID controller; value 1. logical_drive: the tool's id (storcli DG/VD \"0/1\", ssacli and arcconf number); device: kernel name of the block device the OS sees, wwn: lower-case hex, when the tool tells them; state_word: the tool's word.",
        labels: ["controller", "logical_drive", "raid_level", "device", "wwn", "label", "state_word"])
    static let raidLogicalState = MetricDescriptor(
        "hv_raid_logical_drive_state", .gauge,
        "1 for the logical drive's current state (optimal, degraded, rebuilding, initializing, failed, offline, unknown), 0 for the others.",
        labels: ["controller", "logical_drive", "state"])
    static let raidLogicalSize = MetricDescriptor(
        "hv_raid_logical_drive_size_bytes", .gauge,
        "Size of the logical drive, bytes.", labels: ["controller", "logical_drive"])
    static let raidLogicalRebuild = MetricDescriptor(
        "hv_raid_logical_drive_rebuild_ratio", .gauge,
        "Fraction done of the rebuild/recovery running on the logical drive, 0..1; absent when none runs or the tool does not tell.",
        labels: ["controller", "logical_drive"])
    static let raidPhysicalInfo = MetricDescriptor(
        "hv_raid_physical_drive_info", .gauge,
        "Physical drive behind a hardware RAID controller; value 1. slot: storcli EID:Slt, ssacli port:box:bay, arcconf enclosure:slot; medium: HDD, SSD or empty; state_word: the tool's word.",
        labels: ["controller", "slot", "model", "serial", "wwn", "medium", "state_word"])
    static let raidPhysicalState = MetricDescriptor(
        "hv_raid_physical_drive_state", .gauge,
        "1 for the physical drive's current state (online, spare, unconfigured, jbod, rebuilding, predictive_failure, offline, failed, missing, unknown), 0 for the others.",
        labels: ["controller", "slot", "state"])
    static let raidPhysicalSize = MetricDescriptor(
        "hv_raid_physical_drive_size_bytes", .gauge,
        "Size of the physical drive as the controller reports it, bytes.", labels: ["controller", "slot"])
    static let raidPhysicalMedia = MetricDescriptor(
        "hv_raid_physical_drive_media_errors", .gauge,
        "Media errors the controller counted on the drive (storcli Media Error Count); kept by the controller, may be reset.",
        labels: ["controller", "slot"])
    static let raidPhysicalOther = MetricDescriptor(
        "hv_raid_physical_drive_other_errors", .gauge,
        "Other errors the controller counted on the drive (link resets, timeouts; storcli Other Error Count).",
        labels: ["controller", "slot"])
    static let raidPhysicalPredictive = MetricDescriptor(
        "hv_raid_physical_drive_predictive_failures", .gauge,
        "Predictive failures (S.M.A.R.T. trips) the controller counted on the drive.", labels: ["controller", "slot"])
    static let raidPhysicalSmart = MetricDescriptor(
        "hv_raid_physical_drive_smart_alert", .gauge,
        "1 if the drive flagged a S.M.A.R.T. alert (storcli) or has S.M.A.R.T. warnings (arcconf), 0 if not; absent when not told.",
        labels: ["controller", "slot"])
    static let raidPhysicalRebuild = MetricDescriptor(
        "hv_raid_physical_drive_rebuild_ratio", .gauge,
        "Fraction done of the rebuild onto this drive, 0..1; absent when none runs or the tool does not tell.",
        labels: ["controller", "slot"])

    static func addRAIDControllerFamilies(_ s: Snapshot, _ set: inout MetricSet) {
        for c in s.raidControllers {
            let n = c.name
            set.add(
                raidControllerInfo,
                [n, c.vendor, c.model, c.serial, c.firmware, c.tool, c.statusWord, c.batteryWord ?? "", c.cacheWord ?? ""], 1)
            for st in RAIDController.Status.allCases { set.add(raidControllerStatus, [n, st.rawValue], st == c.status) }
            if let b = c.battery {
                for st in RAIDController.BatteryState.allCases { set.add(raidControllerBattery, [n, st.rawValue], st == b) }
            }
            if let k = c.cache {
                for st in RAIDController.CacheState.allCases { set.add(raidControllerCache, [n, st.rawValue], st == k) }
            }
            set.add(raidControllerProblems, [n], c.problems.count)
            for ld in c.logicalDrives {
                let l = [n, ld.id]
                set.add(raidLogicalInfo, [n, ld.id, ld.raidLevel, ld.device ?? "", ld.wwn ?? "", ld.label, ld.stateWord], 1)
                for st in RAIDLogicalDrive.State.allCases { set.add(raidLogicalState, l + [st.rawValue], st == ld.state) }
                set.add(raidLogicalSize, l, ifPresent: ld.sizeBytes)
                set.add(raidLogicalRebuild, l, ifPresent: ld.rebuildRatio)
            }
            for pd in c.physicalDrives {
                let l = [n, pd.slot]
                set.add(raidPhysicalInfo, [n, pd.slot, pd.model, pd.serial, pd.wwn ?? "", pd.medium ?? "", pd.stateWord], 1)
                for st in RAIDPhysicalDrive.State.allCases { set.add(raidPhysicalState, l + [st.rawValue], st == pd.state) }
                set.add(raidPhysicalSize, l, ifPresent: pd.sizeBytes)
                set.add(raidPhysicalMedia, l, ifPresent: pd.mediaErrors)
                set.add(raidPhysicalOther, l, ifPresent: pd.otherErrors)
                set.add(raidPhysicalPredictive, l, ifPresent: pd.predictiveFailures)
                if let a = pd.smartAlert { set.add(raidPhysicalSmart, l, a) }
                set.add(raidPhysicalRebuild, l, ifPresent: pd.rebuildRatio)
            }
        }
    }
}
