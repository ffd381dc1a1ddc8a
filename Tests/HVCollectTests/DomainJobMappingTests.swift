import HVLibvirt
import HVModel
import Testing

@testable import HVCollect

/// Job statistics from real libvirt output (Fixtures/jobs) onto `DomainJob`: units
/// (ms -> s, dirty pages -> bytes), progress, outcome.
struct DomainJobMappingTests {
    @Test func runningOutgoingMigration() throws {
        let (type, params) = try JobFixtures.load("migration-out-running.txt")
        let j = DomainJobMapping.job(type: type, params)
        #expect(j.type == 2 && j.isActive)
        #expect(j.operation == 5 && j.operationName == "migration_out")
        #expect(j.elapsedSeconds == 9.485)
        #expect(j.downtimeSeconds == 0.3)   // expected downtime while it runs
        #expect(j.setupTimeSeconds == 0.001)
        #expect(j.dataTotalBytes == 201_719_808)
        #expect(j.dataProcessedBytes == 71_507_010)
        #expect(j.dataRemainingBytes == 65_929_216)
        #expect(j.memoryBandwidthBytesPerSecond == 8_413_380)
        #expect(j.memoryPageSizeBytes == 4096)
        #expect(j.memoryDirtyRateBytesPerSecond == 0)
        #expect(j.memoryIteration == 1)
        #expect(j.memoryPostcopyRequests == 0)
        #expect(j.diskTotalBytes == 0)
        #expect(j.outcome == nil)
        // 1 - remaining/total: zero pages are not "processed" but are done.
        let ratio = try #require(j.progressRatio)
        #expect(abs(ratio - (1 - 65_929_216.0 / 201_719_808.0)) < 1e-12)
    }

    @Test func completedIncomingMigrationOnTheDestination() throws {
        let (type, params) = try JobFixtures.load("migration-in-completed.txt")
        let j = DomainJobMapping.job(type: type, params)
        #expect(j.type == 3 && !j.isActive)
        #expect(j.operationName == "migration_in")
        #expect(j.outcome == .completed)
        #expect(j.elapsedSeconds == 12.344)
        #expect(j.downtimeSeconds == 0.095)
        #expect(j.memoryIteration == 4)
        #expect(j.progressRatio == 1)
    }

    @Test func saveRunningAndCompleted() throws {
        let (t1, p1) = try JobFixtures.load("save-running.txt")
        let running = DomainJobMapping.job(type: t1, p1)
        #expect(running.operationName == "save" && running.isActive)
        #expect(running.dataRemainingBytes == 82_939_904)
        let (t2, p2) = try JobFixtures.load("save-completed.txt")
        let done = DomainJobMapping.job(type: t2, p2)
        #expect(done.outcome == .completed)
        #expect(done.elapsedSeconds == 9.356)
        #expect(done.downtimeSeconds == 9.352)   // a save pauses the guest throughout
        // processed/total would say 47 % for a finished save (zero pages are skipped).
        #expect(done.progressRatio == 1)
    }

    @Test func dirtyRateIsPagesTimesPageSize() {
        let p = TypedParameters([("memory_dirty_rate", .uint(2500)), ("memory_page_size", .uint(4096))])
        #expect(DomainJobMapping.job(type: 2, p).memoryDirtyRateBytesPerSecond == 10_240_000)
        // No page size: no byte rate rather than a guess.
        #expect(DomainJobMapping.job(type: 2, TypedParameters([("memory_dirty_rate", .uint(2500))])).memoryDirtyRateBytesPerSecond == nil)
    }

    @Test(
        "outcome from type and success",
        arguments: [
            (3, nil, DomainJob.Outcome.completed), (4, nil, .failed), (5, nil, .cancelled),
            (3, false, .failed), (5, false, .cancelled), (3, true, .completed),
        ] as [(Int, Bool?, DomainJob.Outcome)])
    func outcome(_ type: Int, _ success: Bool?, _ want: DomainJob.Outcome) {
        var items: [(key: String, value: TypedValue)] = [("operation", .int(5))]
        if let success { items.append(("success", .bool(success))) }
        items.append(("errmsg", .string("migration failed: connection reset")))
        let j = DomainJobMapping.job(type: type, TypedParameters(items))
        #expect(j.outcome == want)
        #expect(j.errorMessage == "migration failed: connection reset")
    }

    @Test func sameRecordSameIdentity() throws {
        // The job-completed event on the source and a later read of the record carry the same figures.
        let (_, p) = try JobFixtures.load("migration-out-completed.txt")
        #expect(DomainJobMapping.identity(p) == DomainJobMapping.identity(TypedParameters(p.items)))
        let (_, q) = try JobFixtures.load("migration-in-completed.txt")
        #expect(DomainJobMapping.identity(p) != DomainJobMapping.identity(q))
    }

    @Test func emptyParameters() {
        let j = DomainJobMapping.job(type: 0, TypedParameters())
        #expect(j.operation == nil && j.progressRatio == nil && j.outcome == nil && j.operationName == "unknown")
    }
}
