import Glibc

/// Runs an external program (smartctl, a RAID controller's CLI, drbdsetup, zpool) with a
/// deadline and an output cap, and never hangs its caller.
///
/// The program runs in a process group of its own, with stdin on /dev/null, `LC_ALL=C` and a
/// fixed PATH. When the timeout passes, the whole group is killed (SIGKILL), so a helper the
/// tool forked cannot keep the pipes open. A program stuck in the kernel (a `smartctl` on a
/// disk that stopped answering sits in uninterruptible sleep and cannot die at once) is left
/// to a reaper thread: the caller gets `.timedOut` at the deadline all the same.
///
/// Only for background samplers (`ToolSampler`): never call this in the scrape path.
public enum ExternalCommand {
    /// How the program ended.
    public enum Termination: Sendable, Equatable {
        /// Exited with this status.
        case exited(Int32)
        /// Killed by this signal (not by us).
        case signaled(Int32)
        /// Did not finish before the timeout; killed.
        case timedOut
    }

    /// What a run gave.
    public struct Outcome: Sendable {
        public var termination: Termination
        /// Standard output, at most `outputLimit` bytes.
        public var stdout: [UInt8]
        /// Standard error, at most 64 KiB.
        public var stderr: [UInt8]
        /// Whether output past the cap was thrown away.
        public var truncated: Bool
        /// How long the run took.
        public var duration: Duration

        /// The first line of stderr (for error messages), trimmed; empty when none.
        public var stderrSummary: String {
            let line = stderr.split(separator: 0x0A, omittingEmptySubsequences: true).first ?? []
            return String(decoding: line.prefix(200), as: UTF8.self)
        }
    }

    /// Why a program could not be started.
    public struct SpawnError: Error, Sendable, CustomStringConvertible {
        public let executable: String
        public let message: String
        public var description: String { "cannot run \(executable): \(message)" }
    }

    /// Where vendors' packages put their tools (Broadcom's storcli/perccli rpm/deb, Dell
    /// OpenManage, smartmontools built from source), searched after the system directories.
    public static let vendorDirectories = [
        "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/opt/MegaRAID/storcli",
        "/opt/MegaRAID/perccli", "/opt/dell/srvadmin/sbin", "/opt/smartmontools/sbin",
    ]

    /// PATH used to find tools and given to them: the daemon's own `$PATH` first (its
    /// absolute directories), then `vendorDirectories` not already in it.
    public static let defaultSearchPath = searchPath(environmentPATH: getenv("PATH").map { String(cString: $0) })

    /// `environmentPATH`'s absolute directories in order, then each of `vendorDirectories`
    /// not among them. Relative entries ("", ".", "bin") are dropped: a tool found through
    /// them would depend on the daemon's working directory.
    public static func searchPath(environmentPATH: String?) -> String {
        var dirs: [String] = []
        var seen = Set<String>()
        for dir in (environmentPATH ?? "").split(separator: ":").map(String.init) + vendorDirectories
        where dir.hasPrefix("/") && seen.insert(dir).inserted {
            dirs.append(dir)
        }
        return dirs.joined(separator: ":")
    }

