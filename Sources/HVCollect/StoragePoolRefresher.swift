import HVLibvirt
import HVRuntime
import Logging
import Synchronization

/// Refreshes active storage pools (`virStoragePoolRefresh`) in the background, each at
/// most once per `interval` seconds (`--libvirt.pool-refresh-interval`).
///
/// Why in the background and not in the scrape: a refresh re-reads the storage (lists a
/// directory, rescans an iSCSI LUN, lists every RBD image) and can take seconds to
/// minutes on network pools, holding the pool's lock all along. In the scrape it would eat
/// the deadline, and a scrape-driven refresh rate would follow Prometheus' scrape interval
/// (and multiply with several Prometheus servers). Here one thread refreshes one pool at a
/// time on its own schedule; a scrape only reads the figures the last refresh left. A
/// pool whose refresh is still running at scrape time may make that pool's `GetInfo` wait
/// (the lock), and it is then reported timed out for that scrape only.
///
/// `virStoragePoolRefresh` needs a read-write connection: this opens its own
/// (`virConnectOpen`), apart from the exporter's read-only session, and only when refresh
/// is enabled. When the storage cannot be read (directory gone, NFS server down) libvirt
/// fails the refresh and stops the pool: the next scrape shows it inactive, and
/// `status(_:)` keeps libvirt's message.
public final class StoragePoolRefresher: @unchecked Sendable {
    public let uri: String
    /// Seconds between two refreshes of the same pool.
    public let interval: Double
    /// How long one refresh is waited for before the thread moves on to the next pool
    /// (the refresh itself keeps running).
    public let refreshTimeout: Duration
    let logger: Logger

    /// Outcome of a pool's last refresh.
    public struct Status: Sendable, Equatable {
        /// When it finished, seconds since the epoch.
        public var at: Double
        public var succeeded: Bool
        /// libvirt's message when it failed.
        public var error: String?
    }

    /// The read-write connection (`virConnectOpen`: a refresh is not read-only).
    let lane: LibvirtLane

    struct State {
        var status: [String: Status] = [:]
        /// Monotonic time of each pool's last refresh start.
        var lastStart: [String: Double] = [:]
        /// Pools whose refresh has not returned.
        var running: Set<String> = []
        var started = false
        var stopped = false
        var lastError: String?
    }

    let state = Mutex(State())

    public init(uri: String, interval: Double, refreshTimeout: Duration = .seconds(60), logger: Logger) {
        self.uri = uri
        self.lane = LibvirtLane(uri: uri, purpose: "pool refresh", readOnly: false, logger: logger)
        self.interval = interval
        self.refreshTimeout = refreshTimeout
        self.logger = logger
    }

    /// The last refresh of the pool with this UUID, if one ran.
    public func status(_ uuid: String) -> Status? { state.withLock { $0.status[uuid] } }

    /// Starts the background thread (once). It ends when the refresher is released.
    public func start() {
        let go = state.withLock { s -> Bool in
            if s.started { return false }
            s.started = true
            return true
        }
        guard go, interval > 0 else { return }
        // The refresher is held only during a round, never while sleeping.
        BackgroundThread.loop(weak: self) { r in r.round().map { .seconds(max(0.2, $0)) } }
    }

    /// Stops the background thread (it ends after its current refresh) and refreshes no more.
    public func stop() { state.withLock { $0.stopped = true } }

    /// Refreshes the pools that are due; returns the seconds to sleep before the next round,
    /// nil once stopped.
    func round() -> Double? {
        let pause = min(interval, 5)
        if state.withLock({ $0.stopped }) { return nil }
        let conn: LibvirtConnection
        do { conn = try lane.connection(until: .now + refreshTimeout).0 } catch {
            note("cannot open a read-write libvirt connection for pool refresh: \(error.description)")
            return pause
        }
        let listed = Deadline.run(until: .now + refreshTimeout) { () -> Result<[LibvirtStoragePool], LibvirtError> in
            do throws(LibvirtError) { return .success(try conn.listAllStoragePools(activeOnly: true)) } catch { return .failure(error) }
        }
        let pools: [LibvirtStoragePool]
        switch listed {
        case .done(.success(let p)): pools = p
        case .done(.failure(let e)):
            note("listing storage pools to refresh failed: \(e.description)")
            return pause
        case .timedOut:
            lane.retire(conn, because: "listing storage pools to refresh did not answer")
            note("listing storage pools to refresh did not answer within \(refreshTimeout.seconds) s")
            return pause
        case .refused:
            note(CollectError.tooManyStuck("virConnectListAllStoragePools").description)
            return pause
        }
        for p in pools {
            let uuid = p.uuid
            let due = state.withLock { s -> Bool in
                guard !s.stopped, !s.running.contains(uuid) else { return false }
                if let t = s.lastStart[uuid], Clock.monotonic() - t < interval { return false }
                s.running.insert(uuid)
                s.lastStart[uuid] = Clock.monotonic()
                return true
            }
            guard due else { continue }
            let outcome = Deadline.run(until: .now + refreshTimeout) { [self] () -> Void in
                var status = Status(at: 0, succeeded: true, error: nil)
                do throws(LibvirtError) { try p.refresh() } catch {
                    status.succeeded = false
                    status.error = error.description
                }
                status.at = Clock.wall()
                state.withLock { s in
                    s.status[uuid] = status
                    s.running.remove(uuid)
                }
                if let e = status.error {
                    logger.warning("storage pool refresh failed", metadata: ["pool": "\(p.name)", "error": "\(e)"])
                }
            }
            switch outcome {
            case .timedOut:
                logger.warning(
                    "storage pool refresh still running; not waiting for it",
                    metadata: ["pool": "\(p.name)", "seconds": "\(refreshTimeout.seconds)"])
            case .refused:
                state.withLock { _ = $0.running.remove(uuid) }
            case .done: break
            }
        }
        state.withLock { $0.lastError = nil }
        return pause
    }

    /// Logs a problem once until it changes or goes away.
    private func note(_ message: String) {
        let changed = state.withLock { s -> Bool in
            defer { s.lastError = message }
            return s.lastError != message
        }
        if changed { logger.warning("storage pool refresh", metadata: ["uri": "\(uri)", "error": "\(message)"]) }
    }
}
