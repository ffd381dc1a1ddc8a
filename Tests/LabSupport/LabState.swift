import Foundation
import Glibc
import Testing

/// The test lab of `scripts/lab/up.sh` as `scripts/lab/write-state.sh` described it, and live
/// checks of it, each with one meaning.
///
/// The state is `.lab/state.env` of this checkout (found from #filePath), or
/// `$HV_LAB_DIR/state.env` when set (a second checkout using the lab of the first). What the
/// words mean:
/// - **present**: the state file exists and names a libvirt URI. write-state.sh writes it only
///   after finding every guest and the container; `down.sh` removes it.
/// - **libvirtd running**: the process in `/run/libvirtd.pid` exists.
/// - **libvirtd answering**: `virsh -c <uri> version` succeeds within a few seconds.
/// - **guests listed**: every lab guest of the state file is in `virsh list --all`.
/// - **container running**: `lxc-info` gives a PID for the lab's LXC container.
///
/// Tests that need the lab use the `.lab(...)` trait: without the lab they are skipped and say
/// so; with it (or under `CI=true`, where scripts/test.sh always starts it) a missing need
/// fails the test with what is missing, instead of skipping it.
public struct LabState: Sendable {
    /// The lab of this checkout (or of `$HV_LAB_DIR`), read once.
    public static let current = LabState(directory: defaultDirectory)

    /// Root of this checkout (three levels above this file).
    public static let checkoutRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static var defaultDirectory: String {
        if let d = ProcessInfo.processInfo.environment["HV_LAB_DIR"], !d.isEmpty { return d }
        return checkoutRoot + "/.lab"
    }

    /// The lab directory (`.lab`): state file, images, disks, the jobs tests' work area.
    public let directory: String
    /// Keys and values of the state file; empty when there is none.
    public let values: [String: String]

    public init(directory: String) {
        self.directory = directory
        let text = (try? String(contentsOfFile: directory + "/state.env", encoding: .utf8)) ?? ""
        self.values = LabState.parse(text)
    }

