import Testing

@testable import HVFormats

@Suite struct SSACLIOutputTests {
    @Test func readsConfigDetail() throws {
        let r = try SSACLIOutput.parse(FormatsFixture.bytes("ssacli/config-detail-raid5-raid1-healthy.txt"))
        #expect(r.problems.isEmpty)
        let c = try #require(r.controllers.first)
        #expect(r.controllers.count == 1)
        #expect(c.id == "slot2" && c.vendor == "hpe" && c.model == "Smart Array P822")
        #expect(c.serial == "PDVTF0BRH5T0MO")
        #expect(c.firmware == "4.68")
        #expect(c.status == "optimal" && c.cache == "ok" && c.battery == "optimal")
        #expect(c.logicalDrives.map(\.id) == ["1", "2"])
        let ld1 = c.logicalDrives[0]
        #expect(ld1.raidLevel == "RAID5" && ld1.state == "optimal" && ld1.stateWord == "OK")
        #expect(ld1.sizeBytes == 100_000_000_000)
        #expect(ld1.osDevice == "/dev/sda")
        #expect(ld1.wwn == "600508b1001cc42cdf101f06e5563967")
        #expect(c.logicalDrives[1].raidLevel == "RAID1" && c.logicalDrives[1].osDevice == "/dev/sdb")
        // Members listed inside a logical drive ("Mirror Group") are not counted twice.
        #expect(c.physicalDrives.map(\.slot) == ["5I:1:3", "5I:1:4", "6I:1:5", "5I:1:1", "5I:1:2", "6I:1:6", "6I:1:7"])
        #expect(c.physicalDrives.map(\.group) == ["A", "A", "A", "B", "B", nil, nil])
        let pd = c.physicalDrives[0]
        #expect(pd.state == "online" && pd.serial == "6SL7G4ZN0000B41707PD" && pd.model == "HP EF0600FARNA")
        #expect(pd.sizeBytes == 400_000_000_000)
        // The SEP's "Firmware Version" and "Model" are nobody's we report.
        #expect(c.physicalDrives.allSatisfy { $0.model == "HP EF0600FARNA" })
    }

    @Test func hbaModeControllerWithoutCache() throws {
        let r = try SSACLIOutput.parse(FormatsFixture.bytes("ssacli/config-detail-hba-mode.txt"))
        let c = try #require(r.controllers.first)
        #expect(c.cache == "disabled" && c.cacheWord == "Not Configured")
        #expect(c.logicalDrives.isEmpty)
    }

    @Test func interimRecoveryModeIsDegraded() throws {
        let r = try SSACLIOutput.parse(FormatsFixture.bytes("ssacli/config-interim-recovery-mode.txt"))
        let c = try #require(r.controllers.first)
        #expect(c.id == "slot0" && c.model == "Smart Array E200i")
        let ld = try #require(c.logicalDrives.first)
        #expect(ld.id == "1" && ld.raidLevel == "RAID5" && ld.state == "degraded")
        #expect(ld.stateWord == "Interim Recovery Mode")
        #expect(ld.sizeBytes == 136_700_000_000)
    }

    @Test func shortLines() throws {
        let r = try SSACLIOutput.parse(FormatsFixture.bytes("ssacli/ld-all-show-failed-array.txt"))
        #expect(r.controllers.map(\.id) == ["mystorage"])
        let lds = try #require(r.controllers.first?.logicalDrives)
        #expect(lds.count == 12)
        #expect(lds.first?.raidLevel == "RAID6 (ADG)" && lds.last?.raidLevel == "RAID5")
        #expect(lds.allSatisfy { $0.state == "optimal" })
        let pds = try SSACLIOutput.parse(FormatsFixture.bytes("ssacli/pd-all-show-hba.txt")).controllers[0].physicalDrives
        #expect(pds.count > 30)
        #expect(pds[0].slot == "1I:1:1" && pds[0].state == "online" && pds[0].sizeBytes == 6_001_100_000_000)
    }

    @Test(arguments: [
        ("OK", "optimal"), ("Interim Recovery Mode", "degraded"), ("Ready for Rebuild", "degraded"),
        ("Recovering, 12% complete", "rebuilding"), ("Failed", "failed"), ("Disabled", "offline"),
    ])
    func logicalStateWords(word: String, state: String) {
        #expect(SSACLIOutput.logicalDriveState(word) == state)
    }

    @Test(arguments: [
        ("OK", "online"), ("Failed", "failed"), ("Predictive Failure", "predictive_failure"), ("Rebuilding", "rebuilding"),
    ])
    func physicalStateWords(word: String, state: String) {
        #expect(SSACLIOutput.physicalDriveState(word) == state)
    }

    @Test func batteryAndCacheWords() {
        #expect(SSACLIOutput.batteryState("Failed (Replace Batteries)") == "failed")
        #expect(SSACLIOutput.batteryState("Recharging") == "charging")
        #expect(SSACLIOutput.cacheState("Permanently Disabled") == "disabled")
        #expect(SSACLIOutput.cacheState("Temporarily Disabled") == "disabled")
    }

    @Test func recoveringProgressFromTheDetailLine() {
        var ld = RAIDToolLogicalDrive(id: "1")
        SSACLIOutput.applyLogical(("Status", "Recovering, 29% complete"), to: &ld)
        #expect(ld.state == "rebuilding" && ld.rebuildRatio == 0.29)
    }

    @Test(arguments: [
        ("ssacli/error-controller-not-identified.txt", "ssacli said \"Error: The controller"),
        ("storcli/call-show-all-healthy.json", "no Smart Array controller header"),
        ("arcconf/getconfig-battery-failed.txt", "arcconf"), ("storcli/megacli-ldinfo.txt", "MegaCli"),
    ])
    func otherOutputsAreClearErrors(file: String, says: String) {
        #expect {
            _ = try SSACLIOutput.parse(FormatsFixture.bytes(file))
        } throws: { error in
            "\(error)".contains(says)
        }
    }

    @Test func fuzzedInputNeverTraps() {
        let seeds = FormatsFixture.files(in: "ssacli").map(FormatsFixture.bytes)
        let alphabet = Array("Smart Array in Slot 0:\n ()%,physicaldrive logicaldrive Logical Drive: Status OK GB".utf8) + [0, 0xFF, 0x09]
        for input in fuzzInputs(from: seeds, alphabet: alphabet, count: 1500) {
            if let r = try? SSACLIOutput.parse(input) {
                for ld in r.controllers.flatMap(\.logicalDrives) { #expect((0...1).contains(ld.rebuildRatio ?? 0)) }
            }
        }
    }
}
