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
/// - Kernel files (under a cgroup, cgroup2, proc or sysfs mount point) are also
///   kept open once read, and read again with one `pread(2)` at offset 0, which makes the
///   kernel generate them afresh: one syscall instead of open, read, read, close. A kept
///   file of a removed cgroup answers ENODEV: it is closed and the path opened again.
/// - At most `capacity` directory handles and `fileCapacity` kept files stay open, each also
///   at most an eighth of the soft open-file limit (`openFileShare`: with `KeptFiles`, three
///   eighths at most, so a 1024 limit still leaves most descriptors to connections); beyond
///   that, reads go by path, or open and close.
public final class DirectoryHandles: @unchecked Sendable {
    struct Entry {
        var fd: Int32
        var absent: Set<String> = []
        var absentSince: Double = 0
        var used = true
        /// Entries checked present when the handle was opened (`directoryExists(_:holding:)`).
        var holds: Set<String> = []
        /// The directory is on a kernel file system whose files are made on each read.
        var regenerates = false
        /// Files kept open, by name.
        var files: [String: Int32] = [:]
    }

    public let capacity: Int
    public let fileCapacity: Int
    public let absentTTL: Double
    private let state = Mutex<[String: Entry]>([:])
    private let keptFiles = Mutex(0)

    public init(capacity: Int = 512, fileCapacity: Int = 4096, absentTTL: Double = 300) {
        let share = Self.openFileShare()
        self.capacity = max(0, min(capacity, share))
        self.fileCapacity = max(0, min(fileCapacity, share))
        self.absentTTL = absentTTL
    }

    deinit {
        state.withLock { s in for e in s.values { Self.close(e) } }
    }

