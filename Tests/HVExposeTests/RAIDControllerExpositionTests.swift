import HVModel
import LabSupport
import Testing

@testable import HVExpose

/// Hardware RAID controller families on a hand-built snapshot (a degraded PERC whose battery
/// failed): one series per state word with 1 for the current one, vendor words in `_info`,
/// optional figures absent when unknown, promtool clean.
struct RAIDControllerExpositionTests {
    static func sample() -> Snapshot {
        var s = Snapshot(timestampSeconds: 1_795_321_800, hostname: "hv1")
        let run = ToolRunStatus(tool: "perccli64", target: "storcli/c0", success: false, error: "timed out", stale: true)
        s.raidControllers = [
            RAIDController(
                name: "storcli/c0", tool: "perccli64", vendor: "dell", model: "PERC H730P Mini", serial: "73K018E",
                firmware: "4.270.01-8113", status: .degraded, statusWord: "Needs Attention", battery: .failed,
                batteryWord: "Failed",
                logicalDrives: [
                    RAIDLogicalDrive(
                        id: "0/1", raidLevel: "RAID5", state: .rebuilding, stateWord: "Dgrd", sizeBytes: 2_000_000_000_000,
                        device: "sdb", wwn: "600605b010e943702a3372c04d2fb6b9", rebuildRatio: 0.39, label: "data \"1\""),
                    RAIDLogicalDrive(id: "1/2", raidLevel: "RAID1", state: .optimal, stateWord: "Optl"),
                ],
                physicalDrives: [
                    RAIDPhysicalDrive(
                        slot: "32:3", state: .rebuilding, stateWord: "Rbld", model: "ST1200MM0129", serial: "WFK0ABCD",
                        sizeBytes: 1_200_000_000_000, medium: "HDD", mediaErrors: 0, otherErrors: 2, predictiveFailures: 0,
                        smartAlert: false, rebuildRatio: 0.39),
                    RAIDPhysicalDrive(slot: "32:4", state: .failed, stateWord: "UBad"),
                ], toolRun: run, problems: ["x"])
        ]
        s.raidControllerTools = [ToolRunStatus(tool: "perccli64", success: false, error: "timed out", stale: true)]
        return s
    }

    @Test func statesAreOneSeriesPerWordAndWordsGoToInfo() {
        let set = SnapshotMetrics.build(Self.sample())
        let status = set.samples("hv_raid_controller_status")
        #expect(status.count == RAIDController.Status.allCases.count)
        #expect(status.filter { $0.value == .int(1) }.map { $0.labels["status"] } == ["degraded"])
        let info = set.samples("hv_raid_controller_info")
        #expect(info.first?.labels["status_word"] == "Needs Attention" && info.first?.labels["vendor"] == "dell")
        #expect(set.samples("hv_raid_controller_battery_state").filter { $0.value == .int(1) }.map { $0.labels["state"] } == ["failed"])
        #expect(set.samples("hv_raid_controller_cache_state").isEmpty, "the tool said nothing about the cache")
        let ldState = set.samples("hv_raid_logical_drive_state").filter { $0.value == .int(1) }
        #expect(ldState.map { "\($0.labels["logical_drive"]!)=\($0.labels["state"]!)" } == ["0/1=rebuilding", "1/2=optimal"])
        #expect(set.samples("hv_raid_logical_drive_rebuild_ratio").map(\.value) == [.double(0.39)])
        #expect(set.samples("hv_raid_logical_drive_size_bytes").count == 1)
        let ldInfo = set.samples("hv_raid_logical_drive_info")
        #expect(ldInfo.first?.labels["device"] == "sdb" && ldInfo.first?.labels["state_word"] == "Dgrd")
        #expect(
            set.samples("hv_raid_physical_drive_state").filter { $0.value == .int(1) }.map { $0.labels["state"] } == [
                "rebuilding", "failed",
            ])
        #expect(set.samples("hv_raid_physical_drive_other_errors").map(\.value) == [.uint(2)])
        #expect(set.samples("hv_raid_physical_drive_media_errors").count == 1, "absent for the drive without counters")
        #expect(set.samples("hv_raid_controller_problems").map(\.value) == [.int(1)])
        let tool = set.samples("hv_external_tool_stale")
        #expect(tool.map { $0.labels["tool"] } == ["perccli64"] && tool.first?.value == .int(1))
    }

    @Test func aHostWithoutControllersHasNoRAIDControllerSeries() {
        let set = SnapshotMetrics.build(Snapshot())
        #expect(set.samples("hv_raid_controller_info").isEmpty && set.samples("hv_raid_logical_drive_state").isEmpty)
    }

    @Test(.promtool) func passesPromtool() throws {
        let text = PrometheusTextWriter.write(SnapshotMetrics.build(Self.sample()))
        let report = try Promtool.checkMetrics(text)
        #expect(report.isClean, "\(report)")
    }
}
