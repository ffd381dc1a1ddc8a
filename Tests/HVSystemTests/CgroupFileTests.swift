import Testing

@testable import HVSystem

@Suite struct CgroupFileTests {
    @Test func v2CpuStat() throws {
        let f = try CgroupKeyedFile.parseFlat(Fixture.bytes("cgroupfs/v2/written-cpu.stat"))
        #expect(f["usage_usec"] == 8_842_311)
        #expect(f["user_usec"] == 6_120_077)
        #expect(f["system_usec"] == 2_722_234)
        #expect(f["nr_throttled"] == 37)
        #expect(f["throttled_usec"] == 1_843_310)
    }

    @Test func v2CpuStatOnHybridHostHasNoThrottling() throws {
        let f = try CgroupKeyedFile.parseFlat(Fixture.bytes("cgroupfs/v2/qemu-hybrid-cpu.stat"))
        #expect(f["usage_usec"] != nil)
        #expect(f["user_usec"] != nil)
        #expect(f["nr_throttled"] == nil)
    }

    @Test func v1CpuStat() throws {
        let real = try CgroupKeyedFile.parseFlat(Fixture.bytes("cgroupfs/v1/qemu-cpu.stat"))
        #expect(real["nr_periods"] != nil && real["throttled_time"] != nil)
        let w = try CgroupKeyedFile.parseFlat(Fixture.bytes("cgroupfs/v1/written-cpu.stat"))
        #expect(w["nr_throttled"] == 12)
        #expect(w["throttled_time"] == 734_022_118)
    }

    /// The keyed parse (no dictionary) gives what the dictionary gives, and fails where it
    /// fails, on every cgroup fixture and every truncation of it.
    @Test func keyedFlatParseAgreesWithTheDictionary() {
        let keys: [StaticString] = [
            "usage_usec", "nr_throttled", "throttled_time", "user", "system",
            "inactive_file", "total_inactive_file", "oom_kill", "rss", "no_such_key",
        ]
        for f in ["cgroupfs/v1", "cgroupfs/v2"].flatMap({ Fixture.files(in: $0) }) {
            let b = Fixture.bytes(f)
            for n in Set([0, b.count / 3, b.count / 2, b.count - 1, b.count]) where n >= 0 && n <= b.count {
                let input = Array(b[0..<n])
                let dict = try? CgroupKeyedFile.parseFlat(input)
                let keyed = try? CgroupKeyedFile.parseFlat(input, keys: keys)
                #expect((dict == nil) == (keyed == nil), "\(f) cut at \(n)")
                if let dict, let keyed {
                    for (i, k) in keys.enumerated() {
                        #expect(keyed[i] == dict[k.description], "\(f) cut at \(n): \(k)")
                    }
                }
            }
        }
    }

    @Test func v1Cpuacct() throws {
        let st = try CgroupKeyedFile.parseFlat(Fixture.bytes("cgroupfs/v1/lxc-cpuacct.stat"))
        #expect(st["user"] != nil && st["system"] != nil)
        let usage = try CgroupKeyedFile.parseSingle(Fixture.bytes("cgroupfs/v1/lxc-cpuacct.usage"))
        #expect((usage ?? 0) > 0)
    }

    @Test func memoryFiles() throws {
        #expect(try CgroupKeyedFile.parseSingle(Fixture.bytes("cgroupfs/v2/written-memory.current")) == 1_573_351_424)
        #expect(try CgroupKeyedFile.parseSingle(Fixture.bytes("cgroupfs/v2/written-memory.max")) == 2_147_483_648)
        #expect(try CgroupKeyedFile.parseSingle(Fixture.bytes("cgroupfs/v2/written-memory.max-unlimited")) == nil)
        #expect(try CgroupKeyedFile.parseSingle(Fixture.bytes("cgroupfs/v2/written-memory.swap.current")) == 4_096_000)
        let ev = try CgroupKeyedFile.parseFlat(Fixture.bytes("cgroupfs/v2/written-memory.events"))
        #expect(ev["oom_kill"] == 1)
        let st = try CgroupKeyedFile.parseFlat(Fixture.bytes("cgroupfs/v2/written-memory.stat"))
        #expect(st["inactive_file"] == 301_989_888)
        let v1 = try CgroupKeyedFile.parseFlat(Fixture.bytes("cgroupfs/v1/qemu-memory.stat"))
        #expect(v1["total_inactive_file"] != nil)
        let oom = try CgroupKeyedFile.parseFlat(Fixture.bytes("cgroupfs/v1/qemu-memory.oom_control"))
        #expect(oom["oom_kill"] != nil)
        #expect(try CgroupKeyedFile.parseFlat(Fixture.bytes("cgroupfs/v1/written-memory.oom_control"))["oom_kill"] == 3)
        let real = try CgroupKeyedFile.parseSingle(Fixture.bytes("cgroupfs/v1/qemu-memory.usage_in_bytes"))
        #expect((real ?? 0) > 0)
        let unlimited = try CgroupKeyedFile.parseSingle(Fixture.bytes("cgroupfs/v1/written-memory.limit_in_bytes-unlimited"))
        #expect(CgroupKeyedFile.limitOrNil(unlimited) == nil)
        #expect(CgroupKeyedFile.limitOrNil(1 << 30) == 1 << 30)
    }

