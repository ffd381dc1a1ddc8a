import Glibc
import HVFormats
import HVModel
import HVRuntime
import HVSystem
import Logging

/// ZFS pools ("zfs"): fills `snapshot.zfs`.
///
/// With `zpool` (found on PATH or `--zfs.zpool-path`): `zpool status -p` and `zpool list -Hp
/// -o name,size,allocated,free,fragmentation,health` run in the background every
/// `--storage-tools.interval` (a `ToolSampler`); a scrape reads their last result (stale after
/// a failed run). Leaf vdevs are resolved to kernel block devices through /dev (by-id,
/// by-partuuid... links). Without zpool the pools' states come from
/// `<procfs>/spl/kstat/zfs/<pool>/state`, read at scrape time. No `<procfs>/spl/kstat/zfs`
/// (module not loaded): no report, success, one info line in the log.
public struct ZFSCollector: Collector {
    public let name = "zfs"
    public let procfs: String
    public let zpool: String?
    let sampler: ToolSampler<ZFSProbe>?
    let presence: PresenceLog
    /// The procfs root (`self`, or `spl` in a fixture tree), checked at each collection.
    let paths: PathCheck

    public static var fills: Set<SnapshotPart> { [.zfs] }

    /// What one background run found.
    struct ZFSProbe: Sendable {
        var pools: [ZFSPool]
        var problems: [String]
    }

    /// - Parameters:
    ///   - zpoolPath: `--zfs.zpool-path`; empty: looked up on PATH.
    ///   - devRoot: where vdev names are resolved to block devices ("/dev"; a fixture tree in tests).
    public init(
        procfs: String = "/proc", zpoolPath: String = "", devRoot: String = "/dev", settings: StorageToolSettings = .init(),
        logger: Logger
    ) {
        self.procfs = procfs
        let tool = zpoolPath.isEmpty ? ExternalCommand.find("zpool") : zpoolPath
        self.zpool = tool
        self.presence = PresenceLog(collector: "zfs", logger: logger)
        self.paths = PathCheck(collector: "zfs", logger: logger, [.procfs(procfs, alternatives: ["spl"])])
        if let tool {
            let timeout = settings.timeout
            sampler = ToolSampler(tool: "zpool", interval: settings.interval) { () throws(ToolFailure) -> ZFSProbe in
                let o: ExternalCommand.Outcome
                do throws(ToolFailure) {
                    o = try ExternalCommand.runTool(tool, ["status", "-p"], timeout: timeout)
                } catch  where error.message.contains("invalid option") {
                    // zpool before 0.8 has no -p: its humanised figures are read too.
                    o = try ExternalCommand.runTool(tool, ["status"], timeout: timeout)
                }
                let status: ZpoolStatus
                do throws(StorageToolFormatError) {
                    status = try ZpoolStatus.parse(o.stdout)
                } catch {
                    throw ToolFailure(error.message)
                }
                var problems = status.malformed
                var list = ZpoolList()
                do throws(ToolFailure) {
                    let l = try ExternalCommand.runTool(
                        tool, ["list", "-Hp", "-o", ZpoolList.columns.joined(separator: ",")], timeout: timeout)
                    list = ZpoolList.parse(l.stdout)
                    problems += list.malformed.map { "zpool list: \($0)" }
                } catch {
                    problems.append("zpool list: \(error.message); pools without capacity figures")
                }
                return ZFSProbe(
                    pools: status.pools.map { Self.pool($0, list: list, resolve: { Self.blockDevice(named: $0, devRoot: devRoot) }) },
                    problems: problems)
            }
        } else {
            sampler = nil
        }
    }

    public func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws {
        try paths.verify()
        let kstat = procfs + "/spl/kstat/zfs"
        guard FileReader.exists(kstat) else {
            presence.note("\(kstat) absent (ZFS not loaded): no zfs series")
            return
        }
        if let sampler {
            presence.note(nil)
            sampler.start()
            let r = sampler.read()
            snapshot.zfs = ZFSReport(source: "zpool", pools: r.value?.pools ?? [], toolRuns: [r.status], problems: r.value?.problems ?? [])
            return
        }
        presence.note("no zpool found (--zfs.zpool-path): pool states only, from \(kstat)")
        var report = ZFSReport(source: "kstat")
        for name in (try? DirectoryReader.subdirectories(kstat))?.sorted() ?? [] {
            let path = "\(kstat)/\(name)/state"
            guard let bytes = try? FileReader.read(path) else { continue }
            do throws(StorageToolFormatError) {
                report.pools.append(ZFSPool(name: name, state: try ZFSKstatState.parse(bytes)))
            } catch {
                report.problems.append("\(path): \(error.message)")
            }
        }
        snapshot.zfs = report
    }

