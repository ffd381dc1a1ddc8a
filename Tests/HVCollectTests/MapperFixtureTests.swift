import Foundation
import HVModel
import Testing

@testable import HVCollect

/// The guest mapper on fake /proc trees with the cgroup layouts of real hosts this machine
/// cannot produce (systemd v1/v2, libvirt before/after 7.1, LXD projects, libvirt-lxc, nspawn).
@Suite struct MapperFixtureTests {
    static let u1 = "6b504d33-9941-4ffd-b4fc-6dae3161c2c9"
    static let u2 = "4b61188b-076c-4f32-b8c4-762f7fe1af71"

    func vm(_ name: String, _ uuid: String, id: Int?) -> Guest {
        var g = Guest(name: name, uuid: uuid, kind: .vm, driver: "qemu", state: .running)
        g.domainID = id
        return g
    }

    func run(_ host: FakeHost, _ guests: [Guest]) throws -> Snapshot {
        var s = Snapshot()
        s.guests = guests
        try GuestMapper(procfs: host.proc, cgroupfs: host.cgroup, libvirtRunDirectories: [host.runDir]).attribute(into: &s)
        return s
    }

    func entry(_ s: Snapshot, tid: Int) throws -> ProcessEntry {
        try #require(s.processes.first { $0.tid == tid }, "no entry for tid \(tid)")
    }

    /// systemd, cgroup v2, libvirt >= 7.1 (`.../machine-qemu\x2d3\x2drootdefault.scope/libvirt/...`),
    /// with KVM vCPU threads, an iothread, a pre-6.4 vhost kernel thread, swtpm and virtiofsd.
    @Test func systemdV2Libvirt71WithHelpers() throws {
        let h = try FakeHost()
        let emu = FakeHost.Cgroup.fixture("written-libvirt71-systemd-v2-emulator.cgroup")
        try h.process(
            100, comm: "qemu-system-x86", cgroup: emu,
            cmdline: ["/usr/bin/qemu-system-x86_64", "-name", "guest=rootdefault,debug-threads=on", "-uuid", Self.u1],
            threads: [
                .init(tid: 100, comm: "qemu-system-x86", cgroup: emu, ticks: 50),
                .init(tid: 101, comm: "CPU 0/KVM", cgroup: .fixture("written-libvirt71-systemd-v2-vcpu0.cgroup"), ticks: 400),
                .init(
                    tid: 102, comm: "CPU 1/KVM",
                    cgroup: .text("0::/machine.slice/machine-qemu\\x2d3\\x2drootdefault.scope/libvirt/vcpu1\n"), ticks: 300),
                .init(tid: 103, comm: "IO iothread1", cgroup: .fixture("written-libvirt71-systemd-v2-iothread1.cgroup"), ticks: 20),
                .init(tid: 104, comm: "worker", cgroup: emu, ticks: 5),
                .init(tid: 105, comm: "vhost-100", cgroup: emu, ticks: 7),
            ])
        try h.process(150, comm: "vhost-100", ppid: 2, kernelThread: true, ticks: 30)
        try h.process(151, comm: "kvm-pit/100", ppid: 2, kernelThread: true, ticks: 1)
        try h.process(152, comm: "vhost-999", ppid: 2, kernelThread: true, ticks: 1)   // owner unknown: host
        try h.process(
            160, comm: "swtpm", cgroup: .text("0::/system.slice/libvirtd.service\n"),
            cmdline: ["/usr/bin/swtpm", "socket", "--tpmstate", "dir=/var/lib/libvirt/swtpm/\(Self.u1)/tpm2,mode=0600"])
        try h.process(
            170, comm: "virtiofsd", cgroup: .text("0::/machine.slice/machine-qemu\\x2d3\\x2drootdefault.scope/libvirt\n"),
            cmdline: ["/usr/libexec/virtiofsd", "--fd=25", "--shared-dir", "/srv"])
        try h.process(200, comm: "bash", cgroup: .fixture("written-host-user-session-v2.cgroup"))
        try h.pidfile("rootdefault", 100)

        let s = try run(h, [vm("rootdefault", Self.u1, id: 3)])
        let expected: [(Int, String, Int?)] = [
            (100, "emulator", nil), (101, "vcpu", 0), (102, "vcpu", 1), (103, "iothread", nil),
            (104, "worker", nil), (105, "vhost", nil), (150, "vhost", nil), (151, "kvm", nil),
            (160, "helper", nil), (170, "helper", nil),
        ]
        for (tid, role, vcpu) in expected {
            let e = try entry(s, tid: tid)
            #expect(e.guestKey == Self.u1, "tid \(tid)")
            #expect(e.role == role, "tid \(tid)")
            #expect(e.vcpu == vcpu, "tid \(tid)")
        }
        #expect(try entry(s, tid: 100).evidence == "pidfile+cmdline-uuid")
        #expect(try entry(s, tid: 150).evidence == "vhost")
        #expect(try entry(s, tid: 160).evidence == "cmdline-uuid")
        #expect(try entry(s, tid: 170).evidence == "cgroup")
        for host in [1, 2, 152, 200] {
            let e = try entry(s, tid: host)
            #expect(e.guestKey == nil && e.role == "host", "pid \(host)")
        }
        let g = try #require(s.guests.first)
        let cg = try #require(g.cgroup)
        #expect(cg.path == "/machine.slice/machine-qemu\\x2d3\\x2drootdefault.scope")
        #expect(cg.unifiedPath == cg.path)
        #expect(cg.processes == 5)
        #expect(cg.threadsByRole == ["emulator": 1, "vcpu": 2, "iothread": 1, "worker": 1, "vhost": 2, "kvm": 1, "helper": 2])
        #expect(cg.cpuSecondsByRole["vcpu"] == 7.0)
        #expect(cg.cpuSecondsByRole["vhost"] == 0.37)
        #expect(g.vcpus.map(\.threadID) == [101, 102])
        #expect(s.guests.count == 1)
    }

