import Testing

@testable import HVFormats

@Suite struct ArcconfOutputTests {
    func parse(_ name: String) throws -> RAIDToolController {
        let r = try ArcconfOutput.parse(FormatsFixture.bytes("arcconf/\(name)"))
        return try #require(r.controllers.first)
    }

    @Test func healthyWithBattery() throws {
        let c = try parse("getconfig-healthy-battery-optimal.txt")
        #expect(c.id == "1" && c.vendor == "microchip")
        #expect(c.status == "optimal" && c.battery == "optimal")
        #expect(c.logicalDrives.count == 1 && c.logicalDrives[0].state == "optimal")
        #expect(c.physicalDrives.allSatisfy { $0.state == "online" })
        #expect(!c.firmware.isEmpty && !c.model.isEmpty)
    }

    @Test func zmmAndItsAbsence() throws {
        #expect(try parse("getconfig-healthy-zmm.txt").battery == "optimal")
        let r = try parse("getconfig-rebuilding.txt")
        #expect(r.battery == "absent" && r.batteryWord == "ZMM not installed")
    }

    @Test func failedBattery() throws {
        let c = try parse("getconfig-battery-failed.txt")
        #expect(c.battery == "failed" && c.batteryWord == "Failed")
        #expect(c.status == "optimal")
    }

    @Test func degradedWithAFailedDrive() throws {
        let c = try parse("getconfig-degraded-failed-drive.txt")
        #expect(c.logicalDrives.map(\.state) == ["degraded"])
        #expect(c.physicalDrives.map(\.state).sorted() == ["failed", "online"])
    }

    @Test func rebuilding() throws {
        let c = try parse("getconfig-rebuilding.txt")
        let ld = try #require(c.logicalDrives.first)
        #expect(ld.id == "0" && ld.raidLevel == "RAID10" && ld.stateWord == "Degraded" && ld.state == "rebuilding")
        #expect(ld.sizeBytes == 1_906_678 * 1_048_576)
        #expect(ld.name == "data")
        #expect(c.physicalDrives.count == 4)   // the enclosure services device is no drive
        let pd = c.physicalDrives[3]
        #expect(pd.state == "rebuilding" && pd.slot == "0:3")
        #expect(pd.model == "WDC WD1003FBYX-01Y7B" && pd.sizeBytes == 953_869 * 1_048_576)
        #expect(pd.medium == "HDD" && pd.smartAlert == false)
    }

    @Test func oldWordingOfflineAndDefunct() throws {
        let c = try parse("getconfig-offline-defunct-drive.txt")
        #expect(c.statusWord == "Okay" && c.status == "optimal")
        #expect(c.logicalDrives.map(\.state) == ["offline"])
        #expect(c.physicalDrives.contains { $0.state == "failed" && $0.stateWord == "Defunct" })
    }

    @Test func twoLogicalDevices() throws {
        let c = try parse("getconfig-two-lds-one-degraded.txt")
        #expect(c.logicalDrives.map(\.state) == ["optimal", "degraded"])
        #expect(c.physicalDrives.filter { $0.state == "failed" }.count == 1)
    }

    @Test func spares() throws {
        let c = try parse("getconfig-hot-spares.txt")
        #expect(c.physicalDrives.filter { $0.state == "spare" }.count == 2)
    }

    @Test func newerArcconf() throws {
        let c = try parse("getconfig-smartraid-3154-healthy.txt")
        #expect(c.model == "Adaptec SmartRAID 3154-16i" && c.serial == "1A17G3003F8")
        #expect(c.cache == "ok" && c.battery == "optimal" && c.batteryWord == "Ok")
        #expect(c.logicalDrives.map(\.osDevice) == ["/dev/sda", "/dev/sdb"])
        #expect(c.logicalDrives.map(\.raidLevel) == ["RAID1", "RAID6"])
        let pd = try #require(c.physicalDrives.first)
        #expect(pd.serial == "BTYF127108H9240AGN" && pd.wwn == "30000d1f048fcc02" && pd.slot == "0")
        #expect(pd.model == "INTEL SSDSC2KB240G8")
    }

    @Test func controllerCount() {
        #expect(ArcconfOutput.controllerCount(FormatsFixture.bytes("arcconf/getconfig-rebuilding.txt")) == 1)
        #expect(ArcconfOutput.controllerCount(Array("nothing".utf8)) == nil)
    }

    @Test(arguments: [
        ("storcli/call-show-all-healthy.json", "no \"Controller information\""),
        ("ssacli/config-detail-raid5-raid1-healthy.txt", "ssacli"), ("storcli/megacli-pdlist.txt", "MegaCli"),
    ])
    func otherOutputsAreClearErrors(file: String, says: String) {
        #expect {
            _ = try ArcconfOutput.parse(FormatsFixture.bytes(file))
        } throws: { error in
            "\(error)".contains(says)
        }
    }

    @Test func invalidControllerNumber() {
        #expect {
            _ = try ArcconfOutput.parse(Array("Invalid controller number.\n".utf8), controller: "3")
        } throws: { error in
            "\(error)".contains("arcconf said")
        }
    }

    @Test func fuzzedInputNeverTraps() {
        let seeds = FormatsFixture.files(in: "arcconf").map(FormatsFixture.bytes)
        let alphabet = Array("-Controller information Device # State : Online Status Logical device number\n 0".utf8) + [0, 0xFF]
        for input in fuzzInputs(from: seeds, alphabet: alphabet, count: 1200) {
            if let r = try? ArcconfOutput.parse(input) { #expect(r.controllers.count == 1) }
        }
    }
}
