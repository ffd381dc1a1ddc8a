import Testing

@testable import HVFormats

@Suite struct MultipathdMapsTests {
    @Test func mapWithItsOnlyPathFailed() throws {
        let m = try MultipathdMaps.parse(FormatsFixture.bytes("multipath/ibm-ubiquity-list-maps-json-no-active-path.json"))
        #expect(m.malformed.isEmpty)
        let map = try #require(m.maps.first)
        #expect(map.name == "mpathp")
        #expect(map.uuid == "360050768029b8168e000000000006247")
        #expect(map.sysfs == "dm-3")
        #expect(map.queueing == "5 chk")
        #expect(map.activePaths == 0)
        #expect(map.dmState == "active")
        #expect(map.pathFaults == 1)
        #expect(map.vendor == "IBM" && map.product == "2145")
        let g = try #require(map.pathGroups.first)
        #expect(g.group == 1 && g.dmState == "active" && g.selector == "round-robin 0")
        let p = try #require(g.paths.first)
        #expect(p.device == "sdb" && p.devT == "8:16")
        #expect(p.dmState == "failed" && p.checkerState == "faulty" && p.deviceState == "running")
    }

    @Test func mapAndPathFragments() throws {
        let iscsi = try MultipathdMaps.map(JSONValue.parse(FormatsFixture.bytes("multipath/vexxhost-map-pure-iscsi.json")))
        #expect(iscsi.name == "3624a9370e92ace0b12e941bf000cb4d5" && iscsi.sysfs == "dm-31")
        #expect(iscsi.queueing == "off" && iscsi.activePaths == 8 && iscsi.pathFaults == 23)
        #expect(iscsi.hardwareHandler == "1 alua" && iscsi.vendor == "PURE" && iscsi.pathGroups.isEmpty)
        let fc = try MultipathdMaps.map(JSONValue.parse(FormatsFixture.bytes("multipath/vexxhost-map-pure-fc.json")))
        #expect(fc.sysfs == "dm-0" && fc.activePaths == 8)
        let path = try #require(MultipathdMaps.path(JSONValue.parse(FormatsFixture.bytes("multipath/vexxhost-path-iscsi.json"))))
        #expect(path.device == "sdag" && path.dmState == "active" && path.checkerState == "ready")
        #expect(path.marginalState == "normal" && path.hostAdapter == "192.168.131.31")
        let fcPath = try #require(MultipathdMaps.path(JSONValue.parse(FormatsFixture.bytes("multipath/vexxhost-path-fc.json"))))
        #expect(fcPath.device == "sdcx" && fcPath.devT == "70:80")
    }

    @Test func badOutputsAreClearErrors() throws {
        #expect(throws: StorageToolFormatError.self) { try MultipathdMaps.parse(Array("error receiving packet\n".utf8)) }
        do {
            _ = try MultipathdMaps.parse(Array("fail\n".utf8))
        } catch {
            #expect(error.message.contains("multipathd") && error.message.contains("fail"))
        }
        #expect(throws: StorageToolFormatError.self) { try MultipathdMaps.parse(Array(#"{"major_version":0}"#.utf8)) }
        let partial = try MultipathdMaps.parse(
            Array(#"{"maps":[{"uuid":"3600"}, 5, {"name":"m1","path_groups":[{"paths":[{"dm_st":"active"},{"dev":"sdc"}]}]}]}"#.utf8))
        #expect(partial.maps.map(\.name) == ["m1"])
        #expect(partial.maps[0].pathGroups[0].paths.map(\.device) == ["sdc"])
        #expect(partial.malformed.count == 2)
        #expect(try MultipathdMaps.parse(Array(#"{"major_version":0,"minor_version":1,"maps":[]}"#.utf8)).maps.isEmpty)
    }

    @Test func fuzzedInputNeverTraps() {
        let seeds = FormatsFixture.files(in: "multipath").map(FormatsFixture.bytes)
        for input in fuzzInputs(from: seeds, alphabet: Array(#"{}[]:,"\ 0123456789.-truefalsnmap"#.utf8) + [0xFF]) {
            do {
                let m = try MultipathdMaps.parse(input)
                for map in m.maps { #expect(!map.name.isEmpty) }
            } catch {
                #expect(error.message.hasPrefix("multipathd"))
            }
        }
    }
}
