import Glibc

/// Writes fake tools (shell scripts) for tests of the external-tool runners.
///
/// Why not `Data.write(to:)`: its descriptor is not close-on-exec, so a program another test
/// starts meanwhile (a fake tool that hangs for 30 s) inherits it open for writing, and
/// running the script then fails with "Text file busy" for as long as that program lives.
/// Here the file is written through a close-on-exec descriptor under a temporary name and
/// renamed into place once closed.
public enum FakeExecutable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func write(_ text: String, to path: String, mode: mode_t = 0o755) throws {
        let temporary = "\(path).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(description: "open \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                close(fd)
                unlink(temporary)
                throw Failure(description: "write \(temporary): \(String(cString: strerror(errno)))")
            }
            off += n
        }
        fchmod(fd, mode)
        close(fd)
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw Failure(description: "rename to \(path): \(String(cString: strerror(errno)))")
        }
    }
}
