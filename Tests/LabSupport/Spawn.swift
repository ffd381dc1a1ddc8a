import Foundation
import Glibc

/// Runs a command with posix_spawn and waitpid, stdout and stderr together (or stderr dropped),
/// with a deadline; stdin is /dev/null or the given bytes.
///
/// For commands that daemonize (the first `tmux new-session` starts the tmux server): with
/// Foundation's Process the test could wait forever for the exit of such a client, which
/// stayed a zombie. Here the child is reaped with waitpid and output is read until it exits.
public enum Spawn {
    /// Why a command could not be run or did not finish.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// - Parameters:
    ///   - input: bytes for the command's stdin (through an unlinked temporary file, so a
    ///     command that does not read them cannot block); nil: /dev/null.
    ///   - timeout: seconds before the command is killed and this throws.
    @discardableResult
    public static func run(
        _ args: [String], env extra: [String: String] = [:], stderr: Bool = true,
        input: [UInt8]? = nil, timeout: Double = 120
    ) throws -> (Int32, String) {
        var inputFD: Int32 = -1
        defer { if inputFD >= 0 { close(inputFD) } }
        if let input {
            var template = Array("/tmp/hv-spawn-input-XXXXXX".utf8CString)
            inputFD = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard inputFD >= 0 else { throw Failure("mkstemp: \(String(cString: strerror(errno)))") }
            _ = fcntl(inputFD, F_SETFD, FD_CLOEXEC)
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
            var off = 0
            while off < input.count {
                let n = input[off...].withUnsafeBytes { write(inputFD, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw Failure("writing stdin: \(String(cString: strerror(errno)))") }
                off += n
            }
            lseek(inputFD, 0, SEEK_SET)
        }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw Failure("pipe: \(String(cString: strerror(errno)))") }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if inputFD >= 0 {
            posix_spawn_file_actions_adddup2(&actions, inputFD, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        if stderr {
            posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }

        var environment = ProcessInfo.processInfo.environment
        for (k, v) in extra { environment[k] = v }
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, args[0], &actions, nil, argv, envp)
        close(fds[1])
        guard rc == 0 else {
            close(fds[0])
            throw Failure("cannot run \(args[0]): \(String(cString: strerror(rc)))")
        }
        defer { close(fds[0]) }

        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65_536)
        func drain() {
            while true {
                let n = buf.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
                if n > 0 { out.append(contentsOf: buf[..<n]) } else { return }
            }
        }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            var p = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
            _ = poll(&p, 1, 100)
            drain()
            let w = waitpid(pid, &status, WNOHANG)
            if w == pid { drain(); break }
            if w < 0 && errno != EINTR { break }
            if Date() > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw Failure(
                    "\(args.joined(separator: " ")) did not finish within \(timeout) s; output so far:\n\(String(decoding: out, as: UTF8.self))"
                )
            }
        }
        let code: Int32 = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (code, String(decoding: out, as: UTF8.self))
    }
}
