import CHVShims
import HVRuntime
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The accept loop: one thread that accepts on the listening socket, lets the
/// `ConnectionTable` decide, and hands admitted connections to the current libmicrohttpd
/// `Daemon` (MHD_add_connection). Connections turned away over plain HTTP get a 503 with
/// Retry-After written here, then a lingering close (shutdown(2) for writing, the request read
/// and dropped for up to `lingerNanoseconds`) so that the client reads the answer instead of a
/// reset. Every `tickNanoseconds` it also closes connections past their deadline, reports
/// held-back warnings, and stops daemons replaced by a reload once their last connection ends.
final class Acceptor: @unchecked Sendable {
    private let listener: ListeningSocket
    private let table: ConnectionTable
    private let throttle: LogThrottle
    /// Where new connections go, and replaced daemons still serving their connections.
    private let daemons: Mutex<(current: Daemon?, retiring: [Daemon])>
    private let stopping = Atomic<Bool>(false)
    /// Self-pipe that wakes the loop for `stop` and `replace`.
    private let wake: (read: Int32, write: Int32)
    private var thread: JoinableThread?
    /// Touched by the accept thread only.
    private var lingering: [(descriptor: Int32, until: UInt64)] = []
    private var lastEvictedForRoom = 0

    static let tickNanoseconds: UInt64 = 100_000_000
    static let lingerNanoseconds: UInt64 = 2_000_000_000
    static let maximumLingering = 1024
    static let acceptBatch = 64

    init(listener: ListeningSocket, table: ConnectionTable, throttle: LogThrottle, daemon: Daemon) throws(HTTPServerError) {
        self.listener = listener
        self.table = table
        self.throttle = throttle
        self.daemons = Mutex((daemon, []))
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw HTTPServerError(kind: .socketFailed, subject: "accept loop", call: "pipe", errno: errno, message: "cannot start")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        wake = (fds[0], fds[1])
    }

    /// Starts the accept thread (`BackgroundThread.startJoinable`; `stop` joins it).
    func start() throws(HTTPServerError) {
        do {
            thread = try BackgroundThread.startJoinable { [self] in run() }
        } catch {
            throw HTTPServerError(
                kind: .socketFailed, subject: "accept loop", call: "pthread_create", errno: error.status, message: "cannot start")
        }
    }

    /// New connections go to `daemon` from now on; the previous one serves its connections to
    /// the end (idle ones are closed now) and is stopped by the accept thread.
    func replace(with daemon: Daemon) {
        let previous = daemons.withLock { daemons -> Daemon? in
            let previous = daemons.current
            daemons.current = daemon
            if let previous { daemons.retiring.append(previous) }
            return previous
        }
        if let previous { table.drain(generation: previous.generation) }
        poke()
    }

