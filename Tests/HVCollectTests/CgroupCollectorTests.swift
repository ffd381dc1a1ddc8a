import Foundation
import HVModel
import HVSystem
import Testing

@testable import HVCollect

/// The cgroup collector on cgroup trees assembled from the HVSystemTests fixture files
/// (real files of this host and files in the format of v1-only and v2-only hosts).
@Suite struct CgroupCollectorTests {
    static let files: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("HVSystemTests/Fixtures/cgroupfs").path
    }()

    final class Tree {
        let root = NSTemporaryDirectory() + "hvcg-\(getpid())-\(UUID().uuidString)"
        deinit { try? FileManager.default.removeItem(atPath: root) }
        func put(_ dir: String, _ name: String, fixture: String) throws {
            try put(dir, name, text: try String(contentsOfFile: CgroupCollectorTests.files + "/" + fixture, encoding: .utf8))
        }
        func put(_ dir: String, _ name: String, text: String) throws {
            let d = root + dir
            try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: d + "/cgroup.procs") {
                try Data("1\n".utf8).write(to: URL(fileURLWithPath: d + "/cgroup.procs"))
            }
            try Data(text.utf8).write(to: URL(fileURLWithPath: d + "/" + name))
        }
    }

    /// systemd host, pure cgroup v2, libvirt >= 7.1.
    @Test func pureV2() throws {
        let t = Tree()
        try t.put("", "cgroup.controllers", text: "cpuset cpu io memory hugetlb pids rdma misc\n")
        let g = "/machine.slice/machine-qemu\\x2d3\\x2drootdefault.scope"
        try t.put(g, "cpu.stat", fixture: "v2/written-cpu.stat")
        try t.put(g, "memory.current", fixture: "v2/written-memory.current")
        try t.put(g, "memory.max", fixture: "v2/written-memory.max")
        try t.put(g, "memory.swap.current", fixture: "v2/written-memory.swap.current")
        try t.put(g, "memory.stat", fixture: "v2/written-memory.stat")
        try t.put(g, "memory.events", fixture: "v2/written-memory.events")
        try t.put(g, "io.stat", fixture: "v2/written-io.stat")
        try t.put(g, "memory.pressure", fixture: "v2/written-memory.pressure")
        try t.put(g, "cpu.pressure", fixture: "v2/qemu-hybrid-cpu.pressure")
        try t.put(g, "io.pressure", fixture: "v2/qemu-hybrid-io.pressure")
        var cg = GuestCgroupStats(path: g)
        cg.unifiedPath = g
        var errors: [SystemError] = []
        CgroupCollector(cgroupfs: t.root).read(&cg, errors: &errors)
        #expect(errors.isEmpty)
        #expect(cg.cpuUsageSeconds == 8.842311 && cg.cpuUserSeconds == 6.120077 && cg.cpuSystemSeconds == 2.722234)
        #expect(cg.throttledPeriods == 37 && cg.throttledSeconds == 1.84331)
        #expect(cg.memoryUsageBytes == 1_573_351_424)
        #expect(cg.memoryWorkingSetBytes == 1_573_351_424 - 301_989_888)
        #expect(cg.memoryLimitBytes == 2_147_483_648)
        #expect(cg.memorySwapBytes == 4_096_000)
        #expect(cg.oomKills == 1)
        #expect(cg.blockReadBytes == 372_740_096 && cg.blockWriteBytes == 1_258_291_200)
        #expect(cg.blockReadOps == 9012 && cg.blockWriteOps == 30211)
        #expect(cg.memoryPressureSomeSeconds == 5.120301 && cg.memoryPressureFullSeconds == 2.270114)
        #expect(cg.cpuPressureSomeSeconds != nil && cg.ioPressureSomeSeconds != nil)
    }

    /// cgroup v1 only (systemd, `cpu,cpuacct` co-mounted, libvirt < 7.1), unlimited memory.
    @Test func pureV1CoMounted() throws {
        let t = Tree()
        let g = "/machine.slice/machine-qemu\\x2d1\\x2drhel8.scope"
        try t.put("/cpu,cpuacct" + g, "cpuacct.stat", fixture: "v1/lxc-cpuacct.stat")
        try t.put("/cpu,cpuacct" + g, "cpuacct.usage", fixture: "v1/lxc-cpuacct.usage")
        try t.put("/cpu,cpuacct" + g, "cpu.stat", fixture: "v1/written-cpu.stat")
        try t.put("/memory" + g, "memory.usage_in_bytes", fixture: "v1/written-memory.usage_in_bytes")
        try t.put("/memory" + g, "memory.limit_in_bytes", fixture: "v1/written-memory.limit_in_bytes-unlimited")
        try t.put("/memory" + g, "memory.memsw.usage_in_bytes", fixture: "v1/written-memory.memsw.usage_in_bytes")
        try t.put("/memory" + g, "memory.stat", fixture: "v1/qemu-memory.stat")
        try t.put("/memory" + g, "memory.oom_control", fixture: "v1/written-memory.oom_control")
        try t.put(
            "/blkio" + g, "blkio.throttle.io_service_bytes_recursive", fixture: "v1/written-blkio.throttle.io_service_bytes_recursive")
        try t.put("/blkio" + g, "blkio.throttle.io_serviced_recursive", fixture: "v1/written-blkio.throttle.io_serviced_recursive")
        var cg = GuestCgroupStats(path: g)
        cg.controllerPaths = ["cpu": g, "cpuacct": g, "memory": g, "blkio": g]
        var errors: [SystemError] = []
        CgroupCollector(cgroupfs: t.root).read(&cg, errors: &errors)
        #expect(errors.isEmpty)
        let st = try CgroupKeyedFile.parseFlat(Array(try String(contentsOfFile: Self.files + "/v1/lxc-cpuacct.stat", encoding: .utf8).utf8))
        #expect(cg.cpuUserSeconds == Double(st["user"]!) / 100)
        #expect(cg.cpuUsageSeconds != nil)
        #expect(cg.throttledPeriods == 12 && cg.throttledSeconds == 0.734022118)
        #expect(cg.memoryUsageBytes == 1_577_058_304)
        #expect(cg.memoryLimitBytes == nil)
        #expect(cg.memorySwapBytes == 1_610_612_736 - 1_577_058_304)
        #expect(cg.oomKills == 3)
        #expect(cg.memoryWorkingSetBytes != nil && cg.memoryWorkingSetBytes! <= 1_577_058_304)
        #expect(cg.blockReadBytes == 372_740_096 && cg.blockWriteOps == 30211)
        #expect(cg.cpuPressureSomeSeconds == nil)
    }

    @Test func malformedFileFailsOnlyThatFigure() throws {
        let t = Tree()
        try t.put("", "cgroup.controllers", text: "cpu memory\n")
        try t.put("/g", "cpu.stat", text: "usage_usec lots\n")
        try t.put("/g", "memory.current", text: "4096\n")
        var snap = Snapshot()
        var g = Guest(name: "g", uuid: nil, kind: .container, driver: "lxc-tools", state: .running)
        var cg = GuestCgroupStats(path: "/g")
        cg.unifiedPath = "/g"
        g.cgroup = cg
        snap.guests = [g, Guest(name: "other", uuid: nil, kind: .container, driver: "lxc-tools", state: .running)]
        // One figure failed, not the collector.
        try CgroupCollector(cgroupfs: t.root).collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &snap)
        #expect(snap.guests[0].cgroup?.memoryUsageBytes == 4096)
        #expect(snap.guests[0].cgroup?.cpuUsageSeconds == nil)
    }

    @Test func hostFacts() throws {
        var snap = Snapshot()
        var a = Guest(name: "a", uuid: "u-a", kind: .vm, driver: "qemu", state: .running)
        a.vcpuCurrent = 2; a.maxMemoryBytes = 1 << 30
        var b = Guest(name: "b", uuid: "u-b", kind: .vm, driver: "qemu", state: .paused)
        b.vcpuMaximum = 4; b.memoryBytes = 512 << 20
        var c = Guest(name: "c", uuid: "u-c", kind: .vm, driver: "qemu", state: .shutoff)
        c.vcpuCurrent = 8; c.maxMemoryBytes = 8 << 30
        snap.guests = [a, b, c]
        let sys = URL(fileURLWithPath: Self.files).deletingLastPathComponent().appendingPathComponent("sysfs-ksm").path
        try HostCollector(procfs: "/proc", sysfs: sys).collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &snap)
        let h = try #require(snap.host)
        #expect(h.guestVCPUs == 6)
        #expect(h.guestMemoryBytes == (1 << 30) + (512 << 20))
        #expect((h.cpus ?? 0) >= 1 && (h.memoryTotalBytes ?? 0) > 0)
        #expect(h.ksmPagesShared != nil && h.ksmFullScans != nil)
        #expect(h.hugepageSizeBytes != nil)
    }
}