    /// Finds an executable: a name with a slash is checked as is; otherwise each directory of
    /// `searchPath` is tried in order. nil when none is executable.
    public static func find(_ name: String, searchPath: String = defaultSearchPath) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        for dir in searchPath.split(separator: ":") where !dir.isEmpty {
            let p = "\(dir)/\(name)"
            var st = stat()
            if stat(p, &st) == 0, st.st_mode & S_IFMT == S_IFREG, access(p, X_OK) == 0 { return p }
        }
        return nil
    }

    /// Runs `executable` (a path) with `arguments`.
    /// - Parameters:
    ///   - timeout: the run is killed when it passes.
    ///   - outputLimit: bytes of stdout kept; the rest is read and dropped (`truncated`).
    public static func run(
        _ executable: String, _ arguments: [String], timeout: Duration, outputLimit: Int = 16 << 20
    ) throws(SpawnError) -> Outcome {
        let started = ContinuousClock.now
        let deadline = started + timeout
        var out: [Int32] = [-1, -1]
        var err: [Int32] = [-1, -1]
        // From the pipes' creation to the spawn, one run at a time: a program started by
        // another thread between pipe() and FD_CLOEXEC would inherit these pipes and hold
        // them open (this run would then wait for that program to end, not for its own).
        spawnLock.lock()
        var spawnLocked = true
        defer { if spawnLocked { spawnLock.unlock() } }
        guard pipe(&out) == 0 else { throw SpawnError(executable: executable, message: errnoText()) }
        guard pipe(&err) == 0 else {
            close(out[0]); close(out[1])
            throw SpawnError(executable: executable, message: errnoText())
        }
        // Not inherited by other programs started meanwhile (the spawned one gets dup2 copies).
        for fd in out + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGHUP, SIGTERM, SIGINT, SIGCHLD] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigmask(&attr, &noSignals)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(
            &attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let environment: [String] = ["LC_ALL=C", "LANG=C", "PATH=" + defaultSearchPath]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attr, argv, envp)
        close(out[1])
        close(err[1])
        spawnLock.unlock()
        spawnLocked = false
        guard rc == 0 else {
            close(out[0]); close(err[0])
            throw SpawnError(executable: executable, message: String(cString: strerror(rc)))
        }

        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var truncated = false
        var open = [out[0], err[0]]
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var timedOut = false
        while !open.isEmpty {
            let left = deadline - .now
            if left <= .zero {
                timedOut = true
                break
            }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let wait = min(left, .seconds(1)).components
            let ms = Int32(wait.seconds * 1000 + wait.attoseconds / 1_000_000_000_000_000 + 1)
            let n = poll(&fds, nfds_t(fds.count), ms)
            if n < 0 && errno != EINTR { break }
            for p in fds where p.revents != 0 {
                let got = buffer.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, $0.count) }
                if got > 0 {
                    if p.fd == out[0] {
                        let room = max(0, outputLimit - stdout.count)
                        if got > room { truncated = true }
                        stdout.append(contentsOf: buffer[..<min(got, room)])
                    } else {
                        stderr.append(contentsOf: buffer[..<min(got, max(0, 65_536 - stderr.count))])
                    }
                } else if got == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(p.fd)
                    open.removeAll { $0 == p.fd }
                }
            }
        }
        for fd in open { close(fd) }

        var status: Int32 = 0
        if timedOut {
            kill(-pid, SIGKILL)
            // A process in uninterruptible sleep dies only when the kernel lets it: do not wait.
            if !reap(pid, within: .milliseconds(200), status: &status) { reapInBackground(pid) }
            return Outcome(termination: .timedOut, stdout: stdout, stderr: stderr, truncated: truncated, duration: .now - started)
        }
        // Both pipes closed: the program is exiting; wait for it, bounded by what is left.
        if !reap(pid, within: max(deadline - .now, .milliseconds(100)), status: &status) {
            kill(-pid, SIGKILL)
            if !reap(pid, within: .milliseconds(200), status: &status) { reapInBackground(pid) }
            return Outcome(termination: .timedOut, stdout: stdout, stderr: stderr, truncated: truncated, duration: .now - started)
        }
        // Helpers the program left behind in its group go with it.
        kill(-pid, SIGKILL)
        let termination: Termination =
            status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
        return Outcome(termination: termination, stdout: stdout, stderr: stderr, truncated: truncated, duration: .now - started)
    }

    /// Number of timed-out programs not reaped yet (stuck in the kernel).
    public static var unreaped: Int { pending.withLock { pending.count } }

    private static func reap(_ pid: pid_t, within limit: Duration, status: inout Int32) -> Bool {
        let until = ContinuousClock.now + limit
        while true {
            let w = waitpid(pid, &status, WNOHANG)
            if w == pid || (w < 0 && errno == ECHILD) { return true }
            if ContinuousClock.now >= until { return false }
            BackgroundThread.sleep(for: .milliseconds(5))
        }
    }

    private static func reapInBackground(_ pid: pid_t) {
        pending.withLock { pending.count += 1 }
        let started = BackgroundThread.start {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            pending.withLock { pending.count -= 1 }
        }
        if !started { pending.withLock { pending.count -= 1 } }
    }

    private final class Pending: @unchecked Sendable {
        let lock = LockedCondition()
        var count = 0
        func withLock<T>(_ body: () -> T) -> T { lock.withLock(body) }
    }
    private static let pending = Pending()
    private static let spawnLock = SpawnLock()

    private final class SpawnLock: @unchecked Sendable {
        let condition = LockedCondition()
        var busy = false
        func lock() {
            _ = condition.wait {
                if busy { return false }; busy = true; return true
            }
        }
        func unlock() {
            condition.withLock { busy = false }
            condition.broadcast()
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
