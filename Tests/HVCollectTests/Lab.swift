import Foundation
import HVModel
import LabSupport

/// The real lab of `scripts/lab/up.sh` (state: `LabState.current`, see LabSupport). Tests
/// that need it use `@Test(.lab(...))` with what they need of it.
enum Lab {
    static let root = LabState.checkoutRoot
    static var state: LabState { LabState.current }

    /// Keys of the lab guests (RUN1, RUN2, PAUSED, OFF, TRANSIENT, WEIRD).
    static var guestKeys: [String] { state.guestKeys }

    struct LabGuest {
        var key: String
        var name: String
        var uuid: String
        var wanted: String
    }

    static var guests: [LabGuest] {
        guestKeys.compactMap { k in
            guard let n = state["LAB_GUEST_\(k)"], let u = state["LAB_UUID_\(k)"] else { return nil }
            return LabGuest(key: k, name: n, uuid: u.lowercased(), wanted: state["LAB_STATE_\(k)"] ?? "")
        }
    }

    /// Current domain ID and qemu PID from libvirt itself (the state file may be older).
    static func domainID(_ name: String) -> Int? { Int(run("virsh", "-q", "-c", "qemu:///system", "domid", name).trimmed) }

    static func pidfilePID(_ name: String) -> Int? {
        let escaped = name.replacingOccurrences(of: "\"", with: "&quot;")
        for n in [name, escaped] {
            if let s = try? String(contentsOfFile: "/run/libvirt/qemu/\(n).pid", encoding: .utf8), let p = Int(s.trimmed) { return p }
        }
        return nil
    }

    /// vCPU index -> host thread ID from the QEMU monitor (`info cpus` prints `thread_id=`).
    static func vcpuThreads(_ name: String) -> [Int: Int] {
        let out = run("virsh", "-c", "qemu:///system", "qemu-monitor-command", "--hmp", name, "info cpus")
        var map: [Int: Int] = [:]
        for line in out.split(whereSeparator: \.isNewline) {   // HMP answers with "\r\n"
            // "* CPU #0: pc=0xffffffff81c3c3a2 thread_id=1234" or " CPU #1: ... thread_id=1235"
            guard let hash = line.range(of: "CPU #"), let tid = line.range(of: "thread_id=") else { continue }
            let idx = line[hash.upperBound...].prefix { $0.isNumber }
            let t = line[tid.upperBound...].prefix { $0.isNumber }
            if let i = Int(idx), let t = Int(t) { map[i] = t }
        }
        return map
    }

    static var lxcName: String { state.containerName }
    /// The cgroup of a process as its `/proc/PID/cgroup` says (v2 line, else the memory controller).
    static func cgroupPath(pid: Int) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n")
        if let v2 = lines.first(where: { $0.hasPrefix("0::") }), v2.count > 3 { return String(v2.dropFirst(3)) }
        guard let mem = lines.first(where: { $0.contains(":memory:") }) else { return nil }
        return mem.split(separator: ":", maxSplits: 2).last.map(String.init)
    }
    static var lxcInitPID: Int? { state.containerInitPID }

    /// Guests as the libvirt collector would report them (from libvirt, not from our code).
    static func snapshotGuests() -> [Guest] {
        guests.map { lg in
            var g = Guest(
                name: lg.name, uuid: lg.uuid, kind: .vm, driver: "qemu",
                state: lg.wanted == "shutoff" ? .shutoff : (lg.wanted == "paused" ? .paused : .running))
            g.domainID = domainID(lg.name)
            g.vcpuCurrent = Int(state["LAB_VCPUS_\(lg.key)"] ?? "")
            g.maxMemoryBytes = 128 << 20
            return g
        }
    }

    @discardableResult
    /// Runs a command; its stdout (stderr is dropped).
    static func run(_ args: String...) -> String {
        (try? Spawn.run(["/usr/bin/env"] + args, stderr: false, timeout: 300).1) ?? ""
    }
}

extension StringProtocol {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
