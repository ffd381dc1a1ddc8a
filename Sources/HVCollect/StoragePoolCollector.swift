import HVLibvirt
import HVModel
import Logging
import Synchronization

/// Collects every libvirt storage pool, active or not: state, type, capacity, allocation,
/// available, volume count (active pools), autostart and persistent flags.
///
/// Per scrape: one `virConnectListAllStoragePools`, then per pool `virStoragePoolGetInfo`,
/// `GetAutostart`, `IsPersistent`, the pool XML (for its type and source) only the first
/// time a pool is seen on a connection, and last, for active pools, `NumOfVolumes`. The
/// per-pool calls run on a few threads under the scrape deadline.
///
/// Stuck pools: libvirt's storage driver locks a pool while it is refreshed, built or
/// started, and a refresh lasts as long as the storage takes to answer (a hung NFS server:
/// minutes). `GetInfo` on that pool waits, so it is reported `timedOut` (and skipped until
/// its call returns) while the others are served. The pool list waits too (libvirt locks
/// every pool while listing): when it does not answer within `listShare` of the deadline,
/// the pools of the last list are asked instead (a pool defined meanwhile shows up once the
/// list answers again; one undefined meanwhile is dropped when libvirt says it is gone).
/// `NumOfVolumes` waits during a refresh of *any* pool (libvirt 9.0, measured): a count
/// that does not come in time is left out, the pool's other figures are served.
///
public final class StoragePoolCollector: Collector, @unchecked Sendable {
    public let name = "pools"
    public let session: LibvirtSession
    /// Time budget for all libvirt calls of one scrape, seconds.
    public let timeout: Double
    public let refresher: StoragePoolRefresher?
    static let maxWorkers = 4
    /// Share of the deadline the pool list may take before the last list is used instead.
    static let listShare = 0.4
    let logger: Logger

