import HVLibvirt
import HVModel
import HVRuntime
import Logging
import Synchronization

/// Collects every libvirt storage pool, active or not: state, type, capacity, allocation,
/// available, volume count (active pools), autostart and persistent flags.
///
/// Per scrape: one `virConnectListAllStoragePools`, then per pool `virStoragePoolGetInfo`,
/// `GetAutostart`, `IsPersistent`, the pool XML (for its type and source) only the first
/// time a pool is seen, and last, for active pools, `NumOfVolumes`. The per-pool calls run
/// on a few threads under the scrape deadline, on the collector's own connection
/// (`DedicatedConnection`).
///
/// Stuck pools: libvirt's storage driver locks a pool while it is refreshed, built or
/// started, and a refresh lasts as long as the storage takes to answer (a hung NFS server:
/// minutes). `GetInfo` on that pool waits: the pool is reported `timedOut` and skipped until
/// its call returns, and the connection is retired (libvirt 9.0 serves only three more
/// calls on a connection with a stuck call), so the next scrape asks the other pools on
/// connections of their own (see Isolation). The pool list waits too (libvirt locks every pool while listing): when it
/// does not answer within `listShare` of the deadline, the pools of the last list are looked
/// up by UUID (a pool defined meanwhile shows up once the list answers again; one undefined
/// meanwhile is dropped when libvirt says it is gone).
///
/// Isolation: on a connection with one stuck call libvirt 9.0 answers only about three more,
/// so one locked pool would starve the others asked on the same connection (seen in the lab:
/// the other pool's autostart and volume count unanswered, or all its calls). While a pool
/// is known to be locked (the list did not answer, or a call of an earlier scrape is still
/// out), each pool is asked on a connection of its own, opened for that scrape on the worker
/// threads. Once a scrape ends with every call answered, the pools share the collector's
/// connection again.
///
/// The figures are those of the pool's last start or refresh: libvirt does not re-read the
/// storage for `GetInfo`. A scrape never refreshes a pool. With a `refresher`
/// (`--libvirt.pool-refresh-interval` > 0) active pools are refreshed in the background, see
/// `StoragePoolRefresher`.
public final class StoragePoolCollector: Collector, @unchecked Sendable {
    public let name = "pools"
    public let session: LibvirtSession
    public let refresher: StoragePoolRefresher?
    static let maxWorkers = 4
    /// Share of the deadline the pool list may take before the last list is used instead.
    static let listShare = 0.4
    let logger: Logger
    let lane: LibvirtLane

    struct State {
        /// Parsed pool XML by UUID (the type and source do not change while a pool exists).
        var descriptions: [String: StoragePoolDescription] = [:]
        /// Calls per pool that have not returned yet.
        var inFlight: [String: Int] = [:]
        /// Pools of the last scrape, served (as timed out) when libvirt cannot be reached.
        var lastPools: [StoragePool] = []
        /// UUID and name of the pools of the last list that answered.
        var known: [(uuid: String, name: String)] = []
        /// A pool list call has not returned yet.
        var listing = false
        /// Pools whose volume-count call has not returned.
        var volumesInFlight: Set<String> = []
        /// The last scrape had a call that did not answer: ask each pool on its own connection.
        var isolate = false
    }

    let state = Mutex(State())

    public init(session: LibvirtSession, refresher: StoragePoolRefresher? = nil, logger: Logger) {
        self.session = session
        self.refresher = refresher
        self.logger = logger
        self.lane = session.lane("pools")
        refresher?.start()
    }

    /// Pools share nothing with the guests: the scrape runs this beside the domain collector,
    /// on its own connection, under the same libvirt deadline.
    public static var fills: Set<SnapshotPart> { [.storagePools] }

    public func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws {
        let deadline = scrape.libvirtDeadline
        let conn: LibvirtConnection
        let refs: [PoolRef]
        var isolate = state.withLock { $0.isolate || !$0.inFlight.isEmpty || !$0.volumesInFlight.isEmpty }
        do {
            let (c, listing) = try connectAndList(until: deadline, listUntil: scrape.libvirtShare(Self.listShare))
            conn = c
            if let listed = listing {
                refs = listed.map { PoolRef(uuid: $0.uuid, name: $0.name, handle: $0) }
            } else {
                // The list is stuck (and so is its connection): a pool is locked. The last
                // list's pools, by UUID, each on its own connection.
                lane.retire(conn, because: "virConnectListAllStoragePools did not answer")
                isolate = true
                refs = state.withLock { $0.known }.map { PoolRef(uuid: $0.uuid, name: $0.name, handle: nil) }
                if refs.isEmpty { throw CollectError("virConnectListAllStoragePools did not answer within the deadline") }
                logger.warning(
                    "storage pool list did not answer in time (a pool is locked by a long refresh?); asking the pools of the last list")
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
                    q.error = "\(error)"
                    return q
                }
            }
            throw error
        }

