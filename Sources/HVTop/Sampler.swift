import Dispatch
import Foundation
import Glibc
import Synchronization

/// Fetches snapshots on its own thread so the TUI stays responsive while a collection runs:
/// the first at once, the second soon after (so rates show quickly), then every `delay`
/// seconds. Each result is posted to a mailbox and announced on a pipe the UI polls.
public final class Sampler: Sendable {
    public let source: SnapshotSource
    public let delay: Double
    private let mailbox = Mutex<[Result<Sample, SourceError>]>([])
    private let wake = DispatchSemaphore(value: 0)
    /// Read end: becomes readable when a result is waiting.
    public let notifyFD: Int32
    private let writeFD: Int32

    public init(source: SnapshotSource, delay: Double) {
        self.source = source
        self.delay = delay
        var fds: [Int32] = [0, 0]
        _ = pipe(&fds)
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        notifyFD = fds[0]
        writeFD = fds[1]
    }

    /// Starts the sampling thread (runs until the process exits).
    public func start() {
        Thread.detachNewThread { [self] in
            var count = 0
            while true {
                let r = Result<Sample, SourceError> { () throws(SourceError) in try source.fetch() }
                mailbox.withLock { $0.append(r) }
                var one: UInt8 = 1
                _ = write(writeFD, &one, 1)
                count += 1
                let pause = count == 1 ? min(delay, 1.0) : delay
                _ = wake.wait(timeout: .now() + pause)
            }
        }
    }

    /// Asks for a refresh now instead of at the next tick.
    public func refreshNow() { wake.signal() }

    /// Results that arrived since the last call, oldest first.
    public func take() -> [Result<Sample, SourceError>] {
        var buf = [UInt8](repeating: 0, count: 64)
        while read(notifyFD, &buf, buf.count) > 0 {}
        return mailbox.withLock { m in
            defer { m.removeAll() }
            return m
        }
    }
}
