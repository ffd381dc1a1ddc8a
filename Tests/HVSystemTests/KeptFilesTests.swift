import Foundation
import Testing
@testable import HVSystem

/// Kept /proc files on the real procfs: read afresh through one descriptor, a process that
/// exited reported gone (not read stale), files not read in a round closed.
struct KeptFilesTests {
    func text(_ k: KeptFiles, _ path: String) throws -> String {
        var b: [UInt8] = []
        try k.read(path, into: &b)
        return String(decoding: b, as: UTF8.self)
    }

    @Test func procFilesAreKeptReadAfreshAndDroppedWhenTheProcessExits() throws {
        let k = KeptFiles()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["30"]
        try child.run()
        let pid = Int(child.processIdentifier)
        let stat = "/proc/\(pid)/stat"
        let first = try text(k, stat)
        #expect(first.hasPrefix("\(pid) (sleep) "))
        #expect(k.count == 1)
        // Stopped: the same descriptor reads the new state ("T"), made afresh by the kernel.
        kill(pid_t(pid), SIGSTOP)
        var stopped = ""
        for _ in 0..<100 {
            stopped = try text(k, stat)
            if stopped.hasPrefix("\(pid) (sleep) T") { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(stopped.hasPrefix("\(pid) (sleep) T"))
        #expect(k.count == 1)
        // Exited and reaped: the kept descriptor fails, the path is gone.
        kill(pid_t(pid), SIGKILL)
        child.waitUntilExit()
        #expect(throws: SystemError.self) { try text(k, stat) }
        #expect(k.count == 0)

        // A file not read since the previous round is closed at the end of the next one.
        let me = "/proc/\(getpid())/stat"
        _ = try text(k, me)
        k.endRound()
        #expect(k.count == 1)
        k.endRound()
        #expect(k.count == 0)
    }

    @Test func capacityZeroReadsByPath() throws {
        let k = KeptFiles(capacity: 0)
        #expect(try text(k, "/proc/\(getpid())/stat").hasPrefix("\(getpid()) ("))
        #expect(k.count == 0)
    }
}
