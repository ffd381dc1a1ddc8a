import Testing

@testable import HVSystem

struct PlacementCase: Sendable, CustomTestStringConvertible {
    let file: String
    let owner: CgroupPlacement.Owner?
    let part: CgroupPlacement.Part
    let guestPath: String
    var testDescription: String { file }
}

@Suite struct CgroupPlacementTests {
    static let cases: [PlacementCase] = [
        // Real, captured on this host (libvirt 9.0 without systemd, hybrid v1+v2).
        .init(
            file: "cgroup/real-libvirt-nosystemd-hybrid-emulator.cgroup",
            owner: .libvirtQEMU(domainID: 2, name: "hv-run2"), part: .emulator,
            guestPath: "/machine/qemu-2-hv-run2.libvirt-qemu"),
        .init(
            file: "cgroup/real-libvirt-nosystemd-hybrid-vcpu1.cgroup",
            owner: .libvirtQEMU(domainID: 2, name: "hv-run2"), part: .vcpu(1),
            guestPath: "/machine/qemu-2-hv-run2.libvirt-qemu"),
        .init(
            file: "cgroup/real-lxc-payload-hybrid.cgroup",
            owner: .lxc(name: "hv-ct1"), part: .guest, guestPath: "/lxc.payload.hv-ct1"),
        .init(
            file: "cgroup/real-lxc-monitor-hybrid.cgroup",
            owner: .lxcMonitor(name: "hv-ct1"), part: .guest, guestPath: "/lxc.monitor.hv-ct1"),
        // Restarted next to its leftover cgroups: the placement is the cgroup's name; the
        // mapper maps it back to the container through the monitor's cmdline.
        .init(
            file: "cgroup/real-lxc-payload-hybrid-renamed.cgroup",
            owner: .lxc(name: "hv-ct1-1"), part: .guest, guestPath: "/lxc.payload.hv-ct1-1"),
        .init(
            file: "cgroup/real-lxc-monitor-hybrid-renamed.cgroup",
            owner: .lxcMonitor(name: "hv-ct1-1"), part: .guest, guestPath: "/lxc.monitor.hv-ct1-1"),
        // Written in the format of real hosts (see Fixtures/README.md).
        .init(
            file: "cgroup/written-libvirt-systemd-v1-vcpu0.cgroup",
            owner: .libvirtQEMU(domainID: 1, name: "rhel8"), part: .vcpu(0),
            guestPath: "/machine.slice/machine-qemu\\x2d1\\x2drhel8.scope"),
        .init(
            file: "cgroup/written-libvirt71-systemd-v1-emulator.cgroup",
            owner: .libvirtQEMU(domainID: 3, name: "rhel8-web"), part: .emulator,
            guestPath: "/machine.slice/machine-qemu\\x2d3\\x2drhel8\\x2dweb.scope"),
        .init(
            file: "cgroup/written-libvirt-systemd-v2-vcpu1.cgroup",
            owner: .libvirtQEMU(domainID: 1, name: "fedora33"), part: .vcpu(1),
            guestPath: "/machine.slice/machine-qemu\\x2d1\\x2dfedora33.scope"),
        .init(
            file: "cgroup/written-libvirt-systemd-v2-emulator.cgroup",
            owner: .libvirtQEMU(domainID: 1, name: "fedora33"), part: .emulator,
            guestPath: "/machine.slice/machine-qemu\\x2d1\\x2dfedora33.scope"),
        .init(
            file: "cgroup/written-libvirt71-systemd-v2-vcpu0.cgroup",
            owner: .libvirtQEMU(domainID: 3, name: "rootdefault"), part: .vcpu(0),
            guestPath: "/machine.slice/machine-qemu\\x2d3\\x2drootdefault.scope"),
        .init(
            file: "cgroup/written-libvirt71-systemd-v2-emulator.cgroup",
            owner: .libvirtQEMU(domainID: 3, name: "rootdefault"), part: .emulator,
            guestPath: "/machine.slice/machine-qemu\\x2d3\\x2drootdefault.scope"),
        .init(
            file: "cgroup/written-libvirt71-systemd-v2-iothread1.cgroup",
            owner: .libvirtQEMU(domainID: 3, name: "rootdefault"), part: .iothread(1),
            guestPath: "/machine.slice/machine-qemu\\x2d3\\x2drootdefault.scope"),
        .init(
            file: "cgroup/written-libvirt71-systemd-v2-lossy-name.cgroup",
            owner: .libvirtQEMU(domainID: 17, name: "weirdname"), part: .emulator,
            guestPath: "/machine.slice/machine-qemu\\x2d17\\x2dweirdname.scope"),
        .init(
            file: "cgroup/written-libvirt-nosystemd-v2-vcpu3.cgroup",
            owner: .libvirtQEMU(domainID: 4, name: "win10"), part: .vcpu(3),
            guestPath: "/machine/qemu-4-win10.libvirt-qemu"),
        .init(
            file: "cgroup/written-libvirt-nosystemd-v1-partition.cgroup",
            owner: .libvirtQEMU(domainID: 9, name: "db"), part: .emulator,
            guestPath: "/machine/prod.partition/qemu-9-db.libvirt-qemu"),
        .init(
            file: "cgroup/written-libvirt-old-no-id.cgroup",
            owner: .libvirtQEMU(domainID: nil, name: "vm1"), part: .vcpu(0),
            guestPath: "/machine/vm1.libvirt-qemu"),
        .init(
            file: "cgroup/written-libvirt-lxc-nosystemd-v1.cgroup",
            owner: .libvirtLXC(domainID: 1268, name: "sl"), part: .guest,
            guestPath: "/machine/lxc-1268-sl.libvirt-lxc"),
        .init(
            file: "cgroup/written-libvirt-lxc-systemd-v2.cgroup",
            owner: .libvirtLXC(domainID: 1268, name: "sl"), part: .guest,
            guestPath: "/machine.slice/machine-lxc\\x2d1268\\x2dsl.scope"),
        .init(
            file: "cgroup/written-lxc3-payload-slash.cgroup",
            owner: .lxc(name: "c1"), part: .guest, guestPath: "/lxc.payload/c1"),
        .init(
            file: "cgroup/written-lxc2-legacy.cgroup",
            owner: .lxc(name: "deloittedigi"), part: .guest, guestPath: "/lxc/deloittedigi"),
        .init(
            file: "cgroup/written-lxd-default-v2.cgroup",
            owner: .lxc(name: "web1"), part: .guest, guestPath: "/lxc.payload.web1"),
        .init(
            file: "cgroup/written-lxd-project-v2.cgroup",
            owner: .lxc(name: "prod_db1"), part: .guest, guestPath: "/lxc.payload.prod_db1"),
        .init(
            file: "cgroup/written-lxd-monitor-v2.cgroup",
            owner: .lxcMonitor(name: "prod_db1"), part: .guest, guestPath: "/lxc.monitor.prod_db1"),
        .init(
            file: "cgroup/written-nspawn-service-v2.cgroup",
            owner: .nspawn(name: "debian12"), part: .guest,
            guestPath: "/machine.slice/systemd-nspawn@debian12.service"),
        .init(
            file: "cgroup/written-nspawn-supervisor-v2.cgroup",
            owner: .nspawn(name: "debian12"), part: .supervisor,
            guestPath: "/machine.slice/systemd-nspawn@debian12.service"),
        .init(
            file: "cgroup/written-nspawn-scope-hybrid.cgroup",
            owner: .nspawn(name: "my-ct"), part: .guest, guestPath: "/machine.slice/machine-my\\x2dct.scope"),
        .init(file: "cgroup/written-host-user-session-v2.cgroup", owner: nil, part: .guest, guestPath: ""),
        .init(file: "cgroup/written-host-libvirtd-v2.cgroup", owner: nil, part: .guest, guestPath: ""),
    ]

