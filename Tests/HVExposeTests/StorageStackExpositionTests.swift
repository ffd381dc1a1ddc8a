import HVModel
import LabSupport
import Testing

@testable import HVExpose

/// DRBD, multipath and ZFS families on a hand-built snapshot (model values shaped like the
/// HVFormats fixtures: a DRBD 8.4 split brain and resync, the IBM map without an active path,
/// a DEGRADED mirror with an UNAVAIL member): the series the alerts use, state sets with an
/// unknown word, nothing written for absent subsystems, promtool clean.
struct StorageStackExpositionTests {
    static func sample() -> Snapshot {
        var s = Snapshot(timestampSeconds: 1_795_321_800, hostname: "hv1")
        var pv = DRBDResource.PeerVolume(volume: 0, diskState: "Inconsistent", replicationState: "SyncSource")
        pv.outOfSyncBytes = 308_971_507_712; pv.syncRatio = 0.424; pv.syncSpeedBytesPerSecond = 61_616_128; pv.syncRemainingSeconds = 5008
        var vol = DRBDResource.Volume(volume: 0, minor: 0, diskState: "UpToDate")
        vol.readBytes = 1024; vol.writtenBytes = 2048
        let syncing = DRBDResource(
            name: "drbd0", role: "Primary", volumes: [vol],
            peers: [.init(name: "peer", connectionState: "Connected", role: "Secondary", volumes: [pv])])
        let split = DRBDResource(
            name: "drbd1", role: "Primary", volumes: [.init(volume: 0, minor: 1, diskState: "UpToDate")],
            peers: [
                .init(
                    name: "peer", connectionState: "StandAlone", role: "Unknown",
                    volumes: [.init(volume: 0, diskState: "DUnknown", replicationState: "Off")])
            ])
        let odd = DRBDResource(name: "r\"q", role: "Primary", volumes: [.init(volume: 0, minor: 1000, diskState: "Frobnicated")])
        s.drbd = DRBDReport(source: "procfs", moduleVersion: "8.4.0", resources: [syncing, split, odd])

        var m = MultipathMap(
            name: "mpathp", paths: [.init(device: "sdb", group: 1, dmState: "failed", checkerState: "faulty", deviceState: "running")])
        m.wwid = "360050768029b8168e000000000006247"; m.dmDevice = "dm-3"; m.queueing = "5 chk"; m.pathFaults = 1
        m.reportedActivePaths = 0; m.vendor = "IBM"; m.product = "2145"
        let healthy = MultipathMap(name: "3624a9370ca38a5c63c724ca8000a5c6d", paths: [])
        s.multipath = MultipathReport(
            maps: [m, healthy], toolRuns: [ToolRunStatus(tool: "multipathd", success: true, durationSeconds: 0.02)])

        var p = ZFSPool(name: "mypool", state: "DEGRADED")
        p.sizeBytes = 8_000_000_000_000; p.allocatedBytes = 6_000_000_000_000; p.freeBytes = 2_000_000_000_000; p.fragmentationRatio = 0.07
        p.dataErrors = 0
        var scan = ZFSPool.Scan(kind: "scrub", state: "finished")
        scan.errors = 0; scan.repairedBytes = 0; scan.endTimestampSeconds = 1_730_647_493
        p.scan = scan
        var root = ZFSPool.Vdev(name: "mypool", path: "mypool", depth: 0, state: "DEGRADED")
        root.readErrors = 0; root.writeErrors = 0; root.checksumErrors = 0
        var bad = ZFSPool.Vdev(
            name: "12345678901234567890", path: "mypool/mirror-0/12345678901234567890", depth: 2, state: "UNAVAIL", leaf: true)
        bad.readErrors = 0; bad.writeErrors = 0; bad.checksumErrors = 100_980
        var good = ZFSPool.Vdev(name: "ata-X-part1", path: "mypool/mirror-0/ata-X-part1", depth: 2, state: "ONLINE", leaf: true)
        good.blockDevice = "sdb1"; good.readErrors = 0; good.writeErrors = 0; good.checksumErrors = 0
        p.vdevs = [root, ZFSPool.Vdev(name: "mirror-0", path: "mypool/mirror-0", depth: 1, state: "DEGRADED"), bad, good]
        var resilvering = ZFSPool(name: "tank", state: "ONLINE")
        var rs = ZFSPool.Scan(kind: "resilver", state: "running")
        rs.progressRatio = 0.5717; rs.remainingSeconds = 201
        resilvering.scan = rs
        s.zfs = ZFSReport(
            source: "zpool", pools: [p, resilvering],
            toolRuns: [ToolRunStatus(tool: "zpool", success: false, error: "zpool timed out after 30 seconds", stale: true)])
        return s
    }

