import HVModel
import HVRuntime
import HVSystem
import HVUdev
import Logging
import Synchronization

/// The storage stack under every guest disk ("storage"): fills `snapshot.guestDiskStacks`.
///
/// VM disks come from the libvirt domain metadata already in each `Guest` (file, block and
/// volume sources are host paths; network disks end as one network layer naming
/// "protocol:name"). A container's disks come from its init's mount table
/// (`/proc/<init pid>/mountinfo`, the init found by the guest mapper): the mount at "/" is
/// "rootfs", and each other writable mount of a block-backed or network filesystem outside
/// /proc, /sys and /dev is an attached volume named by its mount point. This works alike
/// for LXC, LXD (any storage driver), libvirt-lxc and nspawn, running containers only, with
/// no configuration files to parse; read-only bind mounts (LXC's busybox template binds the
/// host's /lib read-only) are left out.
///
/// Each source is resolved once (`StorageStackResolver`: mount table, sysfs, `stat(2)` of
/// local paths only) and cached; every scrape asks whether the host's `/proc/self/mountinfo`
/// changed (`MountTableWatch`: one `poll(2)`, the kernel flags mount changes; a copy on disk
/// is read and compared). The whole cache is dropped and everything
/// resolved again when the mount table changed or `refreshInterval` passed; a new guest or
/// disk is resolved on its own; nothing is resolved per scrape otherwise. Resolution runs on
/// a worker thread and is waited for until the scrape's deadline at most; past it, the
/// scrape reports what it has (stacks not resolved yet carry an error), later scrapes do not
/// wait for it again, and the first scrape after it ended serves its result.
///
/// The health roll-up (findings from md, btrfs, SMART...) is applied by the scrape after
/// every collector ran (`Snapshot.rollUpStorageHealth`).
public final class StorageStackCollector: Collector, Sendable {
    public let name = "storage"
    public let procfs: String
    public let sysfs: String
    /// Longest time a resolution is trusted, even when the mount table has not changed.
    public let refreshInterval: Duration
    let identify: @Sendable (String) -> DiskIdentity?
    let inspect: @Sendable (String) -> StoragePathFact
    let logger: Logger
    let paths: PathCheck
    let mounts: MountTableWatch

    struct State {
        /// `MountTableWatch.generation` of the table the cache was resolved with.
        var mountGeneration: UInt64?
        var resolvedAt: ContinuousClock.Instant?
        /// Layers by request key ("path:<source>", "ct:<guest key>:<pid>").
        var cache: [String: [Resolved]] = [:]
        var running: Deadline.Pending<Bool>?
        /// Resolutions done (sources and containers), for tests and logs.
        var resolutions = 0
    }

    /// One resolved disk: for a path one entry; for a container its rootfs and volumes.
    struct Resolved: Sendable {
        var target: String
        var source: String
        var layers: [StorageLayer]
        var error: String?
    }

    let state = Mutex(State())

    /// - Parameters:
    ///   - identify: udev identity of a whole disk by kernel name; a stub in tests.
    ///   - inspect: what a path is (`stat(2)`); a table in tests.
    public init(
        procfs: String = "/proc", sysfs: String = "/sys", refreshInterval: Duration = .seconds(300), logger: Logger,
        identify: @escaping @Sendable (String) -> DiskIdentity? = { UdevBlockDevices.identity(kernelName: $0) },
        inspect: @escaping @Sendable (String) -> StoragePathFact = StoragePathFact.live
    ) {
        self.procfs = procfs
        self.sysfs = sysfs
        self.refreshInterval = refreshInterval
        self.logger = logger
        self.identify = identify
        self.inspect = inspect
        self.mounts = MountTableWatch(procfs: procfs)
        self.paths = PathCheck(
            collector: "storage", logger: logger, [.procfs(procfs, alternatives: ["self/mountinfo"]), .sysfs(sysfs, needs: ["dev"])])
    }

    public static var reads: [CollectorInput] { [.optional(.libvirtDomains), .optional(.guestProcesses), .optional(.storagePools)] }
    public static var fills: Set<SnapshotPart> { [.storageStacks] }

    /// Sources and containers resolved since start (each counts once per resolution).
    public var resolutions: Int { state.withLock { $0.resolutions } }

    /// One disk of one guest to resolve.
    struct Request: Sendable {
        var guest: Guest
        /// "path:<host path>", "net:<source>", "ct:<key>:<pid>"; "" when there is nothing to
        /// resolve.
        var key: String
        var target: String
        var source: String
        /// For a "path:" key, the host path: the source, or a volume's path in its pool.
        var path = ""
        /// Why there is nothing to resolve, when `key` is "".
        var error: String?
    }

