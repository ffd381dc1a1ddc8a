import Testing

@testable import HVFormats

@Suite struct StorCLIOutputTests {
    func healthy() throws -> RAIDToolReport {
        try StorCLIOutput.parseControllers(FormatsFixture.bytes("storcli/call-show-all-healthy.json"))
    }

    @Test func readsTheControllerVirtualAndPhysicalDrives() throws {
        let r = try healthy()
        #expect(r.problems.isEmpty)
        #expect(r.controllers.count == 1)
        let c = try #require(r.controllers.first)
        #expect(c.id == "c0")
        #expect(c.vendor == "broadcom")
        #expect(c.model == "PRAID EP420i")
        #expect(c.serial == "0000000061913681")
        #expect(c.firmware == "4.680.00-8417")
        #expect(c.status == "optimal" && c.statusWord == "Optimal")
        #expect(c.battery == "optimal" && c.batteryWord == "Optimal")
        #expect(c.logicalDrives.count == 1)
        let vd = try #require(c.logicalDrives.first)
        #expect(vd.id == "0/0" && vd.raidLevel == "RAID6" && vd.state == "optimal" && vd.stateWord == "Optl")
        // "1.745 TB" in storcli's binary units.
        #expect(vd.sizeBytes == UInt64((1.745 * 1_099_511_627_776).rounded()))
        #expect(c.physicalDrives.map(\.slot) == ["252:0", "252:1", "252:4", "252:5"])
        #expect(c.physicalDrives.allSatisfy { $0.state == "online" && $0.medium == "SSD" && $0.group == "0" })
        #expect(c.physicalDrives[0].model == "Micron_5200_MTFDDAK960TDC")
    }

    @Test func driveDetailsAddSerialsWWNsAndCounters() throws {
        var r = try healthy()
        try StorCLIOutput.applyDriveDetails(FormatsFixture.bytes("storcli/call-eall-sall-show-all-healthy.json"), to: &r)
        #expect(r.problems.isEmpty)
        let pd = try #require(r.controllers.first?.physicalDrives.first)
        #expect(pd.serial == "20032656D641")
        #expect(pd.wwn == "500a07512656d641")
        #expect(pd.mediaErrors == 0 && pd.otherErrors == 0 && pd.predictiveFailures == 0)
        #expect(pd.smartAlert == false)
        #expect(r.controllers[0].physicalDrives.allSatisfy { !$0.serial.isEmpty && $0.wwn != nil && $0.mediaErrors != nil })
    }

    @Test func driveDetailsOfUnlistedDrivesAreProblemsNotCrashes() throws {
        var r = try healthy()
        // A real c0 output of another machine: its slot 252:2 is not in this PD LIST.
        try StorCLIOutput.applyDriveDetails(FormatsFixture.bytes("storcli/c0-eall-sall-show-all-ugood.json"), to: &r)
        #expect(r.problems == ["c0: drive 252:2 in the drive details but not in PD LIST"])
        #expect(r.controllers[0].physicalDrives.map(\.slot) == ["252:0", "252:1", "252:4", "252:5"])
    }

    @Test func virtualDriveDetailsGiveOSDeviceAndNAA() throws {
        // The controller's own VD list is built here from the ids the output names.
        let bytes = FormatsFixture.bytes("storcli/c0-vall-show-all-os-names.json")
        var r = RAIDToolReport(controllers: [
            RAIDToolController(id: "c0", vendor: "broadcom", logicalDrives: (0...6).map { RAIDToolLogicalDrive(id: "\($0)/\($0)") })
        ])
        try StorCLIOutput.applyVirtualDriveDetails(bytes, to: &r)
        let vds = r.controllers[0].logicalDrives
        #expect(vds.map(\.osDevice) == ["/dev/sda", "/dev/sdb", "/dev/sdc", "/dev/sdd", "/dev/sde", "/dev/sdf", "/dev/sdg"])
        #expect(vds[0].wwn == "600605b010e943702a3372bf4d29f6a7")
        #expect(r.problems.isEmpty)
    }

    @Test func virtualDriveDetailsWithoutOSNameKeepTheNAA() throws {
        var r = RAIDToolReport(controllers: [
            RAIDToolController(
                id: "c0", vendor: "broadcom", logicalDrives: [RAIDToolLogicalDrive(id: "0/0"), RAIDToolLogicalDrive(id: "1/1")])
        ])
        try StorCLIOutput.applyVirtualDriveDetails(FormatsFixture.bytes("storcli/c0-vall-show-all-r1-r0.json"), to: &r)
        #expect(r.controllers[0].logicalDrives.allSatisfy { $0.osDevice == nil && $0.wwn?.count == 32 })
    }