    /// Stops accepting: joins the accept thread, closes the listening socket and lingering
    /// connections. Returns the daemons, for the caller to stop. Idempotent.
    func stop() -> [Daemon] {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return [] }
        poke()
        thread?.join()
        listener.close()
        for entry in lingering { _ = Glibc.close(entry.descriptor) }
        lingering.removeAll()
        _ = Glibc.close(wake.read)
        _ = Glibc.close(wake.write)
        return daemons.withLock { daemons in
            defer { daemons = (nil, []) }
            return (daemons.current.map { [$0] } ?? []) + daemons.retiring
        }
    }

    private func poke() {
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }

    private func run() {
        var lastTick: UInt64 = 0
        var scratch = [UInt8](repeating: 0, count: 16 * 1024)
        while !stopping.load(ordering: .acquiring) {
            var fds = [
                pollfd(fd: listener.descriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0),
            ]
            for entry in lingering { fds.append(pollfd(fd: entry.descriptor, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(Self.tickNanoseconds / 1_000_000))
            if ready < 0 && errno != EINTR {
                throttle.log("accept loop: poll failed: errno \(errno)")
                usleep(100_000)
            }
            if fds[1].revents != 0 {
                while read(wake.read, &scratch, scratch.count) > 0 {}
            }
            if stopping.load(ordering: .acquiring) { break }
            if fds[0].revents & Int16(POLLIN) != 0 {
                acceptPending()
            }
            // Lingering closes: read and drop until end-of-file or an error.
            var keep: [(descriptor: Int32, until: UInt64)] = []
            let now = MonotonicClock.now
            for (index, entry) in lingering.enumerated() {
                let events = index + 2 < fds.count && fds[index + 2].fd == entry.descriptor ? fds[index + 2].revents : 0
                var done = now >= entry.until
                if !done && events != 0 {
                    while true {
                        let count = recv(entry.descriptor, &scratch, scratch.count, Int32(MSG_DONTWAIT))
                        if count > 0 { continue }
                        if count < 0 && (errno == EAGAIN || errno == EINTR) { break }
                        done = true
                        break
                    }
                }
                if done { _ = Glibc.close(entry.descriptor) } else { keep.append(entry) }
            }
            lingering = keep
            if now &- lastTick >= Self.tickNanoseconds {
                lastTick = now
                tick(now: now)
            }
        }
    }

    private func tick(now: UInt64) {
        let closed = table.sweep(now: now)
        if closed > 0 {
            throttle.log(
                "closed \(closed) connection(s) that did not send a complete request within \(Double(table.limits.requestDeadline) / 1e9) s"
            )
        }
        let evicted = table.counts.evictedForRoom
        if evicted > lastEvictedForRoom {
            throttle.log(
                "all \(table.limits.capacity) connections taken: closed \(evicted - lastEvictedForRoom) waiting longest for a request to make room"
            )
            lastEvictedForRoom = evicted
        }
        throttle.flush(now: now)
        let finished = daemons.withLock { daemons -> [Daemon] in
            let done = daemons.retiring.filter { table.openConnections(generation: $0.generation) == 0 }
            daemons.retiring.removeAll { daemon in done.contains { $0 === daemon } }
            return done
        }
        for daemon in finished { daemon.stop() }
    }

    private func acceptPending() {
        for _ in 0..<Self.acceptBatch {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let descriptor = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    hv_accept_nonblocking(listener.descriptor, $0, &length)
                }
            }
            if descriptor < 0 {
                let code = errno
                if code == EINTR || code == ECONNABORTED { continue }
                if code == EAGAIN || code == EWOULDBLOCK { return }
                throttle.log("cannot accept a connection: \(HTTPServerError.errnoName(code)), \(HTTPServerError.errnoText(code))")
                // EMFILE and friends: the next poll wakes at once; give the table a tick to free.
                usleep(10_000)
                return
            }
            admit(descriptor, SocketAddress(storage: storage, length: length))
        }
    }

    private func admit(_ descriptor: Int32, _ address: SocketAddress) {
        let client = address.hostText
        guard let daemon = daemons.withLock({ $0.current }) else {
            _ = Glibc.close(descriptor)
            return
        }
        let decision = table.admit(
            descriptor: descriptor, client: client, tls: daemon.isTLS,
            generation: daemon.generation, now: MonotonicClock.now)
        switch decision {
        case .serve(let id), .serveBusy(let id):
            if case .serveBusy = decision {
                throttle.log(
                    "answering 503 to \(client): \(table.limits.capacity) connections open or \(table.limits.perClient) from this address")
            }
            let added = address.withSockaddr { pointer, length in
                hv_mhd_add_connection(daemon.pointer, descriptor, pointer, UInt32(length))
            }
            if added == 0 {
                table.dropUnstarted(id: id)
                throttle.log("libmicrohttpd did not take the connection from \(client)")
            }
        case .refuse(let reason):
            switch reason {
            case .capacity:
                throttle.log(
                    "refusing a connection from \(client): \(table.limits.capacity) connections open, none idle long enough to close")
            case .perClient:
                throttle.log("refusing a connection from \(client): \(table.limits.perClient) connections open from this address")
            case .descriptor:
                throttle.log("refusing a connection from \(client): cannot duplicate its socket (out of file descriptors?)")
            }
            if !daemon.isTLS {
                ConnectionTable.busyAnswer.withUnsafeBytes { bytes in
                    _ = send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
                }
            }
            linger(descriptor)
        }
    }

    private func linger(_ descriptor: Int32) {
        _ = shutdown(descriptor, Int32(SHUT_WR))
        if lingering.count >= Self.maximumLingering {
            _ = Glibc.close(lingering.removeFirst().descriptor)
        }
        lingering.append((descriptor, MonotonicClock.now + Self.lingerNanoseconds))
    }
}
