import Foundation
import LabSupport
import Testing

/// `--version` of the built binaries, in the Prometheus exporters' shape. A plain `swift build`
/// (as the tests run) does not know the commit or the build date: they read "unknown"; a build
/// stamped by scripts/package.sh or scripts/run.sh has a hex commit and a date there.
struct VersionTests {
    static var shape: Regex<(Substring, Substring, Substring, Substring, Substring?, Substring, Substring)> {
        #/^(hv-exporter|hvtop), version (\d+\.\d+\.\d+) \(revision: (unknown|[0-9a-f]{7,40}(-dirty)?), built: (unknown|\d{4}-\d{2}-\d{2}), libvirt: (\d+\.\d+\.\d+)\)$/#
    }

    @Test(arguments: ["hv-exporter", "hvtop"])
    func versionLineNamesVersionCommitDateAndLibvirt(program: String) throws {
        let binary = program == "hvtop" ? Hvtop.binary : ExporterProcess.binary
        let (status, out) = try Spawn.run([binary.path, "--version"], timeout: 30)
        #expect(status == 0)
        let line = out.trimmingCharacters(in: .whitespacesAndNewlines)
        let match = try #require(line.wholeMatch(of: Self.shape), "unexpected --version: \(line)")
        #expect(match.output.1 == program)
        // The commit and the date are both known (stamped build) or both unknown (plain build).
        #expect((match.output.3 == "unknown") == (match.output.5 == "unknown"), "\(line)")
        // Built against the libvirt headers of this machine (libvirt-dev).
        let (pcStatus, pc) = try Spawn.run(["pkg-config", "--modversion", "libvirt"], stderr: false, timeout: 30)
        if pcStatus == 0 {
            #expect(String(match.output.6) == pc.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
