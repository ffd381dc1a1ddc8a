import Glibc
import Testing

@testable import HVRuntime

@Suite struct ExternalCommandTests {
    @Test func capturesOutputAndExitStatus() throws {
        let sh = try #require(ExternalCommand.find("sh"))
        let o = try ExternalCommand.run(sh, ["-c", "echo out; echo err >&2; exit 3"], timeout: .seconds(10))
        #expect(o.termination == .exited(3))
        #expect(String(decoding: o.stdout, as: UTF8.self) == "out\n")
        #expect(o.stderrSummary == "err")
        #expect(!o.truncated)
    }

    @Test func environmentIsFixedAndStdinEmpty() throws {
        let sh = try #require(ExternalCommand.find("sh"))
        let o = try ExternalCommand.run(sh, ["-c", "echo $LC_ALL; cat; echo end"], timeout: .seconds(10))
        #expect(String(decoding: o.stdout, as: UTF8.self) == "C\nend\n")
    }

    @Test func aHangingToolIsKilledAtTheTimeoutWithItsChildren() throws {
        let sh = try #require(ExternalCommand.find("sh"))
        // The tool forks a child that keeps the pipes open and ignores SIGTERM.
        let started = ContinuousClock.now
        let o = try ExternalCommand.run(
            sh, ["-c", "trap '' TERM; (trap '' TERM; sleep 60) & echo partial; sleep 60"], timeout: .milliseconds(500))
        let took = ContinuousClock.now - started
        #expect(o.termination == .timedOut)
        #expect(String(decoding: o.stdout, as: UTF8.self) == "partial\n")
        #expect(took < .seconds(3))
    }

    @Test func outputPastTheCapIsDroppedNotBuffered() throws {
        let sh = try #require(ExternalCommand.find("sh"))
        let o = try ExternalCommand.run(sh, ["-c", "head -c 300000 /dev/zero"], timeout: .seconds(10), outputLimit: 1000)
        #expect(o.termination == .exited(0))
        #expect(o.stdout.count == 1000)
        #expect(o.truncated)
    }

    @Test func aMissingProgramIsAClearError() {
        #expect(ExternalCommand.find("hv-no-such-tool-anywhere") == nil)
        #expect(throws: ExternalCommand.SpawnError.self) {
            try ExternalCommand.run("/nonexistent/hv-tool", [], timeout: .seconds(1))
        }
    }

    @Test func theSearchPathIsTheDaemonsPATHThenTheVendorDirectories() {
        let p = ExternalCommand.searchPath(environmentPATH: "/opt/tools/bin::.:bin:/usr/bin:/opt/tools/bin")
        let dirs = p.split(separator: ":").map(String.init)
        #expect(dirs.first == "/opt/tools/bin")
        #expect(dirs.filter { $0 == "/usr/bin" || $0 == "/opt/tools/bin" }.count == 2)   // each once
        #expect(!dirs.contains(".") && !dirs.contains("bin") && !dirs.contains(""))
        #expect(dirs.contains("/opt/MegaRAID/storcli") && dirs.contains("/usr/sbin"))
        #expect(ExternalCommand.searchPath(environmentPATH: nil) == ExternalCommand.vendorDirectories.joined(separator: ":"))
    }

    @Test func killedBySignalIsReported() throws {
        let sh = try #require(ExternalCommand.find("sh"))
        let o = try ExternalCommand.run(sh, ["-c", "kill -SEGV $$"], timeout: .seconds(10))
        #expect(o.termination == .signaled(SIGSEGV))
    }
}
