import Glibc
import Synchronization

/// Kernel files read every scrape by path (each QEMU thread's `/proc/<pid>/task/<tid>/stat`),
/// kept open once read and read again with one `pread(2)` at offset 0, which makes the kernel
/// generate them afresh: one syscall instead of a path walk, open, read and close (measured in
/// the lab: a third of the exporter's kernel time went to opening and closing /proc files).
///
/// - A kept `/proc/<pid>/...` file of a process that exited fails (ESRCH) even when the PID
///   is reused, since it stays bound to the old process: it is closed and the path opened
///   again, which reports the process gone or reads the new one.
/// - `endRound()` closes the files not read since the previous call (threads gone).
/// - At most `capacity` files stay open (also at most an eighth of the soft open-file limit,
///   `DirectoryHandles.openFileShare`); beyond that, reads open and close.
/// - Use it for kernel files only: a regular file read with pread at offset 0 would not be
///   read afresh after being replaced.
public final class KeptFiles: @unchecked Sendable {
    struct Entry {
        var fd: Int32
        var used = true
    }

    public let capacity: Int
    private let state = Mutex<[String: Entry]>([:])

    public init(capacity: Int = 4096) {
        self.capacity = max(0, min(capacity, DirectoryHandles.openFileShare()))
    }

    deinit {
        state.withLock { s in for e in s.values { _ = Glibc.close(e.fd) } }
    }

    /// Number of files kept open now.
    public var count: Int { state.withLock { $0.count } }

    /// The whole of the file at `path`, like `FileReader.read(_:into:maxBytes:)`: through its
    /// kept descriptor when there is one, else opened (and kept while under capacity).
    public func read(_ path: String, into buffer: inout [UInt8], maxBytes: Int = FileReader.defaultMaxBytes) throws {
        try state.withLock { s in
            if let e = s[path] {
                if (try? FileReader.preadAll(e.fd, path: path, into: &buffer, maxBytes: maxBytes)) != nil {
                    s[path]!.used = true
                    return
                }
                // The process or thread is gone (or the read failed): open the path again.
                _ = Glibc.close(e.fd)
                s[path] = nil
            }
            let fd = try FileReader.open(path)
            do { try FileReader.preadAll(fd, path: path, into: &buffer, maxBytes: maxBytes) } catch {
                _ = Glibc.close(fd)
                throw error
            }
            if s.count < capacity { s[path] = Entry(fd: fd) } else { _ = Glibc.close(fd) }
        }
    }

    /// Closes the files not read since the last call.
    public func endRound() {
        state.withLock { s in
            for (k, e) in s where !e.used {
                _ = Glibc.close(e.fd)
                s[k] = nil
            }
            for k in s.keys { s[k]!.used = false }
        }
    }
}
