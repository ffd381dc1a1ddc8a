import Foundation
import HVExpose
import HVModel
import HVRuntime
import LabSupport
import Logging
import Testing

@testable import HVCollect

/// The smart collector with a fake smartctl (a shell script printing real smartctl outputs
/// from Tests/HVFormatsTests/Fixtures/smart, or hanging, or printing garbage), given through
/// the smartctl path setting; and once with the real smartctl on this machine's virtio disk.
@Suite(.serialized) struct SMARTCollectorTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("HVFormatsTests/Fixtures/smart").path

    /// A temporary directory with an executable `smartctl` that answers per device path.
    final class FakeSmartctl {
        let dir: String
        var path: String { "\(dir)/smartctl" }
        init() throws {
            dir = NSTemporaryDirectory() + "hv-smart-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let f = SMARTCollectorTests.fixtures
            let script = """
                #!/bin/sh
                for a; do dev=$a; done
                [ -e "\(dir)/broken-$(basename "$dev")" ] && { echo 'Segmentation fault?'; exit 0; }
                case "$dev" in
                  /dev/sda) cat "\(f)/sata-hdd-wdc-wd140edfz.json" ;;
                  /dev/sdb) cat "\(f)/usb-jmicron-hitachi-failed.json"; exit 216 ;;
                  /dev/sdc) exec sleep 120 ;;
                  /dev/sdd) echo 'this is not JSON'; exit 0 ;;
                  /dev/sde) echo 'Smartctl open device: /dev/sde failed: Permission denied' >&2; exit 2 ;;
                  /dev/nvme0n1) cat "\(f)/nvme-samsung-mzwll3t2-critical-warning.json"; exit 8 ;;
                  /dev/nvme1n1) cat "\(f)/nvme-corsair-mp510.json" ;;
                  /dev/sdh) cat "\(f)/megaraid-sat-wd4000fyyx-exit4.json"; exit 4 ;;
                  /dev/sdf) cat "\(f)/virtio-vda-this-host.json"; exit 1 ;;
                  /dev/sdg) printf '%s' '{"json_format_version":[1,0],"smartctl":{"version":[7,3],"messages":[{"string":"Device is in STANDBY mode, exit(2)","severity":"information"}],"exit_status":2},"device":{"name":"/dev/sdg","type":"sat","protocol":"ATA"}}'; exit 2 ;;
                  *) echo "unknown device $dev" >&2; exit 2 ;;
                esac
                """
            try Self.writeExecutable(path, script)
        }

        /// Written through a close-on-exec descriptor: a process spawned meanwhile by another
        /// test must not inherit it open for writing (exec would then fail with ETXTBSY).
        static func writeExecutable(_ path: String, _ text: String) throws {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
            guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            defer { close(fd) }
            let bytes = Array(text.utf8)
            guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
                throw POSIXError(.EIO)
            }
        }
        func breakDevice(_ name: String) { FileManager.default.createFile(atPath: "\(dir)/broken-\(name)", contents: Data()) }
        func fixDevice(_ name: String) { try? FileManager.default.removeItem(atPath: "\(dir)/broken-\(name)") }
        deinit { try? FileManager.default.removeItem(atPath: dir) }
    }

    static func collect(_ c: SMARTCollector) throws -> Snapshot {
        var s = Snapshot()
        try c.collect(ScrapeContext(libvirtTimeout: .seconds(1)), into: &s)
        return s
    }

    static func disk(_ s: Snapshot, _ name: String) -> SMARTDisk? { s.smartDisks.first { $0.device == name } }

    @Test func everyKindOfAnswerBecomesAStateAndAHungDiskHoldsUpNoOther() throws {
        let fake = try FakeSmartctl()
        let devices = ["/dev/sda", "/dev/sdb", "/dev/sdc", "/dev/sdd", "/dev/sde", "/dev/nvme0n1", "/dev/sdf", "/dev/sdg", "/dev/sdh"]
        // Generous: the quick disks must be in long before it even on a loaded machine.
        let timeout = Duration.seconds(10)
        let c = SMARTCollector(
            smartctlPath: fake.path, interval: .seconds(3600), timeout: timeout, devices: devices, logger: Logger(label: "test"))
        let t0 = ContinuousClock.now
        var s = try Self.collect(c)
        // At once: every disk listed, none read yet, the scrape did not wait for smartctl.
        #expect(ContinuousClock.now - t0 < .seconds(2))
        #expect(s.smartDisks.map(\.device) == ["nvme0n1", "sda", "sdb", "sdc", "sdd", "sde", "sdf", "sdg", "sdh"])

        // The quick disks are in well before the hung one's timeout.
        let quick = ["sda", "sdb", "nvme0n1", "sdf", "sdg", "sdd", "sde", "sdh"]
        let quickDeadline = t0 + timeout
        while ContinuousClock.now < quickDeadline {
            s = try Self.collect(c)
            if quick.allSatisfy({ Self.disk(s, $0)?.run.lastRunSeconds != nil }) { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(quick.allSatisfy { Self.disk(s, $0)?.run.lastRunSeconds != nil })
        #expect(Self.disk(s, "sdc")?.run.lastRunSeconds == nil, "the hung disk cannot have answered yet")
        #expect(Self.disk(s, "sdc")?.state == .unknown)
        #expect(ContinuousClock.now - t0 < timeout, "quick disks waited for the hung one")

        // The hung one is killed at the timeout.
        #expect(c.waitForRuns(1, until: .now + .seconds(30)))
        let hungEnd = ContinuousClock.now - t0
        #expect(hungEnd < timeout + .seconds(5))
        s = try Self.collect(c)

        let sda = try #require(Self.disk(s, "sda"))
        #expect(sda.state == .passed && sda.passed == true)
        #expect(sda.model == "WDC WD140EDFZ-11A0VA0" && sda.wwn == "5000cca264eb01d7" && sda.protocolName == "ATA")
        #expect(sda.powerOnHours == 1730 && sda.temperatureCelsius == 32 && sda.pendingSectors == 0)
        #expect(sda.attributes.count == 18)
        #expect(sda.run.success && !sda.run.stale && sda.run.target == "/dev/sda" && sda.run.tool == "smartctl")
        #expect(sda.storageFinding?.severity == .ok)

        let sdb = try #require(Self.disk(s, "sdb"))
        #expect(sdb.state == .failed && sdb.passed == false)
        #expect(sdb.exitStatus == 216)
        #expect(sdb.exitStatusBits == ["disk_failing", "prefail_below_threshold", "error_log", "self_test_errors"])
        #expect(sdb.reallocatedSectors == 1975 && sdb.pendingSectors == 8)
        #expect(sdb.run.success)
        let finding = try #require(sdb.storageFinding)
        #expect(finding.severity == .failed)
        #expect(finding.keys.contains(.blockDevice("sdb")) && finding.keys.contains(.serial("MSK423Y20S3HBC")))
        #expect(finding.keys.contains(.wwn("5000cca37fca81a8")))
        #expect(finding.reason.contains("SMART overall-health FAILED") && finding.reason.contains("8 pending sectors"))

        let nvme = try #require(Self.disk(s, "nvme0n1"))
        #expect(nvme.state == .failed && nvme.nvmeCriticalWarning == 16)
        #expect(nvme.storageFinding?.reason.contains("NVMe critical warning 16") == true)

        let hung = try #require(Self.disk(s, "sdc"))
        #expect(hung.state == .error)
        #expect(hung.run.error?.contains("timed out") == true)
        #expect(!hung.run.success && hung.storageFinding == nil)

        let garbage = try #require(Self.disk(s, "sdd"))
        #expect(garbage.state == .error && garbage.run.error?.contains("not JSON") == true)

        let exit2 = try #require(Self.disk(s, "sde"))
        #expect(exit2.state == .error)
        #expect(exit2.run.error?.contains("exit status 2") == true)
        #expect(exit2.run.error?.contains("Permission denied") == true)

        let unsupported = try #require(Self.disk(s, "sdf"))
        #expect(unsupported.state == .unsupported && unsupported.run.success)
        #expect(unsupported.stateReason == "/dev/vda: Unable to detect device type")
        #expect(unsupported.storageFinding == nil)

        // Bit 2 (a command failed) beside a full report: the report counts, the disk passed.
        let partial = try #require(Self.disk(s, "sdh"))
        #expect(partial.state == .passed && partial.exitStatusBits == ["command_failed"] && partial.run.success)
        #expect(partial.model == "WD4000FYYX" && partial.storageFinding != nil)

        let standby = try #require(Self.disk(s, "sdg"))
        #expect(standby.state == .standby && standby.run.success && standby.passed == nil)

        // Findings reach the snapshot's list, tool runs the hv_external_tool_* families.
        #expect(s.storageFindings.filter { $0.source == "smart" }.count == 4)
        #expect(s.toolRuns.count == devices.count)
        let text = String(decoding: PrometheusTextWriter.write(SnapshotMetrics.build(s)), as: UTF8.self)
        #expect(text.contains(#"hv_disk_smart_state{device="sdb",state="failed"} 1"#))
        #expect(text.contains(#"hv_disk_smart_state{device="sdf",state="unsupported"} 1"#))
        #expect(text.contains(#"hv_disk_smart_healthy{device="sda"} 1"#))
        #expect(text.contains(#"hv_disk_pending_sectors{device="sdb"} 8"#))
        #expect(text.contains(#"hv_disk_power_on_seconds_total{device="sda"} 6228000"#))
        #expect(text.contains(#"hv_external_tool_success{tool="smartctl",target="/dev/sdc"} 0"#))
        #expect(text.contains(#"hv_disk_smart_attribute_raw{device="sdb",id="5",name="Reallocated_Sector_Ct"} 1975"#))
        #expect(text.contains(#"hv_disk_nvme_critical_warning{device="nvme0n1"} 16"#))
        if Promtool.isRunnable {
            let lint = try Promtool.checkMetrics(text)
            #expect(lint.isClean, "\(lint)")
        }
    }

    @Test func aFailedRunKeepsTheFiguresMarkedStale() throws {
        let fake = try FakeSmartctl()
        let c = SMARTCollector(
            smartctlPath: fake.path, interval: .seconds(1), timeout: .seconds(20), devices: ["/dev/nvme1n1"],
            logger: Logger(label: "test"))
        _ = try Self.collect(c)
        #expect(c.waitForRuns(1, until: .now + .seconds(30)))
        var d = try #require(Self.disk(try Self.collect(c), "nvme1n1"))
        #expect(d.state == .passed && d.enduranceUsedPercent == 1 && d.run.success && !d.run.stale)

        fake.breakDevice("nvme1n1")
        #expect(c.waitForRuns(3, until: .now + .seconds(30)))
        d = try #require(Self.disk(try Self.collect(c), "nvme1n1"))
        #expect(!d.run.success && d.run.stale)
        #expect(d.run.error?.contains("not JSON") == true)
        #expect(d.state == .passed && d.enduranceUsedPercent == 1 && d.errorLogEntries == 8382, "last good figures kept")
        #expect(d.run.lastSuccessSeconds != nil && d.run.lastRunSeconds! > d.run.lastSuccessSeconds!)

        fake.fixDevice("nvme1n1")
        #expect(c.waitForRuns(5, until: .now + .seconds(30)))
        d = try #require(Self.disk(try Self.collect(c), "nvme1n1"))
        #expect(d.run.success && !d.run.stale)
    }

    @Test func standbyAfterAWakingReadKeepsItsFigures() throws {
        let memory = SMARTCollector.StandbyMemory()
        let fake = try FakeSmartctl()
        let awake = try SMARTCollector.probe(
            smartctl: fake.path, device: "sda", path: "/dev/sda", timeout: .seconds(20), memory: memory)
        #expect(awake.state == .passed)
        // The same memory, now the disk answers "standby" (the fake's /dev/sdg answer).
        let asleep = try SMARTCollector.probe(
            smartctl: fake.path, device: "sda", path: "/dev/sdg", timeout: .seconds(20), memory: memory)
        #expect(asleep.state == .standby)
        #expect(asleep.passed == true && asleep.powerOnHours == 1730 && asleep.attributes.count == 18)
        #expect(asleep.stateReason == "Device is in STANDBY mode, exit(2)")
        #expect(asleep.storageFinding?.severity == .ok)
    }

    /// The messages smartctl printed under systemd sandboxes (scripts/systemd-test.sh: the
    /// device cgroup refusing the node, NVMe admin commands without CAP_SYS_ADMIN) get the hint
    /// about the unit; a disk's own failure does not.
    @Test func setupFailuresNameTheUnitADisksFailureDoesNot() {
        for m in [
            "Smartctl open device: /dev/sdb failed: No such device",
            "Read NVMe Identify Controller failed: NVME_IOCTL_ADMIN_CMD: Permission denied",
            "Smartctl open device: /dev/sdz failed: No such file or directory",
        ] {
            #expect(SMARTCollector.hint(m).contains("CAP_SYS_RAWIO"), "\(m)")
        }
        #expect(SMARTCollector.hint("Read SMART Data failed: scsi error medium or hardware error") == "")
    }

    @Test func withoutSmartctlNothingIsReportedAndThatIsSaidOnce() throws {
        let log = LogCapture()
        let c = SMARTCollector(smartctlPath: "/nonexistent/smartctl", logger: log.logger)
        #expect(c.smartctl == nil)
        for _ in 0..<3 { #expect(try Self.collect(c).smartDisks.isEmpty) }
        #expect(log.lines.filter { $0.1.contains("not found") }.count == 1)
    }

    @Test func discoveryTakesWholeDisksAndTheDisksUnderStackedDevices() throws {
        let root = NSTemporaryDirectory() + "hv-smart-sys-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fm = FileManager.default
        func dir(_ p: String) throws { try fm.createDirectory(atPath: "\(root)/\(p)", withIntermediateDirectories: true) }
        func file(_ p: String) { fm.createFile(atPath: "\(root)/\(p)", contents: Data("1\n".utf8)) }
        for d in [
            "sda", "sdb", "sdaa", "nvme0n1", "nvme10n1", "nvme2n1", "nvme0c0n1", "loop0", "zram0", "ram0", "sr0", "vda", "md0", "dm-0",
            "drbd1", "nbd0",
        ] {
            try dir("block/\(d)")
        }
        try dir("block/sda/sda1"); file("block/sda/sda1/partition")
        try dir("block/sdb/sdb2"); file("block/sdb/sdb2/partition")
        try dir("block/md0/slaves/sda1"); try dir("block/md0/slaves/sdb2")
        try dir("block/dm-0/slaves/loop0")
        try dir("fs/btrfs/3f0c/devices/sdb2"); try dir("fs/btrfs/3f0c/devices/loop0")
        let found = try SMARTCollector.discover(sysfs: root)
        #expect(found == ["nvme0n1", "nvme2n1", "nvme10n1", "sda", "sdaa", "sdb", "vda"])
        #expect(SMARTCollector.underlyingDisks("md0", sysfs: root, wholeDisks: try blockNames(root), depth: 0).sorted() == ["sda", "sdb"])
        #expect(SMARTCollector.underlyingDisks("dm-0", sysfs: root, wholeDisks: try blockNames(root), depth: 0) == [])
    }

    func blockNames(_ root: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "\(root)/block")
    }

    /// The real smartctl on this machine's virtio disk: smartctl cannot tell its type, and the
    /// disk must come out unsupported (not failed, not an error).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/vda") && ExternalCommand.find("smartctl") != nil && getuid() == 0))
    func realSmartctlOnAVirtioDiskSaysUnsupported() throws {
        let c = SMARTCollector(interval: .seconds(3600), timeout: .seconds(30), devices: ["/dev/vda"], logger: Logger(label: "test"))
        _ = try Self.collect(c)
        #expect(c.waitForRuns(1, until: .now + .seconds(40)))
        let d = try #require(Self.disk(try Self.collect(c), "vda"))
        #expect(d.state == .unsupported)
        #expect(d.stateReason?.contains("Unable to detect device type") == true)
        #expect(d.run.success && !d.run.stale && d.run.error == nil)
        #expect(d.exitStatusBits == ["command_line"])
        #expect(d.storageFinding == nil)
    }

    /// Discovery on this machine's real sysfs finds the virtio disk and none of the loop or
    /// zram devices.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/sys/block/vda")))
    func realSysfsDiscovery() throws {
        let found = try SMARTCollector.discover(sysfs: "/sys")
        #expect(found.contains("vda"))
        #expect(!found.contains { $0.hasPrefix("loop") || $0.hasPrefix("zram") })
    }
}
