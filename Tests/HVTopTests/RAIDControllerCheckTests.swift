import HVModel
import Testing

@testable import HVTop

/// `hvtop check raid` and the storage view with hardware RAID controller logical drives.
struct RAIDControllerCheckTests {
    static func controller(
        ld: RAIDLogicalDrive.State = .optimal, word: String = "Optl", battery: RAIDController.BatteryState = .optimal,
        pd: RAIDPhysicalDrive.State = .online, stale: Bool = false
    ) -> RAIDController {
        RAIDController(
            name: "storcli/c0", tool: "storcli64", vendor: "dell", model: "PERC H730P", status: .optimal, statusWord: "Optimal",
            battery: battery, batteryWord: battery == .failed ? "Failed" : "Optimal",
            logicalDrives: [
                RAIDLogicalDrive(id: "0/0", raidLevel: "RAID1", state: ld, stateWord: word, sizeBytes: 1 << 40, device: "sda")
            ],
            physicalDrives: [RAIDPhysicalDrive(slot: "32:0", state: pd, stateWord: "Onln", serial: "S1")],
            toolRun: ToolRunStatus(
                tool: "storcli64", target: "storcli/c0", success: !stale, error: stale ? "storcli64 timed out after 60 seconds" : nil,
                stale: stale))
    }

    func check(_ s: Snapshot, only: [String] = []) -> CheckResult {
        var o = HostCheck.Options()
        o.only = only
        return HostCheck(.raid, options: o).raid(s)
    }

    @Test func controllerLogicalDrivesJoinTheRAIDCheck() {
        var s = Fixtures.pair.1.snapshot
        s.mdArrays = []
        s.raidControllers = [Self.controller()]
        var r = check(s)
        #expect(r.status == .ok)
        #expect(r.summary == "1 controller logical drive ok")
        #expect(r.perfdata.contains { $0.label == "controller_lds" && $0.value == 1 })

        s.raidControllers = [Self.controller(ld: .degraded, word: "Dgrd", pd: .failed)]
        r = check(s)
        #expect(r.status == .critical)
        #expect(r.summary.contains("storcli/c0 ld 0/0 RAID1 degraded (Dgrd), sda"))
        #expect(r.summary.contains("drive 32:0 failed"))

        var rebuilding = Self.controller(ld: .rebuilding, word: "Dgrd", pd: .rebuilding)
        rebuilding.logicalDrives[0].rebuildRatio = 0.4
        s.raidControllers = [rebuilding]
        r = check(s)
        #expect(r.status == .warning)
        #expect(r.perfdata.contains { $0.label == "storcli/c0/0/0_rebuild" && $0.value == 40 })

        s.raidControllers = [Self.controller(battery: .failed)]
        r = check(s)
        #expect(r.status == .warning && r.summary.contains("battery Failed"))

        s.raidControllers = [Self.controller(stale: true)]
        r = check(s)
        #expect(r.status == .warning && r.summary.contains("figures stale: storcli64 timed out"))
    }

    @Test func mdArraysAndControllersTogether() {
        var s = Fixtures.pair.1.snapshot
        s.mdArrays = [Fixtures.md("md0", members: [("sda1", ["in_sync"], 0), ("sdb1", ["in_sync"], 1)])]
        s.raidControllers = [Self.controller(ld: .offline, word: "OfLn")]
        let r = check(s)
        #expect(r.status == .critical)
        #expect(r.summary.contains("offline (OfLn)"))
        #expect(check(s, only: ["md0"]).status == .ok)
        #expect(check(s, only: ["/dev/sda"]).status == .critical)
        #expect(check(s, only: ["storcli/c0/0/0"]).status == .critical)
        #expect(check(s, only: ["sdz"]).status == .critical, "a name found nowhere")
    }

    @Test func aToolWithoutAnyResultIsUnknown() {
        var s = Fixtures.pair.1.snapshot
        s.mdArrays = []
        s.raidControllerTools = [ToolRunStatus(tool: "ssacli", success: false, error: "ssacli exit status 1: no permission")]
        let r = check(s)
        #expect(r.status == .unknown && r.summary.contains("ssacli gave no result: ssacli exit status 1"))
    }

    @Test func storageViewListsControllersAndDrives() {
        var s = Fixtures.pair.1.snapshot
        s.raidControllers = [Self.controller(ld: .degraded, word: "Dgrd", pd: .failed)]
        let lines = StorageTables.raidControllerLines(s, width: 160)
        #expect(lines.contains { $0.style == .header && $0.text == "RAID controllers (1)" })
        #expect(lines.contains { $0.style == .alert && $0.text.contains("storcli/c0/0/0") && $0.text.contains("Dgrd") })
        #expect(lines.contains { $0.style == .alert && $0.text.contains("storcli/c0 32:0") })
        s.raidControllers = []
        #expect(StorageTables.raidControllerLines(s, width: 160).isEmpty)
    }
}
