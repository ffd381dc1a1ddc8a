import HVModel

/// Disk health families (`hv_disk_*`), label `device` = the disk's kernel name ("sda",
/// "nvme0n1"); identity (model, serial, WWN, firmware, protocol) only in `hv_disk_smart_info`.
///
/// How they map to prometheus-community/smartctl_exporter (`smartctl_device_*`, label
/// `device`): `smartctl_device` (info) is `hv_disk_smart_info`; `smartctl_device_smart_status`
/// is `hv_disk_smart_healthy`, plus `hv_disk_smart_state{state}` which also tells standby,
/// unsupported and error apart; `smartctl_device_smartctl_exit_status` is
/// `hv_disk_smart_exit_status`; `smartctl_device_temperature` is `hv_disk_temperature_celsius`;
/// `smartctl_device_power_on_seconds` is `hv_disk_power_on_seconds_total` (a counter, so
/// `_total`); `smartctl_device_power_cycle_count` is `hv_disk_power_cycles_total`;
/// `smartctl_device_critical_warning` is `hv_disk_nvme_critical_warning`;
/// `smartctl_device_percentage_used` and `smartctl_device_available_spare{,_threshold}`
/// (0..100) are `hv_disk_endurance_used_ratio` and `hv_disk_nvme_available_spare{,_threshold}_ratio`
/// (0..1); `smartctl_device_media_errors` and `smartctl_device_num_err_log_entries` are
/// `hv_disk_nvme_media_errors_total` and `hv_disk_nvme_error_log_entries_total`;
/// `smartctl_device_bytes_read`/`_written` are `hv_disk_lifetime_{read,written}_bytes_total`;
/// `smartctl_scsi_grown_defect_list` is `hv_disk_scsi_grown_defects`;
/// `smartctl_{read,write}_total_uncorrected_errors` are
/// `hv_disk_scsi_uncorrected_errors_total{operation}`; `smartctl_device_attribute` (one family
/// with a value_type label) is `hv_disk_smart_attribute_{value,threshold,raw}`. New here: the
/// ATA sector counts by name (reallocated, pending, offline uncorrectable), so alerts need no
/// attribute IDs, and wear for SATA SSDs too.
extension SnapshotMetrics {
    static let diskInfo = MetricDescriptor(
        "hv_disk_smart_info", .gauge,
        "Disk identity as smartctl reads it; value 1. protocol: ATA, SCSI, NVMe; wwn: lower-case hex without 0x as udev's ID_WWN (NVMe: eui.<hex>); empty when unknown.",
        labels: ["device", "model", "serial", "wwn", "firmware", "protocol"])
    static let diskState = MetricDescriptor(
        "hv_disk_smart_state", .gauge,
        "1 for the disk's current SMART state, 0 for the others: passed, failed (the disk says it is failing), unknown (no verdict printed, or first run under way), standby (spun down, not woken; figures from its last waking read), unsupported (no SMART smartctl can read: virtio, RAID volume, USB bridge), error (no usable run yet; see hv_external_tool_success and the log).",
        labels: ["device", "state"])
    static let diskHealthy = MetricDescriptor(
        "hv_disk_smart_healthy", .gauge,
        "1 if the disk's SMART overall-health self-assessment passed, 0 if it failed; absent when the disk gave no verdict.",
        labels: ["device"])
    static let diskExitStatus = MetricDescriptor(
        "hv_disk_smart_exit_status", .gauge,
        "smartctl's exit status of the run the figures come from, a bit mask: 1 command line, 2 open failed or standby, 4 a command failed, 8 disk failing, 16 prefail attribute at threshold, 32 attribute at threshold in the past, 64 error log has entries, 128 self-test log has errors.",
        labels: ["device"])
    static let diskReallocated = MetricDescriptor(
        "hv_disk_reallocated_sectors", .gauge,
        "ATA attribute 5 (Reallocated_Sector_Ct) raw: sectors remapped to spares. Rising means the surface is failing.",
        labels: ["device"])
    static let diskPending = MetricDescriptor(
        "hv_disk_pending_sectors", .gauge,
        "ATA attribute 197 (Current_Pending_Sector) raw: unreadable sectors waiting to be remapped at the next write.",
        labels: ["device"])
    static let diskOfflineUncorrectable = MetricDescriptor(
        "hv_disk_offline_uncorrectable_sectors", .gauge,
        "ATA attribute 198 (Offline_Uncorrectable) raw: sectors the offline scan could not read.", labels: ["device"])
    static let diskReportedUncorrectable = MetricDescriptor(
        "hv_disk_reported_uncorrectable_errors_total", .counter,
        "ATA attribute 187 (Reported_Uncorrect) raw: reads ECC could not recover, over the disk's life.", labels: ["device"])
    static let diskCRCErrors = MetricDescriptor(
        "hv_disk_interface_crc_errors_total", .counter,
        "ATA attribute 199 (UDMA_CRC_Error_Count) raw: transfer errors between disk and host (cable, backplane), over the disk's life.",
        labels: ["device"])
    static let diskPowerOn = MetricDescriptor(
        "hv_disk_power_on_seconds_total", .counter, "Time the disk has been powered on over its life, seconds.", labels: ["device"])
    static let diskPowerCycles = MetricDescriptor(
        "hv_disk_power_cycles_total", .counter, "Power-on cycles over the disk's life.", labels: ["device"])
    static let diskTemperature = MetricDescriptor(
        "hv_disk_temperature_celsius", .gauge, "Current disk temperature, degrees Celsius.", labels: ["device"])
    static let diskEnduranceUsed = MetricDescriptor(
        "hv_disk_endurance_used_ratio", .gauge,
        "Share of the rated write endurance used, 0..1 (1 = rated life reached; NVMe may report up to 2.55): NVMe percentage used, SATA device statistics or a life-left attribute (Media_Wearout_Indicator, Wear_Leveling_Count, SSD_Life_Left...). Absent for spinning disks.",
        labels: ["device"])
    static let diskCriticalWarning = MetricDescriptor(
        "hv_disk_nvme_critical_warning", .gauge,
        "NVMe critical warning bits; 0 is fine. 1 spare below threshold, 2 temperature, 4 reliability degraded, 8 read-only, 16 volatile memory backup failed, 32 persistent memory region unreliable.",
        labels: ["device"])
    static let diskSpare = MetricDescriptor(
        "hv_disk_nvme_available_spare_ratio", .gauge, "NVMe spare capacity left, 0..1.", labels: ["device"])
    static let diskSpareThreshold = MetricDescriptor(
        "hv_disk_nvme_available_spare_threshold_ratio", .gauge,
        "NVMe spare below which the controller raises a critical warning, 0..1.", labels: ["device"])
    static let diskMediaErrors = MetricDescriptor(
        "hv_disk_nvme_media_errors_total", .counter,
        "NVMe unrecovered data integrity errors over the device's life.", labels: ["device"])
    static let diskErrorLogEntries = MetricDescriptor(
        "hv_disk_nvme_error_log_entries_total", .counter,
        "NVMe error information log entries over the device's life (many are benign: unsupported commands).",
        labels: ["device"])
    static let diskUnsafeShutdowns = MetricDescriptor(
        "hv_disk_nvme_unsafe_shutdowns_total", .counter, "NVMe power losses without a shutdown notification.",
        labels: ["device"])
    static let diskLifetimeRead = MetricDescriptor(
        "hv_disk_lifetime_read_bytes_total", .counter,
        "Bytes read by hosts over the device's life (NVMe data units of 512,000 bytes).", labels: ["device"])
    static let diskLifetimeWritten = MetricDescriptor(
        "hv_disk_lifetime_written_bytes_total", .counter,
        "Bytes written by hosts over the device's life (NVMe data units of 512,000 bytes).", labels: ["device"])
    static let diskGrownDefects = MetricDescriptor(
        "hv_disk_scsi_grown_defects", .gauge,
        "SCSI/SAS grown defect list entries: sectors remapped since manufacture.", labels: ["device"])
    static let diskSCSIUncorrected = MetricDescriptor(
        "hv_disk_scsi_uncorrected_errors_total", .counter,
        "SCSI/SAS errors the disk could not correct, by operation (read, write, verify), from its error counter log.",
        labels: ["device", "operation"])
    static let diskAttributeValue = MetricDescriptor(
        "hv_disk_smart_attribute_value", .gauge,
        "ATA SMART attribute normalized value (higher is better; failing at or below the threshold). About 10 to 35 attributes per ATA disk.",
        labels: ["device", "id", "name"])
    static let diskAttributeThreshold = MetricDescriptor(
        "hv_disk_smart_attribute_threshold", .gauge,
        "ATA SMART attribute threshold (0: never fails); a pre-failure attribute at or below it means the disk predicts its failure.",
        labels: ["device", "id", "name"])
    static let diskAttributeRaw = MetricDescriptor(
        "hv_disk_smart_attribute_raw", .gauge,
        "ATA SMART attribute raw value as smartctl reads it (meaning and packing are the vendor's).",
        labels: ["device", "id", "name"])

