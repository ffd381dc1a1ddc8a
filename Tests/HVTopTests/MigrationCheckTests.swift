import Foundation
import HVModel
import Testing

@testable import HVTop

/// The verdict of `hvtop check migratable` on pre-flight facts (the lab test runs it against
/// the real migration peer).
struct MigrationCheckTests {
    static func facts() -> MigrationPreflight {
        var p = MigrationPreflight(guest: "web", uuid: "u-1", targetURI: "qemu+ssh://hv2/system")
        p.active = true
        p.persistent = true
        p.memoryBytes = 2 << 30
        p.targetHost = "hv2"
        p.targetFreeMemoryBytes = 8 << 30
        p.cpu = .compatible("superset", call: "virConnectCompareHypervisorCPU")
        p.networks = [MigrationPreflight.Requirement(name: "default", present: true, active: true)]
        p.pools = [MigrationPreflight.Requirement(name: "nfs", present: true, active: true)]
        p.disks = [
            MigrationPreflight.DiskCheck(
                target: "vda", source: "nfs/web.qcow2", device: "disk", shared: true, why: "pool nfs (netfs)", presentOnTarget: true)
        ]
        return p
    }

    @Test func aGuestThatCanMoveIsOK() {
        let r = MigrationCheck.result(Self.facts())
        #expect(r.status == .ok)
        #expect(r.summary == "web can migrate to hv2")
        #expect(r.output.hasPrefix("HV MIGRATABLE OK - web can migrate to hv2 | blockers=0;;;0 target_free_memory=8589934592B;;;0"))
        #expect(r.details.allSatisfy { $0.hasPrefix("OK: ") })
    }

    @Test func hardBlockersAreCritical() {
        var p = Self.facts()
        p.blockers = [MigrationBlocker(.hostdevPCI, "0000:06:12.5"), MigrationBlocker(.localDisk, "vdb /var/lib/a.qcow2")]
        let r = MigrationCheck.result(p)
        #expect(r.status == .critical)
        #expect(r.summary == "web -> hv2: blocked by hostdev_pci (0000:06:12.5)")
        #expect(r.details.first == "CRITICAL: blocked by hostdev_pci (0000:06:12.5)")
        #expect(r.details[1].hasPrefix("WARNING: disk on local storage"))
    }

    @Test(arguments: [
        MigrationBlocker.Reason.localDisk, .localMedia, .transient, .hostPassthroughCPU, .unknown,
    ])
    func softBlockersWarn(reason: MigrationBlocker.Reason) {
        var p = Self.facts()
        p.blockers = [MigrationBlocker(reason, "x")]
        #expect(MigrationCheck.result(p).status == .warning)
    }

    @Test func targetSideProblems() {
        var p = Self.facts()
        p.cpu = .incompatible(call: "virConnectCompareHypervisorCPU")
        #expect(MigrationCheck.result(p).status == .critical)

        p = Self.facts()
        p.targetFreeMemoryBytes = 1 << 30
        #expect(MigrationCheck.result(p).summary == "web -> hv2: target has 1.0G free, the guest needs 2.0G")

        p = Self.facts()
        p.networks = [MigrationPreflight.Requirement(name: "default", present: false, active: nil)]
        #expect(MigrationCheck.result(p).status == .critical)
        p.networks = [MigrationPreflight.Requirement(name: "default", present: true, active: false)]
        #expect(MigrationCheck.result(p).status == .warning)

        p = Self.facts()
        p.disks[0].presentOnTarget = false
        #expect(MigrationCheck.result(p).status == .critical)

        p = Self.facts()
        p.sameUUID = MigrationPreflight.TargetDomain(name: "web", uuid: "u-1", active: true, autostart: true)
        #expect(MigrationCheck.result(p).status == .critical)
        p.sameUUID?.active = false
        let r = MigrationCheck.result(p)
        #expect(r.status == .warning)
        #expect(r.summary.contains("defined (shut off) on the target as web with autostart"))

        p = Self.facts()
        p.sameName = MigrationPreflight.TargetDomain(name: "web", uuid: "u-9", active: false, autostart: nil)
        #expect(MigrationCheck.result(p).status == .critical)

        p = Self.facts()
        p.errors = ["virConnectListAllNetworks: no answer within 5s"]
        #expect(MigrationCheck.result(p).status == .warning)
    }

    @Test func cpuNotComparedIsNoVerdictAFailedComparisonWarns() {
        var p = Self.facts()
        p.cpu = .refusedReadOnly
        let r = MigrationCheck.result(p)
        #expect(r.status == .ok)
        #expect(r.details.contains { $0.contains("--cpu-read-write") })
        p.cpu = .notCompared("the guest has no <cpu> element")
        #expect(MigrationCheck.result(p).status == .ok)
        p.cpu = .failed("virConnectCompareHypervisorCPU: unsupported configuration")
        #expect(MigrationCheck.result(p).status == .warning)
    }

    @Test func unreachableTargetIsUnknown() {
        let r = MigrationCheck.unknown("target qemu+tcp://10.0.0.9/system did not answer within 5s")
        #expect(r.status == .unknown)
        #expect(r.status.exitCode == 3)
        #expect(r.output == "HV MIGRATABLE UNKNOWN - target qemu+tcp://10.0.0.9/system did not answer within 5s\n")
    }

    @Test func jsonCarriesVerdictAndFacts() throws {
        var p = Self.facts()
        p.blockers = [MigrationBlocker(.transient)]
        let r = MigrationCheck.result(p)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(MigrationCheck.json(p, r).utf8)) as? [String: Any])
        #expect(o["status"] as? String == "WARNING")
        #expect(o["exit_code"] as? Int == 1)
        #expect((o["blockers"] as? [[String: Any]])?.first?["reason"] as? String == "transient")
        #expect((o["cpu"] as? [String: Any])?["result"] as? String == "superset")
        #expect((o["disks"] as? [[String: Any]])?.first?["present_on_target"] as? Bool == true)
        #expect(o["same_uuid_on_target"] is NSNull)
        let u = try #require(
            try JSONSerialization.jsonObject(with: Data(MigrationCheck.json(nil, MigrationCheck.unknown("x")).utf8)) as? [String: Any])
        #expect(u["status"] as? String == "UNKNOWN" && u["guest"] == nil)
    }

    @Test(arguments: [("5s", 5.0), ("500ms", 0.5), ("2.5", 2.5), ("1m", 60.0)])
    func timeouts(text: String, seconds: Double) {
        #expect(MigrationCheck.parseTimeout(text)?.seconds == seconds)
    }

    @Test(arguments: ["", "0", "-1s", "fast", "5h", "nan"])
    func badTimeouts(text: String) {
        #expect(MigrationCheck.parseTimeout(text) == nil)
    }

    @Test func guestTableMarker() {
        #expect(GuestRow.migrationMarker(nil) == "-")
        #expect(GuestRow.migrationMarker([]) == "ok")
        #expect(
            GuestRow.migrationMarker([MigrationBlocker(.hostdevPCI, "a"), MigrationBlocker(.hostdevPCI, "b"), MigrationBlocker(.transient)])
                == "!2")
        #expect(GuestRow.migrationMarker([MigrationBlocker(.unknown)]) == "?")
        var g = Guest(name: "g", uuid: "u", kind: .vm, driver: "qemu", state: .running)
        g.migrationBlockers = [MigrationBlocker(.sriovInterface, "0000:03:10.1")]
        let row = GuestRow(guest: g, previous: nil, seconds: nil)
        #expect(GuestTable.cells(row)[GuestTable.titles.firstIndex(of: "MIG")!] == "!1")
    }
}