    @Test func ioStat() throws {
        let t = try BlockIOTotals.parseIOStat(Fixture.bytes("cgroupfs/v2/written-io.stat"))
        #expect(t == BlockIOTotals(readBytes: 372_740_096, writeBytes: 1_258_291_200, readOps: 9012, writeOps: 30211))
        #expect(try BlockIOTotals.parseIOStat([]) == BlockIOTotals())
        #expect(throws: SystemError.self) { try BlockIOTotals.parseIOStat(Array("8:0 rbytes\n".utf8)) }
    }

    @Test func blkioThrottle() throws {
        let b = try BlockIOTotals.parseBlkioThrottle(Fixture.bytes("cgroupfs/v1/written-blkio.throttle.io_service_bytes_recursive"))
        #expect(b.read == 372_740_096 && b.write == 1_258_291_200)
        let o = try BlockIOTotals.parseBlkioThrottle(Fixture.bytes("cgroupfs/v1/written-blkio.throttle.io_serviced_recursive"))
        #expect(o.read == 9011 && o.write == 30211)
        let real = try BlockIOTotals.parseBlkioThrottle(Fixture.bytes("cgroupfs/v1/qemu-blkio.throttle.io_service_bytes"))
        #expect(real.read + real.write >= 0)
        _ = try BlockIOTotals.parseBlkioThrottle(Fixture.bytes("cgroupfs/v1/lxc-blkio.throttle.io_service_bytes_recursive"))
    }

    @Test(arguments: [
        "cgroupfs/v2/qemu-hybrid-cpu.pressure", "cgroupfs/v2/qemu-hybrid-memory.pressure",
        "cgroupfs/v2/qemu-hybrid-io.pressure", "cgroupfs/v2/proc-pressure-cpu",
        "cgroupfs/v2/proc-pressure-memory", "cgroupfs/v2/written-memory.pressure",
    ])
    func pressure(_ f: String) throws {
        let p = try PressureTotals.parse(Fixture.bytes(f))
        #expect(p.someMicroseconds != nil)
    }

    @Test func pressureValues() throws {
        let p = try PressureTotals.parse(Fixture.bytes("cgroupfs/v2/written-memory.pressure"))
        #expect(p == PressureTotals(someMicroseconds: 5_120_301, fullMicroseconds: 2_270_114))
        #expect(throws: SystemError.self) { try PressureTotals.parse(Array("some avg10=0.00\n".utf8)) }
        #expect(throws: SystemError.self) { try PressureTotals.parse(Array("odd total=5\n".utf8)) }
    }

    @Test func cgroupProcs() throws {
        let pids = try PidList.parse(Fixture.bytes("cgroupfs/v2/lxc-cgroup.procs"))
        #expect(pids.count >= 2)
        #expect(try PidList.parse(Array("0\n108\n".utf8)) == [0, 108])
        #expect(throws: SystemError.self) { try PidList.parse(Array("x\n".utf8)) }
    }

    @Test(arguments: [
        ("key 12\n", ["key": UInt64(12)]),
        ("a 1\nb 2\n\n", ["a": 1, "b": 2]),
        ("neg -5\n", ["neg": 0]),
    ])
    func flatShapes(_ text: String, _ expected: [String: UInt64]) throws {
        #expect(try CgroupKeyedFile.parseFlat(Array(text.utf8)) == expected)
    }

    @Test(arguments: ["key\n", "key x\n", "key 1 2\n"])
    func flatErrors(_ text: String) {
        #expect(throws: SystemError.self) { try CgroupKeyedFile.parseFlat(Array(text.utf8)) }
    }
}
