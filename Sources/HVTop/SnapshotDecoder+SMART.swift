import Foundation
import HVModel

extension SnapshotDecoder {
    /// One `smart_disks[]` entry.
    static func smartDisk(_ o: JSONObject) -> SMARTDisk {
        var d = SMARTDisk(
            device: o.string("device") ?? "", path: o.string("path") ?? "",
            state: SMARTDisk.State(rawValue: o.string("state") ?? "") ?? .unknown,
            run: o.object("run").map(toolRun) ?? ToolRunStatus(tool: "smartctl", success: false))
        d.protocolName = o.string("protocol"); d.deviceType = o.string("device_type"); d.model = o.string("model")
        d.serial = o.string("serial"); d.wwn = o.string("wwn"); d.firmware = o.string("firmware")
        d.passed = o.bool("passed"); d.stateReason = o.string("state_reason"); d.exitStatus = o.int("exit_status")
        d.exitStatusBits = o.strings("exit_status_bits"); d.messages = o.strings("messages")
        d.figuresTimestampSeconds = o.double("figures_timestamp_seconds")
        d.powerOnHours = o.double("power_on_hours"); d.temperatureCelsius = o.double("temperature_celsius")
        d.powerCycles = o.uint("power_cycles")
        d.reallocatedSectors = o.uint("reallocated_sectors"); d.pendingSectors = o.uint("pending_sectors")
        d.offlineUncorrectableSectors = o.uint("offline_uncorrectable_sectors")
        d.reportedUncorrectableErrors = o.uint("reported_uncorrectable_errors"); d.crcErrors = o.uint("crc_errors")
        d.enduranceUsedPercent = o.int("endurance_used_percent")
        d.prefailAttributesFailing = (o.dict["prefail_attributes_failing"] as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.intValue }
        d.nvmeCriticalWarning = o.int("nvme_critical_warning")
        d.availableSparePercent = o.int("available_spare_percent")
        d.availableSpareThresholdPercent = o.int("available_spare_threshold_percent")
        d.mediaErrors = o.uint("media_errors"); d.errorLogEntries = o.uint("error_log_entries")
        d.unsafeShutdowns = o.uint("unsafe_shutdowns")
        d.dataUnitsRead = o.uint("data_units_read"); d.dataUnitsWritten = o.uint("data_units_written")
        d.grownDefects = o.uint("grown_defects"); d.readUncorrectedErrors = o.uint("read_uncorrected_errors")
        d.writeUncorrectedErrors = o.uint("write_uncorrected_errors")
        d.verifyUncorrectedErrors = o.uint("verify_uncorrected_errors")
        d.attributes = o.objects("attributes").map { a in
            SMARTDisk.Attribute(
                id: a.int("id") ?? 0, name: a.string("name") ?? "", value: a.int("value"), worst: a.int("worst"),
                threshold: a.int("threshold"), raw: a.uint("raw"), whenFailed: a.string("when_failed") ?? "",
                prefailure: a.bool("prefailure") ?? false)
        }
        return d
    }

    /// A tool run status object (`run` of a smart disk).
    static func toolRun(_ o: JSONObject) -> ToolRunStatus {
        ToolRunStatus(
            tool: o.string("tool") ?? "", target: o.string("target") ?? "", success: o.bool("success") ?? false,
            error: o.string("error"), lastRunSeconds: o.double("last_run_seconds"),
            lastSuccessSeconds: o.double("last_success_seconds"), durationSeconds: o.double("duration_seconds") ?? 0,
            stale: o.bool("stale") ?? false)
    }
}