    /// systemd, cgroup v1, libvirt < 7.1, a QEMU without -uuid: found by the domain ID in the
    /// scope; guests vm1 (ID 1) and vm10 (ID 10) never get each other's processes.
    @Test func systemdV1ByDomainIDNotByName() throws {
        let h = try FakeHost()
        try h.process(
            300, comm: "qemu-kvm", cgroup: .fixture("written-libvirt-systemd-v1-vcpu0.cgroup"),
            cmdline: ["/usr/libexec/qemu-kvm", "-name", "rhel8"],
            threads: [
                .init(
                    tid: 300, comm: "qemu-kvm",
                    cgroup: .text(
                        "2:cpu,cpuacct:/machine.slice/machine-qemu\\x2d1\\x2drhel8.scope/emulator\n9:memory:/machine.slice/machine-qemu\\x2d1\\x2drhel8.scope\n"
                    )),
                .init(tid: 301, comm: "qemu-kvm", cgroup: .fixture("written-libvirt-systemd-v1-vcpu0.cgroup")),
            ])
        try h.process(
            310, comm: "qemu-kvm", cgroup: .text("2:cpu,cpuacct:/machine.slice/machine-qemu\\x2d10\\x2dvm10.scope/emulator\n"),
            cmdline: ["/usr/libexec/qemu-kvm", "-name", "vm10"])
        try h.process(
            320, comm: "qemu-kvm", cgroup: .text("2:cpu,cpuacct:/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/emulator\n"),
            cmdline: ["/usr/libexec/qemu-kvm", "-name", "vm1"])
        let s = try run(h, [vm("rhel8", Self.u1, id: 1), vm("vm10", "00000000-0000-0000-0000-00000000000a", id: 10)])
        #expect(try entry(s, tid: 300).guestKey == Self.u1)
        #expect(try entry(s, tid: 300).evidence == "cgroup")
        // Unnamed thread in the vcpu0 cgroup: the cgroup is the second source of evidence.
        #expect(try entry(s, tid: 301).role == "vcpu")
        #expect(try entry(s, tid: 301).vcpu == 0)
        #expect(try entry(s, tid: 310).guestKey == "00000000-0000-0000-0000-00000000000a")
        // ID 1 belongs to rhel8, and "vm1" is not a prefix of it: the process stays unattributed.
        #expect(try entry(s, tid: 320).guestKey == nil)
        let cg = try #require(s.guests[0].cgroup)
        #expect(cg.path == "/machine.slice/machine-qemu\\x2d1\\x2drhel8.scope")
        #expect(cg.controllerPaths["memory"] == cg.path && cg.controllerPaths["cpuacct"] == cg.path)
        #expect(cg.unifiedPath == nil)
    }