    struct State {
        var generation = -1
        /// Parsed pool XML by UUID (the type and source do not change while a pool exists).
        var descriptions: [String: StoragePoolDescription] = [:]
        /// Calls per pool that have not returned yet.
        var inFlight: [String: Int] = [:]
        /// Pools of the last scrape, served (as timed out) when libvirt cannot be reached.
        var lastPools: [StoragePool] = []
        /// Handles from the last pool list that answered (this connection).
        var listed: [LibvirtStoragePool]?
        /// A pool list call has not returned yet.
        var listing = false
        /// Pools whose volume-count call has not returned.
        var volumesInFlight: Set<String> = []
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
        let start = Clock.monotonic()
        let deadline = start + timeout
        let pools: [LibvirtStoragePool]
        do {
            let conn = try session.connection(deadline)
            // Caches belong to one connection (a new one may be to a restarted daemon).
            let generation = session.generation
            state.withLock { s in
                if s.generation != generation { s = State(generation: generation, lastPools: s.lastPools) }
            }
            pools = try list(conn, generation: generation, until: start + timeout * Self.listShare)
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
        if Deadline.abandoned >= LibvirtSession.maxAbandoned {
            logger.warning("too many libvirt calls still stuck; not asking storage pools", metadata: ["stuck": "\(Deadline.abandoned)"])
            state.withLock { s in for r in requests { s.inFlight[r.pool.uuid] = nil } }
        } else {
            // Phase 1: state, sizes, flags (and the XML of new pools).
            _ = ParallelCalls.run(requests, workers: Self.maxWorkers, deadline: deadline, key: \.pool.uuid,
                body: { r in StoragePoolCollector.ask(r, into: box) },
                finally: { [self] r in
                    state.withLock { s in
                        let n = s.inFlight[r.pool.uuid, default: 1] - 1
                        s.inFlight[r.pool.uuid] = n > 0 ? n : nil
                    }
                })
        }
        // A pool counts as answered once its state came (the rest may still be missing).
        var answered = Set(box.all.filter { $0.value.done.contains("info") }.map(\.key))
        // Phase 2: volume counts of the active pools that answered. libvirt 9.0 makes
        // virStoragePoolNumOfVolumes wait while any pool is refreshed, so these come last,
        // each pool at most one call in flight, and a missing count costs only the count.
        let volumeRequests = state.withLock { s -> [PoolRequest] in
            let r = requests.filter { q in
                guard answered.contains(q.pool.uuid), let st = box.all[q.pool.uuid]?.info?.state else { return false }
                return st != 0 && st != 1 && !s.volumesInFlight.contains(q.pool.uuid)   // libvirt refuses inactive pools
            }
            for q in r { s.volumesInFlight.insert(q.pool.uuid) }
            return r
        }
        let counted = ParallelCalls.run(volumeRequests, workers: Self.maxWorkers, deadline: deadline, key: \.pool.uuid,
            body: { r in
                do { box.setVolumes(r.pool.uuid, try r.pool.volumeCount()) } catch { box.addError(r.pool.uuid, "\(error)") }
            },
            finally: { [self] r in _ = state.withLock { $0.volumesInFlight.remove(r.pool.uuid) } })
        for q in volumeRequests where !counted.contains(q.pool.uuid) {
            box.addError(q.pool.uuid, "virStoragePoolNumOfVolumes did not answer within the deadline (libvirt waits for pool refreshes)")
        }
        let results = box.all
        answered.formUnion(results.filter { $0.value.done.contains("info") }.map(\.key))
        for (uuid, a) in results where a.done.contains("info") {
            let missing = ["autostart", "persistent"].filter { !a.done.contains($0) }
            if !missing.isEmpty { box.addError(uuid, "\(missing.joined(separator: ", ")) did not answer within the deadline") }
        }
        let final = box.all

        var out: [StoragePool] = []
        var newDescriptions: [String: StoragePoolDescription] = [:]
        for p in pools {
            var desc = descriptions[p.uuid]
            if desc == nil, let d = final[p.uuid]?.description { desc = d; newDescriptions[p.uuid] = d }
            var pool = StoragePool(name: p.name, state: 0)
            pool.uuid = p.uuid.isEmpty ? nil : p.uuid
            if let desc {
                pool.type = desc.type.isEmpty ? nil : desc.type
                pool.targetPath = desc.targetPath.isEmpty ? nil : desc.targetPath
                pool.source = Self.sourceSummary(desc)
            }
            if let a = final[p.uuid], answered.contains(p.uuid) {
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

    /// The pools to ask: a fresh list if libvirt answers by `until`, else the last list.
    /// A list call that outlives its wait still stores its answer for the next scrape.
    private func list(_ conn: LibvirtConnection, generation: Int, until: Double) throws(CollectError) -> [LibvirtStoragePool] {
        let (busy, previous) = state.withLock { s -> (Bool, [LibvirtStoragePool]?) in
            if s.listing { return (true, s.listed) }
            s.listing = true
            return (false, s.listed)
        }
        if busy {
            guard let previous else { throw CollectError("virConnectListAllStoragePools: an earlier call has not returned (a pool is locked by a long refresh?)") }
            return previous
        }
        if Deadline.abandoned >= LibvirtSession.maxAbandoned {
            state.withLock { $0.listing = false }
            throw CollectError("too many libvirt calls still stuck (\(Deadline.abandoned)); not listing storage pools")
        }
        let pending = Deadline.start { [self] () -> Result<[LibvirtStoragePool], LibvirtError> in
            let r: Result<[LibvirtStoragePool], LibvirtError>
            do throws(LibvirtError) { r = .success(try conn.listAllStoragePools()) } catch { r = .failure(error) }
            state.withLock { s in
                s.listing = false
                if case .success(let p) = r, s.generation == generation { s.listed = p }
            }
            return r
        }
        switch pending.wait(seconds: LibvirtSession.remaining(until)) {
        case .done(.success(let p)): return p
        case .done(.failure(let e)): throw CollectError(e.description)
        case .timedOut:
            guard let previous else { throw CollectError("virConnectListAllStoragePools did not answer within the deadline") }
            logger.warning("storage pool list did not answer in time (a pool is locked by a long refresh?); asking the pools of the last list")
            return previous
        }
    }

    // MARK: - one pool

    /// Answers of the worker threads, by pool UUID.
    final class AnswerBox: Sendable {
        private let answers = Mutex<[String: PoolAnswer]>([:])
        func update(_ uuid: String, _ change: (inout PoolAnswer) -> Void) {
            answers.withLock { change(&$0[uuid, default: PoolAnswer()]) }
        }
        func setVolumes(_ uuid: String, _ n: Int) { update(uuid) { $0.volumes = n } }
        func addError(_ uuid: String, _ e: String) { update(uuid) { $0.errors.append(e) } }
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
        /// Calls that returned ("info", "autostart", "persistent").
        var done: Set<String> = []
    }

    /// Asks one pool (blocking; run on a worker thread).
    static func ask(_ r: PoolRequest, into box: AnswerBox) {
        let p = r.pool
        let uuid = p.uuid
        // Each answer is published as it comes: libvirt 9.0 now and then makes one of these
        // calls wait for an unrelated pool's refresh; what came before is still served.
        do {
            let info = try p.info()
            box.update(uuid) { $0.info = info; $0.done.insert("info") }
        } catch {
            if error.code == 49 { box.update(uuid) { $0.vanished = true; $0.done.insert("info") }; return }   // VIR_ERR_NO_STORAGE_POOL
            box.update(uuid) { $0.errors.append(error.description); $0.done.insert("info") }
        }
        do {
            let v = try p.autostart()
            box.update(uuid) { $0.autostart = v; $0.done.insert("autostart") }
        } catch { box.update(uuid) { $0.errors.append(error.description); $0.done.insert("autostart") } }
        do {
            let v = try p.isPersistent()
            box.update(uuid) { $0.persistent = v; $0.done.insert("persistent") }
        } catch { box.update(uuid) { $0.errors.append(error.description); $0.done.insert("persistent") } }
        if r.readXML {
            do {
                let d = try StoragePoolDescription.parse(try p.xmlDescription())
                box.update(uuid) { $0.description = d }
            } catch {
                box.update(uuid) { $0.errors.append("pool XML: \(error)") }
            }
        }
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