        let box = AnswerBox()
        var phase1 = ParallelCalls.Outcome()
        let (requests, descriptions) = state.withLock { s -> ([PoolRequest], [String: StoragePoolDescription]) in
            let r = refs.filter { s.inFlight[$0.uuid, default: 0] == 0 }
                .map { PoolRequest(ref: $0, readXML: s.descriptions[$0.uuid] == nil, ownConnection: isolate) }
            for q in r { s.inFlight[q.ref.uuid, default: 0] += 1 }
            return (r, s.descriptions)
        }
        do {
            // Phase 1: state, sizes, flags (and the XML of new pools).
            let c = conn
            let uri = session.uri
            phase1 = ParallelCalls.runTracked(
                requests, workers: Self.maxWorkers, deadline: deadline, key: \.ref.uuid,
                body: { r in StoragePoolCollector.ask(r, conn: c, uri: uri, into: box) },
                finally: { [self] r in
                    state.withLock { s in
                        let n = s.inFlight[r.ref.uuid, default: 1] - 1
                        s.inFlight[r.ref.uuid] = n > 0 ? n : nil
                    }
                })
        }
        // A pool counts as answered once its state came (the rest may still be missing).
        var answered = Set(box.all.filter { $0.value.done.contains("info") }.map(\.key))
        // Phase 2: volume counts of the active pools that answered, each pool at most one
        // call in flight.
        let volumeRequests = state.withLock { s -> [PoolRequest] in
            let r = requests.filter { q in
                guard answered.contains(q.ref.uuid), let a = box.all[q.ref.uuid], let st = a.info?.state else { return false }
                return st != 0 && st != 1 && a.handle != nil && !s.volumesInFlight.contains(q.ref.uuid)   // libvirt refuses inactive pools
            }
            for q in r { s.volumesInFlight.insert(q.ref.uuid) }
            return r
        }
        let counted = ParallelCalls.run(
            volumeRequests, workers: Self.maxWorkers, deadline: deadline, key: \.ref.uuid,
            body: { r in
                guard let h = box.all[r.ref.uuid]?.handle else { return }
                do { box.setVolumes(r.ref.uuid, try h.volumeCount()) } catch { box.addError(r.ref.uuid, "\(error)") }
            },
            finally: { [self] r in _ = state.withLock { $0.volumesInFlight.remove(r.ref.uuid) } })
        var stuck = false
        for q in volumeRequests where !counted.contains(q.ref.uuid) {
            stuck = true
            box.addError(q.ref.uuid, "virStoragePoolNumOfVolumes did not answer within the deadline")
        }
        let results = box.all
        answered.formUnion(results.filter { $0.value.done.contains("info") }.map(\.key))
        for (uuid, a) in results where a.done.contains("info") {
            let missing = ["autostart", "persistent"].filter { !a.done.contains($0) }
            if !missing.isEmpty {
                stuck = true
                box.addError(uuid, "\(missing.joined(separator: ", ")) did not answer within the deadline")
            }
        }
        let final = box.all

        var out: [StoragePool] = []
        var newDescriptions: [String: StoragePoolDescription] = [:]
        for p in refs {
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
                if a.vanished { continue }   // undefined meanwhile
                Self.fill(&pool, a)
            } else {
                stuck = true
                pool.timedOut = true
                pool.error = Self.unansweredReason(
                    notAsked: phase1.notAsked.contains(p.uuid), finished: phase1.answered.contains(p.uuid),
                    errors: final[p.uuid]?.errors ?? [])
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
        // A call still running holds this connection hostage: the next scrape takes another.
        if stuck && !isolate { lane.retire(conn, because: "a storage pool call did not answer within the deadline") }
        state.withLock { s in
            s.isolate = stuck
            s.descriptions.merge(newDescriptions) { a, _ in a }
            s.lastPools = out
        }
        snapshot.storagePools = out
    }

    /// A fresh pool list if libvirt answers by `until`; nil when it does not (or an earlier
    /// list call is still waiting). A late answer still updates `State.known`.
    /// The lane's connection and its pool list (nil: the list did not answer in time). A list
    /// that fails because the connection was lost (libvirtd restarted: this lane has no event
    /// watch to learn it sooner) is asked once more on a fresh connection
    /// (`LibvirtLane.withConnection`).
    private func connectAndList(
        until deadline: ContinuousClock.Instant, listUntil: ContinuousClock.Instant
    ) throws(CollectError) -> (LibvirtConnection, [LibvirtStoragePool]?) {
        try lane.withConnection(until: deadline) { conn, _ throws(CollectError) in (conn, try list(conn, until: listUntil)) }
    }

