import HVLibvirt
import HVModel
import Logging
import Synchronization

/// Collects every libvirt storage pool, active or not: state, type, capacity, allocation,
/// available, volume count (active pools), autostart and persistent flags.
///
/// Per scrape: one `virConnectListAllStoragePools`, then per pool `virStoragePoolGetInfo`,
/// `GetAutostart`, `IsPersistent` and, for active pools, `NumOfVolumes`; the pool XML (for
/// its type and source) only the first time a pool is seen on a connection. The per-pool
/// calls run on a few threads under the scrape deadline: the storage driver locks a pool
/// while it is refreshed or built, so one pool on a hung NFS server can block; that pool is
/// reported `timedOut` (and skipped until its call returns) while the others are served.
///
/// The figures are those of the pool's last start or refresh: libvirt does not re-read the
/// storage for `GetInfo`. A scrape never refreshes a pool. With a `refresher`
/// (`--libvirt.pool-refresh-interval` > 0) active pools are refreshed in the background, see
/// `StoragePoolRefresher`.
public final class StoragePoolCollector: Collector, @unchecked Sendable {
    public let name = "pools"
    public let session: LibvirtSession
    /// Time budget for all libvirt calls of one scrape, seconds.
    public let timeout: Double
    public let refresher: StoragePoolRefresher?
    static let maxWorkers = 4
    let logger: Logger

    struct State {
        var generation = -1
        /// Parsed pool XML by UUID (the type and source do not change while a pool exists).
        var descriptions: [String: StoragePoolDescription] = [:]
        /// Calls per pool that have not returned yet.
        var inFlight: [String: Int] = [:]
        /// Pools of the last scrape, served (as timed out) when the list call does not answer.
        var lastPools: [StoragePool] = []
    }

    let state = Mutex(State())

    public init(session: LibvirtSession, timeout: Double = 5, refresher: StoragePoolRefresher? = nil, logger: Logger) {
        self.session = session
        self.timeout = timeout
        self.refresher = refresher
        self.logger = logger
        refresher?.start()
    }

    public func collect(into snapshot: inout Snapshot) throws {
        let deadline = Clock.monotonic() + timeout
        let generation = session.generation
        state.withLock { s in
            if s.generation != generation { s.descriptions = [:]; s.generation = generation }
        }
        let pools: [LibvirtStoragePool]
        do {
            let conn = try session.connection(deadline)
            pools = try session.call("virConnectListAllStoragePools", deadline) { () throws(LibvirtError) in
                try conn.listAllStoragePools()
            }
        } catch {
            // Keep the known pools visible, flagged: an alert on hv_storage_pool_timed_out
            // says more than pools that silently disappear.
            snapshot.storagePools = state.withLock { s in
                s.lastPools.map { p in
                    var q = StoragePool(name: p.name, state: p.state)
                    q.uuid = p.uuid
                    q.type = p.type
                    q.timedOut = true
                    q.error = error.description
                    return q
                }
            }
            throw error
        }

        let box = AnswerBox()
        let (requests, descriptions) = state.withLock { s -> ([PoolRequest], [String: StoragePoolDescription]) in
            let r = pools.filter { s.inFlight[$0.uuid, default: 0] == 0 }
                .map { PoolRequest(pool: $0, readXML: s.descriptions[$0.uuid] == nil) }
            for q in r { s.inFlight[q.pool.uuid, default: 0] += 1 }
            return (r, s.descriptions)
        }
        var answered: Set<String> = []
        if Deadline.abandoned >= LibvirtSession.maxAbandoned {
            logger.warning("too many libvirt calls still stuck; not asking storage pools", metadata: ["stuck": "\(Deadline.abandoned)"])
            state.withLock { s in for r in requests { s.inFlight[r.pool.uuid] = nil } }
        } else {
            answered = ParallelCalls.run(requests, workers: Self.maxWorkers, deadline: deadline, key: \.pool.uuid,
                body: { r in box.set(r.pool.uuid, StoragePoolCollector.ask(r)) },
                finally: { [self] r in
                    state.withLock { s in
                        let n = s.inFlight[r.pool.uuid, default: 1] - 1
                        s.inFlight[r.pool.uuid] = n > 0 ? n : nil
                    }
                })
        }
        let results = box.all

        var out: [StoragePool] = []
        var newDescriptions: [String: StoragePoolDescription] = [:]
        for p in pools {
            var desc = descriptions[p.uuid]
            if desc == nil, let d = results[p.uuid]?.description { desc = d; newDescriptions[p.uuid] = d }
            var pool = StoragePool(name: p.name, state: 0)
            pool.uuid = p.uuid.isEmpty ? nil : p.uuid
            if let desc {
                pool.type = desc.type.isEmpty ? nil : desc.type
                pool.targetPath = desc.targetPath.isEmpty ? nil : desc.targetPath
                pool.source = Self.sourceSummary(desc)
            }
            if let a = results[p.uuid], answered.contains(p.uuid) {
                if a.vanished { continue }   // undefined between the list and the info call
                Self.fill(&pool, a)
            } else {
                pool.timedOut = true
                pool.error = "libvirt did not answer for this pool within the deadline"
            }
            if let r = refresher?.status(p.uuid) {
                pool.lastRefreshSeconds = r.at
                pool.lastRefreshSucceeded = r.succeeded
                pool.refreshError = r.error
            }
            out.append(pool)
        }
        out.sort { ($0.name, $0.uuid ?? "") < ($1.name, $1.uuid ?? "") }
        let timedOut = out.filter(\.timedOut).map(\.name)
        if !timedOut.isEmpty {
            logger.warning("storage pools did not answer within the deadline", metadata: ["pools": "\(timedOut.joined(separator: ","))"])
        }
        state.withLock { s in
            s.descriptions.merge(newDescriptions) { a, _ in a }
            s.lastPools = out
        }
        snapshot.storagePools = out
    }

