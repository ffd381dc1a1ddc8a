import HVModel
import Testing

@testable import HVTop

/// `hvtop check raid` with DRBD, multipath and ZFS beside the md arrays, and the storage view's tables.
struct StorageStackCheckTests {
    static func snapshot() -> Snapshot {
        var s = Fixtures.pair.1.snapshot
        s.mdArrays = [Fixtures.md("md0", members: [("sda1", ["in_sync"], 0), ("sdb1", ["in_sync"], 1)])]
        let ok = DRBDResource(
            name: "r0", role: "Primary", volumes: [.init(volume: 0, minor: 1000, diskState: "UpToDate")],
            peers: [
                .init(
                    name: "b", connectionState: "Connected", role: "Secondary",
                    volumes: [.init(volume: 0, diskState: "UpToDate", replicationState: "Established")])
            ])
        s.drbd = DRBDReport(
            source: "drbdsetup", moduleVersion: "9.2.8", resources: [ok], toolRuns: [ToolRunStatus(tool: "drbdsetup", success: true)])
        var m = MultipathMap(name: "mpatha", paths: [.init(device: "sdc", group: 1, dmState: "active", checkerState: "ready")])
        m.dmDevice = "dm-0"
        s.multipath = MultipathReport(maps: [m], toolRuns: [ToolRunStatus(tool: "multipathd", success: true)])
        s.zfs = ZFSReport(
            source: "zpool", pools: [ZFSPool(name: "tank", state: "ONLINE")], toolRuns: [ToolRunStatus(tool: "zpool", success: true)])
        return s
    }

    func raid(_ s: Snapshot, only: [String] = []) -> CheckResult {
        var o = HostCheck.Options()
        o.only = only
        return HostCheck(.raid, options: o).raid(s)
    }

    @Test func allHealthy() {
        let r = raid(Self.snapshot())
        #expect(r.status == .ok)
        #expect(r.summary == "1 array clean, 1 DRBD volume ok, 1 multipath map ok, 1 ZFS pool ok")
        #expect(r.perfdata.map(\.label).contains("zfs_not_ok"))
    }

    @Test func splitBrainIsCriticalDegradedPoolAndFailedPathWarn() {
        var s = Self.snapshot()
        s.zfs?.pools[0].state = "DEGRADED"
        s.multipath?.maps[0].paths.append(.init(device: "sdd", group: 2, dmState: "failed", checkerState: "faulty"))
        var r = raid(s)
        #expect(r.status == .warning)
        #expect(r.summary == "multipath mpatha: 1 of 2 paths failed; zpool tank: pool DEGRADED")
        s.drbd?.resources[0].peers[0].connectionState = "StandAlone"
        r = raid(s)
        #expect(r.status == .critical)
        #expect(r.summary.hasPrefix("drbd r0/0: StandAlone against b (split brain?)"))
        #expect(r.details.contains("CRITICAL: drbd r0/0: StandAlone against b (split brain?)"))
        // --array keeps the check to md arrays.
        #expect(raid(s, only: ["md0"]).status == .ok)
    }

    @Test func aFailingToolWarnsWithItsError() {
        var s = Self.snapshot()
        s.zfs?.toolRuns = [
            ToolRunStatus(
                tool: "zpool", success: false, error: "zpool timed out after 30 seconds", lastRunSeconds: 1_765_000_000, stale: true)
        ]
        let r = raid(s)
        #expect(r.status == .warning)
        #expect(r.summary == "zpool failing: zpool timed out after 30 seconds (figures from its last good run)")
        s.zfs?.toolRuns = [ToolRunStatus(tool: "zpool", success: false)]   // started, not run yet
        let early = raid(s)
        #expect(early.status == .unknown && early.summary == "zpool: no result yet")
    }

    @Test func storageViewSections() {
        var s = Self.snapshot()
        s.multipath?.maps[0].paths.append(.init(device: "sdd", group: 2, dmState: "failed", checkerState: "faulty"))
        let lines = StorageTables.storageStackSections(s, width: 160)
        #expect(lines.contains { $0.text.hasPrefix("DRBD (drbdsetup, 1 resource)") && $0.style == .header })
        #expect(lines.contains { $0.text.contains("mpatha") && $0.text.contains("sdd(faulty)") && $0.style == .alert })
        #expect(lines.contains { $0.text.contains("tank") && $0.text.contains("ONLINE") && $0.style == .plain })
        #expect(StorageTables.storageStackSections(Snapshot(), width: 80).isEmpty)
    }
}
