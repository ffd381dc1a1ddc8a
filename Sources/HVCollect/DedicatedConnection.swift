import HVLibvirt
import Logging
import Synchronization

/// A read-only libvirt connection owned by one collector, replaced as soon as one of its
/// calls gets stuck.
///
/// Why not the shared `LibvirtSession`: with libvirt 9.0 (measured in the lab), once one call
/// on a connection waits for something that does not come (a QEMU monitor of a stopped or
/// hung QEMU, a storage pool locked by a long refresh), the connection answers about three
/// more calls and then every further call on it waits for the stuck one. The jobs and pools
/// collectors make exactly the calls that can get stuck; on the shared connection one hung
/// guest or NFS server would blind the domain collector too. So each of them uses its own
/// connection, and `retire`s it when a call outlives its deadline: the next call opens a
/// fresh one, the stuck call keeps the old one alive until it returns.
final class DedicatedConnection: Sendable {
    let uri: String
    let logger: Logger

    struct State {
        var connection: LibvirtConnection?
        var opening = false
        /// Bumped on every new connection (handles and event registrations belong to one).
        var generation = 0
        /// Bumped when a connection was found closed by libvirt (daemon restart, EOF), not
        /// when it was retired for a stuck call: the daemon's jobs may have ended.
        var losses = 0
        var retired = 0
    }

    private let state = Mutex(State())

    init(uri: String, logger: Logger) {
        self.uri = uri
        self.logger = logger
    }

    /// Generation of the current connection.
    var generation: Int { state.withLock { $0.generation } }
    /// How often the connection was lost (see `State.losses`).
    var losses: Int { state.withLock { $0.losses } }
    /// How often a connection was retired for a stuck call.
    var retired: Int { state.withLock { $0.retired } }

    /// A live connection, opened (`virConnectOpenReadOnly`) under the deadline if needed.
    func connection(_ deadline: Double) throws(CollectError) -> (LibvirtConnection, generation: Int) {
        let existing = state.withLock { s -> (LibvirtConnection, Int)? in
            if let c = s.connection, c.isAlive { return (c, s.generation) }
            if s.connection != nil {
                s.connection = nil
                s.losses += 1
            }
            return nil
        }
        if let existing { return existing }
        let busy = state.withLock { s -> Bool in
            if s.opening { return true }
            s.opening = true
            return false
        }
        if busy { throw CollectError("connecting to \(uri): a previous attempt has not finished (libvirtd stuck?)") }
        let target = uri
        let outcome = Deadline.run(seconds: LibvirtSession.remaining(deadline)) { [self] () -> Result<(LibvirtConnection, Int), LibvirtError> in
            let r: Result<LibvirtConnection, LibvirtError>
            do throws(LibvirtError) { r = .success(try LibvirtConnection(uri: target)) } catch { r = .failure(error) }
            // Installed even if the caller gave up waiting: the next call uses it.
            return state.withLock { s in
                s.opening = false
                switch r {
                case .success(let c):
                    s.connection = c
                    s.generation += 1
                    return .success((c, s.generation))
                case .failure(let e):
                    return .failure(e)
                }
            }
        }
        switch outcome {
        case .timedOut: throw CollectError("connecting to \(uri) did not finish within the deadline")
        case .done(.failure(let e)): throw CollectError(e.description)
        case .done(.success(let c)): return c
        }
    }

    /// Stops using `conn` (one of its calls is stuck); the next `connection` opens another.
    func retire(_ conn: LibvirtConnection, because why: String) {
        let changed = state.withLock { s -> Bool in
            guard s.connection === conn else { return false }
            s.connection = nil
            s.retired += 1
            return true
        }
        if changed { logger.info("libvirt connection retired; the next call opens a fresh one", metadata: ["uri": "\(uri)", "reason": "\(why)"]) }
    }
}