    @Test func progressRowsBecomeRebuildRatios() throws {
        // Same row shape as `show rebuild J` ("Drive-ID", "Progress%").
        var r = RAIDToolReport(controllers: [
            RAIDToolController(
                id: "c0", vendor: "broadcom", logicalDrives: [RAIDToolLogicalDrive(id: "0/0", state: "rebuilding")],
                physicalDrives: [RAIDToolPhysicalDrive(slot: "252:0", state: "rebuilding", group: "0")])
        ])
        try StorCLIOutput.applyRebuild(FormatsFixture.bytes("storcli/c0-eall-sall-show-erase-in-progress.json"), to: &r)
        #expect(r.controllers[0].physicalDrives[0].rebuildRatio == 0.39)
        #expect(r.controllers[0].logicalDrives[0].rebuildRatio == 0.39)
    }

    @Test(arguments: [
        ("Optl", "optimal"), ("Dgrd", "degraded"), ("Pdgd", "degraded"), ("Rec", "degraded"), ("OfLn", "offline"),
        ("Ofln", "offline"), ("Cac", "unknown"),
    ])
    func logicalStateWords(word: String, state: String) {
        #expect(StorCLIOutput.logicalDriveState(word) == state)
    }

    @Test(arguments: [
        ("Onln", "online"), ("Offln", "offline"), ("UGood", "unconfigured"), ("UBad", "failed"), ("GHS", "spare"),
        ("DHS", "spare"), ("Rbld", "rebuilding"), ("Cpybck", "rebuilding"), ("JBOD", "jbod"), ("Msng", "missing"),
        ("Failed", "failed"), ("Frgn", "unknown"),
    ])
    func physicalStateWords(word: String, state: String) {
        #expect(StorCLIOutput.physicalDriveState(word) == state)
    }

    @Test func controllerAndBatteryWords() {
        #expect(StorCLIOutput.controllerStatus("Needs Attention") == "degraded")
        #expect(StorCLIOutput.controllerStatus("Optimal") == "optimal")
        #expect(StorCLIOutput.controllerStatus("Failed") == "failed")
        #expect(StorCLIOutput.batteryState("Optimal") == "optimal")
        #expect(StorCLIOutput.batteryState("Failed") == "failed")
        #expect(StorCLIOutput.batteryState("Learning") == "charging")
        #expect(StorCLIOutput.batteryState("Degraded") == "degraded")
    }

    @Test(arguments: [
        ("storcli/megacli-ldinfo.txt", "MegaCli"), ("storcli/megacli-pdlist.txt", "MegaCli"),
        ("arcconf/getconfig-rebuilding.txt", "arcconf"), ("ssacli/config-detail-raid5-raid1-healthy.txt", "ssacli"),
        ("json/lsblk.json", "\"Controllers\""),
    ])
    func anotherToolsOutputIsAClearError(file: String, says: String) {
        #expect {
            _ = try StorCLIOutput.parseControllers(FormatsFixture.bytes(file))
        } throws: { error in
            "\(error)".contains(says)
        }
    }

    @Test func storcliTextWithoutJIsNamed() {
        let text = Array("CLI Version = 007.2408.0000.0000 Nov 15, 2022\nController = 0\nStatus = Success\n".utf8)
        #expect {
            _ = try StorCLIOutput.parseControllers(text)
        } throws: { error in
            "\(error)".contains("without `J`")
        }
    }

    @Test func aFailedCommandIsAPerControllerProblem() throws {
        let text = #"{"Controllers":[{"Command Status":{"Controller":1,"Status":"Failure","Description":"Controller 1 not found"}}]}"#
        let r = try StorCLIOutput.parseControllers(Array(text.utf8))
        #expect(r.controllers.isEmpty)
        #expect(r.problems == ["c1: command failure: Controller 1 not found"])
    }

    @Test func fuzzedInputNeverTraps() {
        let seeds = FormatsFixture.files(in: "storcli").filter { $0.hasSuffix(".json") }.map(FormatsFixture.bytes)
        let alphabet = Array(#"{}[]:,"\ 0123456789.DGVEIDSlt/OnlOptlRbldPD LISTVD"#.utf8) + [0, 0xFF, 0x0A]
        for input in fuzzInputs(from: seeds, alphabet: alphabet, count: 1500) {
            do {
                var r = try StorCLIOutput.parseControllers(input)
                try StorCLIOutput.applyDriveDetails(input, to: &r)
                try StorCLIOutput.applyVirtualDriveDetails(input, to: &r)
                try StorCLIOutput.applyRebuild(input, to: &r)
                for c in r.controllers {
                    for ld in c.logicalDrives { #expect((0...1).contains(ld.rebuildRatio ?? 0)) }
                }
            } catch {
                #expect(!error.message.isEmpty)
            }
        }
    }
}