    static func addSMARTFamilies(_ s: Snapshot, _ set: inout MetricSet) {
        for d in s.smartDisks {
            let l = [d.device]
            set.add(
                diskInfo, [d.device, d.model ?? "", d.serial ?? "", d.wwn ?? "", d.firmware ?? "", d.protocolName ?? ""], 1)
            for state in SMARTDisk.State.allCases { set.add(diskState, [d.device, state.rawValue], state == d.state) }
            if let p = d.passed { set.add(diskHealthy, l, p) }
            set.add(diskExitStatus, l, ifPresent: d.exitStatus)
            set.add(diskReallocated, l, ifPresent: d.reallocatedSectors)
            set.add(diskPending, l, ifPresent: d.pendingSectors)
            set.add(diskOfflineUncorrectable, l, ifPresent: d.offlineUncorrectableSectors)
            set.add(diskReportedUncorrectable, l, ifPresent: d.reportedUncorrectableErrors)
            set.add(diskCRCErrors, l, ifPresent: d.crcErrors)
            set.add(diskPowerOn, l, ifPresent: d.powerOnHours.map { ($0 * 3600).rounded() })
            set.add(diskPowerCycles, l, ifPresent: d.powerCycles)
            set.add(diskTemperature, l, ifPresent: d.temperatureCelsius)
            set.add(diskEnduranceUsed, l, ifPresent: d.enduranceUsedPercent.map { Double($0) / 100 })
            set.add(diskCriticalWarning, l, ifPresent: d.nvmeCriticalWarning)
            set.add(diskSpare, l, ifPresent: d.availableSparePercent.map { Double($0) / 100 })
            set.add(diskSpareThreshold, l, ifPresent: d.availableSpareThresholdPercent.map { Double($0) / 100 })
            set.add(diskMediaErrors, l, ifPresent: d.mediaErrors)
            set.add(diskErrorLogEntries, l, ifPresent: d.errorLogEntries)
            set.add(diskUnsafeShutdowns, l, ifPresent: d.unsafeShutdowns)
            set.add(diskLifetimeRead, l, ifPresent: d.dataUnitsRead.map { Double($0) * Double(SMARTDisk.nvmeDataUnitBytes) })
            set.add(
                diskLifetimeWritten, l,
                ifPresent: d.dataUnitsWritten.map { Double($0) * Double(SMARTDisk.nvmeDataUnitBytes) })
            set.add(diskGrownDefects, l, ifPresent: d.grownDefects)
            set.add(diskSCSIUncorrected, [d.device, "read"], ifPresent: d.readUncorrectedErrors)
            set.add(diskSCSIUncorrected, [d.device, "write"], ifPresent: d.writeUncorrectedErrors)
            set.add(diskSCSIUncorrected, [d.device, "verify"], ifPresent: d.verifyUncorrectedErrors)
            for a in d.attributes {
                let al = [d.device, String(a.id), a.name]
                set.add(diskAttributeValue, al, ifPresent: a.value)
                set.add(diskAttributeThreshold, al, ifPresent: a.threshold)
                set.add(diskAttributeRaw, al, ifPresent: a.raw)
            }
        }
    }
}