    /// `KEY='value'` lines as write-state.sh writes them (POSIX-shell single-quoted, an
    /// embedded quote written `'\''`); comment lines and lines without `=` are skipped.
    public static func parse(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            var value = String(line[line.index(after: eq)...])
            if value.hasPrefix("'") && value.hasSuffix("'") && value.count >= 2 {
                value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "'\\''", with: "'")
            }
            out[String(line[..<eq])] = value
        }
        return out
    }

    public subscript(key: String) -> String? { values[key] }

    /// The lab is present: its state file exists and names a libvirt URI.
    public var isPresent: Bool { values["LAB_URI"] != nil }
    /// The lab's libvirt URI (`qemu:///system` when absent).
    public var uri: String { values["LAB_URI"] ?? "qemu:///system" }
    /// Keys of the lab guests (RUN1, RUN2, PAUSED, OFF, TRANSIENT, WEIRD).
    public var guestKeys: [String] { (values["LAB_GUEST_KEYS"] ?? "").split(separator: " ").map(String.init) }
    /// Name of the lab guest `key` ("" when unknown).
    public func guest(_ key: String) -> String { values["LAB_GUEST_\(key)"] ?? "" }
    /// Name of the lab's LXC container.
    public var containerName: String { values["LAB_LXC_NAME"] ?? "hv-ct1" }

    // MARK: live checks

    /// The tests run as root.
    public static var isRoot: Bool { getuid() == 0 }

    /// libvirtd running: the process in `/run/libvirtd.pid` exists.
    public static var libvirtdRunning: Bool {
        guard let s = try? String(contentsOfFile: "/run/libvirtd.pid", encoding: .utf8),
            let pid = pid_t(s.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return false }
        return kill(pid, 0) == 0
    }

    /// libvirtd answering: `virsh -c <uri> version` succeeds within `seconds`.
    public func libvirtdAnswers(within seconds: Int = 15) -> Bool {
        ((try? Spawn.run(
            ["timeout", "\(seconds)", "virsh", "-q", "-c", uri, "version"], stderr: false,
            timeout: Double(seconds) + 5))?.0 ?? -1) == 0
    }

    /// Lab guests (names) missing from `virsh list --all --name`; nil when virsh failed.
    public func unlistedGuests() -> [String]? {
        guard
            let (rc, out) = try? Spawn.run(
                ["timeout", "30", "virsh", "-q", "-c", uri, "list", "--all", "--name"],
                stderr: false, timeout: 35), rc == 0
        else { return nil }
        let listed = Set(out.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        return guestKeys.map(guest).filter { !listed.contains($0) }
    }

    /// Container running: the PID of the lab container's init, as `lxc-info` gives it.
    public var containerInitPID: Int? {
        guard let (rc, out) = try? Spawn.run(["lxc-info", "-n", containerName, "-p", "-H"], stderr: false, timeout: 30),
            rc == 0
        else { return nil }
        return Int(out.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The lab's LXD socket (`LAB_LXD_SOCKET`, written when LXD answered at `up.sh` time).
    public var lxdSocket: String? { values["LAB_LXD_SOCKET"] }

    /// LXD answering: `lxc query /1.0` on the lab's socket succeeds within 10 s. A socket file
    /// left by a killed daemon is not enough (it refuses the connection).
    public var lxdAnswers: Bool {
        let socket = lxdSocket ?? "/var/lib/lxd/unix.socket"
        let dir = (socket as NSString).deletingLastPathComponent
        return
            ((try? Spawn.run(
                ["env", "LXD_DIR=\(dir)", "timeout", "10", "lxc", "query", "/1.0"], stderr: false, timeout: 15))?.0 ?? -1) == 0
    }

    // MARK: gating tests

    /// What a lab test needs beyond the lab being present.
    public enum Need: Sendable, CustomStringConvertible {
        case root, libvirtdRunning, libvirtdAnswering, guestsListed, containerRunning
        /// LXD answering on the lab's socket. A lab brought up without LXD
        /// (`LAB_WITH_LXD=0 scripts/lab/up.sh`) skips these tests, except under `CI=true`.
        case lxdAnswering

        public var description: String {
            switch self {
            case .root: "root"
            case .libvirtdRunning: "libvirtd running (/run/libvirtd.pid)"
            case .libvirtdAnswering: "libvirtd answering"
            case .guestsListed: "every lab guest listed by libvirt"
            case .containerRunning: "the lab's LXC container running"
            case .lxdAnswering: "the lab's LXD answering (scripts/lab/lxd-up.sh)"
            }
        }
    }

    /// The lab is not as a test needs it.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// Whether a lab test runs: false (skip) when the lab is absent outside CI; throws
    /// `Unavailable` when the lab should be there (present, or CI) but a need does not hold.
    public func admit(_ needs: [Need]) throws -> Bool {
        guard isPresent else {
            if CI.isCI {
                throw Unavailable(
                    description: "CI=true but no lab state at \(directory)/state.env: scripts/test.sh starts the lab (scripts/lab/up.sh)")
            }
            return false
        }
        if needs.contains(where: { if case .lxdAnswering = $0 { true } else { false } }), lxdSocket == nil, !CI.isCI {
            return false   // a lab without LXD, on purpose
        }
        var missing: [String] = []
        for need in needs {
            switch need {
            case .root: if !LabState.isRoot { missing.append("\(need)") }
            case .libvirtdRunning: if !LabState.libvirtdRunning { missing.append("\(need)") }
            case .libvirtdAnswering: if !libvirtdAnswers() { missing.append("\(need) on \(uri)") }
            case .guestsListed:
                if let gone = unlistedGuests() {
                    if !gone.isEmpty { missing.append("\(need): not listed \(gone)") }
                } else {
                    missing.append("\(need): virsh list failed")
                }
            case .containerRunning: if containerInitPID == nil { missing.append("\(need) (\(containerName))") }
            case .lxdAnswering: if !lxdAnswers { missing.append("\(need) on \(lxdSocket ?? "no LAB_LXD_SOCKET in state.env")") }
            }
        }
        guard missing.isEmpty else {
            throw Unavailable(
                description:
                    "the lab at \(directory) is present but lacks: \(missing.joined(separator: "; ")) (scripts/lab/up.sh repairs it)")
        }
        return true
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs a test on the lab: skipped (saying so) when the lab is absent, failed with what
    /// is missing when the lab is present (or `CI=true`) but a need does not hold.
    public static func lab(_ needs: LabState.Need...) -> Self {
        .enabled("needs the lab: scripts/lab/up.sh") { try LabState.current.admit(needs) }
    }

    /// Runs a test that needs promtool: skipped (saying so) when it is not installed, run
    /// (and failed by `Promtool.checkMetrics`) under `CI=true`.
    public static var promtool: Self { .enabled(if: Promtool.isRunnable, Promtool.missingReason) }
}
