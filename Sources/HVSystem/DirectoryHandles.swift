import Glibc
import Synchronization

/// Open directory handles for files read again and again (each guest's cgroup directories,
/// every scrape), so a read costs `openat(dirfd, "memory.stat")` instead of a path walk
/// through `/sys/fs/cgroup/memory/machine/qemu-7-web.libvirt-qemu/` (measured with perf in
/// the lab: path walks were a sixth of the exporter's CPU), and files a directory does not
/// have (v2 `memory.current` on a hybrid host) are not asked for again.
///
/// - A handle is an `O_PATH | O_DIRECTORY` descriptor, opened on first use. A directory
///   removed and made again under the same path (a container restarted) answers ENOENT
///   through the old handle: the path is opened again and the read retried once.
/// - Files found missing are remembered per directory for `absentTTL` seconds (a v2 file
///   appears when a controller is enabled later).
/// - `endRound()` closes the handles not used since the previous call (guests gone).
/// - At most `capacity` handles stay open; beyond that, reads go by path.
public final class DirectoryHandles: @unchecked Sendable {
    struct Entry {
        var fd: Int32
        var absent: Set<String> = []
        var absentSince: Double = 0
        var used = true
        /// Entries checked present when the handle was opened (`directoryExists(_:holding:)`).
        var holds: Set<String> = []
    }

    public let capacity: Int
    public let absentTTL: Double
    private let state = Mutex<[String: Entry]>([:])

    public init(capacity: Int = 512, absentTTL: Double = 300) {
        self.capacity = capacity
        self.absentTTL = absentTTL
    }

    deinit {
        state.withLock { s in for e in s.values { _ = Glibc.close(e.fd) } }
    }

    /// Number of handles open now.
    public var openCount: Int { state.withLock { $0.count } }

    /// True when `dir` exists as a directory (its handle is kept) and, if `holding` is given,
    /// has that entry (checked when the handle is opened).
    public func directoryExists(_ dir: String, holding: String? = nil) -> Bool {
        state.withLock { s in
            if s[dir] != nil {
                s[dir]!.used = true
                return holding == nil || s[dir]!.holds.contains(holding!)
            }
            guard let fd = Self.openDirectory(dir) else { return false }
            var e = Entry(fd: fd)
            if let holding {
                guard faccessat(fd, holding, F_OK, 0) == 0 else { _ = Glibc.close(fd); return false }
                e.holds.insert(holding)
            }
            if s.count < capacity { s[dir] = e } else { _ = Glibc.close(fd) }
            return true
        }
    }

    /// The whole of `dir/file`, or nil when the file (or the directory) does not exist.
    public func read(_ dir: String, _ file: String, into buffer: inout [UInt8], maxBytes: Int = FileReader.defaultMaxBytes) throws -> Bool {
        let now = Self.monotonic()
        enum Lookup { case knownMissing, noHandle, handle(Int32) }
        let lookup = state.withLock { s -> Lookup in
            guard var e = s[dir] else { return .noHandle }
            e.used = true
            if !e.absent.isEmpty && now - e.absentSince > absentTTL { e.absent = [] }
            s[dir] = e
            return e.absent.contains(file) ? .knownMissing : .handle(e.fd)
        }
        let fd: Int32
        switch lookup {
        case .knownMissing:
            return false
        case .handle(let h):
            fd = h
        case .noHandle:
            // New directory: open a handle (then read through it), or read by path when
            // over capacity; a missing directory means a missing file.
            guard directoryExists(dir) else { return false }
            if state.withLock({ $0[dir] != nil }) { return try read(dir, file, into: &buffer, maxBytes: maxBytes) }
            do { try FileReader.read(dir + "/" + file, into: &buffer, maxBytes: maxBytes) } catch let e as SystemError where e.kind == .notFound { return false }
            return true
        }
        do {
            try FileReader.read(at: fd, file, path: dir + "/" + file, into: &buffer, maxBytes: maxBytes)
            return true
        } catch let e as SystemError where e.kind == .notFound {
            // Missing, or the directory was replaced: open the path again and retry once.
            let fresh = Self.openDirectory(dir)
            state.withLock { s in
                if let old = s[dir] { _ = Glibc.close(old.fd) }
                s[dir] = fresh.map { Entry(fd: $0) }
            }
            guard let fresh else { return false }
            do {
                try FileReader.read(at: fresh, file, path: dir + "/" + file, into: &buffer, maxBytes: maxBytes)
                return true
            } catch let e as SystemError where e.kind == .notFound {
                state.withLock { s in
                    guard s[dir]?.fd == fresh else { return }
                    if s[dir]!.absent.isEmpty { s[dir]!.absentSince = now }
                    s[dir]!.absent.insert(file)
                }
                return false
            }
        }
    }

    /// Closes the handles not used since the last call.
    public func endRound() {
        state.withLock { s in
            for (k, e) in s where !e.used {
                _ = Glibc.close(e.fd)
                s[k] = nil
            }
            for k in s.keys { s[k]!.used = false }
        }
    }

    /// `O_PATH` (Linux, every architecture but alpha/sparc/parisc), which Glibc's Swift
    /// module does not export.
    static let pathOnly: Int32 = 0o10000000

    static func openDirectory(_ path: String) -> Int32? {
        while true {
            let fd = Glibc.open(path, Self.pathOnly | O_DIRECTORY | O_CLOEXEC)
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            return nil
        }
    }

    static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
