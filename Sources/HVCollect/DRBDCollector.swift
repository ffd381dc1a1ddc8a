import HVFormats
import HVModel
import HVRuntime
import HVSystem
import Logging

/// DRBD resources ("drbd"): fills `snapshot.drbd`.
///
/// `<procfs>/drbd` is read at each scrape (a kernel file, cheap). DRBD 8.x lists every minor
/// there with its states, counters and resync progress. DRBD 9 lists only its version there;
/// its state comes from `drbdsetup status --json --verbose --statistics`, run in the
/// background every `--storage-tools.interval` (a `ToolSampler`), the scrape reading its last
/// result (stale after a failed run). No /proc/drbd (module not loaded): no report, success,
/// one info line in the log. DRBD 9 without drbdsetup: the same.
public struct DRBDCollector: Collector {
    public let name = "drbd"
    public let procfs: String
    /// drbdsetup as configured or found on PATH; nil when there is none.
    public let drbdsetup: String?
    let sampler: ToolSampler<DRBDSetupStatus>?
    let presence: PresenceLog
    /// The procfs root (`self`, or `drbd` in a fixture tree), checked at each collection: a
    /// root that points nowhere fails the collector instead of reading as "no DRBD".
    let paths: PathCheck

    public static var fills: Set<SnapshotPart> { [.drbd] }

    /// - Parameter drbdsetupPath: `--drbd.drbdsetup-path`; empty: looked up on PATH.
    public init(procfs: String = "/proc", drbdsetupPath: String = "", settings: StorageToolSettings = .init(), logger: Logger) {
        self.procfs = procfs
        let tool = drbdsetupPath.isEmpty ? ExternalCommand.find("drbdsetup") : drbdsetupPath
        self.drbdsetup = tool
        self.presence = PresenceLog(collector: "drbd", logger: logger)
        self.paths = PathCheck(collector: "drbd", logger: logger, [.procfs(procfs, alternatives: ["drbd"])])
        sampler = tool.map {
            ToolSampler.reading(
                tool: "drbdsetup", executable: $0, arguments: ["status", "--json", "--verbose", "--statistics"],
                interval: settings.interval, timeout: settings.timeout, parse: DRBDSetupStatus.parse)
        }
    }

    public func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws {
        try paths.verify()
        let bytes: [UInt8]
        do {
            bytes = try FileReader.read(procfs + "/drbd")
        } catch let e as SystemError where e.kind == .notFound {
            presence.note("\(procfs)/drbd absent (DRBD not loaded): no drbd series")
            return
        }
        let file = DRBDProcFile.parse(bytes)
        if file.isDRBD9 {
            guard let sampler else {
                presence.note("DRBD \(file.version ?? "9") loaded but no drbdsetup found (--drbd.drbdsetup-path): no drbd series")
                return
            }
            presence.note(nil)
            sampler.start()
            let r = sampler.read()
            snapshot.drbd = DRBDReport(
                source: "drbdsetup", moduleVersion: file.version, resources: (r.value?.resources ?? []).map(Self.resource),
                toolRuns: [r.status], problems: r.value?.malformed ?? [])
            return
        }
        presence.note(nil)
        snapshot.drbd = DRBDReport(
            source: "procfs", moduleVersion: file.version,
            resources: file.devices.filter { $0.connectionState != "Unconfigured" }.map(Self.resource),
            problems: file.malformed.map(\.reason))
    }

    // MARK: - DRBD 9

    static func resource(_ r: DRBDSetupResource) -> DRBDResource {
        var out = DRBDResource(name: r.name, role: r.role)
        out.volumes = r.devices.sorted { $0.volume < $1.volume }.map { d in
            var v = DRBDResource.Volume(volume: d.volume, minor: d.minor, diskState: d.diskState, client: d.client ?? false)
            v.quorum = d.quorum
            v.sizeBytes = kib(d.sizeKiB)
            v.readBytes = kib(d.readKiB)
            v.writtenBytes = kib(d.writtenKiB)
            return v
        }
        out.peers = r.connections.map { c in
            DRBDResource.Peer(
                name: c.name, connectionState: c.connectionState, role: c.peerRole,
                volumes: c.peerDevices.sorted { $0.volume < $1.volume }.map { p in
                    var v = DRBDResource.PeerVolume(volume: p.volume, diskState: p.peerDiskState, replicationState: p.replicationState)
                    v.client = p.peerClient ?? false
                    v.outOfSyncBytes = kib(p.outOfSyncKiB)
                    if v.syncing { v.syncRatio = p.percentInSync.map { min(1, max(0, $0 / 100)) } }
                    v.syncSpeedBytesPerSecond = p.resyncBytesPerSecond
                    v.syncRemainingSeconds = v.syncing ? p.estimatedSecondsToFinish : nil
                    return v
                })
        }.sorted { $0.name < $1.name }
        return out
    }

    // MARK: - DRBD 8.x

    /// Connection states of 8.x that are a replication state on a live connection in 9.
    static let replicationInCS: Set<String> = [
        "StartingSyncS", "StartingSyncT", "WFBitMapS", "WFBitMapT", "WFSyncUUID", "SyncSource", "SyncTarget", "PausedSyncS",
        "PausedSyncT", "VerifyS", "VerifyT", "Ahead", "Behind",
    ]

    static func resource(_ d: DRBDProcDevice) -> DRBDResource {
        var v = DRBDResource.Volume(volume: 0, minor: d.minor, diskState: d.diskState)
        v.readBytes = kib(d.counters["dr"])
        v.writtenBytes = kib(d.counters["dw"])
        let cs = d.connectionState
        var pv = DRBDResource.PeerVolume(volume: 0, diskState: d.peerDiskState)
        let connection: String
        if replicationInCS.contains(cs) {
            connection = "Connected"
            pv.replicationState = cs
        } else if cs == "Connected" {
            connection = cs
            pv.replicationState = "Established"
        } else {
            connection = cs
            pv.replicationState = "Off"
        }
        pv.outOfSyncBytes = kib(d.counters["oos"])
        if let s = d.sync {
            pv.syncRatio = s.percent.map { min(1, max(0, $0 / 100)) }
            pv.syncSpeedBytesPerSecond = s.speedKiBPerSecond.flatMap { kib($0) }.map { Double($0) }
            pv.syncRemainingSeconds = s.finishSeconds.map { Double($0) }
            pv.syncStalled = s.stalled
        }
        var r = DRBDResource(name: "drbd\(d.minor)", role: d.role, volumes: [v])
        if cs != "Unconfigured" {
            r.peers = [DRBDResource.Peer(name: "peer", connectionState: connection, role: d.peerRole, volumes: [pv])]
        }
        return r
    }

    static func kib(_ v: UInt64?) -> UInt64? {
        guard let v, v <= UInt64.max >> 10 else { return nil }
        return v << 10
    }
}
