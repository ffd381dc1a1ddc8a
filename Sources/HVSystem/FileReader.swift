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
    /// Bytes go through a 16 KiB scratch area on the stack and are appended with one copy per
    /// `read(2)` (no zero-filling of the array, which costs much in debug builds).
    public static func read(_ path: String, into buffer: inout [UInt8], maxBytes: Int = defaultMaxBytes) throws {
        let fd = try open(path)
        defer { _ = Glibc.close(fd) }
        try readAll(fd, path: path, into: &buffer, maxBytes: maxBytes)
    }

    static func readAll(_ fd: Int32, path: String, into buffer: inout [UInt8], maxBytes: Int) throws {
        buffer.removeAll(keepingCapacity: true)
        try withUnsafeTemporaryAllocation(byteCount: 16 << 10, alignment: 16) { scratch in
            let base = scratch.baseAddress!
            while true {
                let before = buffer.count
                if before >= maxBytes {
                    // One more byte would exceed the bound: check whether the file really has more.
                    let n = try readOnce(fd, base, 1, path: path)
                    if n == 0 { return }
                    buffer.removeAll(keepingCapacity: true)
                    throw SystemError(.tooLarge, path: path, reason: "larger than \(maxBytes) bytes")
                }
                let got = try readOnce(fd, base, min(scratch.count, maxBytes - before), path: path)
                if got == 0 { return }
                buffer.append(contentsOf: UnsafeRawBufferPointer(start: base, count: got))
            }
        }
    }

    /// Reads the whole file `name` in the directory open as `dirFD` (`openat(2)`), like
    /// `read(_:into:maxBytes:)`; `path` names it in errors.
    public static func read(at dirFD: Int32, _ name: String, path: String, into buffer: inout [UInt8], maxBytes: Int = defaultMaxBytes)
        throws
    {
        var fd: Int32
        while true {
            fd = Glibc.openat(dirFD, name, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { break }
            let e = errno
            if e == EINTR { continue }
            throw SystemError.syscall("openat", path: path, errno: e)
        }
        defer { _ = Glibc.close(fd) }
        try readAll(fd, path: path, into: &buffer, maxBytes: maxBytes)
    }

    /// Opens `name` in the directory open as `dirFD` for reading.
    public static func openAt(_ dirFD: Int32, _ name: String, path: String) throws -> Int32 {
        while true {
            let fd = Glibc.openat(dirFD, name, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { return fd }
            let e = errno
            if e == EINTR { continue }
            throw SystemError.syscall("openat", path: path, errno: e)
        }
    }

    /// Reads an open kernel file again from its start with `pread(2)`: the kernel makes it
    /// afresh at offset 0. A read shorter than asked ends it (seq files fill what is asked
    /// for until their end), so a small file costs one syscall.
    public static func preadAll(_ fd: Int32, path: String, into buffer: inout [UInt8], maxBytes: Int = defaultMaxBytes) throws {
        buffer.removeAll(keepingCapacity: true)
        try withUnsafeTemporaryAllocation(byteCount: 16 << 10, alignment: 16) { scratch in
            let base = scratch.baseAddress!
            while true {
                let before = buffer.count
                let want = min(scratch.count, maxBytes - before + 1)
                var n: Int
                repeat { n = Glibc.pread(fd, base, want, off_t(before)) } while n < 0 && errno == EINTR
                if n < 0 { throw SystemError.syscall("pread", path: path, errno: errno) }
                if before + n > maxBytes {
                    buffer.removeAll(keepingCapacity: true)
                    throw SystemError(.tooLarge, path: path, reason: "larger than \(maxBytes) bytes")
                }
                buffer.append(contentsOf: UnsafeRawBufferPointer(start: base, count: n))
                if n < want { return }
            }
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

    /// Largest sysfs attribute the kernel writes (one page).
    static let sysfsAttributeMaxBytes = 4096

    /// Reads one sysfs attribute (at most `sysfsAttributeMaxBytes`) and parses it; nil when
    /// the file does not exist. Other read errors, and parse errors (named after `path`), throw.
    static func attributeIfPresent<T>(_ path: String, _ parse: ([UInt8]) throws -> T) throws -> T? {
        let bytes: [UInt8]
        do {
            bytes = try read(path, maxBytes: sysfsAttributeMaxBytes)
        } catch let e as SystemError where e.kind == .notFound {
            return nil
        }
        return try parsing(path) { try parse(bytes) }
    }
}