    /// A qemu of a second libvirtd (migration target in another namespace): its UUID is not in
    /// this libvirt's list, so it becomes a guest of its own, named from `-name guest=`.
    @Test func qemuOfAnotherLibvirtd() throws {
        let h = try FakeHost()
        try h.process(
            400, comm: "qemu-system-x86", cgroup: .fixture("written-libvirt-nosystemd-v2-vcpu3.cgroup"),
            cmdline: ["/usr/bin/qemu-system-x86_64", "-name", "guest=moved,,vm,debug-threads=on", "-uuid", Self.u2.uppercased()],
            threads: [.init(tid: 400, comm: "qemu-system-x86"), .init(tid: 401, comm: "CPU 0/TCG")])
        // Same domain ID 4 as a local guest: the UUID wins, the ID is not used.
        let s = try run(h, [vm("win10", Self.u1, id: 4)])
        let g = try #require(s.guests.first { $0.uuid == Self.u2 })
        #expect(g.name == "moved,vm" && g.kind == .vm && g.driver == "qemu")
        #expect(try entry(s, tid: 401).guestKey == Self.u2)
        #expect(s.guests.first { $0.uuid == Self.u1 }?.cgroup == nil)
    }

    /// libvirt escapes XML characters in pidfile names: `we&quot;ird.pid` is `we"ird`'s.
    @Test func escapedPidfileName() throws {
        let h = try FakeHost()
        try h.process(
            450, comm: "qemu-system-x86", cgroup: .text("0::/machine/qemu-5-weird.libvirt-qemu/emulator\n"),
            cmdline: ["/usr/bin/qemu-system-x86_64"])
        try h.pidfile("we&quot;ird", 450)
        try h.pidfile("driver", 1)   // libvirtd's own lock file, not a domain
        let s = try run(h, [vm("we\"ird", Self.u1, id: 99)])
        #expect(try entry(s, tid: 450).guestKey == Self.u1)
        #expect(try entry(s, tid: 450).evidence == "pidfile")
        #expect(try entry(s, tid: 1).guestKey == nil)
    }

    /// LXC tools on a hybrid host (real layout from this host): payload by cgroup, the monitor
    /// as helper, and a process that left the cgroup found by the container's PID namespace.
    @Test func lxcContainerAndEscapee() throws {
        let h = try FakeHost()
        let ns: UInt64 = 4_026_532_262
        let payload = FakeHost.Cgroup.fixture("real-lxc-payload-hybrid.cgroup")
        try h.process(
            500, comm: "lxc-start", cgroup: .fixture("real-lxc-monitor-hybrid.cgroup"),
            cmdline: ["[lxc monitor] /var/lib/lxc hv-ct1"])
        try h.process(501, comm: "init", ppid: 500, cgroup: payload, pidNamespace: ns, nsPIDs: [501, 1])
        try h.process(502, comm: "syslogd", ppid: 501, cgroup: payload, pidNamespace: ns, nsPIDs: [502, 5])
        try h.process(
            503, comm: "java", ppid: 501, cgroup: payload, pidNamespace: ns, nsPIDs: [503, 6],
            threads: [.init(tid: 503, comm: "java"), .init(tid: 504, comm: "GC Thread#0"), .init(tid: 505, comm: "C2 CompilerThre")])
        try h.process(510, comm: "sleep", ppid: 0, cgroup: .text("0::/\n"), pidNamespace: ns, nsPIDs: [510, 9])
        try h.process(520, comm: "sleep", cgroup: .text("0::/\n"), pidNamespace: 4_026_539_999, nsPIDs: [520, 1])
        let s = try run(h, [])
        let key = "lxc-tools:hv-ct1"
        let g = try #require(s.guests.first { $0.key == key })
        #expect(g.kind == .container && g.state == .running && g.uuid == nil)
        for pid in [501, 502, 503, 504, 505] {
            #expect(try entry(s, tid: pid).guestKey == key)
            #expect(try entry(s, tid: pid).role == "container")
        }
        #expect(try entry(s, tid: 500).role == "helper")
        #expect(try entry(s, tid: 500).guestKey == key)
        #expect(try entry(s, tid: 510).guestKey == key)
        #expect(try entry(s, tid: 510).evidence == "pidns")
        #expect(try entry(s, tid: 520).guestKey == nil)   // another namespace nobody claims
        let cg = try #require(g.cgroup)
        #expect(cg.initPID == 501)
        #expect(cg.path == "/lxc.payload.hv-ct1")
        #expect(cg.controllerPaths["memory"] == "/lxc.payload.hv-ct1")
        #expect(cg.processes == 5)
        #expect(cg.threadsByRole == ["container": 6, "helper": 1])
    }

