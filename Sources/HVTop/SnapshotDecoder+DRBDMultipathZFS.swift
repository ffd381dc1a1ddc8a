import HVModel

/// Reads the `/json` sections `drbd`, `multipath` and `zfs` (docs/json.md).
extension SnapshotDecoder {
    static func decodeStorageStack(_ root: JSONObject, into s: inout Snapshot) {
        if let d = root.object("drbd") { s.drbd = drbd(d) }
        if let m = root.object("multipath") { s.multipath = multipath(m) }
        if let z = root.object("zfs") { s.zfs = zfs(z) }
    }

    static func storageToolRuns(_ o: JSONObject) -> [ToolRunStatus] {
        o.objects("tool_runs").map {
            ToolRunStatus(
                tool: $0.string("tool") ?? "", target: $0.string("target") ?? "", success: $0.bool("success") ?? false,
                error: $0.string("error"), lastRunSeconds: $0.double("last_run_seconds"),
                lastSuccessSeconds: $0.double("last_success_seconds"), durationSeconds: $0.double("duration_seconds") ?? 0,
                stale: $0.bool("stale") ?? false)
        }
    }

    static func drbd(_ o: JSONObject) -> DRBDReport {
        var d = DRBDReport(source: o.string("source") ?? "", moduleVersion: o.string("module_version"))
        d.resources = o.objects("resources").map { r in
            var res = DRBDResource(name: r.string("name") ?? "", role: r.string("role"))
            res.volumes = r.objects("volumes").map { v in
                var vol = DRBDResource.Volume(
                    volume: v.int("volume") ?? 0, minor: v.int("minor"), diskState: v.string("disk_state"),
                    client: v.bool("client") ?? false)
                vol.quorum = v.bool("quorum")
                vol.sizeBytes = v.uint("size_bytes")
                vol.readBytes = v.uint("read_bytes")
                vol.writtenBytes = v.uint("written_bytes")
                return vol
            }
            res.peers = r.objects("peers").map { p in
                DRBDResource.Peer(
                    name: p.string("name") ?? "", connectionState: p.string("connection_state"), role: p.string("role"),
                    volumes: p.objects("volumes").map { v in
                        var pv = DRBDResource.PeerVolume(
                            volume: v.int("volume") ?? 0, diskState: v.string("disk_state"),
                            replicationState: v.string("replication_state"),
                            syncStalled: v.bool("sync_stalled") ?? false)
                        pv.outOfSyncBytes = v.uint("out_of_sync_bytes")
                        pv.syncRatio = v.double("sync_ratio")
                        pv.syncSpeedBytesPerSecond = v.double("sync_speed_bytes_per_second")
                        pv.syncRemainingSeconds = v.double("sync_remaining_seconds")
                        pv.client = v.bool("client") ?? false
                        return pv
                    })
            }
            return res
        }
        d.toolRuns = storageToolRuns(o)
        d.problems = o.strings("problems")
        return d
    }

    static func multipath(_ o: JSONObject) -> MultipathReport {
        var r = MultipathReport()
        r.maps = o.objects("maps").map { m in
            var map = MultipathMap(name: m.string("name") ?? "")
            map.wwid = m.string("wwid")
            map.dmDevice = m.string("dm_device")
            map.queueing = m.string("queueing")
            map.features = m.string("features")
            map.dmState = m.string("dm_state")
            map.vendor = m.string("vendor")
            map.product = m.string("product")
            map.pathFaults = m.uint("path_faults")
            map.reportedActivePaths = m.int("reported_active_paths")
            map.paths = m.objects("paths").map {
                MultipathMap.Path(
                    device: $0.string("device") ?? "", group: $0.int("group"), dmState: $0.string("dm_state"),
                    checkerState: $0.string("checker_state"), deviceState: $0.string("device_state"))
            }
            return map
        }
        r.toolRuns = storageToolRuns(o)
        r.problems = o.strings("problems")
        return r
    }

    static func zfs(_ o: JSONObject) -> ZFSReport {
        var z = ZFSReport(source: o.string("source") ?? "")
        z.pools = o.objects("pools").map { p in
            var pool = ZFSPool(name: p.string("name") ?? "", state: p.string("state") ?? "")
            pool.status = p.string("status")
            pool.sizeBytes = p.uint("size_bytes")
            pool.allocatedBytes = p.uint("allocated_bytes")
            pool.freeBytes = p.uint("free_bytes")
            pool.fragmentationRatio = p.double("fragmentation_ratio")
            pool.dataErrors = p.uint("data_errors")
            if let s = p.object("scan") {
                var scan = ZFSPool.Scan(kind: s.string("kind") ?? "", state: s.string("state") ?? "")
                scan.progressRatio = s.double("progress_ratio")
                scan.errors = s.uint("errors")
                scan.repairedBytes = s.uint("repaired_bytes")
                scan.endTimestampSeconds = s.double("end_timestamp_seconds")
                scan.startTimestampSeconds = s.double("start_timestamp_seconds")
                scan.remainingSeconds = s.double("remaining_seconds")
                pool.scan = scan
            }
            pool.vdevs = p.objects("vdevs").map { v in
                var vd = ZFSPool.Vdev(
                    name: v.string("name") ?? "", path: v.string("path") ?? "", depth: v.int("depth") ?? 0,
                    section: v.string("section") ?? "", state: v.string("state"), leaf: v.bool("leaf") ?? false)
                vd.readErrors = v.uint("read_errors")
                vd.writeErrors = v.uint("write_errors")
                vd.checksumErrors = v.uint("checksum_errors")
                vd.blockDevice = v.string("block_device")
                return vd
            }
            return pool
        }
        z.toolRuns = storageToolRuns(o)
        z.problems = o.strings("problems")
        return z
    }
}
