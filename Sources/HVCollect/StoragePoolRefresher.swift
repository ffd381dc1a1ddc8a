import Glibc
import HVLibvirt
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
    /// (the refresh itself keeps running), seconds.
    public let refreshTimeout: Double
    let logger: Logger

    /// Outcome of a pool's last refresh.
    public struct Status: Sendable, Equatable {
        /// When it finished, seconds since the epoch.
        public var at: Double
        public var succeeded: Bool
        /// libvirt's message when it failed.
        public var error: String?
    }

    struct State {
        var connection: LibvirtConnection?
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

    public init(uri: String, interval: Double, refreshTimeout: Double = 60, logger: Logger) {
        self.uri = uri
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
        let box = Unmanaged.passRetained(WeakRefresher(self)).toOpaque()
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attr, 512 * 1024)
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attr, { raw in
            let weak = Unmanaged<WeakRefresher>.fromOpaque(raw!).takeRetainedValue()
            // The refresher is held only during a round, never while sleeping.
            while let pause = weak.refresher?.round() ?? nil {
                usleep(UInt32(max(0.2, pause) * 1_000_000))
            }
            return nil
        }, box)
        pthread_attr_destroy(&attr)
        if rc != 0 { Unmanaged<WeakRefresher>.fromOpaque(box).release() }
    }

    /// Stops the background thread (it ends after its current refresh) and refreshes no more.
    public func stop() { state.withLock { $0.stopped = true } }

    /// Refreshes the pools that are due; returns the seconds to sleep before the next round,
    /// nil once stopped.
    func round() -> Double? {
        let pause = min(interval, 5)
        if state.withLock({ $0.stopped }) { return nil }
        guard let conn = connection() else { return pause }
        let listed = Deadline.run(seconds: refreshTimeout) { () -> Result<[LibvirtStoragePool], LibvirtError> in
            do throws(LibvirtError) { return .success(try conn.listAllStoragePools(activeOnly: true)) } catch { return .failure(error) }
        }
        let pools: [LibvirtStoragePool]
        switch listed {
        case .done(.success(let p)): pools = p
        case .done(.failure(let e)):
            note("listing storage pools to refresh failed: \(e.description)")
            if !conn.isAlive { state.withLock { $0.connection = nil } }
            return pause
        case .timedOut:
            note("listing storage pools to refresh did not answer within \(refreshTimeout) s")
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
            let outcome = Deadline.run(seconds: refreshTimeout) { [self] () -> Void in
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
            if case .timedOut = outcome {
                logger.warning("storage pool refresh still running; not waiting for it", metadata: ["pool": "\(p.name)", "seconds": "\(refreshTimeout)"])
            }
        }
        state.withLock { $0.lastError = nil }
        return pause
    }

    /// The read-write connection, opened if needed (under `refreshTimeout`).
    private func connection() -> LibvirtConnection? {
        if let c = state.withLock({ $0.connection }), c.isAlive { return c }
        let target = uri
        let opened = Deadline.run(seconds: refreshTimeout) { () -> Result<LibvirtConnection, LibvirtError> in
            do throws(LibvirtError) { return .success(try LibvirtConnection(uri: target, readOnly: false)) } catch { return .failure(error) }
        }
        switch opened {
        case .done(.success(let c)):
            state.withLock { $0.connection = c }
            return c
        case .done(.failure(let e)):
            note("cannot open a read-write libvirt connection for pool refresh: \(e.description)")
        case .timedOut:
            note("opening a read-write libvirt connection for pool refresh did not finish within \(refreshTimeout) s")
        }
        return nil
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

/// The refresh thread's reference to its refresher: weak, so a released refresher ends it.
final class WeakRefresher: @unchecked Sendable {
    weak var refresher: StoragePoolRefresher?
    init(_ r: StoragePoolRefresher) { refresher = r }
}
