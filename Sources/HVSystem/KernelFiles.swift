import Glibc
import Synchronization

/// Kernel files read again and again (each QEMU thread's `/proc/<pid>/task/<tid>/stat`, each
/// guest's cgroup files, every scrape), kept open once read and read again with one `pread(2)`
/// at offset 0, which makes the kernel generate them afresh: one syscall instead of a path
/// walk, open, read and close (measured in the lab: a third of the exporter's kernel time went
/// to opening and closing /proc files, path walks through cgroup directories a sixth of its CPU).
///
/// Two ways in, one set of kept files:
/// - By path (`read(_:_:)`): the /proc readers. A kept `/proc/<pid>/...` file of a process that
///   exited fails (ESRCH) even when the PID is reused, since it stays bound to the old process:
///   it is closed and the path opened again, which reports the process gone or reads the new one.
/// - By directory and name (`read(_:_:_:)`), with `directoryCapacity` > 0: the cgroup readers.
///   The directory is opened once as an `O_PATH | O_DIRECTORY` handle and its files with
///   `openat(2)`. A directory removed and made again under the same path (a container
///   restarted) answers ENOENT through the old handle: the path is opened again and the read
///   retried once. A kept file of a removed cgroup answers ENODEV: it is closed and opened again.
///   With `absentTTL`, files found missing are remembered per directory for that long and not
///   asked for (v2 `memory.current` on a hybrid host; a v2 file appears when a controller is
///   enabled later, hence the expiry).
///
/// Common rules:
/// - Only files on a kernel file system (a cgroup, cgroup2, proc or sysfs mount) are kept: a
///   regular file read with pread at offset 0 would not be read afresh after being replaced,
///   and a fixture tree is read by path as before.
/// - `endRound()` closes the files and directory handles not used since the previous call
///   (threads and guests gone). Call it between rounds of reads, not during one.
/// - At most `fileCapacity` files and `directoryCapacity` handles stay open, each also at most
///   an eighth of the soft open-file limit (`openFileShare`: the mapper's cache and the cgroup
///   collector's, three eighths at most, so a 1024 limit still leaves most descriptors to
///   connections); beyond that, reads go by path, or open and close.
/// - Reads run under the cache's lock into one buffer the cache owns (`read(_:_:)` hands it to
///   the parser), so a kept read allocates nothing once the buffer has grown.
public final class KernelFiles: @unchecked Sendable {
    struct Kept {
        var fd: Int32
        /// The round (`State.round`) it was last used in.
        var round: UInt64
    }

    struct Directory {
        var fd: Int32
        /// The round it was last used in.
        var round: UInt64
        /// The directory is on a kernel file system whose files are made on each read.
        var regenerates: Bool
        /// Files found missing, since `absentSince`.
        var absent: Set<String> = []
        var absentSince = ContinuousClock.Instant.now
        /// Entries checked present (`directoryExists(_:holding:)`).
        var holds: Set<String> = []
    }

    struct State {
        /// Kept files by full path.
        var files: [String: Kept] = [:]
        var directories: [String: Directory] = [:]
        /// The buffer reads go into (see `read(_:_:)`).
        var scratch: [UInt8] = []
        /// Rounds ended so far (`endRound`): what was not used in the current one is closed.
        var round: UInt64 = 0
    }

    /// Most files kept open.
    public let fileCapacity: Int
    /// Most directory handles kept open; 0: files are opened by path.
    public let directoryCapacity: Int
    /// How long a file found missing in a directory is not asked for again; nil: asked each time.
    public let absentTTL: Duration?
    private let state = Mutex(State())

    /// - Parameters:
    ///   - fileCapacity: most files kept open (bounded by `openFileShare()`).
    ///   - directoryCapacity: most directory handles (bounded by `openFileShare()`); 0 for none.
    ///   - absentTTL: see the property (needs directory handles: the memory is per directory).
    public init(fileCapacity: Int = 4096, directoryCapacity: Int = 0, absentTTL: Duration? = nil) {
        let share = Self.openFileShare()
        self.fileCapacity = max(0, min(fileCapacity, share))
        self.directoryCapacity = max(0, min(directoryCapacity, share))
        self.absentTTL = absentTTL
    }

    /// The cache for cgroup directories: 512 directory handles, files found missing skipped
    /// for five minutes.
    public static func cgroupFiles() -> KernelFiles {
        KernelFiles(directoryCapacity: 512, absentTTL: .seconds(300))
    }

    deinit {
        state.withLock { s in
            for f in s.files.values { _ = Glibc.close(f.fd) }
            for d in s.directories.values { _ = Glibc.close(d.fd) }
        }
    }

