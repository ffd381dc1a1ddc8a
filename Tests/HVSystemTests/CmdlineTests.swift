import Testing

@testable import HVSystem

@Suite struct CmdlineTests {
    @Test func libvirtQemu() {
        let c = Cmdline.parse(Fixture.bytes("cmdline/qemu-libvirt.cmdline"))
        #expect(c.arguments.first == "/usr/bin/qemu-system-x86_64")
        #expect(c.qemuName == "hv-run2")
        #expect(c.qemuUUID.map(Cmdline.isUUID) == true)
        #expect(c.value(of: "-accel") == "tcg")
    }

    @Test func weirdNameIsExact() {
        let c = Cmdline.parse(Fixture.bytes("cmdline/qemu-weird-name.cmdline"))
        #expect(c.qemuName == "we\"ird\\ name ü")
        #expect(c.qemuUUID != nil)
    }

    @Test func doubledCommaAndUpperCaseUUID() {
        let c = Cmdline.parse(Fixture.bytes("cmdline/written-qemu-comma-name.cmdline"))
        #expect(c.qemuName == "a,b c")
        #expect(c.qemuUUID == "abcdef01-2345-6789-abcd-ef0123456789")
        #expect(c.value(of: "-smp") == "2")
    }

    @Test func legacyNameAndBadUUID() {
        let c = Cmdline.parse(Fixture.bytes("cmdline/written-qemu-legacy-name.cmdline"))
        #expect(c.qemuName == "legacyvm")
        #expect(c.qemuUUID == nil)
    }

    @Test func swtpmStateDirCarriesTheUUID() {
        let c = Cmdline.parse(Fixture.bytes("cmdline/written-swtpm.cmdline"))
        #expect(c.firstUUID(after: "/swtpm/") == "6b504d33-9941-4ffd-b4fc-6dae3161c2c9")
        #expect(c.qemuUUID == nil)
    }

    @Test func lxcMonitorRewritesArgvWithSpaces() {
        let c = Cmdline.parse(Fixture.bytes("cmdline/lxc-monitor.cmdline"))
        #expect(c.arguments.count == 1)
        #expect(c.arguments[0].hasPrefix("[lxc monitor] "))
        #expect(c.arguments[0].hasSuffix(" hv-ct1"))
    }

    @Test func kernelThreadHasNoArguments() {
        #expect(Cmdline.parse(Fixture.bytes("cmdline/kernel-thread.cmdline")).arguments.isEmpty)
        #expect(Cmdline.parse([]).arguments.isEmpty)
        #expect(Cmdline.parse([0x61, 0x00, 0x00, 0x62]).arguments == ["a", "", "b"])
    }

    @Test(arguments: ["6b504d33-9941-4ffd-b4fc-6dae3161c2c9", "6B504D33-9941-4FFD-B4FC-6DAE3161C2C9"])
    func uuidShapes(_ s: String) { #expect(Cmdline.isUUID(s)) }

    @Test(arguments: [
        "", "6b504d33-9941-4ffd-b4fc-6dae3161c2c", "6b504d3309941-4ffd-b4fc-6dae3161c2c9", "gb504d33-9941-4ffd-b4fc-6dae3161c2c9",
    ])
    func notUUIDs(_ s: String) { #expect(!Cmdline.isUUID(s)) }
}
