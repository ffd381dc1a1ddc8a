import Foundation
import HVCollect
import HVModel
import Logging

/// `hvtop check migratable GUEST --to URI`: can this guest live-migrate to that libvirtd?
/// Judges the facts `MigrationPreflightProbe` gathers (Nagios status line and exit code,
/// or `--json`).
///
/// CRITICAL: a device that pins the guest to this host (PCI/USB/mdev passthrough, SR-IOV or
/// vhost-user NIC, virtiofs, ivshmem), a CPU the target cannot run, a network or pool the
/// guest uses missing there, a shared disk the target's pools do not know, less free memory
/// there than the guest's, the same UUID running there, or its name taken by another UUID.
/// WARNING: disks or media on local storage (needs `--copy-storage-all`), transient
/// definition (needs `--persistent`), host-passthrough CPU (identical hosts only), the same
/// UUID defined (shut off) there already (the `--undefinesource` trap: autostart there boots
/// a second copy), an inactive network or pool there, an XML that could not be read, a
/// check that could not be made. UNKNOWN: the guest or the target could not be asked.
public enum MigrationCheck {
    public static let service = "HV MIGRATABLE"

    /// One finding: its state and the sentence an operator reads.
    public struct Finding: Sendable, Equatable {
        public var status: CheckStatus
        public var text: String
    }

    /// Reasons that pin the guest to this host.
    static let hard: Set<MigrationBlocker.Reason> = [
        .hostdevPCI, .hostdevUSB, .mdev, .hostdevOther, .sriovInterface, .vhostUser, .sharedMemory,
    ]

    /// Every finding, worst first (OK lines too: what was checked and passed).
    public static func findings(_ p: MigrationPreflight) -> [Finding] {
        var f: [Finding] = []
        func add(_ s: CheckStatus, _ t: String) { f.append(Finding(status: s, text: t)) }
        for b in p.blockers {
            switch b.reason {
            case let r where hard.contains(r): add(.critical, "blocked by \(b.text)")
            case .localDisk: add(.warning, "disk on local storage, needs --copy-storage-all: \(b.detail)")
            case .localMedia: add(.warning, "local media inserted (eject it, or the same path must exist there): \(b.detail)")
            case .transient: add(.warning, "transient guest: migrate with --persistent or it vanishes on its next stop")
            case .hostPassthroughCPU: add(.warning, "host-passthrough CPU: moves only to a host with the identical CPU")
            case .unknown: add(.warning, "domain XML could not be read: blockers unknown")
            default: add(.critical, "blocked by \(b.text)")
            }
        }
        switch p.cpu {
        case .compatible(let how, let call): add(.ok, "CPU: target can run the guest CPU (\(how), \(call))")
        case .incompatible(let call): add(.critical, "CPU: the target cannot run the guest's CPU definition (\(call))")
        case .notCompared(let why): add(.ok, "CPU not compared: \(why)")
        case .refusedReadOnly:
            add(
                .ok,
                "CPU not compared: the target allows virConnectCompareHypervisorCPU only on a read-write connection (--cpu-read-write opens one for that call)"
            )
        case .failed(let why): add(.warning, "CPU comparison failed: \(why)")
        }
        if let free = p.targetFreeMemoryBytes, let need = p.memoryBytes {
            if free < need {
                add(.critical, "target has \(Format.bytes(free)) free, the guest needs \(Format.bytes(need))")
            } else {
                add(.ok, "memory: target has \(Format.bytes(free)) free, the guest needs \(Format.bytes(need))")
            }
        }
        for n in p.networks {
            switch (n.present, n.active) {
            case (false, _): add(.critical, "network \(n.name) does not exist on the target")
            case (true, false): add(.warning, "network \(n.name) is not active on the target")
            case (true, _): add(.ok, "network \(n.name) present on the target")
            default: add(.warning, "network \(n.name): could not ask the target")
            }
        }
        for pool in p.pools {
            switch (pool.present, pool.active) {
            case (false, _): add(.critical, "storage pool \(pool.name) does not exist on the target")
            case (true, false): add(.warning, "storage pool \(pool.name) is not running on the target")
            case (true, _): add(.ok, "storage pool \(pool.name) present on the target")
            default: add(.warning, "storage pool \(pool.name): could not ask the target")
            }
        }
        for d in p.disks where d.shared {
            switch d.presentOnTarget {
            case false?: add(.critical, "\(d.target) \(d.source): shared (\(d.why)) but no pool on the target knows it")
            case true?: add(.ok, "\(d.target) \(d.source): shared (\(d.why)), present on the target")
            case nil: add(.ok, "\(d.target) \(d.source): shared (\(d.why)); presence on the target not verifiable through libvirt")
            }
        }
        if let t = p.sameUUID {
            if t.active {
                add(.critical, "the same UUID already runs on the target as \(t.name): a second copy would write the same disks")
            } else {
                add(
                    .warning,
                    "the same UUID is defined (shut off) on the target as \(t.name)\(t.autostart == true ? " with autostart" : ""): left over from a migration without --undefinesource?"
                )
            }
        }
        if let t = p.sameName {
            add(.critical, "the name \(t.name) is taken on the target by another guest (UUID \(t.uuid))")
        }
        if !p.active { add(.ok, "guest is shut off: only its definition can move (virsh migrate --offline --persistent)") }
        for e in p.errors { add(.warning, "could not check: \(e)") }
        return f.enumerated().sorted { a, b in
            a.element.status != b.element.status ? a.element.status > b.element.status : a.offset < b.offset
        }.map(\.element)
    }