    // MARK: - one pool

    /// Answers of the worker threads, by pool UUID.
    final class AnswerBox: Sendable {
        private let answers = Mutex<[String: PoolAnswer]>([:])
        func set(_ uuid: String, _ a: PoolAnswer) { answers.withLock { $0[uuid] = a } }
        var all: [String: PoolAnswer] { answers.withLock { $0 } }
    }

    struct PoolRequest: Sendable {
        let pool: LibvirtStoragePool
        let readXML: Bool
    }

    /// One pool's answers; a failed call leaves its field nil and adds to `errors`.
    struct PoolAnswer: Sendable {
        var info: LibvirtStoragePool.Info?
        var autostart: Bool?
        var persistent: Bool?
        var volumes: Int?
        var description: StoragePoolDescription?
        var errors: [String] = []
        /// The pool no longer exists (VIR_ERR_NO_STORAGE_POOL).
        var vanished = false
    }

    /// Asks one pool (blocking; run on a worker thread).
    static func ask(_ r: PoolRequest) -> PoolAnswer {
        var a = PoolAnswer()
        let p = r.pool
        do { a.info = try p.info() } catch {
            if error.code == 49 { a.vanished = true; return a }   // VIR_ERR_NO_STORAGE_POOL
            a.errors.append(error.description)
        }
        do { a.autostart = try p.autostart() } catch { a.errors.append(error.description) }
        do { a.persistent = try p.isPersistent() } catch { a.errors.append(error.description) }
        if let st = a.info?.state, st != 0, st != 1 {
            // Running, degraded or inaccessible; libvirt refuses for inactive pools.
            do { a.volumes = try p.volumeCount() } catch { a.errors.append(error.description) }
        }
        if r.readXML {
            do {
                a.description = try StoragePoolDescription.parse(try p.xmlDescription())
            } catch {
                a.errors.append("pool XML: \(error)")
            }
        }
        return a
    }

    static func fill(_ pool: inout StoragePool, _ a: PoolAnswer) {
        if let i = a.info {
            pool.state = i.state
            // An inactive pool reports zeroes: those are not sizes.
            if i.state != 0 {
                pool.capacityBytes = i.capacityBytes
                pool.allocationBytes = i.allocationBytes
                pool.availableBytes = i.availableBytes
            }
        } else {
            // Without its state the pool's figures are missing, as if it had not answered.
            pool.timedOut = true
        }
        pool.autostart = a.autostart
        pool.persistent = a.persistent
        pool.volumes = a.volumes
        pool.error = a.errors.isEmpty ? nil : a.errors.joined(separator: "; ")
    }

    /// "host:/dir" (netfs), device paths (logical, disk, fs), or the source name (rbd,
    /// gluster, zfs), from the pool XML; nil for pools without a source (dir).
    static func sourceSummary(_ d: StoragePoolDescription) -> String? {
        var parts: [String] = []
        if !d.sourceHosts.isEmpty {
            let hosts = d.sourceHosts.joined(separator: ",")
            parts.append(d.sourceDir.isEmpty ? hosts : "\(hosts):\(d.sourceDir)")
        } else if !d.sourceDir.isEmpty {
            parts.append(d.sourceDir)
        }
        parts.append(contentsOf: d.sourceDevices)
        if !d.sourceName.isEmpty { parts.append(d.sourceName) }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }
}