    static func value(_ set: MetricSet, _ name: String, _ labels: [String: String]) -> SampleValue? {
        set.samples(name).first { s in labels.allSatisfy { s.labels[$0.key] == $0.value } }?.value
    }

    @Test func theSeriesTheAlertsUse() {
        let set = SnapshotMetrics.build(Self.sample())
        #expect(Self.value(set, "hv_drbd_split_brain", ["resource": "drbd1", "peer": "peer"]) == .int(1))
        #expect(Self.value(set, "hv_drbd_split_brain", ["resource": "drbd0"]) == .int(0))
        #expect(Self.value(set, "hv_drbd_connection_state", ["resource": "drbd1", "state": "Connected"]) == .int(0))
        #expect(Self.value(set, "hv_drbd_replication_state", ["resource": "drbd0", "state": "SyncSource", "minor": "0"]) == .int(1))
        #expect(Self.value(set, "hv_drbd_resync_ratio", ["resource": "drbd0"]) == .double(0.424))
        #expect(set.samples("hv_drbd_resync_ratio").count == 1)   // only while syncing
        #expect(Self.value(set, "hv_drbd_disk_state", ["resource": "r\"q", "state": "Frobnicated"]) == .int(1))
        #expect(Self.value(set, "hv_drbd_out_of_sync_bytes", ["resource": "drbd0", "peer": "peer"]) == .uint(308_971_507_712))
        #expect(Self.value(set, "hv_multipath_active_paths", ["map": "mpathp"]) == .int(0))
        #expect(set.samples("hv_multipath_active_paths").count == 1)   // not for a map whose paths are unknown
        #expect(Self.value(set, "hv_multipath_paths", ["map": "mpathp", "state": "failed"]) == .int(1))
        #expect(Self.value(set, "hv_multipath_queueing", ["map": "mpathp"]) == .int(1))
        #expect(Self.value(set, "hv_multipath_map_info", ["map": "mpathp", "dm_device": "dm-3"]) == .int(1))
        #expect(set.samples("hv_multipath_paths").filter { $0.labels["map"] != "mpathp" }.isEmpty)   // no path list, no counts
        #expect(Self.value(set, "hv_zfs_pool_health", ["pool": "mypool", "state": "DEGRADED"]) == .int(1))
        #expect(Self.value(set, "hv_zfs_pool_health", ["pool": "mypool", "state": "ONLINE"]) == .int(0))
        #expect(Self.value(set, "hv_zfs_vdev_checksum_errors", ["vdev": "mypool/mirror-0/12345678901234567890"]) == .uint(100_980))
        #expect(Self.value(set, "hv_zfs_vdev_state", ["vdev": "mypool/mirror-0/ata-X-part1", "block_device": "sdb1"]) == .int(1))
        #expect(
            Self.value(set, "hv_zfs_pool_scan_end_timestamp_seconds", ["pool": "mypool", "kind": "scrub", "outcome": "finished"])
                == .double(1_730_647_493))
        #expect(Self.value(set, "hv_zfs_pool_scan_running", ["pool": "tank", "kind": "resilver"]) == .int(1))
        #expect(Self.value(set, "hv_zfs_pool_scan_progress_ratio", ["pool": "tank"]) == .double(0.5717))
        #expect(Self.value(set, "hv_external_tool_stale", ["tool": "zpool"]) == .int(1))
        let findings = Self.sample().storageFindings
        #expect(findings.map(\.source) == ["drbd", "drbd", "drbd", "multipath", "multipath", "zfs", "zfs"])
        #expect(findings.map(\.severity) == [.degraded, .failed, .degraded, .failed, .ok, .degraded, .ok])
    }

    @Test func absentSubsystemsWriteNothing() {
        let set = SnapshotMetrics.build(Snapshot())
        #expect(set.sortedNames.filter { $0.hasPrefix("hv_drbd") || $0.hasPrefix("hv_multipath") || $0.hasPrefix("hv_zfs") }.isEmpty)
    }

    @Test(.promtool) func promtoolFindsNothing() throws {
        let text = PrometheusTextWriter.write(SnapshotMetrics.build(Self.sample()))
        let report = try Promtool.checkMetrics(text)
        #expect(report.isClean, "\(report)")
    }
}
