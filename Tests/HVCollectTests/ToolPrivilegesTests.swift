import HVSystem
import Testing

@testable import HVCollect

/// The start-up warnings for the storage tools, from the effective capability sets seen
/// under systemd (scripts/systemd-test.sh): the packaged unit's, the unit as it was before
/// (CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH only), and each storage capability taken away.
@Suite struct ToolPrivilegesTests {
    static let packagedUnit: UInt64 = 0x2a_0004   // DAC_READ_SEARCH, SYS_RAWIO, SYS_PTRACE, SYS_ADMIN
    static let unitBefore: UInt64 = 0x08_0004   // DAC_READ_SEARCH, SYS_PTRACE

    @Test func thePackagedUnitsSetWarnsOfNothing() {
        #expect(ToolPrivileges.smartWarning(ProcessCapabilities(effective: Self.packagedUnit)) == nil)
        #expect(ToolPrivileges.raidControllerWarning(ProcessCapabilities(effective: Self.packagedUnit)) == nil)
        #expect(ToolPrivileges.smartWarning(ProcessCapabilities(effective: 0x1ff_ffff_ffff)) == nil)   // root
    }

    @Test func eachMissingCapabilityIsNamedWithWhatItCosts() throws {
        let before = try #require(ToolPrivileges.smartWarning(ProcessCapabilities(effective: Self.unitBefore)))
        #expect(before.contains("CAP_SYS_RAWIO") && before.contains("CAP_SYS_ADMIN"))
        let noRaw = try #require(ToolPrivileges.smartWarning(ProcessCapabilities(effective: Self.packagedUnit & ~(1 << 17))))
        #expect(noRaw.contains("CAP_SYS_RAWIO") && noRaw.contains("SATA disks read as unsupported") && !noRaw.contains("CAP_SYS_ADMIN"))
        let noAdmin = try #require(ToolPrivileges.smartWarning(ProcessCapabilities(effective: Self.packagedUnit & ~(1 << 21))))
        #expect(noAdmin.contains("CAP_SYS_ADMIN") && noAdmin.contains("NVMe") && !noAdmin.contains("CAP_SYS_RAWIO"))
        let raid = try #require(ToolPrivileges.raidControllerWarning(ProcessCapabilities(effective: Self.unitBefore)))
        #expect(raid.contains("CAP_SYS_ADMIN"))
        #expect(ToolPrivileges.raidControllerWarning(ProcessCapabilities(effective: Self.packagedUnit & ~(1 << 17))) == nil)
    }

    @Test func anUnknownSetWarnsOfNothing() {
        #expect(ToolPrivileges.smartWarning(nil) == nil)
        #expect(ToolPrivileges.raidControllerWarning(nil) == nil)
    }
}