    /// LXC started again after its processes were killed and its cgroups left behind (real files):
    /// its cgroups are `lxc.payload.hv-ct1-1` / `lxc.monitor.hv-ct1-1`, its monitor's cmdline
    /// names `hv-ct1`. The guest is `hv-ct1`; a container really named `web-2` stays `web-2`.
    @Test func lxcRenamedCgroupFollowsTheMonitor() throws {
        let h = try FakeHost()
        let payload = FakeHost.Cgroup.fixture("real-lxc-payload-hybrid-renamed.cgroup")
        try h.process(
            700, comm: "lxc-start", cgroup: .fixture("real-lxc-monitor-hybrid-renamed.cgroup"),
            cmdline: ["[lxc monitor] /var/lib/lxc hv-ct1"])
        try h.process(701, comm: "init", ppid: 700, cgroup: payload, pidNamespace: 4_026_532_300, nsPIDs: [701, 1])
        try h.process(702, comm: "hvload.sh", ppid: 701, cgroup: payload, pidNamespace: 4_026_532_300, nsPIDs: [702, 4])
        try h.process(
            710, comm: "lxc-start", cgroup: .text("0::/lxc.monitor.web-2\n"),
            cmdline: ["[lxc monitor] /var/lib/lxc web-2"])
        try h.process(
            711, comm: "init", ppid: 710, cgroup: .text("0::/lxc.payload.web-2\n"), pidNamespace: 4_026_532_301, nsPIDs: [711, 1])
        // No monitor in sight: the cgroup name is all there is.
        try h.process(721, comm: "init", cgroup: .text("0::/lxc.payload.db-3\n"), pidNamespace: 4_026_532_302, nsPIDs: [721, 1])
        let s = try run(h, [])
        #expect(Set(s.guests.map(\.name)) == ["hv-ct1", "web-2", "db-3"])
        for pid in [700, 701, 702] { #expect(try entry(s, tid: pid).guestKey == "lxc-tools:hv-ct1") }
        #expect(try entry(s, tid: 700).role == "helper")
        #expect(try entry(s, tid: 702).role == "container")
        #expect(try entry(s, tid: 711).guestKey == "lxc-tools:web-2")
        #expect(try entry(s, tid: 721).guestKey == "lxc-tools:db-3")
        let g = try #require(s.guests.first { $0.name == "hv-ct1" })
        #expect(g.cgroup?.path == "/lxc.payload.hv-ct1-1")
        #expect(g.cgroup?.initPID == 701)
    }

    /// LXD: default project `lxc.payload.web1`, project `lxc.payload.prod_db1`, monitors with LXD's lxcpath.
    @Test func lxdProjects() throws {
        let h = try FakeHost()
        try h.process(
            600, comm: "lxd", cgroup: .fixture("written-lxd-monitor-v2.cgroup"),
            cmdline: ["[lxc monitor] /var/snap/lxd/common/lxd/containers prod_db1"])
        try h.process(601, comm: "systemd", cgroup: .fixture("written-lxd-project-v2.cgroup"), pidNamespace: 7, nsPIDs: [601, 1])
        try h.process(
            610, comm: "lxd", cgroup: .text("0::/lxc.monitor.web1\n"),
            cmdline: ["[lxc monitor] /var/lib/lxd/containers web1"])
        try h.process(611, comm: "nginx", cgroup: .fixture("written-lxd-default-v2.cgroup"), pidNamespace: 8, nsPIDs: [611, 80])
        let s = try run(h, [])
        #expect(try entry(s, tid: 601).guestKey == "lxd:prod/db1")
        #expect(try entry(s, tid: 600).guestKey == "lxd:prod/db1")
        #expect(try entry(s, tid: 611).guestKey == "lxd:web1")
        #expect(s.guests.map(\.name).sorted() == ["prod/db1", "web1"])
        #expect(s.guests.allSatisfy { $0.driver == "lxd" && $0.kind == .container })
        #expect(s.guests.first { $0.name == "prod/db1" }?.cgroup?.initPID == 601)
    }

    /// Older LXC layouts (`lxc.payload/NAME`, `lxc/NAME`) and no monitor in sight.
    @Test func olderLXCLayouts() throws {
        let h = try FakeHost()
        try h.process(650, comm: "init", cgroup: .fixture("written-lxc3-payload-slash.cgroup"), pidNamespace: 9, nsPIDs: [650, 1])
        try h.process(660, comm: "init", cgroup: .fixture("written-lxc2-legacy.cgroup"), pidNamespace: 10, nsPIDs: [660, 1])
        let s = try run(h, [])
        #expect(try entry(s, tid: 650).guestKey == "lxc-tools:c1")
        #expect(try entry(s, tid: 660).guestKey == "lxc-tools:deloittedigi")
        #expect(s.guests.first { $0.name == "c1" }?.cgroup?.path == "/lxc.payload/c1")
        #expect(s.guests.first { $0.name == "deloittedigi" }?.cgroup?.path == "/lxc/deloittedigi")
    }

    /// libvirt-lxc: the domain's ID is its controller PID; the controller is a helper.
    @Test func libvirtLXC() throws {
        let h = try FakeHost()
        let cg = FakeHost.Cgroup.fixture("written-libvirt-lxc-nosystemd-v1.cgroup")
        try h.process(1268, comm: "libvirt_lxc", cgroup: cg, cmdline: ["/usr/lib/libvirt/libvirt_lxc", "--name", "sl"])
        try h.process(1280, comm: "bash", ppid: 1268, cgroup: cg, pidNamespace: 11, nsPIDs: [1280, 1])
        var g = Guest(name: "sl", uuid: Self.u2, kind: .container, driver: "lxc", state: .running)
        g.domainID = 1268
        let s = try run(h, [g])
        #expect(try entry(s, tid: 1268).guestKey == Self.u2)
        #expect(try entry(s, tid: 1268).role == "helper")
        #expect(try entry(s, tid: 1280).guestKey == Self.u2)
        #expect(try entry(s, tid: 1280).role == "container")
        #expect(s.guests.count == 1)
        #expect(s.guests[0].cgroup?.path == "/machine/lxc-1268-sl.libvirt-lxc")
        #expect(s.guests[0].cgroup?.initPID == 1280)
    }

    /// systemd-nspawn: the payload is the container, the supervisor its helper.
    @Test func nspawn() throws {
        let h = try FakeHost()
        try h.process(700, comm: "systemd-nspawn", cgroup: .fixture("written-nspawn-supervisor-v2.cgroup"))
        try h.process(701, comm: "cron", cgroup: .fixture("written-nspawn-service-v2.cgroup"), pidNamespace: 12, nsPIDs: [701, 40])
        try h.process(710, comm: "systemd", cgroup: .fixture("written-nspawn-scope-hybrid.cgroup"), pidNamespace: 13, nsPIDs: [710, 1])
        let s = try run(h, [])
        #expect(try entry(s, tid: 700).guestKey == "nspawn:debian12")
        #expect(try entry(s, tid: 700).role == "helper")
        #expect(try entry(s, tid: 701).role == "container")
        #expect(try entry(s, tid: 710).guestKey == "nspawn:my-ct")
        #expect(s.guests.first { $0.name == "debian12" }?.cgroup?.path == "/machine.slice/systemd-nspawn@debian12.service")
    }

    /// Incremental scans: unchanged processes come from the cache; a new start time (PID reuse)
    /// or a new comm is classified again; CPU counters stay monotonic when a thread exits.
    @Test func incrementalAndMonotonic() throws {
        let h = try FakeHost()
        func qemu(_ threads: [FakeHost.Thread]) throws {
            try h.process(
                800, comm: "qemu-system-x86", cgroup: .text("0::/machine/qemu-1-a.libvirt-qemu/emulator\n"),
                cmdline: ["/usr/bin/qemu-system-x86_64", "-uuid", Self.u1], threads: threads)
        }
        try qemu([
            .init(tid: 800, comm: "qemu-system-x86", ticks: 100), .init(tid: 801, comm: "CPU 0/TCG", ticks: 1000),
            .init(tid: 802, comm: "worker", ticks: 200),
        ])
        try h.process(900, comm: "sleep", cgroup: .text("0::/\n"))
        let m = GuestMapper(procfs: h.proc, cgroupfs: h.cgroup, libvirtRunDirectories: [h.runDir])
        var s1 = Snapshot()
        s1.guests = [vm("a", Self.u1, id: 1)]
        let st1 = try m.attribute(into: &s1)
        #expect(st1.classified == st1.processes && st1.reused == 0)
        #expect(st1.guestProcesses == 1)

        // Worker exits, vCPU burns more, sleep's PID is reused by a qemu-looking process.
        try qemu([.init(tid: 800, comm: "qemu-system-x86", ticks: 110), .init(tid: 801, comm: "CPU 0/TCG", ticks: 1500)])
        try h.process(900, comm: "renamed", start: 5000, cgroup: .text("0::/\n"))
        var s2 = Snapshot()
        s2.guests = [vm("a", Self.u1, id: 1)]
        let st2 = try m.attribute(into: &s2)
        #expect(st2.classified == 1)   // only PID 900 (new start time)
        #expect(st2.reused == st2.processes - 1)
        let c1 = try #require(s1.guests[0].cgroup?.cpuSecondsByRole)
        let c2 = try #require(s2.guests[0].cgroup?.cpuSecondsByRole)
        #expect(c1 == ["emulator": 1.0, "vcpu": 10.0, "worker": 2.0])
        #expect(c2 == ["emulator": 1.1, "vcpu": 15.0, "worker": 2.0])
        #expect(s2.guests[0].cgroup?.threadsByRole == ["emulator": 1, "vcpu": 1])
        #expect(try entry(s2, tid: 900).comm == "renamed")
    }

    /// A scan prepared ahead (`prepareScan`, run by the scrape while libvirt answers) is what
    /// the next `attribute` uses, once: that one reads nothing, the one after scans again.
    @Test func preparedScanIsUsedOnce() throws {
        let h = try FakeHost()
        func qemu(vcpuTicks: UInt64) throws {
            try h.process(
                800, comm: "qemu-system-x86", cgroup: .text("0::/machine/qemu-1-a.libvirt-qemu/emulator\n"),
                cmdline: ["/usr/bin/qemu-system-x86_64", "-uuid", Self.u1],
                threads: [.init(tid: 800, comm: "qemu-system-x86", ticks: 100), .init(tid: 801, comm: "CPU 0/TCG", ticks: vcpuTicks)])
        }
        try qemu(vcpuTicks: 1000)
        let m = GuestMapper(procfs: h.proc, cgroupfs: h.cgroup, libvirtRunDirectories: [h.runDir])
        func attribute() throws -> Snapshot {
            var s = Snapshot()
            s.guests = [vm("a", Self.u1, id: 1)]
            try m.attribute(into: &s)
            return s
        }
        m.prepareScan()
        try qemu(vcpuTicks: 1500)   // after the prepared scan: not seen by the next attribute
        let s1 = try attribute()
        #expect(s1.guests[0].cgroup?.cpuSecondsByRole["vcpu"] == 10.0)
        #expect(try entry(s1, tid: 801).role == "vcpu")
        let s2 = try attribute()
        #expect(s2.guests[0].cgroup?.cpuSecondsByRole["vcpu"] == 15.0)
    }
}
