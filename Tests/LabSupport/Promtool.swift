import Foundation
import Testing

/// The one way tests run `promtool check metrics` (Debian package `prometheus`).
///
/// Missing promtool is never a silent pass: a test gated with
/// `.enabled(if: Promtool.isRunnable, Promtool.missingReason)` is shown as skipped with that
/// reason on a developer machine; under `CI=true` (where scripts/test.sh installs prometheus)
/// the test runs and `checkMetrics` throws, so the run fails.
public enum Promtool {
    /// Path of the promtool executable on `PATH` (then /usr/bin), nil when not installed.
    public static let path: String? = {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin"]
        return dirs.map { $0 + "/promtool" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// True when a promtool test should run: promtool is installed, or this is CI (where its
    /// absence is an error, reported by `checkMetrics`).
    public static var isRunnable: Bool { path != nil || CI.isCI }

    /// Why a promtool test is skipped.
    public static let missingReason: Comment = "promtool not installed (apt-get install prometheus)"

    /// What `promtool check metrics` said about one exposition.
    public struct Report: CustomStringConvertible, Sendable {
        /// Exit status of promtool (0: no error and no lint finding).
        public let status: Int32
        /// Its output, stdout and stderr together: lint findings and parse errors.
        public let output: String
        /// No error and no lint finding.
        public var isClean: Bool { status == 0 && output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        public var description: String { "promtool check metrics: exit \(status)\n\(output)" }
    }

    /// Runs `promtool check metrics` on `exposition` (Prometheus text format).
    /// Throws when promtool is missing or cannot be run.
    public static func checkMetrics(_ exposition: some Collection<UInt8>) throws -> Report {
        guard let path else {
            throw Spawn.Failure("promtool is not installed but CI=true: scripts/test.sh installs it (Debian package prometheus)")
        }
        let (status, output) = try Spawn.run([path, "check", "metrics"], input: Array(exposition), timeout: 60)
        return Report(status: status, output: output)
    }

    /// Runs `promtool check metrics` on `exposition`.
    public static func checkMetrics(_ exposition: String) throws -> Report {
        try checkMetrics(Array(exposition.utf8))
    }
}

/// The continuous-integration switch: `CI=true` (set by CI systems; scripts/test.sh runs the
/// lab and installs every tool there). Tests that would be skipped for a missing tool or lab
/// on a developer machine fail instead under CI.
public enum CI {
    public static var isCI: Bool {
        let v = ProcessInfo.processInfo.environment["CI"]?.lowercased()
        return v == "true" || v == "1"
    }
}