    /// An eighth of the soft open-file limit: what one kind of descriptor of one cache may hold.
    public static func openFileShare() -> Int {
        var lim = rlimit()
        let soft = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &lim) == 0 ? Int(clamping: lim.rlim_cur) : 1024
        return soft / 8
    }

    /// Number of files kept open now.
    public var keptFileCount: Int { state.withLock { $0.files.count } }

    /// Number of directory handles open now.
    public var directoryCount: Int { state.withLock { $0.directories.count } }

    /// The files remembered missing in `dir` (tests).
    func absentFiles(_ dir: String) -> Set<String> { state.withLock { $0.directories[dir]?.absent ?? [] } }

    // MARK: By path

    /// The whole of the file at `path` handed to `body` (the cache's buffer: do not keep it
    /// beyond the call, copy what you need), like `FileReader.read(_:maxBytes:)`: through its
    /// kept descriptor when there is one, else opened (and kept while under capacity).
    public func read<T>(_ path: String, maxBytes: Int = FileReader.defaultMaxBytes, _ body: ([UInt8]) throws -> T) throws -> T {
        var result: T?
        try state.withLock { s in
            var buffer = s.scratch
            s.scratch = []
            defer { s.scratch = buffer }
            try readPath(&s, path, into: &buffer, maxBytes: maxBytes)
            result = try body(buffer)
        }
        return result!
    }

    /// The whole of the file at `path` into `buffer` (see `read(_:maxBytes:_:)`).
    public func read(_ path: String, into buffer: inout [UInt8], maxBytes: Int = FileReader.defaultMaxBytes) throws {
        try state.withLock { s in try readPath(&s, path, into: &buffer, maxBytes: maxBytes) }
    }

    private func readPath(_ s: inout State, _ path: String, into buffer: inout [UInt8], maxBytes: Int) throws {
        if let k = s.files[path] {
            if (try? FileReader.preadAll(k.fd, path: path, into: &buffer, maxBytes: maxBytes)) != nil {
                s.files[path]!.round = s.round
                return
            }
            // The process or thread is gone (or the read failed): open the path again.
            _ = Glibc.close(k.fd)
            s.files[path] = nil
        }
        let fd = try FileReader.open(path)
        do { try FileReader.preadAll(fd, path: path, into: &buffer, maxBytes: maxBytes) } catch {
            _ = Glibc.close(fd)
            throw error
        }
        if s.files.count < fileCapacity && Self.isKernelFileSystem(path) {
            s.files[path] = Kept(fd: fd, round: s.round)
        } else {
            _ = Glibc.close(fd)
        }
    }

    // MARK: By directory

    /// `dir/file` handed to `body` (the cache's buffer, as in `read(_:maxBytes:_:)`), or nil
    /// when the file (or the directory) does not exist or is remembered missing.
    public func read<T>(
        _ dir: String, _ file: String, maxBytes: Int = FileReader.defaultMaxBytes,
        _ body: ([UInt8]) throws -> T
    ) throws -> T? {
        var result: T?
        try state.withLock { s in
            var buffer = s.scratch
            s.scratch = []
            defer { s.scratch = buffer }
            if try readIn(&s, dir, file, into: &buffer, maxBytes: maxBytes) { result = try body(buffer) }
        }
        return result
    }

    /// `dir/file` into `buffer`; false when the file (or the directory) does not exist.
    public func read(_ dir: String, _ file: String, into buffer: inout [UInt8], maxBytes: Int = FileReader.defaultMaxBytes) throws -> Bool {
        try state.withLock { s in try readIn(&s, dir, file, into: &buffer, maxBytes: maxBytes) }
    }

    /// True when `dir` exists as a directory (its handle is kept, under capacity) and, if
    /// `holding` is given, has that entry.
    public func directoryExists(_ dir: String, holding: String? = nil) -> Bool {
        state.withLock { s in
            if let d = s.directories[dir] {
                s.directories[dir]!.round = s.round
                guard let holding, !d.holds.contains(holding) else { return true }
                guard faccessat(d.fd, holding, F_OK, 0) == 0 else { return false }
                s.directories[dir]!.holds.insert(holding)
                return true
            }
            guard let fd = Self.openDirectory(dir) else { return false }
            var d = Directory(fd: fd, round: s.round, regenerates: Self.isKernelFileSystem(dir))
            if let holding {
                guard faccessat(fd, holding, F_OK, 0) == 0 else { _ = Glibc.close(fd); return false }
                d.holds.insert(holding)
            }
            if s.directories.count < directoryCapacity { s.directories[dir] = d } else { _ = Glibc.close(fd) }
            return true
        }
    }

    private func readIn(_ s: inout State, _ dir: String, _ file: String, into buffer: inout [UInt8], maxBytes: Int) throws -> Bool {
        let path = dir + "/" + file
        guard var d = s.directories[dir] else {
            if s.directories.count < directoryCapacity {
                // A missing directory means a missing file.
                guard let fd = Self.openDirectory(dir) else { return false }
                s.directories[dir] = Directory(fd: fd, round: s.round, regenerates: Self.isKernelFileSystem(dir))
                return try readIn(&s, dir, file, into: &buffer, maxBytes: maxBytes)
            }
            // No handle (over capacity): by path.
            do { try readPath(&s, path, into: &buffer, maxBytes: maxBytes) } catch let e as SystemError where e.kind == .notFound {
                return false
            }
            return true
        }
        d.round = s.round
        if let ttl = absentTTL, !d.absent.isEmpty, d.absentSince.duration(to: .now) > ttl { d.absent = [] }
        s.directories[dir] = d
        if d.absent.contains(file) { return false }
        if let k = s.files[path] {
            if (try? FileReader.preadAll(k.fd, path: path, into: &buffer, maxBytes: maxBytes)) != nil {
                s.files[path]!.round = s.round
                return true
            }
            // Its cgroup is gone (ENODEV) or the read failed: drop it, open afresh.
            _ = Glibc.close(k.fd)
            s.files[path] = nil
        }
        do {
            if d.regenerates && s.files.count < fileCapacity {
                let f = try FileReader.openAt(d.fd, file, path: path)
                do { try FileReader.preadAll(f, path: path, into: &buffer, maxBytes: maxBytes) } catch {
                    _ = Glibc.close(f)
                    throw error
                }
                s.files[path] = Kept(fd: f, round: s.round)
            } else {
                try FileReader.read(at: d.fd, file, path: path, into: &buffer, maxBytes: maxBytes)
            }
            return true
        } catch let e as SystemError where e.kind == .notFound {
            // Missing from this directory, or the directory was removed (and maybe made again
            // under its path): its handle and a fresh one name the same inode only in the
            // first case. A missing file must not drop the handle (a v2 directory of a hybrid
            // host lacks several files, each read every scrape).
            let fresh = Self.openDirectory(dir)
            if let fresh, Self.sameInode(fresh, d.fd) {
                _ = Glibc.close(fresh)
                markAbsent(&s, dir, file)
                return false
            }
            _ = Glibc.close(d.fd)
            s.directories[dir] = nil
            guard let fresh else { return false }
            s.directories[dir] = Directory(fd: fresh, round: s.round, regenerates: Self.isKernelFileSystem(dir))
            do {
                try FileReader.read(at: fresh, file, path: path, into: &buffer, maxBytes: maxBytes)
                return true
            } catch let e as SystemError where e.kind == .notFound {
                markAbsent(&s, dir, file)
                return false
            }
        }
    }

    private func markAbsent(_ s: inout State, _ dir: String, _ file: String) {
        guard absentTTL != nil, s.directories[dir] != nil else { return }
        if s.directories[dir]!.absent.isEmpty { s.directories[dir]!.absentSince = .now }
        s.directories[dir]!.absent.insert(file)
    }

    // MARK: Rounds

    /// Closes the files and directory handles not used since the last call.
    public func endRound() {
        state.withLock { s in
            // Removed after the walk: removing while iterating would copy the dictionary.
            var stale: [String] = []
            for (k, f) in s.files where f.round != s.round {
                _ = Glibc.close(f.fd)
                stale.append(k)
            }
            for k in stale { s.files[k] = nil }
            stale.removeAll()
            for (k, d) in s.directories where d.round != s.round {
                _ = Glibc.close(d.fd)
                stale.append(k)
            }
            for k in stale { s.directories[k] = nil }
            s.round &+= 1
        }
    }

    // MARK: Helpers

    /// Whether two descriptors name the same inode (`fstat` works on `O_PATH` descriptors).
    static func sameInode(_ a: Int32, _ b: Int32) -> Bool {
        var x = stat()
        var y = stat()
        guard fstat(a, &x) == 0, fstat(b, &y) == 0 else { return false }
        return x.st_ino == y.st_ino && x.st_dev == y.st_dev
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

    /// `mounts` as (mount point with a trailing slash, its UTF-8 length, kernel), for the
    /// prefix test made on each new file.
    static let mountPrefixes: [(prefix: String, length: Int, kernel: Bool)] = mounts.map { m in
        let p = m.point == "/" ? "/" : m.point + "/"
        return (p, p.utf8.count, m.kernel)
    }

    /// Whether `path` lies on a kernel file system (its longest mount-point prefix is one).
    public static func isKernelFileSystem(_ path: String) -> Bool {
        let candidate = path.hasSuffix("/") ? path : path + "/"
        var best = -1
        var kernel = false
        for m in mountPrefixes where m.length > best && candidate.hasPrefix(m.prefix) {
            best = m.length
            kernel = m.kernel
        }
        return kernel
    }
}
