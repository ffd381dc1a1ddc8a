import Glibc

/// Reads small kernel files (/proc, /sys, cgroupfs) into bounded buffers.
///
/// Never `stat`s for a size (procfs and sysfs report 0 or 4096): one `read(2)` loop
/// into a buffer that grows up to `maxBytes`. Every syscall retries on EINTR.
/// Underneath: `open(2)` with `O_RDONLY|O_CLOEXEC`, `read(2)`, `close(2)`.
public enum FileReader {
    /// Default bound: 4 MiB (a /proc/<pid>/cmdline or a large memory.stat fits easily).
    public static let defaultMaxBytes = 4 << 20

    /// Reads the whole file at `path`.
    public static func read(_ path: String, maxBytes: Int = defaultMaxBytes) throws -> [UInt8] {
        var buf: [UInt8] = []
        try read(path, into: &buf, maxBytes: maxBytes)
        return buf
    }

    /// Reads the whole file at `path` into `buffer`, replacing its content and reusing its
    /// capacity (the guest mapper reads thousands of small files per scan with one buffer).
    public static func read(_ path: String, into buffer: inout [UInt8], maxBytes: Int = defaultMaxBytes) throws {
        let fd = try open(path)
        defer { _ = Glibc.close(fd) }
        buffer.removeAll(keepingCapacity: true)
        var chunk = buffer.capacity > 0 ? max(buffer.capacity, 512) : 4096
        if buffer.capacity < chunk { buffer.reserveCapacity(chunk) }
        while true {
            let before = buffer.count
            if before >= maxBytes {
                // One more byte would exceed the bound: check whether the file really has more.
                var probe: UInt8 = 0
                let n = try readOnce(fd, &probe, 1, path: path)
                if n == 0 { return }
                throw SystemError(.tooLarge, path: path, reason: "larger than \(maxBytes) bytes")
            }
            let want = min(chunk, maxBytes - before)
            var got = 0
            // Grow by `want` uninitialized bytes, read into them, then trim.
            buffer.append(contentsOf: repeatElement(0, count: want))
            var readError: SystemError?
            buffer.withUnsafeMutableBytes { raw in
                do {
                    got = try readOnce(fd, raw.baseAddress! + before, want, path: path)
                } catch let e as SystemError { readError = e } catch {}
            }
            if let readError { buffer.removeAll(keepingCapacity: true); throw readError }
            buffer.removeLast(want - got)
            if got == 0 { return }
            if buffer.count - before == want { chunk = min(chunk * 2, 1 << 20) }
        }
    }

    /// The target of a symbolic link (e.g. `/proc/<pid>/ns/pid` -> "pid:[4026531836]").
    /// Underneath: `readlink(2)`.
    public static func readLink(_ path: String) throws -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: 256)
        let n = buf.withUnsafeMutableBufferPointer { p in
            p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { readlink(path, $0, p.count) }
        }
        if n < 0 { throw SystemError.syscall("readlink", path: path, errno: errno) }
        buf.removeLast(buf.count - n)
        return buf
    }

    /// True when `path` can be opened for reading (used to detect cgroup layouts).
    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func open(_ path: String) throws -> Int32 {
        while true {
            let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { return fd }
            let e = errno
            if e == EINTR { continue }
            throw SystemError.syscall("open", path: path, errno: e)
        }
    }

    @inline(__always)
    static func readOnce(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ count: Int, path: String) throws -> Int {
        while true {
            let n = Glibc.read(fd, p, count)
            if n >= 0 { return n }
            let e = errno
            if e == EINTR { continue }
            throw SystemError.syscall("read", path: path, errno: e)
        }
    }
}
