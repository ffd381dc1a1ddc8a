import Foundation
import HVModel
import LabSupport
import Testing

@testable import HVExpose

/// `hv_guest_*` (cgroup / mapper) and `hv_host_*` families.
@Suite struct GuestCgroupFamiliesTests {
    static func sample() -> Snapshot {
        var s = Snapshot()
        var vm = Guest(name: "we\"ird\\ name ü", uuid: "6b504d33-9941-4ffd-b4fc-6dae3161c2c9", kind: .vm, driver: "qemu", state: .running)
        vm.listedByLibvirt = true
        var cg = GuestCgroupStats(path: "/machine/qemu-5-weirdname.libvirt-qemu")
        cg.cpuUserSeconds = 12.5; cg.cpuSystemSeconds = 3.25; cg.throttledPeriods = 7; cg.throttledSeconds = 0.5
        cg.memoryUsageBytes = 1 << 30; cg.memoryWorkingSetBytes = 900 << 20; cg.memoryLimitBytes = 2 << 30
        cg.memorySwapBytes = 0; cg.oomKills = 1
        cg.blockReadBytes = 4096; cg.blockWriteBytes = 8192; cg.blockReadOps = 1; cg.blockWriteOps = 2
        cg.cpuPressureSomeSeconds = 1.5; cg.cpuPressureFullSeconds = 0.5
        cg.memoryPressureSomeSeconds = 0; cg.memoryPressureFullSeconds = 0
        cg.ioPressureSomeSeconds = 2; cg.ioPressureFullSeconds = 1
        cg.processes = 2
        cg.threadsByRole = ["vcpu": 2, "emulator": 1, "worker": 3, "vhost": 1]
        cg.cpuSecondsByRole = ["vcpu": 100, "emulator": 5.5, "vhost": 1.25, "worker": 0.75]
        vm.cgroup = cg
        var ct = Guest(name: "hv-ct1", uuid: nil, kind: .container, driver: "lxc-tools", state: .running)
        var cc = GuestCgroupStats(path: "/lxc.payload.hv-ct1")
        cc.memoryUsageBytes = 10 << 20
        cc.processes = 5; cc.threadsByRole = ["container": 5, "helper": 1]
        cc.netRxBytes = 1000; cc.netTxBytes = 2000; cc.netRxPackets = 10; cc.netTxPackets = 20
        ct.cgroup = cc
        var off = Guest(name: "off", uuid: "fdbe4d42-ba92-45e4-9531-5513ec1d38c7", kind: .vm, driver: "qemu", state: .shutoff)
        off.listedByLibvirt = true
        s.guests = [vm, ct, off]
        var h = HostFacts()
        h.cpus = 2; h.memoryTotalBytes = 24 << 30; h.guestVCPUs = 5; h.guestMemoryBytes = 36 << 30
        h.ksmPagesShared = 10; h.ksmPagesSharing = 40; h.ksmFullScans = 3
        h.hugepagesTotal = 0; h.hugepagesFree = 0; h.hugepageSizeBytes = 2 << 20
        s.host = h
        return s
    }

    @Test func guestFamilies() {
        var set = MetricSet()
        SnapshotMetrics.addGuestCgroupFamilies(Self.sample(), &set)
        let vm = "we\"ird\\ name ü"
        #expect(set.samples("hv_guest_cpu_user_seconds_total").map(\.value) == [.double(12.5)])
        #expect(set.samples("hv_guest_host_cpu_seconds_total").map { $0.labels["role"]! } == ["emulator", "vcpu", "vhost", "worker"])
        #expect(
            set.samples("hv_guest_threads").map { "\($0.labels["guest"]!)/\($0.labels["role"]!)" }
                == ["\(vm)/emulator", "\(vm)/vcpu", "\(vm)/vhost", "\(vm)/worker", "hv-ct1/container", "hv-ct1/helper"])
        #expect(set.samples("hv_guest_processes").map(\.value) == [.int(2), .int(5)])
        #expect(set.samples("hv_guest_network_receive_bytes_total").map { $0.labels["guest"]! } == ["hv-ct1"])
        #expect(set.samples("hv_guest_memory_usage_bytes").count == 2)
        #expect(set.samples("hv_guest_pressure_cpu_full_seconds_total").map(\.value) == [.double(0.5)])
        // A guest without cgroup figures (shut off) has no series at all.
        for name in set.sortedNames { #expect(!set.samples(name).contains { $0.labels["guest"] == "off" }) }
        // No per-PID or per-thread label anywhere.
        for name in set.sortedNames { #expect(set.samples(name).allSatisfy { $0.labels["pid"] == nil && $0.labels["tid"] == nil }) }
    }

    @Test func hostFamilies() {
        var set = MetricSet()
        SnapshotMetrics.addHostFamilies(Self.sample(), &set)
        #expect(set.samples("hv_host_vcpu_overcommit_ratio").map(\.value) == [.double(2.5)])
        #expect(set.samples("hv_host_memory_overcommit_ratio").map(\.value) == [.double(1.5)])
        #expect(set.samples("hv_host_ksm_full_scans_total").map(\.value) == [.uint(3)])
        #expect(set.samples("hv_host_hugepage_size_bytes").map(\.value) == [.uint(2 << 20)])
        var none = MetricSet()
        SnapshotMetrics.addHostFamilies(Snapshot(), &none)
        #expect(none.familyCount == 0)
    }

    @Test(.promtool) func promtoolFindsNothing() throws {
        let text = PrometheusTextWriter.write(SnapshotMetrics.build(Self.sample()))
        let report = try Promtool.checkMetrics(text)
        #expect(report.isClean, "\(report)")
    }
}