    static func requests(_ guests: [Guest], pools: [StoragePool] = []) -> [Request] {
        var out: [Request] = []
        for g in guests {
            if g.kind == .vm {
                for d in g.blockDevices {
                    var key: String
                    var path = ""
                    var error: String?
                    if d.source.isEmpty {
                        key = ""
                        error = "no source"
                    } else if d.diskType == "network" {
                        key = "net:" + d.source
                    } else if d.diskType == "volume" && !d.source.hasPrefix("/") {
                        // pool/volume: the host path comes from the pool's definition.
                        switch volumePath(d.source, pools: pools) {
                        case .success(let p):
                            path = p
                            key = "path:" + p
                        case .failure(let why):
                            key = ""
                            error = why.description
                        }
                    } else {
                        path = d.source
                        key = "path:" + d.source
                    }
                    out.append(Request(guest: g, key: key, target: d.target, source: d.source, path: path, error: error))
                }
            } else if let pid = g.cgroup?.initPID {
                out.append(Request(guest: g, key: "ct:\(g.key):\(pid)", target: "rootfs", source: ""))
            }
        }
        return out
    }

    /// The host path of a `type='volume'` disk (`source` "pool/volume") from its pool's target
    /// path, as libvirt names the volumes of those pools: `<target>/<volume>` in a dir, fs or
    /// netfs pool (a file) and in a logical pool (`/dev/<vg>/<lv>`). Other pool types (iscsi,
    /// disk, rbd...) name volumes otherwise: not resolved, said so.
    static func volumePath(_ source: String, pools: [StoragePool]) -> Result<String, CollectError> {
        guard let slash = source.firstIndex(of: "/") else { return .failure(CollectError("volume \(source) names no pool")) }
        let poolName = String(source[..<slash])
        let volume = String(source[source.index(after: slash)...])
        guard let pool = pools.first(where: { $0.name == poolName }) else {
            return .failure(CollectError("volume of pool \(poolName): the pool is not known (pools collector off or failing)"))
        }
        let type = pool.type ?? ""
        guard ["dir", "fs", "netfs", "logical"].contains(type) else {
            return .failure(
                CollectError("volume of a \(type.isEmpty ? "pool of unknown type" : type + " pool"): no host path from its definition"))
        }
        guard let target = pool.targetPath, target.hasPrefix("/") else {
            return .failure(CollectError("volume of pool \(poolName): the pool has no target path"))
        }
        return .success((target.hasSuffix("/") ? String(target.dropLast()) : target) + "/" + volume)
    }

    public func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws {
        try paths.verify()
        let (mountTable, generation) = try mounts.versioned()
        let requests = Self.requests(snapshot.guests, pools: snapshot.storagePools)
        let wanted = Set(requests.map(\.key).filter { !$0.isEmpty })

        // What to resolve now: everything when the mount table changed or the cache is old,
        // else only what is new. While a resolution started by an earlier scrape still runs
        // (a path whose stat(2) hangs), nothing new is started and nothing is waited for: the
        // scrape serves what the cache holds.
        let pending: Deadline.Pending<Bool>? = state.withLock { s in
            if s.running != nil { return nil }
            let stale =
                s.mountGeneration != generation || s.resolvedAt.map { ContinuousClock.now - $0 > refreshInterval } ?? true
            let todo = stale ? wanted : wanted.subtracting(s.cache.keys)
            if stale {
                s.cache = s.cache.filter { wanted.contains($0.key) }
            } else if todo.isEmpty {
                return nil
            }
            let reqs = requests.filter { todo.contains($0.key) }
            let work = Deadline.start { [self] in
                self.resolve(reqs, mounts: mountTable, generation: generation, replacing: stale)
                return true
            }
            if work.refused { return nil }
            s.running = work
            return work
        }
        if let pending, case .timedOut = pending.wait(until: scrape.libvirtDeadline) {
            logger.warning("storage: resolving guest disk stacks takes longer than the scrape's deadline; serving the last ones")
        }

        let cache = state.withLock { $0.cache }
        var stacks: [GuestDiskStack] = []
        for r in requests {
            let g = r.guest
            func stack(_ target: String, _ source: String) -> GuestDiskStack {
                GuestDiskStack(guestKey: g.key, guest: g.name, driver: g.driver, targetDevice: target, source: source)
            }
            if r.key.isEmpty {
                var s = stack(r.target, r.source)
                s.error = r.error ?? "no source"
                stacks.append(s)
                continue
            }
            guard let resolved = cache[r.key] else {
                var s = stack(r.target, r.source)
                s.error = "not resolved yet"
                stacks.append(s)
                continue
            }
            for x in resolved {
                var s = stack(r.key.hasPrefix("ct:") ? x.target : r.target, r.key.hasPrefix("ct:") ? x.source : r.source)
                s.layers = x.layers
                s.error = x.error
                stacks.append(s)
            }
        }
        snapshot.guestDiskStacks = stacks
    }