    // MARK: - zpool status to the model

    static func pool(_ p: ZpoolStatusPool, list: ZpoolList, resolve: (String) -> String?) -> ZFSPool {
        var out = ZFSPool(name: p.name, state: p.state)
        out.status = p.status
        out.dataErrors = p.dataErrors
        if let l = list.pools.first(where: { $0.name == p.name }) {
            out.sizeBytes = l.sizeBytes
            out.allocatedBytes = l.allocatedBytes
            out.freeBytes = l.freeBytes
            out.fragmentationRatio = l.fragmentationPercent.map { min(1, max(0, $0 / 100)) }
        }
        if let s = p.scan {
            var scan = ZFSPool.Scan(kind: s.kind.rawValue, state: s.state.rawValue)
            if s.state == .running || s.state == .paused { scan.progressRatio = s.percentDone.map { min(1, max(0, $0 / 100)) } }
            scan.errors = s.errors
            scan.repairedBytes = s.repairedBytes
            scan.endTimestampSeconds = s.endDate.flatMap(epochSeconds)
            scan.startTimestampSeconds = s.startDate.flatMap(epochSeconds)
            scan.remainingSeconds = s.remainingSeconds.map { Double($0) }
            out.scan = scan
        }
        var stack: [String] = []
        for (i, v) in p.vdevs.enumerated() {
            let depth = max(0, v.depth)
            if stack.count > depth { stack.removeLast(stack.count - depth) }
            while stack.count < depth { stack.append("?") }
            let prefix = v.section.isEmpty ? stack : [v.section] + stack
            let path = (prefix + [v.name]).joined(separator: "/")
            stack.append(v.name)
            let next = i + 1 < p.vdevs.count ? p.vdevs[i + 1] : nil
            let hasChild = next.map { $0.section == v.section && $0.depth > v.depth } ?? false
            let leaf = !hasChild && !(v.section.isEmpty && depth == 0)
            var vd = ZFSPool.Vdev(name: v.name, path: path, depth: depth, section: v.section, state: v.state, leaf: leaf)
            vd.readErrors = v.readErrors
            vd.writeErrors = v.writeErrors
            vd.checksumErrors = v.checksumErrors
            if leaf { vd.blockDevice = resolve(v.name) }
            out.vdevs.append(vd)
        }
        return out
    }

    /// A zpool date (local time, as ctime prints it) in seconds since the Unix epoch.
    static func epochSeconds(_ d: ZpoolDate) -> Double? {
        var t = tm()
        t.tm_year = Int32(d.year - 1900)
        t.tm_mon = Int32(d.month - 1)
        t.tm_mday = Int32(d.day)
        t.tm_hour = Int32(d.hour)
        t.tm_min = Int32(d.minute)
        t.tm_sec = Int32(d.second)
        t.tm_isdst = -1
        let s = mktime(&t)
        return s == -1 ? nil : Double(s)
    }

    /// The kernel name behind a vdev name: "/dev/sda1" or "sda1" itself, or a link under
    /// /dev/disk/by-id, by-vdev, by-partuuid, by-partlabel, by-path, by-uuid, /dev/mapper.
    static func blockDevice(named name: String, devRoot: String) -> String? {
        guard !name.isEmpty, !name.contains(".."), name.first != "-" else { return nil }
        let candidates =
            name.hasPrefix("/")
            ? [name]
            : ["", "disk/by-id/", "disk/by-vdev/", "disk/by-partuuid/", "disk/by-partlabel/", "disk/by-path/", "disk/by-uuid/", "mapper/"]
                .map { "\(devRoot)/\($0)\(name)" }
        for c in candidates where FileReader.exists(c) {
            guard let real = realpath(c, nil) else { continue }
            defer { free(real) }
            let resolved = String(cString: real)
            guard let base = resolved.split(separator: "/").last, !base.isEmpty else { continue }
            // Only block devices: a file-backed vdev ("/var/lib/lxd/disks/default.img") is none.
            // In a fixture tree (a devRoot other than /dev) any file stands for one.
            var st = stat()
            guard stat(resolved, &st) == 0, (st.st_mode & S_IFMT) == S_IFBLK || devRoot != "/dev" else { continue }
            return String(base)
        }
        return nil
    }
}
