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
            // In place (the collector keeps files open: a file replaced by a rename would not
            // be seen through a kept descriptor, which a cgroup file never is).
            let fd = open(d + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
            defer { close(fd) }
            let bytes = Array(text.utf8)
            guard write(fd, bytes, bytes.count) == bytes.count else { throw CocoaError(.fileWriteUnknown) }
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

    /// A hybrid host's guest (v2 for CPU and pressure, v1 for memory, throttling and block, as
    /// on this lab's Debian 12 hosts) in a snapshot of its own.
    static func hybridGuest(_ t: Tree) throws -> Snapshot {
        let g = "/machine/qemu-6-hv-bench-001.libvirt-qemu"
        try t.put("/unified", "cgroup.controllers", text: "\n")
        try t.put("/unified" + g, "cpu.stat", fixture: "v2/qemu-hybrid-cpu.stat")
        try t.put("/unified" + g, "cpu.pressure", fixture: "v2/qemu-hybrid-cpu.pressure")
        try t.put("/unified" + g, "io.pressure", fixture: "v2/qemu-hybrid-io.pressure")
        try t.put("/unified" + g, "memory.pressure", fixture: "v2/qemu-hybrid-memory.pressure")
        try t.put("/cpu" + g, "cpu.stat", fixture: "v1/qemu-cpu.stat")
        try t.put("/memory" + g, "memory.usage_in_bytes", fixture: "v1/qemu-memory.usage_in_bytes")
        try t.put("/memory" + g, "memory.limit_in_bytes", fixture: "v1/qemu-memory.limit_in_bytes")
        try t.put("/memory" + g, "memory.stat", fixture: "v1/qemu-memory.stat")
        try t.put("/memory" + g, "memory.oom_control", fixture: "v1/qemu-memory.oom_control")
        try t.put("/blkio" + g, "blkio.throttle.io_service_bytes", fixture: "v1/qemu-blkio.throttle.io_service_bytes")
        try t.put("/blkio" + g, "blkio.throttle.io_serviced", fixture: "v1/qemu-blkio.throttle.io_serviced")
        var cg = GuestCgroupStats(path: g)
        cg.unifiedPath = g
        cg.controllerPaths = ["cpu": g, "cpuacct": g, "memory": g, "blkio": g]
        var guest = Guest(name: "hv-bench-001", uuid: "106a0a48-4a63-4db2-b7bc-18a95790119c", kind: .vm, driver: "qemu", state: .paused)
        guest.cgroup = cg
        var snap = Snapshot()
        snap.guests = [guest]
        return snap
    }

    static func collect(_ c: CgroupCollector, _ snap: Snapshot) throws -> GuestCgroupStats {
        var s = snap
        try c.collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
        return try #require(s.guests.first?.cgroup)
    }

    /// An idle guest (neither usage moved) gets its other figures from its last full read, its
    /// usages and pressure fresh; once the CPU or the memory usage moves, everything is read.
    @Test func idleGuestReusesItsLastFullRead() throws {
        let t = Tree()
        let snap = try Self.hybridGuest(t)
        let c = CgroupCollector(cgroupfs: t.root, idleRefresh: 3600)
        let first = try Self.collect(c, snap)
        #expect(first.blockReadBytes == 0 && first.throttledPeriods == 0 && first.memoryWorkingSetBytes != nil)
        #expect(first.cpuUsageSeconds == 18.736173 && first.cpuPressureSomeSeconds != nil)
        let g = "/machine/qemu-6-hv-bench-001.libvirt-qemu"
        // Files only a full read asks change; the usages do not; pressure does.
        try t.put("/blkio" + g, "blkio.throttle.io_service_bytes", text: "8:0 Read 7\n8:0 Write 9\n8:0 Total 16\nTotal 16\n")
        try t.put("/cpu" + g, "cpu.stat", text: "nr_periods 5\nnr_throttled 4\nthrottled_time 3000000000\n")
        try t.put("/memory" + g, "memory.limit_in_bytes", text: "1048576\n")
        try t.put(
            "/unified" + g, "io.pressure",
            text: "some avg10=0.00 avg60=0.00 avg300=0.00 total=5000000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=4000000\n")
        let idle = try Self.collect(c, snap)
        #expect(idle.blockReadBytes == first.blockReadBytes && idle.throttledPeriods == first.throttledPeriods)
        #expect(idle.memoryLimitBytes == first.memoryLimitBytes && idle.memoryWorkingSetBytes == first.memoryWorkingSetBytes)
        #expect(idle.cpuUsageSeconds == first.cpuUsageSeconds && idle.cpuUserSeconds == first.cpuUserSeconds)
        #expect(idle.ioPressureSomeSeconds == 5 && idle.ioPressureFullSeconds == 4)
        // The memory usage moves: a full read.
        try t.put("/memory" + g, "memory.usage_in_bytes", text: "40000000\n")
        let moved = try Self.collect(c, snap)
        #expect(moved.memoryUsageBytes == 40_000_000)
        #expect(moved.blockReadBytes == 7 && moved.blockWriteBytes == 9)
        #expect(moved.throttledPeriods == 4 && moved.throttledSeconds == 3)
        #expect(moved.memoryLimitBytes == 1_048_576)
        // Idle again, then the CPU usage moves: a full read.
        try t.put("/blkio" + g, "blkio.throttle.io_service_bytes", text: "8:0 Read 70\n8:0 Write 90\n8:0 Total 160\nTotal 160\n")
        #expect(try Self.collect(c, snap).blockReadBytes == 7)
        try t.put("/unified" + g, "cpu.stat", text: "usage_usec 18736999\nuser_usec 17835038\nsystem_usec 901961\n")
        let ran = try Self.collect(c, snap)
        #expect(ran.cpuUsageSeconds == 18.736999 && ran.cpuSystemSeconds == 0.901961)
        #expect(ran.blockReadBytes == 70)
    }

    /// The reuse is bounded: past `idleRefresh` (times the guest's spread, at most 1.5) an idle
    /// guest is read in full; with 0 every scrape reads everything; a guest in another cgroup
    /// (restarted) starts over.
    @Test func idleReuseIsBounded() throws {
        let g = "/machine/qemu-6-hv-bench-001.libvirt-qemu"
        for refresh in [0.0, 1e-9] {
            let t = Tree()
            let snap = try Self.hybridGuest(t)
            let c = CgroupCollector(cgroupfs: t.root, idleRefresh: refresh)
            _ = try Self.collect(c, snap)
            try t.put("/memory" + g, "memory.limit_in_bytes", text: "1048576\n")
            #expect(try Self.collect(c, snap).memoryLimitBytes == 1_048_576, "idleRefresh \(refresh)")
        }
        let t = Tree()
        var snap = try Self.hybridGuest(t)
        let c = CgroupCollector(cgroupfs: t.root, idleRefresh: 3600)
        _ = try Self.collect(c, snap)
        let h = "/machine/qemu-7-hv-bench-001.libvirt-qemu"
        for (dir, file) in [("/unified", "cpu.stat"), ("/memory", "memory.usage_in_bytes"), ("/memory", "memory.stat")] {
            try t.put(dir + h, file, text: try String(contentsOfFile: t.root + dir + g + "/" + file, encoding: .utf8))
        }
        try t.put("/memory" + h, "memory.limit_in_bytes", text: "1048576\n")
        var cg = GuestCgroupStats(path: h)
        cg.unifiedPath = h
        cg.controllerPaths = ["memory": h]
        snap.guests[0].cgroup = cg
        #expect(try Self.collect(c, snap).memoryLimitBytes == 1_048_576)
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
