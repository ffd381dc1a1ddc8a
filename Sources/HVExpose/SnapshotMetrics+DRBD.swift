import HVModel

/// DRBD families (`hv_drbd_*`). Labels: `resource`; per volume also `volume` and `minor`
/// (the device is /dev/drbd<minor>); per connection `peer` (the peer's host name; DRBD 8.x,
/// whose /proc/drbd names neither resources nor peers, gives resource "drbd<minor>", volume
/// "0" and peer "peer").
///
/// How they map to node_exporter's drbd collector (`node_drbd_*`, /proc/drbd of DRBD 8.x,
/// label `device`): `node_drbd_disk_read_bytes_total`/`_written_` are
/// `hv_drbd_disk_read_bytes_total`/`_written_`; `node_drbd_out_of_sync_bytes` is
/// `hv_drbd_out_of_sync_bytes` (per peer); `node_drbd_connected` is
/// `hv_drbd_connection_state{state="Connected"}`; `node_drbd_node_role_is_primary{node}` and
/// `node_drbd_disk_state_is_up_to_date{node}` are the `hv_drbd_role`, `hv_drbd_peer_role`,
/// `hv_drbd_disk_state` and `hv_drbd_peer_disk_state` state sets. The network and activity
/// log counters of 8.x are left out; resync progress, split brain and DRBD 9 are new here.
extension SnapshotMetrics {
    static let drbdInfo = MetricDescriptor(
        "hv_drbd_info", .gauge,
        "DRBD module seen; value 1. source: procfs (/proc/drbd, DRBD 8.x) or drbdsetup (DRBD 9); version: the kernel module's.",
        labels: ["source", "version"])
    static let drbdRole = MetricDescriptor(
        "hv_drbd_role", .gauge, "1 for the resource's local role (Primary, Secondary, Unknown), 0 for the others.",
        labels: ["resource", "role"])
    static let drbdDiskState = MetricDescriptor(
        "hv_drbd_disk_state", .gauge,
        "1 for the local disk state of the volume (UpToDate, Inconsistent, Outdated, Consistent, Diskless, Failed, Attaching, Detaching, Negotiating, DUnknown), 0 for the others.",
        labels: ["resource", "volume", "minor", "state"])
    static let drbdClient = MetricDescriptor(
        "hv_drbd_diskless_client", .gauge, "1 if the volume is diskless on purpose (a DRBD 9 client), else 0.",
        labels: ["resource", "volume", "minor"])
    static let drbdSize = MetricDescriptor(
        "hv_drbd_size_bytes", .gauge, "Size of the volume, bytes (DRBD 9).", labels: ["resource", "volume", "minor"])
    static let drbdRead = MetricDescriptor(
        "hv_drbd_disk_read_bytes_total", .counter, "Bytes read from the local backing disk.",
        labels: ["resource", "volume", "minor"])
    static let drbdWritten = MetricDescriptor(
        "hv_drbd_disk_written_bytes_total", .counter, "Bytes written to the local backing disk.",
        labels: ["resource", "volume", "minor"])
    static let drbdConnectionState = MetricDescriptor(
        "hv_drbd_connection_state", .gauge,
        "1 for the connection's state to this peer (Connected, StandAlone, Connecting, WFConnection, Unconnected, NetworkFailure...), 0 for the others.",
        labels: ["resource", "peer", "state"])
    static let drbdPeerRole = MetricDescriptor(
        "hv_drbd_peer_role", .gauge, "1 for the peer's role (Primary, Secondary, Unknown), 0 for the others.",
        labels: ["resource", "peer", "role"])
    static let drbdSplitBrain = MetricDescriptor(
        "hv_drbd_split_brain", .gauge,
        "1 if the resource is StandAlone against this configured peer (DRBD stops there after a split brain it may not resolve, or after drbdadm disconnect), else 0.",
        labels: ["resource", "peer"])
    static let drbdPeerDiskState = MetricDescriptor(
        "hv_drbd_peer_disk_state", .gauge,
        "1 for the peer's disk state of the volume, 0 for the others (same words as hv_drbd_disk_state).",
        labels: ["resource", "volume", "minor", "peer", "state"])
    static let drbdReplicationState = MetricDescriptor(
        "hv_drbd_replication_state", .gauge,
        "1 for the volume's replication state with this peer (Established, SyncSource, SyncTarget, PausedSyncS/T, VerifyS/T, WFBitMapS/T, Ahead, Behind, Off...), 0 for the others.",
        labels: ["resource", "volume", "minor", "peer", "state"])
    static let drbdOutOfSync = MetricDescriptor(
        "hv_drbd_out_of_sync_bytes", .gauge, "Data this node and the peer disagree on, bytes (to be resynced).",
        labels: ["resource", "volume", "minor", "peer"])
    static let drbdResyncRatio = MetricDescriptor(
        "hv_drbd_resync_ratio", .gauge, "Fraction in sync while a resync or verify with this peer runs, 0..1; absent otherwise.",
        labels: ["resource", "volume", "minor", "peer"])
    static let drbdResyncSpeed = MetricDescriptor(
        "hv_drbd_resync_speed_bytes_per_second", .gauge,
        "Current resync speed, bytes per second; absent when none runs or the source does not tell.",
        labels: ["resource", "volume", "minor", "peer"])
    static let drbdResyncRemaining = MetricDescriptor(
        "hv_drbd_resync_remaining_seconds", .gauge, "Estimated time to the end of the running resync, seconds.",
        labels: ["resource", "volume", "minor", "peer"])
    static let drbdResyncStalled = MetricDescriptor(
        "hv_drbd_resync_stalled", .gauge, "1 if the running resync made no progress lately (DRBD 8.x prints 'stalled'), else 0.",
        labels: ["resource", "volume", "minor", "peer"])

