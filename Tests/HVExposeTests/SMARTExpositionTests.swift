import HVModel
import Testing

@testable import HVExpose

@Suite struct SMARTExpositionTests {
    static func text(_ disks: [SMARTDisk]) -> String {
        var s = Snapshot()
        s.smartDisks = disks
        return String(decoding: PrometheusTextWriter.write(SnapshotMetrics.build(s)), as: UTF8.self)
    }

    @Test func ratiosAreZeroToOneAndUnitsAreBase() {
        var d = SMARTDisk(device: "nvme0n1", path: "/dev/nvme0n1", state: .passed, run: ToolRunStatus(tool: "smartctl", success: true))
        d.passed = true; d.enduranceUsedPercent = 95; d.availableSparePercent = 100; d.availableSpareThresholdPercent = 10
        d.powerOnHours = 2; d.dataUnitsWritten = 3; d.mediaErrors = 0; d.nvmeCriticalWarning = 0
        let t = Self.text([d])
        #expect(t.contains(#"hv_disk_endurance_used_ratio{device="nvme0n1"} 0.95"#))
        #expect(t.contains(#"hv_disk_nvme_available_spare_ratio{device="nvme0n1"} 1"#))
        #expect(t.contains(#"hv_disk_nvme_available_spare_threshold_ratio{device="nvme0n1"} 0.1"#))
        #expect(t.contains(#"hv_disk_power_on_seconds_total{device="nvme0n1"} 7200"#))
        #expect(t.contains(#"hv_disk_lifetime_written_bytes_total{device="nvme0n1"} 1536000"#))
        #expect(t.contains(#"hv_disk_nvme_media_errors_total{device="nvme0n1"} 0"#))
        #expect(t.contains("# TYPE hv_disk_nvme_media_errors_total counter"))
        #expect(!t.contains("hv_disk_pending_sectors"), "an NVMe disk has no ATA sector counts: absent, not 0")
    }

    @Test func aDiskWithoutAVerdictHasNoHealthySeriesButAState() {
        var d = SMARTDisk(device: "vda", path: "/dev/vda", state: .unsupported, run: ToolRunStatus(tool: "smartctl", success: true))
        d.stateReason = "/dev/vda: Unable to detect device type"
        let t = Self.text([d])
        #expect(!t.contains("hv_disk_smart_healthy{"))
        #expect(t.contains(#"hv_disk_smart_state{device="vda",state="unsupported"} 1"#))
        #expect(t.contains(#"hv_disk_smart_state{device="vda",state="passed"} 0"#))
        #expect(t.contains(#"hv_disk_smart_info{device="vda",model="",serial="",wwn="",firmware="",protocol=""} 1"#))
        var failed = SMARTDisk(device: "sdb", path: "/dev/sdb", state: .failed, run: ToolRunStatus(tool: "smartctl", success: true))
        failed.passed = false
        #expect(Self.text([failed]).contains(#"hv_disk_smart_healthy{device="sdb"} 0"#))
    }
}