    /// The Nagios result.
    public static func result(_ p: MigrationPreflight) -> CheckResult {
        let f = findings(p)
        let status = f.map(\.status).max() ?? .ok
        let target = p.targetHost ?? p.targetURI
        let problems = f.filter { $0.status == status && status != .ok }.map(\.text)
        let summary =
            problems.isEmpty
            ? "\(p.guest) can migrate to \(target)"
            : "\(p.guest) -> \(target): " + problems.joined(separator: "; ")
        var perf = [PerfDatum("blockers", Double(Set(p.blockers.map(\.reason)).count), min: 0)]
        if let free = p.targetFreeMemoryBytes { perf.append(PerfDatum("target_free_memory", Double(free), unit: "B", min: 0)) }
        if let m = p.memoryBytes { perf.append(PerfDatum("guest_memory", Double(m), unit: "B", min: 0)) }
        return CheckResult(
            service: service, status: status, summary: summary, perfdata: perf,
            details: f.map { "\($0.status): \($0.text)" })
    }

    /// The guest or the target could not be asked.
    public static func unknown(_ why: String) -> CheckResult {
        CheckResult(service: service, status: .unknown, summary: why)
    }

    /// `--json`: the verdict and the facts, for scripts.
    public static func json(_ p: MigrationPreflight?, _ r: CheckResult) -> String {
        var o: [String: Any] = [
            "status": r.status.description, "exit_code": Int(r.status.exitCode), "summary": r.summary,
        ]
        if let p {
            o["guest"] = p.guest
            o["uuid"] = p.uuid
            o["active"] = p.active
            o["persistent"] = p.persistent ?? NSNull()
            o["guest_memory_bytes"] = p.memoryBytes ?? NSNull()
            o["target_uri"] = p.targetURI
            o["target_host"] = p.targetHost ?? NSNull()
            o["target_free_memory_bytes"] = p.targetFreeMemoryBytes ?? NSNull()
            o["blockers"] = p.blockers.map { ["reason": $0.reason.rawValue, "detail": $0.detail] }
            switch p.cpu {
            case .compatible(let how, let call): o["cpu"] = ["result": how, "call": call]
            case .incompatible(let call): o["cpu"] = ["result": "incompatible", "call": call]
            case .notCompared(let why): o["cpu"] = ["result": "not_compared", "reason": why]
            case .refusedReadOnly:
                o["cpu"] = ["result": "refused_read_only", "reason": "virConnectCompareHypervisorCPU needs a read-write connection"]
            case .failed(let why): o["cpu"] = ["result": "failed", "reason": why]
            }
            func req(_ r: MigrationPreflight.Requirement) -> [String: Any] {
                ["name": r.name, "present": r.present ?? NSNull(), "active": r.active ?? NSNull()]
            }
            o["networks"] = p.networks.map(req)
            o["pools"] = p.pools.map(req)
            o["disks"] = p.disks.map { d in
                [
                    "target": d.target, "source": d.source, "device": d.device, "shared": d.shared, "why": d.why,
                    "present_on_target": d.presentOnTarget ?? NSNull(),
                ] as [String: Any]
            }
            func dom(_ t: MigrationPreflight.TargetDomain?) -> Any {
                guard let t else { return NSNull() }
                return ["name": t.name, "uuid": t.uuid, "active": t.active, "autostart": t.autostart ?? NSNull()] as [String: Any]
            }
            o["same_uuid_on_target"] = dom(p.sameUUID)
            o["same_name_on_target"] = dom(p.sameName)
            o["errors"] = p.errors
            o["findings"] = findings(p).map { ["status": $0.status.description, "text": $0.text] }
        }
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .prettyPrinted])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Runs the pre-flight and judges it; a guest or target that cannot be asked is UNKNOWN.
    public static func run(
        guest: String, localURI: String, targetURI: String, timeout: Duration, cpuReadWrite: Bool = false, procfs: String = "/proc"
    ) -> (MigrationPreflight?, CheckResult) {
        var logger = Logger(label: "hvtop.migratable")
        logger.logLevel = .critical
        do {
            let p = try MigrationPreflightProbe.run(
                guest: guest, localURI: localURI, targetURI: targetURI, timeout: timeout, cpuReadWrite: cpuReadWrite, procfs: procfs,
                logger: logger)
            return (p, result(p))
        } catch {
            return (nil, unknown(error.description))
        }
    }

    /// "5s", "500ms", "2.5" (seconds), "1m" as a duration; nil when unreadable or not positive.
    public static func parseTimeout(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        var number = Substring(text)
        var scale = 1.0
        for (u, f) in units where text.hasSuffix(u) {
            number = text.dropLast(u.count)
            scale = f
            break
        }
        guard let v = Double(number), v > 0, v.isFinite else { return nil }
        return .seconds(v * scale)
    }
}
