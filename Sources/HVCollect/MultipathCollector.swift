import HVFormats
import HVModel
import HVRuntime
import HVSystem
import Logging

/// dm-multipath maps ("multipath"): fills `snapshot.multipath`.
///
/// `multipathd show maps json` runs in the background every `--storage-tools.interval` (a
/// `ToolSampler`); a scrape reads its last result (stale after a failed run). The tool only
/// runs when dm-multipath is loaded (`<sysfs>/module/dm_multipath`, or a dm device whose uuid
/// starts with "mpath-" when it is built into the kernel): a host without it, or
/// without multipathd, has no report and a successful collector, with one info log line.
public struct MultipathCollector: Collector {
    public let name = "multipath"
    public let sysfs: String
    public let multipathd: String?
    let sampler: ToolSampler<MultipathdMaps>?
    let presence: PresenceLog
    /// The sysfs root (must hold `block`, as any sysfs does), checked at each collection.
    let paths: PathCheck

    public static var fills: Set<SnapshotPart> { [.multipath] }

    /// - Parameter multipathdPath: `--multipath.multipathd-path`; empty: looked up on PATH.
    public init(sysfs: String = "/sys", multipathdPath: String = "", settings: StorageToolSettings = .init(), logger: Logger) {
        self.sysfs = sysfs
        let tool = multipathdPath.isEmpty ? ExternalCommand.find("multipathd") : multipathdPath
        self.multipathd = tool
        self.presence = PresenceLog(collector: "multipath", logger: logger)
        self.paths = PathCheck(collector: "multipath", logger: logger, [.sysfs(sysfs, needs: ["block"])])
        sampler = tool.map {
            ToolSampler.reading(
                tool: "multipathd", executable: $0, arguments: ["show", "maps", "json"],
                interval: settings.interval, timeout: settings.timeout, parse: MultipathdMaps.parse)
        }
    }

    public func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws {
        try paths.verify()
        guard FileReader.exists(sysfs + "/module/dm_multipath") || Self.hasMultipathMap(sysfs: sysfs) else {
            presence.note("dm_multipath not loaded (\(sysfs)/module/dm_multipath) and no dm device is a multipath map: no multipath series")
            return
        }
        guard let sampler else {
            presence.note("dm_multipath loaded but no multipathd found (--multipath.multipathd-path): no multipath series")
            return
        }
        presence.note(nil)
        sampler.start()
        let r = sampler.read()
        snapshot.multipath = MultipathReport(
            maps: (r.value?.maps ?? []).map(Self.map).sorted { $0.name < $1.name }, toolRuns: [r.status],
            problems: r.value?.malformed ?? [])
    }

    /// Whether a dm device is a multipath map (dm uuid "mpath-..."): dm-multipath built into
    /// the kernel has no /sys/module entry.
    static func hasMultipathMap(sysfs: String) -> Bool {
        let names = (try? DirectoryReader.names(sysfs + "/block")) ?? []
        for n in names where n.hasPrefix("dm-") {
            if let uuid = try? FileReader.read("\(sysfs)/block/\(n)/dm/uuid", maxBytes: 256), uuid.starts(with: Array("mpath-".utf8)) {
                return true
            }
        }
        return false
    }

    static func map(_ m: MultipathdMap) -> MultipathMap {
        var out = MultipathMap(name: m.name)
        out.wwid = m.uuid
        out.dmDevice = m.sysfs
        out.queueing = m.queueing
        out.features = m.features
        out.dmState = m.dmState
        out.vendor = m.vendor
        out.product = m.product
        out.pathFaults = m.pathFaults
        out.reportedActivePaths = m.activePaths
        out.paths = m.pathGroups.flatMap { g in
            g.paths.map {
                MultipathMap.Path(
                    device: $0.device, group: g.group, dmState: $0.dmState, checkerState: $0.checkerState, deviceState: $0.deviceState)
            }
        }
        return out
    }
}
