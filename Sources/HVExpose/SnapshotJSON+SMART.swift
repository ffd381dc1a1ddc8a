import HVModel

extension SnapshotJSON {
    /// One `smart_disks[]` entry (docs/json.md).
    static func writeSMARTDisk(_ w: inout JSONWriter, _ d: SMARTDisk) {
        w.beginObject()
        w.field("device", d.device); w.field("path", d.path); w.field("protocol", d.protocolName)
        w.field("device_type", d.deviceType); w.field("model", d.model); w.field("serial", d.serial); w.field("wwn", d.wwn)
        w.field("firmware", d.firmware); w.field("state", d.state.rawValue); w.field("passed", d.passed)
        w.field("state_reason", d.stateReason); w.field("exit_status", d.exitStatus)
        w.key("exit_status_bits"); w.beginArray(); for b in d.exitStatusBits { w.string(b) }; w.endArray()
        w.key("messages"); w.beginArray(); for m in d.messages { w.string(m) }; w.endArray()
        w.field("figures_timestamp_seconds", d.figuresTimestampSeconds)
        w.field("power_on_hours", d.powerOnHours); w.field("temperature_celsius", d.temperatureCelsius)
        w.field("power_cycles", d.powerCycles)
        w.field("reallocated_sectors", d.reallocatedSectors); w.field("pending_sectors", d.pendingSectors)
        w.field("offline_uncorrectable_sectors", d.offlineUncorrectableSectors)
        w.field("reported_uncorrectable_errors", d.reportedUncorrectableErrors); w.field("crc_errors", d.crcErrors)
        w.field("endurance_used_percent", d.enduranceUsedPercent)
        w.key("prefail_attributes_failing"); w.beginArray(); for id in d.prefailAttributesFailing { w.int(id) }; w.endArray()
        w.field("nvme_critical_warning", d.nvmeCriticalWarning)
        w.field("available_spare_percent", d.availableSparePercent)
        w.field("available_spare_threshold_percent", d.availableSpareThresholdPercent)
        w.field("media_errors", d.mediaErrors); w.field("error_log_entries", d.errorLogEntries)
        w.field("unsafe_shutdowns", d.unsafeShutdowns)
        w.field("data_units_read", d.dataUnitsRead); w.field("data_units_written", d.dataUnitsWritten)
        w.field("grown_defects", d.grownDefects); w.field("read_uncorrected_errors", d.readUncorrectedErrors)
        w.field("write_uncorrected_errors", d.writeUncorrectedErrors)
        w.field("verify_uncorrected_errors", d.verifyUncorrectedErrors)
        w.key("attributes"); w.beginArray()
        for a in d.attributes {
            w.beginObject()
            w.field("id", a.id); w.field("name", a.name); w.field("value", a.value); w.field("worst", a.worst)
            w.field("threshold", a.threshold); w.field("raw", a.raw); w.field("when_failed", a.whenFailed)
            w.field("prefailure", a.prefailure)
            w.endObject()
        }
        w.endArray()
        w.key("run"); writeToolRun(&w, d.run)
        w.endObject()
    }

    /// A `ToolRunStatus` object: {"tool","target","success","error","last_run_seconds",
    /// "last_success_seconds","duration_seconds","stale"}.
    static func writeToolRun(_ w: inout JSONWriter, _ r: ToolRunStatus) {
        w.beginObject()
        w.field("tool", r.tool); w.field("target", r.target); w.field("success", r.success); w.field("error", r.error)
        w.field("last_run_seconds", r.lastRunSeconds); w.field("last_success_seconds", r.lastSuccessSeconds)
        w.field("duration_seconds", r.durationSeconds); w.field("stale", r.stale)
        w.endObject()
    }
}
