import HVModel
import Testing

/// One table per libvirt code, the same name for an unknown code everywhere.
struct LibvirtCodeNamesTests {
    @Test func knownCodes() {
        #expect(
            (1...10).map { LibvirtCodeNames.jobOperation($0) } == [
                "start", "save", "restore", "migration_in", "migration_out", "snapshot", "snapshot_revert", "dump",
                "backup", "snapshot_delete",
            ])
        #expect((0...5).map(LibvirtCodeNames.jobType) == ["none", "bounded", "unbounded", "completed", "failed", "cancelled"])
        #expect((1...5).map(LibvirtCodeNames.blockJobType) == ["pull", "copy", "commit", "active_commit", "backup"])
        #expect((0...4).map(LibvirtCodeNames.poolState) == ["inactive", "building", "running", "degraded", "inaccessible"])
    }

    @Test func unknownCodesAreUnknownEverywhere() {
        #expect(LibvirtCodeNames.jobOperation(nil) == "unknown")
        #expect(LibvirtCodeNames.jobOperation(11) == "unknown")
        #expect(LibvirtCodeNames.jobType(6) == "unknown")
        #expect(LibvirtCodeNames.blockJobType(0) == "unknown")
        #expect(LibvirtCodeNames.poolState(5) == "unknown")
        // The model's names are the tables'.
        var j = DomainJob(type: 9)
        #expect(j.operationName == "unknown" && j.typeName == "unknown" && !j.isMigration)
        j.operation = 4
        #expect(j.operationName == "migration_in" && j.isMigration)
        #expect(BlockJob(disk: "vda", type: 6, currentBytes: 0, endBytes: 0, bandwidthBytesPerSecond: 0).typeName == "unknown")
        #expect(StoragePool(name: "p", state: -1).stateName == "unknown")
    }
}
