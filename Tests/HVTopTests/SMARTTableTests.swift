import HVModel
import Testing

@testable import HVTop

@Suite struct SMARTTableTests {
    @Test func failingStaleAndUnsupportedDisksSayWhy() {
        var s = Snapshot(timestampSeconds: 10_000)
        var bad = SMARTDisk(
            device: "sdb", path: "/dev/sdb", state: .failed,
            run: ToolRunStatus(tool: "smartctl", target: "/dev/sdb", success: true, lastSuccessSeconds: 9_400))
        bad.passed = false; bad.model = "Hitachi HDS721050DLE630"; bad.serial = "MSK423Y20S3HBC"
        bad.reallocatedSectors = 1975; bad.pendingSectors = 8; bad.powerOnHours = 65592; bad.temperatureCelsius = 25
        var stale = SMARTDisk(
            device: "sda", path: "/dev/sda", state: .passed,
            run: ToolRunStatus(
                tool: "smartctl", target: "/dev/sda", success: false, error: "smartctl timed out after 30 seconds",
                lastSuccessSeconds: 4_000, stale: true))
        stale.passed = true; stale.pendingSectors = 0
        var virtio = SMARTDisk(
            device: "vda", path: "/dev/vda", state: .unsupported,
            run: ToolRunStatus(tool: "smartctl", success: true, lastSuccessSeconds: 9_990))
        virtio.stateReason = "/dev/vda: Unable to detect device type"
        s.smartDisks = [stale, bad, virtio]
        let (header, lines) = SMARTTable.disks(s).render()
        #expect(header.hasPrefix("DISK"))
        #expect(lines[0].contains("passed") && lines[0].contains("stale: smartctl timed out"))
        #expect(lines[1].contains("failed (failed)") && lines[1].contains("1975") && lines[1].contains("SMART overall-health FAILED"))
        #expect(lines[1].contains("10m00s ago"))
        #expect(lines[2].contains("unsupported") && lines[2].contains("Unable to detect device type"))
        #expect(SMARTTable.alerts(stale) && SMARTTable.alerts(bad) && !SMARTTable.alerts(virtio))
    }
}
