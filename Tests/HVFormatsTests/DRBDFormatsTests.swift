import Testing

@testable import HVFormats

@Suite struct DRBDFormatsTests {
    @Test func connectedDeviceWithCounters() throws {
        let f = DRBDProcFile.parse(FormatsFixture.bytes("drbd-proc/node-exporter-connected-8.4.3.txt"))
        #expect(f.version == "8.4.3")
        #expect(!f.isDRBD9)
        #expect(f.malformed.isEmpty)
        let d = try #require(f.devices.first)
        #expect(f.devices.count == 1)
        #expect(d.minor == 1)
        #expect(d.connectionState == "Connected")
        #expect(d.role == "Primary" && d.peerRole == "Primary")
        #expect(d.diskState == "UpToDate" && d.peerDiskState == "UpToDate")
        #expect(d.replicationProtocol == "C")
        #expect(d.counters["ns"] == 17_324_442)
        #expect(d.counters["dr"] == 118_696_670)
        #expect(d.counters["oos"] == 12349)
        #expect(d.writeOrdering == "d")
        #expect(d.sync == nil)
    }

    @Test func resyncProgressFinishAndSpeed() throws {
        let f = DRBDProcFile.parse(FormatsFixture.bytes("drbd-proc/checkmk-syncing-8.3.8.txt"))
        #expect(f.version == "8.3.8")
        let d = try #require(f.devices.first)
        #expect(d.connectionState == "SyncSource")
        #expect(d.peerDiskState == "Inconsistent")
        let s = try #require(d.sync)
        #expect(s.percent == 42.4)
        #expect(s.remainingKiB == 294_656 * 1024)
        #expect(s.totalKiB == 510_908 * 1024)
        #expect(s.finishSeconds == 1 * 3600 + 23 * 60 + 28)
        #expect(s.speedKiBPerSecond == 60172)
        #expect(!s.stalled && !s.verify)
        #expect(d.counters["oos"] == 301_729_988)
    }

    @Test func stalledResyncHasNoSpeed() throws {
        let d = try #require(DRBDProcFile.parse(FormatsFixture.bytes("drbd-proc/checkmk-sync-stalled-8.3.8.txt")).devices.first)
        let s = try #require(d.sync)
        #expect(s.stalled)
        #expect(s.percent == 0.1)
        #expect(s.speedKiBPerSecond == nil)
    }

    @Test func splitBrainStandAloneBothNodes() throws {
        for (file, role, oos) in [
            ("split-brain-node1-8.4.0.txt", "Secondary", UInt64(76)), ("split-brain-node2-8.4.0.txt", "Primary", 100),
        ] {
            let f = DRBDProcFile.parse(FormatsFixture.bytes("drbd-proc/\(file)"))
            #expect(f.version == "8.4.0")
            let d = try #require(f.devices.first)
            #expect(f.devices.count == 1)   // the wrapped GIT-hash line is no device
            #expect(d.connectionState == "StandAlone")
            #expect(d.role == role && d.peerRole == "Unknown")
            #expect(d.peerDiskState == "DUnknown")
            #expect(d.counters["oos"] == oos)
            #expect(d.replicationProtocol == nil)
        }
    }

    @Test func drbd9VersionLinesOnlyAndABadBlockKeepsTheOthers() {
        let nine = DRBDProcFile.parse(
            Array("version: 9.2.8 (api:2/proto:86-122)\nGIT-hash: x build by y\nTransports (api:20): tcp (9.2.8)\n".utf8))
        #expect(nine.isDRBD9 && nine.devices.isEmpty)
        let mixed = DRBDProcFile.parse(
            Array(
                "version: 8.4.11\n 0: ro:Primary/Secondary\n 1: cs:WFConnection ro:Secondary/Unknown ds:Inconsistent/DUnknown C r----s\n 2: cs:Unconfigured\n"
                    .utf8))
        #expect(mixed.malformed.map(\.minor) == [0])
        #expect(mixed.malformed.first?.reason.contains("no connection state") == true)
        #expect(mixed.devices.map(\.minor) == [1, 2])
        #expect(mixed.devices[1].connectionState == "Unconfigured")
    }

    @Test func drbdsetupStatusTwoResources() throws {
        let s = try DRBDSetupStatus.parse(FormatsFixture.bytes("drbd9/ha-cluster-exporter-two-resources-secondary.json"))
        #expect(s.malformed.isEmpty)
        #expect(s.resources.map(\.name) == ["1-single-0", "1-single-1"])
        let r = s.resources[0]
        #expect(r.role == "Secondary")
        #expect(r.suspended == false)
        let d = try #require(r.devices.first)
        #expect(d.volume == 0 && d.minor == 2 && d.diskState == "UpToDate" && d.sizeKiB == 409_600)
        #expect(d.writtenKiB == 548_525)
        let c = try #require(r.connections.first)
        #expect(c.name == "SLE15-sp1-gm-drbd1145296-node1" && c.peerNodeID == 1)
        #expect(c.connectionState == "Connected" && c.peerRole == "Primary")
        let p = try #require(c.peerDevices.first)
        #expect(p.replicationState == "Established" && p.peerDiskState == "UpToDate")
        #expect(p.outOfSyncKiB == 0 && p.percentInSync == 100)
        #expect(s.resources[1].devices.first?.minor == 3)
    }

    @Test func drbdsetupEditedFakeAndBadDocuments() throws {
        let s = try DRBDSetupStatus.parse(FormatsFixture.bytes("drbd9/ha-cluster-exporter-fake-drbdsetup.json"))
        #expect(s.resources.count == 2)
        #expect(s.resources[1].devices.first?.quorum == false)
        #expect(throws: StorageToolFormatError.self) { try DRBDSetupStatus.parse(Array("No currently configured DRBD found.".utf8)) }
        #expect(throws: StorageToolFormatError.self) { try DRBDSetupStatus.parse(Array(#"{"name":"r0"}"#.utf8)) }
        let partial = try DRBDSetupStatus.parse(Array(#"[{"role":"Primary"}, {"name":"r1","devices":[{"disk-state":"UpToDate"}]}]"#.utf8))
        #expect(partial.resources.map(\.name) == ["r1"])
        #expect(partial.malformed.count == 2)
        #expect(try DRBDSetupStatus.parse(Array("[]".utf8)).resources.isEmpty)
    }

    @Test func fuzzedInputNeverTraps() {
        let proc = FormatsFixture.files(in: "drbd-proc").map(FormatsFixture.bytes)
        let alphabet = Array(" \t\n0123456789:/.%()[]=>,KMcsrodsnw'".utf8) + [0, 0xFF]
        for input in fuzzInputs(from: proc, alphabet: alphabet) {
            let f = DRBDProcFile.parse(input)
            for d in f.devices { #expect(d.minor >= 0) }
        }
        let json = FormatsFixture.files(in: "drbd9").map(FormatsFixture.bytes)
        for input in fuzzInputs(from: json, alphabet: Array(#"{}[]:,"\ 0123456789.-truefalsn"#.utf8) + [0xFF]) {
            do {
                let s = try DRBDSetupStatus.parse(input)
                for r in s.resources { #expect(!r.name.isEmpty) }
            } catch {
                #expect(error.message.hasPrefix("drbdsetup status"))
            }
        }
    }
}
