import HVModel

/// `/json` of the hardware RAID controllers (`raid_controllers`, `raid_controller_tools`;
/// docs/json.md).
extension SnapshotJSON {
    static func writeRAIDControllers(_ w: inout JSONWriter, _ s: Snapshot) {
        w.key("raid_controllers"); w.beginArray()
        for c in s.raidControllers { writeRAIDController(&w, c) }
        w.endArray()
        w.key("raid_controller_tools"); w.beginArray()
        for t in s.raidControllerTools { writeRAIDToolRun(&w, t) }
        w.endArray()
    }

    static func writeRAIDController(_ w: inout JSONWriter, _ c: RAIDController) {
        w.beginObject()
        w.field("name", c.name); w.field("tool", c.tool); w.field("vendor", c.vendor); w.field("model", c.model)
        w.field("serial", c.serial); w.field("firmware", c.firmware)
        w.field("status", c.status.rawValue); w.field("status_word", c.statusWord)
        w.field("battery", c.battery?.rawValue); w.field("battery_word", c.batteryWord)
        w.field("cache", c.cache?.rawValue); w.field("cache_word", c.cacheWord)
        w.key("logical_drives"); w.beginArray()
        for ld in c.logicalDrives {
            w.beginObject()
            w.field("id", ld.id); w.field("raid_level", ld.raidLevel); w.field("state", ld.state.rawValue)
            w.field("state_word", ld.stateWord); w.field("size_bytes", ld.sizeBytes); w.field("device", ld.device)
            w.field("wwn", ld.wwn); w.field("rebuild_ratio", ld.rebuildRatio); w.field("label", ld.label)
            w.endObject()
        }
        w.endArray()
        w.key("physical_drives"); w.beginArray()
        for pd in c.physicalDrives {
            w.beginObject()
            w.field("slot", pd.slot); w.field("state", pd.state.rawValue); w.field("state_word", pd.stateWord)
            w.field("model", pd.model); w.field("serial", pd.serial); w.field("wwn", pd.wwn)
            w.field("size_bytes", pd.sizeBytes); w.field("medium", pd.medium)
            w.field("media_errors", pd.mediaErrors); w.field("other_errors", pd.otherErrors)
            w.field("predictive_failures", pd.predictiveFailures); w.field("smart_alert", pd.smartAlert)
            w.field("rebuild_ratio", pd.rebuildRatio)
            w.endObject()
        }
        w.endArray()
        w.key("tool_run"); writeRAIDToolRun(&w, c.toolRun)
        w.key("problems"); w.beginArray(); for p in c.problems { w.string(p) }; w.endArray()
        w.endObject()
    }

    /// One external tool's run status, as every tool-backed part writes it.
    static func writeRAIDToolRun(_ w: inout JSONWriter, _ t: ToolRunStatus) {
        w.beginObject()
        w.field("tool", t.tool); w.field("target", t.target); w.field("success", t.success); w.field("error", t.error)
        w.field("last_run_seconds", t.lastRunSeconds); w.field("last_success_seconds", t.lastSuccessSeconds)
        w.field("duration_seconds", t.durationSeconds); w.field("stale", t.stale)
        w.endObject()
    }
}
