import HVModel

/// `/json` sections `drbd`, `multipath` and `zfs` (docs/json.md); each present only when its
/// collector found the subsystem loaded.
extension SnapshotJSON {
    static func writeStorageStack(_ w: inout JSONWriter, _ s: Snapshot) {
        if let d = s.drbd { writeDRBD(&w, d) }
        if let m = s.multipath { writeMultipath(&w, m) }
        if let z = s.zfs { writeZFS(&w, z) }
    }

    static func writeStorageToolRuns(_ w: inout JSONWriter, _ runs: [ToolRunStatus], problems: [String]) {
        w.key("tool_runs"); w.beginArray()
        for r in runs {
            w.beginObject()
            w.field("tool", r.tool); w.field("target", r.target); w.field("success", r.success); w.field("error", r.error)
            w.field("last_run_seconds", r.lastRunSeconds); w.field("last_success_seconds", r.lastSuccessSeconds)
            w.field("duration_seconds", r.durationSeconds); w.field("stale", r.stale)
            w.endObject()
        }
        w.endArray()
        w.key("problems"); w.beginArray()
        for p in problems { w.string(p) }
        w.endArray()
    }

    static func writeDRBD(_ w: inout JSONWriter, _ d: DRBDReport) {
        w.key("drbd"); w.beginObject()
        w.field("source", d.source); w.field("module_version", d.moduleVersion)
        w.key("resources"); w.beginArray()
        for r in d.resources {
            w.beginObject()
            w.field("name", r.name); w.field("role", r.role)
            w.key("volumes"); w.beginArray()
            for v in r.volumes {
                w.beginObject()
                w.field("volume", v.volume); w.field("minor", v.minor); w.field("disk_state", v.diskState); w.field("client", v.client)
                w.field("quorum", v.quorum); w.field("size_bytes", v.sizeBytes); w.field("read_bytes", v.readBytes)
                w.field("written_bytes", v.writtenBytes)
                w.endObject()
            }
            w.endArray()
            w.key("peers"); w.beginArray()
            for p in r.peers {
                w.beginObject()
                w.field("name", p.name); w.field("connection_state", p.connectionState); w.field("role", p.role)
                w.field("split_brain", p.splitBrain)
                w.key("volumes"); w.beginArray()
                for v in p.volumes {
                    w.beginObject()
                    w.field("volume", v.volume); w.field("disk_state", v.diskState); w.field("replication_state", v.replicationState)
                    w.field("out_of_sync_bytes", v.outOfSyncBytes); w.field("sync_ratio", v.syncRatio)
                    w.field("sync_speed_bytes_per_second", v.syncSpeedBytesPerSecond);
                    w.field("sync_remaining_seconds", v.syncRemainingSeconds)
                    w.field("sync_stalled", v.syncStalled); w.field("client", v.client)
                    w.endObject()
                }
                w.endArray()
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        writeStorageToolRuns(&w, d.toolRuns, problems: d.problems)
        w.endObject()
    }

    static func writeMultipath(_ w: inout JSONWriter, _ m: MultipathReport) {
        w.key("multipath"); w.beginObject()
        w.key("maps"); w.beginArray()
        for map in m.maps {
            w.beginObject()
            w.field("name", map.name); w.field("wwid", map.wwid); w.field("dm_device", map.dmDevice); w.field("queueing", map.queueing)
            w.field("features", map.features); w.field("dm_state", map.dmState); w.field("vendor", map.vendor)
            w.field("product", map.product); w.field("path_faults", map.pathFaults);
            w.field("reported_active_paths", map.reportedActivePaths)
            w.field("active_paths", map.activePaths); w.field("failed_paths", map.failedPaths)
            w.key("paths"); w.beginArray()
            for p in map.paths {
                w.beginObject()
                w.field("device", p.device); w.field("group", p.group); w.field("dm_state", p.dmState)
                w.field("checker_state", p.checkerState); w.field("device_state", p.deviceState)
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        writeStorageToolRuns(&w, m.toolRuns, problems: m.problems)
        w.endObject()
    }

    static func writeZFS(_ w: inout JSONWriter, _ z: ZFSReport) {
        w.key("zfs"); w.beginObject()
        w.field("source", z.source)
        w.key("pools"); w.beginArray()
        for p in z.pools {
            w.beginObject()
            w.field("name", p.name); w.field("state", p.state); w.field("status", p.status); w.field("size_bytes", p.sizeBytes)
            w.field("allocated_bytes", p.allocatedBytes); w.field("free_bytes", p.freeBytes)
            w.field("fragmentation_ratio", p.fragmentationRatio); w.field("data_errors", p.dataErrors)
            if let s = p.scan {
                w.key("scan"); w.beginObject()
                w.field("kind", s.kind); w.field("state", s.state); w.field("progress_ratio", s.progressRatio); w.field("errors", s.errors)
                w.field("repaired_bytes", s.repairedBytes); w.field("end_timestamp_seconds", s.endTimestampSeconds)
                w.field("start_timestamp_seconds", s.startTimestampSeconds); w.field("remaining_seconds", s.remainingSeconds)
                w.endObject()
            }
            w.key("vdevs"); w.beginArray()
            for v in p.vdevs {
                w.beginObject()
                w.field("name", v.name); w.field("path", v.path); w.field("depth", v.depth); w.field("section", v.section)
                w.field("state", v.state); w.field("read_errors", v.readErrors); w.field("write_errors", v.writeErrors)
                w.field("checksum_errors", v.checksumErrors); w.field("leaf", v.leaf); w.field("block_device", v.blockDevice)
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        writeStorageToolRuns(&w, z.toolRuns, problems: z.problems)
        w.endObject()
    }
}
