import HVFormats
import Testing

/// The LXD API parsers on real answers of the lab's LXD (Fixtures/lxd/README.md).
@Suite struct LXDAPITests {
    @Test func poolList() throws {
        let (pools, malformed) = try LXDAPI.storagePools(FormatsFixture.bytes("lxd/storage-pools-recursion1.json"))
        #expect(malformed.isEmpty)
        #expect(pools.map(\.name) == ["default", "hvbtr-pool"])
        #expect(pools.map(\.driver) == ["dir", "btrfs"])
        #expect(pools.allSatisfy { $0.status == "Created" })
        #expect(pools[0].source == "/var/lib/lxd/storage-pools/default")
        #expect(pools[1].source == "/var/lib/lxd/disks/hvbtr-pool.img")
        #expect(pools[0].usedBy == ["/1.0/instances/hv-lxd1", "/1.0/instances/hv-lxd2?project=hvproj", "/1.0/profiles/default"])
    }

    @Test func resources() throws {
        let dir = try LXDAPI.resources(FormatsFixture.bytes("lxd/resources-default.json"))
        #expect(dir.spaceTotal == 270_553_174_016)
        #expect(dir.spaceUsed == 20_289_220_608)
        #expect(dir.inodesTotal == 16_777_216)
        let btrfs = try LXDAPI.resources(FormatsFixture.bytes("lxd/resources-hvbtr-pool.json"))
        #expect(btrfs == LXDPoolResources(spaceUsed: 6_062_080, spaceTotal: 536_870_912, inodesUsed: 0, inodesTotal: 0))
    }

    @Test func volumesByTypeAcrossProjects() throws {
        #expect(try LXDAPI.volumeCounts(FormatsFixture.bytes("lxd/volumes-default.json")) == ["container": 2])
        #expect(try LXDAPI.volumeCounts(FormatsFixture.bytes("lxd/volumes-hvbtr-pool.json")) == ["custom": 1])
    }

    @Test func errorAnswerCarriesLXDsMessage() {
        #expect {
            try LXDAPI.resources(FormatsFixture.bytes("lxd/resources-not-found.json"))
        } throws: { e in
            guard let e = e as? LXDAPIError else { return false }
            return e.code == 500 && e.reason.contains("Storage pool not found")
        }
    }

    @Test(arguments: [
        "", "[]", "{}", "{\"type\":\"async\",\"metadata\":[]}", "{\"type\":\"sync\",\"metadata\":{}}", "not json",
    ])
    func notAPoolList(text: String) {
        #expect(throws: LXDAPIError.self) { try LXDAPI.storagePools(Array(text.utf8)) }
    }

    @Test func unnamedPoolIsSkippedOthersKept() throws {
        let text = #"{"type":"sync","metadata":[{"driver":"dir"},{"name":"p","driver":"zfs","status":"Unavailable"}]}"#
        let (pools, malformed) = try LXDAPI.storagePools(Array(text.utf8))
        #expect(pools.map(\.name) == ["p"])
        #expect(pools[0].status == "Unavailable")
        #expect(pools[0].source == nil)
        #expect(malformed.count == 1)
    }

    @Test func oddVolumeURLsCountAsUnknown() throws {
        let text = #"{"type":"sync","metadata":["/1.0/storage-pools/p/volumes/virtual-machine/v1","/1.0/storage-pools/p/volumes","x",7]}"#
        #expect(try LXDAPI.volumeCounts(Array(text.utf8)) == ["virtual-machine": 1, "unknown": 3])
    }

    /// Mutated real answers: a value or an LXDAPIError, never a crash.
    @Test func fuzzedAnswers() {
        var state: UInt64 = 0x6C78_64
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let corpus = FormatsFixture.files(in: "lxd").filter { $0.hasSuffix(".json") }.map(FormatsFixture.bytes)
        let tokens = ["{", "}", "[", "]", ",", ":", "\"", "null", "-1", "1e400", "18446744073709551616", "\"type\"", "\"sync\""]
            .map { Array($0.utf8) }
        var parsed = 0
        for _ in 0..<6000 {
            var b = corpus[Int(next() % UInt64(corpus.count))]
            for _ in 0..<(1 + next() % 6) {
                let i = b.isEmpty ? 0 : Int(next() % UInt64(b.count))
                switch next() % 4 {
                case 0 where !b.isEmpty: b[i] = UInt8(truncatingIfNeeded: next())
                case 1: b.insert(contentsOf: tokens[Int(next() % UInt64(tokens.count))], at: i)
                case 2 where !b.isEmpty: b.removeSubrange(i..<min(b.count, i + Int(next() % 12) + 1))
                default: b = Array(b.prefix(i))
                }
            }
            for f in [
                { _ = try LXDAPI.storagePools(b) }, { _ = try LXDAPI.resources(b) }, { _ = try LXDAPI.volumeCounts(b) },
            ] as [() throws -> Void] {
                do {
                    try f()
                    parsed += 1
                } catch is LXDAPIError {} catch { Issue.record("unexpected \(error)") }
            }
        }
        #expect(parsed > 100)
    }
}
