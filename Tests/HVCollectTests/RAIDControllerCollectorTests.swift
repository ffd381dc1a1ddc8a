import Foundation
import HVModel
import HVRuntime
import LabSupport
import Logging
import Testing

@testable import HVCollect

/// The RAID controller collector with fake tools: shell scripts in a temporary directory that
/// print real outputs (the HVFormats fixtures), hang, print garbage, exit non-zero or print
/// another firmware's format, switched by a `mode` file between runs.
@Suite struct RAIDControllerCollectorTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("HVFormatsTests/Fixtures")

    /// A temporary directory with fake tools; removed on deinit.
    final class FakeTools {
        let dir: URL
        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("raidctl-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            setMode("ok")
        }
        deinit { try? FileManager.default.removeItem(at: dir) }

        func setMode(_ mode: String) {
            try? Data(mode.utf8).write(to: dir.appendingPathComponent("mode"))
        }

        /// A fake tool: `cases` maps the arguments (joined by spaces) to a fixture printed in
        /// mode "ok"; other modes hang, print garbage, fail or print MegaCli text.
        func tool(_ name: String, _ cases: [String: String]) throws -> String {
            var script = "#!/bin/sh\nmode=$(cat '\(dir.path)/mode')\n"
            script += """
                case "$mode" in
                  hang) exec sleep 30 ;;
                  garbage) echo 'Segmentation fault?! @@@ {{{'; exit 0 ;;
                  fail) echo 'controller busy' >&2; exit 3 ;;
                  megacli) cat '\(RAIDControllerCollectorTests.fixtures.path)/storcli/megacli-ldinfo.txt'; exit 0 ;;
                esac

                """
            script += "case \"$*\" in\n"
            for (args, fixture) in cases.sorted(by: { $0.key < $1.key }) {
                script += "  '\(args)') cat '\(RAIDControllerCollectorTests.fixtures.path)/\(fixture)' ;;\n"
            }
            script += "  *) echo \"unknown command: $*\" >&2; exit 1 ;;\nesac\n"
            let path = dir.appendingPathComponent(name)
            try FakeExecutable.write(script, to: path.path)
            return path.path
        }
    }

    static let storcliCases = [
        "/call show all J": "storcli/call-show-all-healthy.json",
        "/call/eall/sall show all J": "storcli/call-eall-sall-show-all-healthy.json",
        "/call/vall show all J": "storcli/c0-vall-show-all-os-names.json",
    ]

    static func settings(_ fake: FakeTools, timeout: Duration = .seconds(5)) -> RAIDControllerCollector.Settings {
        var s = RAIDControllerCollector.Settings()
        s.searchPath = fake.dir.path
        s.storcliPath = ""
        s.ssacliPath = ""
        s.arcconfPath = ""
        s.timeout = timeout
        return s
    }

    static func collect(_ c: RAIDControllerCollector) throws -> Snapshot {
        var snap = Snapshot()
        try c.collect(ScrapeContext(libvirtTimeout: .seconds(1)), into: &snap)
        return snap
    }

    let logger = Logger(label: "test")

    @Test func storcliFoundOnThePathGivesControllersDrivesAndFindings() throws {
        let fake = try FakeTools()
        _ = try fake.tool("storcli64", Self.storcliCases)
        var s = Self.settings(fake)
        s.storcliPath = nil   // found on the search path
        let c = RAIDControllerCollector(settings: s, logger: logger, start: false)
        #expect(c.toolPaths == [fake.dir.appendingPathComponent("storcli64").path])
        c.runAllOnce()
        let snap = try Self.collect(c)
        #expect(snap.raidControllerTools.count == 1)
        let run = try #require(snap.raidControllerTools.first)
        #expect(run.tool == "storcli64" && run.success && !run.stale && run.error == nil)
        let ctrl = try #require(snap.raidControllers.first)
        #expect(ctrl.name == "storcli/c0" && ctrl.vendor == "broadcom" && ctrl.status == .optimal && ctrl.battery == .optimal)
        #expect(ctrl.toolRun.target == "storcli/c0")
        let ld = try #require(ctrl.logicalDrives.first)
        #expect(ld.id == "0/0" && ld.state == .optimal && ld.device == "sda")
        #expect(ctrl.physicalDrives.allSatisfy { !$0.serial.isEmpty && $0.mediaErrors == 0 })
        // The rebuild command is unknown to this fake: a problem, the rest kept.
        #expect(ctrl.problems.contains { $0.contains("show rebuild J") && $0.contains("exit status 1") })
        let findings = snap.storageFindings.filter { $0.source == "raid_controller" }
        #expect(findings.count == 5)
        #expect(findings.first?.keys.contains(.blockDevice("sda")) == true)
        #expect(findings.allSatisfy { $0.severity == .ok })
        #expect(snap.toolRuns.contains { $0.tool == "storcli64" })
    }

    @Test func aFailingToolServesTheLastGoodFiguresStaleWithAClearError() throws {
        let fake = try FakeTools()
        var s = Self.settings(fake, timeout: .seconds(1))
        s.storcliPath = try fake.tool("storcli64", Self.storcliCases)
        let c = RAIDControllerCollector(settings: s, logger: logger, start: false)
        c.runAllOnce()
        #expect(try Self.collect(c).raidControllers.count == 1)

        let cases: [(mode: String, says: String)] = [
            ("hang", "timed out"), ("garbage", "not storcli JSON output"), ("fail", "exit status 3: controller busy"),
            ("megacli", "MegaCli"),
        ]
        for (mode, says) in cases {
            fake.setMode(mode)
            let t0 = ContinuousClock.now
            c.runAllOnce()
            #expect(ContinuousClock.now - t0 < .seconds(5), "\(mode): the run is bounded by the timeout")
            let snap = try Self.collect(c)
            let run = try #require(snap.raidControllerTools.first)
            #expect(!run.success && run.stale, "\(mode)")
            #expect(run.error?.contains(says) == true, "\(mode): \(run.error ?? "nil")")
            // The last good controller is still served, marked stale with the same error.
            let ctrl = try #require(snap.raidControllers.first)
            #expect(ctrl.toolRun.stale && ctrl.toolRun.error == run.error)
            #expect(ctrl.logicalDrives.first?.device == "sda")
        }
        fake.setMode("ok")
        c.runAllOnce()
        let back = try #require(try Self.collect(c).raidControllerTools.first)
        #expect(back.success && !back.stale)
    }

    @Test func aControllerWhoseOwnCommandFailsIsServedStaleWithItsError() throws {
        let fake = try FakeTools()
        var s = Self.settings(fake)
        s.storcliPath = try fake.tool("storcli64", Self.storcliCases)
        // Hand-written (not a captured output): storcli's JSON envelope with the controller's
        // command failed, the shape StorCLIOutput reads; served in the fake's "garbage" slot.
        let failed = #"{"Controllers":[{"Command Status":{"Controller":0,"Status":"Failure","Description":"Controller 0 busy"}}]}"#
        try Data(failed.utf8).write(to: fake.dir.appendingPathComponent("failed.json"))
        let script = try String(contentsOfFile: s.storcliPath!, encoding: .utf8).replacingOccurrences(
            of: "garbage) echo 'Segmentation fault?! @@@ {{{'; exit 0 ;;",
            with: "garbage) cat '\(fake.dir.path)/failed.json'; exit 0 ;;")
        try FakeExecutable.write(script, to: s.storcliPath!)
        let c = RAIDControllerCollector(settings: s, logger: logger, start: false)
        c.runAllOnce()
        #expect(try Self.collect(c).raidControllers.first?.toolRun.stale == false)
        fake.setMode("garbage")
        c.runAllOnce()
        let snap = try Self.collect(c)
        // The run itself worked (the tool answered); the controller's own command did not.
        #expect(snap.raidControllerTools.first?.success == true)
        let ctrl = try #require(snap.raidControllers.first)
        #expect(ctrl.name == "storcli/c0" && ctrl.toolRun.stale && !ctrl.toolRun.success)
        #expect(ctrl.toolRun.error == "c0: command failure: Controller 0 busy")
        #expect(ctrl.logicalDrives.first?.device == "sda", "its last figures are kept")
    }

    @Test func aToolThatNeverWorkedGivesNoControllersAndSaysWhy() throws {
        let fake = try FakeTools()
        var s = Self.settings(fake)
        s.storcliPath = try fake.tool("perccli64", Self.storcliCases)
        fake.setMode("fail")
        let c = RAIDControllerCollector(settings: s, logger: logger, start: false)
        c.runAllOnce()
        let snap = try Self.collect(c)
        #expect(snap.raidControllers.isEmpty)
        let run = try #require(snap.raidControllerTools.first)
        #expect(run.tool == "perccli64" && !run.success && !run.stale && run.error?.contains("exit status 3") == true)
    }

    @Test func ssacliAndArcconf() throws {
        let fake = try FakeTools()
        var s = Self.settings(fake)
        s.ssacliPath = try fake.tool(
            "ssacli", ["ctrl all show config detail": "ssacli/config-interim-recovery-mode.txt"])
        s.arcconfPath = try fake.tool("arcconf", ["GETCONFIG 1": "arcconf/getconfig-rebuilding.txt"])
        let c = RAIDControllerCollector(settings: s, logger: logger, start: false)
        c.runAllOnce()
        let snap = try Self.collect(c)
        #expect(snap.raidControllerTools.map(\.tool) == ["ssacli", "arcconf"])
        #expect(snap.raidControllerTools.allSatisfy { $0.success })
        #expect(snap.raidControllers.map(\.name) == ["ssacli/slot0", "arcconf/1"])
        let hp = snap.raidControllers[0]
        #expect(hp.vendor == "hpe" && hp.logicalDrives.first?.state == .degraded)
        let adaptec = snap.raidControllers[1]
        #expect(adaptec.logicalDrives.first?.state == .rebuilding && adaptec.battery == .absent)
        let bad = snap.storageFindings.filter { $0.source == "raid_controller" && $0.severity != .ok }
        #expect(bad.map(\.layer).sorted() == ["arcconf/1 ld 0", "arcconf/1 pd 0:3", "ssacli/slot0 ld 1"])
    }

    @Test func ssacliGivenStorcliOutputIsAClearError() throws {
        let fake = try FakeTools()
        var s = Self.settings(fake)
        s.ssacliPath = try fake.tool("ssacli", ["ctrl all show config detail": "storcli/call-show-all-healthy.json"])
        let c = RAIDControllerCollector(settings: s, logger: logger, start: false)
        c.runAllOnce()
        let run = try #require(try Self.collect(c).raidControllerTools.first)
        #expect(!run.success && run.error?.contains("no Smart Array controller header") == true)
    }

    @Test func noToolIsNoSeriesAndASuccess() throws {
        let fake = try FakeTools()
        var s = Self.settings(fake)
        s.storcliPath = nil
        s.ssacliPath = nil
        s.arcconfPath = nil
        let c = RAIDControllerCollector(settings: s, logger: logger)
        #expect(c.toolPaths.isEmpty)
        let snap = try Self.collect(c)
        #expect(snap.raidControllers.isEmpty && snap.raidControllerTools.isEmpty)
    }

    @Test func backgroundRunsNeverBlockTheScrape() throws {
        let fake = try FakeTools()
        var s = Self.settings(fake, timeout: .seconds(2))
        s.storcliPath = try fake.tool("storcli64", Self.storcliCases)
        fake.setMode("hang")
        let c = RAIDControllerCollector(settings: s, logger: logger)
        let t0 = ContinuousClock.now
        let snap = try Self.collect(c)
        #expect(ContinuousClock.now - t0 < .milliseconds(500))
        #expect(snap.raidControllers.isEmpty)
        #expect(c.waitForFirstRuns(until: .now + .seconds(10)))
        #expect(try Self.collect(c).raidControllerTools.first?.error?.contains("timed out") == true)
    }
}