    @Test(arguments: cases)
    func classifiesFixture(_ c: PlacementCase) throws {
        let m = try CgroupMembership.parse(Fixture.bytes(c.file))
        let p = m.placement
        #expect(p?.owner == c.owner)
        if c.owner != nil {
            #expect(p?.part == c.part)
            #expect(p?.guestPath == c.guestPath)
        }
    }

    @Test func everyCgroupFixtureHasACase() {
        let covered = Set(Self.cases.map(\.file))
        for f in Fixture.files(in: "cgroup", suffix: ".cgroup") {
            #expect(covered.contains(f), "fixture \(f) is not asserted")
        }
    }

    @Test func v1GuestPathsPerController() throws {
        let m = try CgroupMembership.parse(Fixture.bytes("cgroup/written-libvirt-systemd-v1-vcpu0.cgroup"))
        let owner = try #require(m.placement?.owner)
        let paths = m.guestPaths(for: owner)
        #expect(paths.unified == nil)
        #expect(paths.v1["memory"] == "/machine.slice/machine-qemu\\x2d1\\x2drhel8.scope")
        #expect(paths.v1["cpuacct"] == "/machine.slice/machine-qemu\\x2d1\\x2drhel8.scope")
        #expect(paths.v1["hugetlb"] == nil)
    }

    @Test(arguments: [
        ("machine-qemu\\x2d1\\x2dvm1.scope", "machine-qemu-1-vm1.scope"),
        ("a\\x2", "a\\x2"),
        ("\\xzz", "\\xzz"),
        ("caf\\xc3\\xa9", "café"),
    ])
    func systemdUnescape(_ input: String, _ expected: String) {
        #expect(CgroupPlacement.systemdUnescape(Substring(input)) == expected)
    }

    @Test(arguments: ["/", "/machine", "/machine.slice", "/lxc", "/machine-.scope", "/lxc.payload.", "/system.slice/foo.service"])
    func unrecognisedPaths(_ path: String) {
        #expect(CgroupPlacement.classify(path) == nil)
    }

    @Test func membershipLines() throws {
        let m = try CgroupMembership.parse(Fixture.bytes("cgroup/written-libvirt-systemd-v1-vcpu0.cgroup"))
        #expect(m.entries.count == 12)
        #expect(m.path(controller: "cpu") == "/machine.slice/machine-qemu\\x2d1\\x2drhel8.scope/vcpu0")
        #expect(m.path(controller: "name=systemd") == "/machine.slice/machine-qemu\\x2d1\\x2drhel8.scope")
        #expect(m.unifiedPath == nil)
        #expect(throws: SystemError.self) { try CgroupMembership.parse(Array("garbage\n".utf8)) }
        #expect(throws: SystemError.self) { try CgroupMembership.parse(Array("1:cpu:relative\n".utf8)) }
        // A path may itself contain ':'.
        let odd = try CgroupMembership.parse(Array("0::/a:b\n".utf8))
        #expect(odd.unifiedPath == "/a:b")
    }
}