    /// Resolves `requests` with a resolver over `mounts` (of `generation`) and this sysfs, and
    /// stores the results (dropping entries not asked for when `replacing`).
    func resolve(_ requests: [Request], mounts: MountTable, generation: UInt64, replacing: Bool) {
        let resolver = StorageStackResolver(topology: BlockTopology(root: sysfs), mounts: mounts, inspect: inspect)
        var identities: [String: DiskIdentity?] = [:]
        var results: [String: [Resolved]] = [:]
        for r in requests where results[r.key] == nil {
            if r.key.hasPrefix("net:") {
                results[r.key] = [
                    Resolved(target: r.target, source: r.source, layers: model(StorageStackResolver.network(r.source), &identities))
                ]
            } else if r.key.hasPrefix("path:") {
                results[r.key] = [
                    Resolved(
                        target: r.target, source: r.source,
                        layers: model(resolver.resolve(path: r.path), &identities))
                ]
            } else if let pid = r.guest.cgroup?.initPID {
                results[r.key] = containerDisks(pid: pid, resolver: resolver, &identities)
            }
        }
        state.withLock { s in
            for (k, v) in results { s.cache[k] = v }
            s.mountGeneration = generation
            if replacing { s.resolvedAt = .now }
            if s.resolvedAt == nil { s.resolvedAt = .now }
            s.resolutions += results.count
            s.running = nil
        }
        if !mounts.malformed.isEmpty {
            logger.debug("storage: \(mounts.malformed.count) mountinfo lines did not parse; first: \(mounts.malformed[0].error)")
        }
    }

    /// Mount points inside a container that are not its volumes.
    static func isSystemMount(_ mountPoint: String) -> Bool {
        for p in ["/proc", "/sys", "/dev", "/run", "/tmp"] where mountPoint == p || mountPoint.hasPrefix(p + "/") { return true }
        return false
    }

    /// The rootfs and attached volumes of the container whose init is `pid`.
    func containerDisks(pid: Int, resolver: StorageStackResolver, _ ids: inout [String: DiskIdentity?]) -> [Resolved] {
        let table: MountTable
        do {
            table = try MountTable.read(procRoot: procfs, pid: String(pid))
        } catch {
            return [Resolved(target: "rootfs", source: "", layers: [], error: "\(error)")]
        }
        var out: [Resolved] = []
        if let root = table.entries.last(where: { $0.mountPoint == "/" }) {
            out.append(Resolved(target: "rootfs", source: root.root, layers: model(resolver.resolve(mount: root), &ids)))
        } else {
            out.append(Resolved(target: "rootfs", source: "", layers: [], error: "no mount at / in \(procfs)/\(pid)/mountinfo"))
        }
        var seen: Set<String> = ["/"]
        for m in table.entries where !seen.contains(m.mountPoint) && !Self.isSystemMount(m.mountPoint) && !m.readOnly {
            let backed = m.major != 0 || m.source.hasPrefix("/dev/") || StorageStackResolver.networkFilesystems.contains(m.fsType)
            guard backed else { continue }
            seen.insert(m.mountPoint)
            out.append(Resolved(target: m.mountPoint, source: m.root, layers: model(resolver.resolve(mount: m), &ids)))
        }
        return out
    }

    /// Resolver layers to model layers, whole disks with their udev identity.
    func model(_ layers: [ResolvedStorageLayer], _ ids: inout [String: DiskIdentity?]) -> [StorageLayer] {
        layers.map { l in
            var s = StorageLayer(
                kind: StorageLayer.Kind(rawValue: l.kind.rawValue) ?? .unknown, device: l.device, detail: l.detail, depth: l.depth)
            s.filesystemUUID = l.filesystemUUID
            s.zpool = l.zpool
            s.problem = l.problem
            if l.kind == .disk, !l.device.isEmpty {
                let id: DiskIdentity?
                if let cached = ids[l.device] {
                    id = cached
                } else {
                    id = identify(l.device)
                    ids[l.device] = id
                }
                if let id {
                    s.model = id.model
                    s.serial = id.serial
                    s.wwn = id.wwn.map(StorageLayer.normalizedWWN)
                    s.byIdPath = id.byIdPath
                }
            }
            return s
        }
    }
}
