import Glibc
import Synchronization

/// This process's mount table (`<procfs>/self/mountinfo`), parsed again only when the kernel
/// says it changed: the file stays open and `poll(2)` reports `POLLPRI` on it after a mount,
/// an unmount or a remount in the namespace (proc(5)), so a scrape with no such change costs
/// one `poll` instead of a read and a parse (a host with containers has hundreds of mounts).
/// A file that is not procfs (a fixture tree, whose files have their real size where procfs
/// says 0) cannot say so and is read every time. `generation` tells callers that keep work
/// derived from the table (resolved storage stacks) when to redo it.
public final class MountTableWatch: Sendable {
    public let path: String
    struct State {
        var fd: Int32 = -1
        var isProc = false
        var table: MountTable?
        var buffer: [UInt8] = []
        /// The bytes the current generation was parsed from.
        var parsed: [UInt8] = []
        var generation: UInt64 = 0
    }
    let state = Mutex(State())

    public init(procfs: String = "/proc") {
        self.path = procfs + "/self/mountinfo"
    }

    deinit {
        state.withLock { s in if s.fd >= 0 { _ = Glibc.close(s.fd) } }
    }

    /// The mount table; throws when the file cannot be read or not one line of it parses
    /// (`MountTable.parseNonEmpty`), and then opens it afresh next time.
    public func current() throws -> MountTable { try versioned().table }

    /// The mount table and its generation: a number that changes whenever the table's bytes
    /// did (a mount, an unmount, a remount; for a file on disk, any write), and only then.
    public func versioned() throws -> (table: MountTable, generation: UInt64) {
        try state.withLock { s in
            if s.fd < 0 {
                s.fd = try FileReader.openAt(AT_FDCWD, path, path: path)
                // procfs gives its files a size of 0; a copy on disk has its real size.
                var st = stat()
                s.isProc = fstat(s.fd, &st) == 0 && st.st_size == 0
                s.table = nil
            }
            if let t = s.table, s.isProc {
                var p = pollfd(fd: s.fd, events: Int16(POLLPRI), revents: 0)
                if poll(&p, 1, 0) == 0 { return (t, s.generation) }
            }
            do {
                try FileReader.preadAll(s.fd, path: path, into: &s.buffer, maxBytes: MountTable.maxBytes)
                if let t = s.table, s.buffer == s.parsed { return (t, s.generation) }
                let t = try MountTable.parseNonEmpty(s.buffer)
                s.table = t
                s.parsed = s.buffer
                s.generation &+= 1
                return (t, s.generation)
            } catch {
                _ = Glibc.close(s.fd)
                s.fd = -1
                s.table = nil
                if let e = error as? SystemError, e.path.isEmpty { throw e.withPath(path) }
                throw error
            }
        }
    }
}