    private func list(_ conn: LibvirtConnection, until: ContinuousClock.Instant) throws(CollectError) -> [LibvirtStoragePool]? {
        let busy = state.withLock { s -> Bool in
            if s.listing { return true }
            s.listing = true
            return false
        }
        if busy { return nil }
        let pending = Deadline.start { [self] () -> Result<[LibvirtStoragePool], LibvirtError> in
            let r: Result<[LibvirtStoragePool], LibvirtError>
            do throws(LibvirtError) { r = .success(try conn.listAllStoragePools()) } catch { r = .failure(error) }
            state.withLock { s in
                s.listing = false
                if case .success(let p) = r { s.known = p.map { ($0.uuid, $0.name) } }
            }
            return r
        }
        switch pending.wait(until: until) {
        case .done(.success(let p)): return p
        case .done(.failure(let e)): throw CollectError(e.description)
        case .timedOut: return nil
        case .refused:
            state.withLock { $0.listing = false }
            throw CollectError.tooManyStuck("virConnectListAllStoragePools")
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

    /// A pool to ask: from this scrape's list (with its handle) or the last list's (by UUID).
    struct PoolRef: Sendable {
        let uuid: String
        let name: String
        let handle: LibvirtStoragePool?
    }

    struct PoolRequest: Sendable {
        let ref: PoolRef
        let readXML: Bool
        /// Asked on a connection opened for it (see "Isolation" above).
        let ownConnection: Bool
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
        /// The handle the calls went through (looked up by UUID when the list was stuck).
        var handle: LibvirtStoragePool?
    }

    /// Asks one pool (blocking; run on a worker thread), publishing each answer as it comes.
    static func ask(_ r: PoolRequest, conn shared: LibvirtConnection, uri: String, into box: AnswerBox) {
        let uuid = r.ref.uuid
        let conn: LibvirtConnection
        if r.ownConnection {
            // The pool handle keeps this connection open for the volume count; both go then.
            do { conn = try LibvirtConnection(uri: uri) } catch {
                box.update(uuid) { $0.errors.append(error.description) }
                return
            }
        } else {
            conn = shared
        }
        let p: LibvirtStoragePool
        if let h = r.ref.handle, !r.ownConnection {
            p = h
        } else {
            do { p = try conn.storagePool(uuid: uuid) } catch {
                if error.code == 49 {
                    box.update(uuid) {
                        $0.vanished = true; $0.done.insert("info")
                    }; return
                }   // VIR_ERR_NO_STORAGE_POOL
                box.update(uuid) { $0.errors.append(error.description) }
                return
            }
        }
        box.update(uuid) { $0.handle = p }
        // Published one by one: a call that gets stuck leaves the earlier answers usable.
        do {
            let info = try p.info()
            box.update(uuid) {
                $0.info = info; $0.done.insert("info")
            }
        } catch {
            if error.code == 49 {
                box.update(uuid) {
                    $0.vanished = true; $0.done.insert("info")
                }; return
            }   // VIR_ERR_NO_STORAGE_POOL
            box.update(uuid) {
                $0.errors.append(error.description); $0.done.insert("info")
            }
        }
        do {
            let v = try p.autostart()
            box.update(uuid) {
                $0.autostart = v; $0.done.insert("autostart")
            }
        } catch {
            box.update(uuid) {
                $0.errors.append(error.description); $0.done.insert("autostart")
            }
        }
        do {
            let v = try p.isPersistent()
            box.update(uuid) {
                $0.persistent = v; $0.done.insert("persistent")
            }
        } catch {
            box.update(uuid) {
                $0.errors.append(error.description); $0.done.insert("persistent")
            }
        }
        if r.readXML {
            do {
                let d = try StoragePoolDescription.parse(try p.xmlDescription())
                box.update(uuid) { $0.description = d }
            } catch {
                box.update(uuid) { $0.errors.append("pool XML: \(error)") }
            }
        }
    }

    /// Why a pool has no state this scrape: its calls did not answer in time, were never
    /// asked (the deadline passed first, or no worker thread was free because too many calls
    /// are stuck in libvirt), or failed before its state was asked (its own connection or its
    /// lookup by UUID); the errors that came are kept.
    static func unansweredReason(notAsked: Bool, finished: Bool, errors: [String]) -> String {
        let why =
            if notAsked {
                "not asked: the deadline passed first or no worker thread was free (calls stuck in libvirt)"
            } else if finished && !errors.isEmpty {
                "its state could not be asked"
            } else {
                "libvirt did not answer for this pool within the deadline"
            }
        return errors.isEmpty ? why : "\(why): \(errors.joined(separator: "; "))"
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
