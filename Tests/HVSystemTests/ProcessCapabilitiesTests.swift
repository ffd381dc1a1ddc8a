import Testing

@testable import HVSystem

/// `CapEff:` from real status files: kthreadd's (every capability), a QEMU's run by libvirtd as
/// root, and hv-exporter's under the packaged systemd unit (copied from the Debian 12 guest of
/// scripts/systemd-test.sh).
@Suite struct ProcessCapabilitiesTests {
    @Test func realStatusFiles() throws {
        let all = try #require(ProcessCapabilities.parse(status: Fixture.bytes("status/kthreadd.status")))
        #expect(all.effective == 0x1ff_ffff_ffff && all.has(.sysRawIO) && all.has(.sysAdmin))
        let unit = try #require(ProcessCapabilities.parse(status: Fixture.bytes("status/hv-exporter-unit.status")))
        #expect(unit.effective == 0x2a_0004)
        #expect(unit.has(.sysRawIO) && unit.has(.sysAdmin))
    }

    @Test func noOrBadCapEffLineIsNil() {
        #expect(ProcessCapabilities.parse(status: Array("Name:\tx\nPid:\t1\n".utf8)) == nil)
        #expect(ProcessCapabilities.parse(status: Array("CapEff:\tzz\n".utf8)) == nil)
        #expect(ProcessCapabilities.parse(status: []) == nil)
        #expect(ProcessCapabilities.parse(status: Array("CapEff:\t0000000000000000".utf8)) == ProcessCapabilities(effective: 0))
    }

    @Test func thisProcessHasASet() {
        #expect(ProcessCapabilities.current() != nil)
    }
}