    /// An eighth of the soft open-file limit: what one cache of descriptors may hold.
    public static func openFileShare() -> Int {
        var lim = rlimit()
        let soft = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &lim) == 0 ? Int(clamping: lim.rlim_cur) : 1024
        return soft / 8
    }

    /// Number of files kept open now.
    public var keptFileCount: Int { keptFiles.withLock { $0 } }

    private static func close(_ e: Entry) {
        _ = Glibc.close(e.fd)
        for fd in e.files.values { _ = Glibc.close(fd) }
    }

    private func forget(_ e: Entry) {
        Self.close(e)
        let n = e.files.count
        if n > 0 { keptFiles.withLock { $0 -= n } }
    }

    /// The files remembered missing in `dir` (tests).
    func absentFiles(_ dir: String) -> Set<String> { state.withLock { $0[dir]?.absent ?? [] } }

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
            e.regenerates = Self.isKernelFileSystem(dir)
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
        enum Lookup { case knownMissing, noHandle, handle(Int32, kept: Int32?, keep: Bool) }
        let lookup = state.withLock { s -> Lookup in
            guard var e = s[dir] else { return .noHandle }
            e.used = true
            if !e.absent.isEmpty && now - e.absentSince > absentTTL { e.absent = [] }
            s[dir] = e
            return e.absent.contains(file) ? .knownMissing : .handle(e.fd, kept: e.files[file], keep: e.regenerates)
        }
        let fd: Int32
        let keep: Bool
        switch lookup {
        case .knownMissing:
            return false
        case .handle(let h, let kept, let k):
            if let kept {
                if (try? FileReader.preadAll(kept, path: dir + "/" + file, into: &buffer, maxBytes: maxBytes)) != nil { return true }
                // Its cgroup is gone (ENODEV) or the read failed: drop it, open afresh.
                let dropped = state.withLock { s -> Bool in
                    guard s[dir]?.files[file] == kept else { return false }
                    s[dir]!.files[file] = nil
                    return true
                }
                if dropped { _ = Glibc.close(kept); keptFiles.withLock { $0 -= 1 } }
            }
            fd = h
            keep = k
        case .noHandle:
            // New directory: open a handle (then read through it), or read by path when
            // over capacity; a missing directory means a missing file.
            guard directoryExists(dir) else { return false }
            if state.withLock({ $0[dir] != nil }) { return try read(dir, file, into: &buffer, maxBytes: maxBytes) }
            do { try FileReader.read(dir + "/" + file, into: &buffer, maxBytes: maxBytes) } catch let e as SystemError where e.kind == .notFound { return false }
            return true
        }
        do {
            if keep && keptFiles.withLock({ $0 < fileCapacity }) {
                let f = try FileReader.openAt(fd, file, path: dir + "/" + file)
                do { try FileReader.preadAll(f, path: dir + "/" + file, into: &buffer, maxBytes: maxBytes) } catch {
                    _ = Glibc.close(f)
                    throw error
                }
                let kept = state.withLock { s -> Bool in
                    guard s[dir]?.fd == fd, s[dir]!.files[file] == nil else { return false }
                    s[dir]!.files[file] = f
                    return true
                }
                if kept { keptFiles.withLock { $0 += 1 } } else { _ = Glibc.close(f) }
            } else {
                try FileReader.read(at: fd, file, path: dir + "/" + file, into: &buffer, maxBytes: maxBytes)
            }
            return true
        } catch let e as SystemError where e.kind == .notFound {
            // Missing from this directory, or the directory was removed (and maybe made again
            // under its path): its handle and a fresh one name the same inode only in the
            // first case. A missing file must not drop the handle and its kept files (a v2
            // directory of a hybrid host lacks several files, each read every scrape).
            let fresh = Self.openDirectory(dir)
            if let fresh, Self.sameInode(fresh, fd) {
                _ = Glibc.close(fresh)
                markAbsent(dir, handle: fd, file, now)
                return false
            }
            let (replaced, installed) = state.withLock { s -> (Entry?, Bool) in
                guard s[dir]?.fd == fd else { return (nil, false) }   // another thread did it
                let old = s[dir]
                s[dir] = fresh.map { f in
                    var e = Entry(fd: f)
                    e.regenerates = Self.isKernelFileSystem(dir)
                    return e
                }
                return (old, fresh != nil)
            }
            if let replaced { forget(replaced) }
            guard let fresh else { return false }
            defer { if !installed { _ = Glibc.close(fresh) } }
            do {
                try FileReader.read(at: fresh, file, path: dir + "/" + file, into: &buffer, maxBytes: maxBytes)
                return true
            } catch let e as SystemError where e.kind == .notFound {
                markAbsent(dir, handle: fresh, file, now)
                return false
            }
        }
    }

    private func markAbsent(_ dir: String, handle: Int32, _ file: String, _ now: Double) {
        state.withLock { s in
            guard s[dir]?.fd == handle else { return }
            if s[dir]!.absent.isEmpty { s[dir]!.absentSince = now }
            s[dir]!.absent.insert(file)
        }
    }

    /// Whether two descriptors name the same inode (`fstat` works on `O_PATH` descriptors).
    static func sameInode(_ a: Int32, _ b: Int32) -> Bool {
        var x = stat(), y = stat()
        guard fstat(a, &x) == 0, fstat(b, &y) == 0 else { return false }
        return x.st_ino == y.st_ino && x.st_dev == y.st_dev
    }

    /// Closes the handles not used since the last call.
    public func endRound() {
        state.withLock { s in
            for (k, e) in s where !e.used {
                forget(e)
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

    /// Mount points of cgroup v1/v2, procfs and sysfs (files generated on each read), with
    /// the type of every mount, from /proc/self/mounts, read once.
    static let mounts: [(point: String, kernel: Bool)] = {
        guard let b = try? FileReader.read("/proc/self/mounts") else { return [] }
        var out: [(String, Bool)] = []
        for line in String(decoding: b, as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count >= 3 else { continue }
            // Spaces in mount points are written \040; such a point stays unmatched, harmlessly.
            let point = String(f[1])
            out.append((point, ["cgroup", "cgroup2", "proc", "sysfs"].contains(String(f[2]))))
        }
        return out
    }()

    /// Whether `dir` lies on a kernel file system (its longest mount-point prefix is one).
    public static func isKernelFileSystem(_ dir: String) -> Bool {
        var best = -1
        var kernel = false
        for m in mounts where m.point.count > best {
            let p = m.point == "/" ? "/" : m.point + "/"
            if dir == m.point || dir.hasPrefix(p) {
                best = m.point.count
                kernel = m.kernel
            }
        }
        return kernel
    }

    static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