/// `RAIDController.storageFindings`: how controller health meets the guest-disk stacks.
@Suite struct RAIDControllerFindingsTests {
    static func controller(battery: RAIDController.BatteryState) -> RAIDController {
        RAIDController(
            name: "arcconf/1", tool: "arcconf", vendor: "microchip", status: .optimal, statusWord: "Optimal", battery: battery,
            batteryWord: battery == .failed ? "Failed" : "Optimal",
            logicalDrives: [
                RAIDLogicalDrive(id: "0", raidLevel: "RAID1", state: .optimal, stateWord: "Optimal", device: "sdb", wwn: "600508b1"),
                RAIDLogicalDrive(id: "1", raidLevel: "RAID5", state: .offline, stateWord: "Offline"),
            ],
            physicalDrives: [
                RAIDPhysicalDrive(slot: "0:1", state: .predictiveFailure, stateWord: "Online", serial: "WD-1", wwn: "5000c500"),
                RAIDPhysicalDrive(slot: "0:2", state: .online, stateWord: "Online"),
            ],
            toolRun: ToolRunStatus(tool: "arcconf", success: true))
    }

    @Test func logicalDrivesByDeviceAndWWNPhysicalDrivesBySerialAndWWN() {
        let f = Self.controller(battery: .optimal).storageFindings
        #expect(f.map(\.layer) == ["arcconf/1 ld 0", "arcconf/1 ld 1", "arcconf/1 pd 0:1", "arcconf/1 pd 0:2"])
        #expect(f[0].keys == [.blockDevice("sdb"), .wwn("600508b1")] && f[0].severity == .ok)
        #expect(f[1].keys.isEmpty && f[1].severity == .failed && f[1].reason == "logical drive Offline")
        #expect(f[2].keys == [.serial("WD-1"), .wwn("5000c500")] && f[2].severity == .degraded)
        #expect(f[3].severity == .ok && f.allSatisfy { $0.source == "raid_controller" })
    }

    @Test func aFailedBatteryMarksEveryLogicalDriveOfTheController() {
        let f = Self.controller(battery: .failed).storageFindings
        #expect(f[0].severity == .degraded && f[0].reason == "battery/cache backup Failed")
        #expect(f[1].severity == .failed && f[1].reason == "logical drive Offline; battery/cache backup Failed")
        #expect(f[3].severity == .ok, "a physical drive is not made worse by the battery")
    }
}
