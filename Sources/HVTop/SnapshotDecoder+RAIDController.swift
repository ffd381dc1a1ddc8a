import HVModel

/// Reads `raid_controllers` and `raid_controller_tools` of `/json` (docs/json.md).
extension SnapshotDecoder {
    static func raidControllers(_ root: JSONObject, into s: inout Snapshot) {
        s.raidControllers = root.objects("raid_controllers").map(raidController)
        s.raidControllerTools = root.objects("raid_controller_tools").map(raidToolRun)
    }

    static func raidController(_ o: JSONObject) -> RAIDController {
        RAIDController(
            name: o.string("name") ?? "", tool: o.string("tool") ?? "", vendor: o.string("vendor") ?? "",
            model: o.string("model") ?? "", serial: o.string("serial") ?? "", firmware: o.string("firmware") ?? "",
            status: RAIDController.Status(rawValue: o.string("status") ?? "") ?? .unknown,
            statusWord: o.string("status_word") ?? "",
            battery: o.string("battery").map { RAIDController.BatteryState(rawValue: $0) ?? .unknown },
            batteryWord: o.string("battery_word"),
            cache: o.string("cache").map { RAIDController.CacheState(rawValue: $0) ?? .unknown }, cacheWord: o.string("cache_word"),
            logicalDrives: o.objects("logical_drives").map { l in
                RAIDLogicalDrive(
                    id: l.string("id") ?? "", raidLevel: l.string("raid_level") ?? "",
                    state: RAIDLogicalDrive.State(rawValue: l.string("state") ?? "") ?? .unknown,
                    stateWord: l.string("state_word") ?? "", sizeBytes: l.uint("size_bytes"), device: l.string("device"),
                    wwn: l.string("wwn"), rebuildRatio: l.double("rebuild_ratio"), label: l.string("label") ?? "")
            },
            physicalDrives: o.objects("physical_drives").map { p in
                RAIDPhysicalDrive(
                    slot: p.string("slot") ?? "", state: RAIDPhysicalDrive.State(rawValue: p.string("state") ?? "") ?? .unknown,
                    stateWord: p.string("state_word") ?? "", model: p.string("model") ?? "", serial: p.string("serial") ?? "",
                    wwn: p.string("wwn"), sizeBytes: p.uint("size_bytes"), medium: p.string("medium"),
                    mediaErrors: p.uint("media_errors"), otherErrors: p.uint("other_errors"),
                    predictiveFailures: p.uint("predictive_failures"), smartAlert: p.bool("smart_alert"),
                    rebuildRatio: p.double("rebuild_ratio"))
            },
            toolRun: o.object("tool_run").map(raidToolRun) ?? ToolRunStatus(tool: o.string("tool") ?? "", success: false),
            problems: o.strings("problems"))
    }

    static func raidToolRun(_ o: JSONObject) -> ToolRunStatus {
        ToolRunStatus(
            tool: o.string("tool") ?? "", target: o.string("target") ?? "", success: o.bool("success") ?? false,
            error: o.string("error"), lastRunSeconds: o.double("last_run_seconds"),
            lastSuccessSeconds: o.double("last_success_seconds"), durationSeconds: o.double("duration_seconds") ?? 0,
            stale: o.bool("stale") ?? false)
    }
}