    static func addDRBDFamilies(_ s: Snapshot, _ set: inout MetricSet) {
        guard let d = s.drbd else { return }
        set.add(drbdInfo, [d.source, d.moduleVersion ?? ""], 1)
        for r in d.resources {
            if let role = r.role { storageStateSet(drbdRole, [r.name], role, DRBDResource.roles, &set) }
            var minors: [Int: String] = [:]
            for v in r.volumes {
                let l = [r.name, String(v.volume), v.minor.map(String.init) ?? ""]
                minors[v.volume] = l[2]
                if let ds = v.diskState { storageStateSet(drbdDiskState, l, ds, DRBDResource.diskStates, &set) }
                set.add(drbdClient, l, v.client)
                set.add(drbdSize, l, ifPresent: v.sizeBytes)
                set.add(drbdRead, l, ifPresent: v.readBytes)
                set.add(drbdWritten, l, ifPresent: v.writtenBytes)
            }
            for p in r.peers {
                if let c = p.connectionState {
                    storageStateSet(drbdConnectionState, [r.name, p.name], c, DRBDResource.connectionStates, &set)
                }
                if let role = p.role { storageStateSet(drbdPeerRole, [r.name, p.name], role, DRBDResource.roles, &set) }
                set.add(drbdSplitBrain, [r.name, p.name], p.splitBrain)
                for pv in p.volumes {
                    let l = [r.name, String(pv.volume), minors[pv.volume] ?? "", p.name]
                    if let ds = pv.diskState { storageStateSet(drbdPeerDiskState, l, ds, DRBDResource.diskStates, &set) }
                    if let rs = pv.replicationState { storageStateSet(drbdReplicationState, l, rs, DRBDResource.replicationStates, &set) }
                    set.add(drbdOutOfSync, l, ifPresent: pv.outOfSyncBytes)
                    if pv.syncing {
                        set.add(drbdResyncRatio, l, ifPresent: pv.syncRatio)
                        set.add(drbdResyncSpeed, l, ifPresent: pv.syncSpeedBytesPerSecond)
                        set.add(drbdResyncRemaining, l, ifPresent: pv.syncRemainingSeconds)
                        set.add(drbdResyncStalled, l, pv.syncStalled)
                    }
                }
            }
        }
    }

    /// One series per known word (1 for `current`, 0 for the others), plus `current` when it
    /// is a word this exporter does not know.
    static func storageStateSet(_ d: MetricDescriptor, _ labels: [String], _ current: String, _ words: [String], _ set: inout MetricSet) {
        for w in words { set.add(d, labels + [w], w == current) }
        if !words.contains(current) { set.add(d, labels + [current], 1) }
    }
}
