import HVLibvirt
import HVModel
import Testing

@testable import HVCollect

/// The jobs collector's memory between samples, on the sequences libvirt really produces
/// (figures from Fixtures/jobs): a save between two scrapes, a cancelled save, a migration
/// whose source domain disappears, start-up with an old record, a daemon restart.
struct JobTrackerTests {
    let uuid = "3159d23e-5b78-42df-bdb9-d889d3e085b3"

    /// A running sample at `elapsedMs` with `remaining` of 200 MB left.
    func running(op: Int = 2, elapsedMs: UInt64, remaining: UInt64) -> TypedParameters {
        TypedParameters([
            ("operation", .int(Int64(op))), ("time_elapsed", .uint(elapsedMs)),
            ("data_total", .uint(200_000_000)), ("data_remaining", .uint(remaining)),
            ("data_processed", .uint(200_000_000 - remaining)),
        ])
    }

    @Test func saveBetweenTwoScrapesLeavesItsRecordEndAndPeak() throws {
        var t = JobTracker()
        t.observeCompleted(uuid, name: "hv-job1", type: 0, params: nil, stateReason: 1, running: true, wall: 100)   // start-up: no record
        #expect(t[uuid]?.last == nil)
        t.observeCurrent(uuid, name: "hv-job1", type: 2, params: running(elapsedMs: 1000, remaining: 150_000_000), wall: 101)
        t.observeCurrent(uuid, name: "hv-job1", type: 2, params: running(elapsedMs: 2000, remaining: 50_000_000), wall: 102)
        #expect(t[uuid]?.current?.peakProgressRatio == 0.75)
        #expect(t.hot(monotonic: 0) == [uuid])
        // Gone from the current statistics: read the record.
        let wantsRecord = t.observeCurrent(uuid, name: "hv-job1", type: 0, params: TypedParameters(), wall: 103)
        #expect(wantsRecord)
        let (type, record) = try JobFixtures.load("save-completed.txt")
        t.observeCompleted(uuid, name: "hv-job1", type: type, params: record, stateReason: 4, running: false, wall: 103.2)
        let last = try #require(t[uuid]?.last)
        #expect(last.outcome == .completed)
        #expect(last.operationName == "save")
        #expect(last.elapsedSeconds == 9.356)
        #expect(last.endedAtSeconds == 103)   // when it was first seen gone
        #expect(last.peakProgressRatio == 1)   // the record's own progress is the highest
        #expect(t[uuid]?.current == nil)
        #expect(t.hot(monotonic: 0).isEmpty)
        // Reading the same record again later is not a new job.
        t.observeCompleted(uuid, name: "hv-job1", type: type, params: record, stateReason: 4, running: false, wall: 500)
        #expect(t[uuid]?.last?.endedAtSeconds == 103)
    }

    @Test func recordFoundAtStartUpHasNoEndTime() throws {
        var t = JobTracker()
        let (type, record) = try JobFixtures.load("migration-in-completed.txt")
        t.observeCompleted(uuid, name: "hv-job1", type: type, params: record, stateReason: 2, running: true, wall: 100)
        let last = try #require(t[uuid]?.last)
        #expect(last.operationName == "migration_in" && last.outcome == .completed)
        #expect(last.endedAtSeconds == nil && last.peakProgressRatio == nil)
    }

    @Test func cancelledSaveLeavesNoRecordButTheStateReasonTells() throws {
        var t = JobTracker()
        let (oldType, old) = try JobFixtures.load("save-completed.txt")
        t.observeCompleted(uuid, name: "g", type: oldType, params: old, stateReason: 1, running: true, wall: 10)
        t.observeCurrent(uuid, name: "g", type: 2, params: running(elapsedMs: 1000, remaining: 120_000_000), wall: 11)
        t.observeCurrent(uuid, name: "g", type: 2, params: running(elapsedMs: 2000, remaining: 90_000_000), wall: 12)
        t.observeCurrent(uuid, name: "g", type: 0, params: TypedParameters(), wall: 13)
        // libvirt 9.0 keeps no record for a cancelled save: the old one is still there.
        t.observeCompleted(uuid, name: "g", type: oldType, params: old, stateReason: 7, running: true, wall: 13.1)
        let last = try #require(t[uuid]?.last)
        #expect(last.outcome == .cancelled && last.type == 5)
        #expect(last.elapsedSeconds == 2)
        #expect(last.peakProgressRatio == 0.55)
        #expect(last.endedAtSeconds == 13)
    }

    @Test func vanishedWithoutReasonIsUnknown() throws {
        var t = JobTracker()
        t.observeCompleted(uuid, name: "g", type: 0, params: nil, stateReason: 1, running: true, wall: 10)
        t.observeCurrent(uuid, name: "g", type: 2, params: running(elapsedMs: 500, remaining: 100_000_000), wall: 11)
        t.observeCurrent(uuid, name: "g", type: 0, params: TypedParameters(), wall: 12)
        t.observeCompleted(uuid, name: "g", type: 0, params: nil, stateReason: 5, running: true, wall: 12)
        #expect(t[uuid]?.last?.outcome == .unknown)
    }

    @Test func aRecordThatComesLateReplacesTheUnknownOutcome() throws {
        var t = JobTracker()
        t.observeCompleted(uuid, name: "g", type: 0, params: nil, stateReason: 1, running: true, wall: 10)
        t.observeCurrent(uuid, name: "g", type: 2, params: running(elapsedMs: 9000, remaining: 0), wall: 19)
        t.observeCurrent(uuid, name: "g", type: 0, params: TypedParameters(), wall: 20)
        t.observeCompleted(uuid, name: "g", type: 0, params: nil, stateReason: 4, running: false, wall: 20)
        #expect(t[uuid]?.last?.outcome == .unknown)
        #expect(t.hot(monotonic: 0) == [uuid])   // the record is asked for again
        let (type, record) = try JobFixtures.load("save-completed.txt")
        t.observeCompleted(uuid, name: "g", type: type, params: record, stateReason: 4, running: false, wall: 21)
        let last = try #require(t[uuid]?.last)
        #expect(last.outcome == .completed && last.elapsedSeconds == 9.356 && last.endedAtSeconds == 20)
        #expect(t.hot(monotonic: 0).isEmpty)
        // Without a record the re-reads stop after three.
        var u = JobTracker()
        u.observeCurrent(uuid, name: "g", type: 2, params: running(elapsedMs: 900, remaining: 10), wall: 1)
        u.observeCurrent(uuid, name: "g", type: 0, params: TypedParameters(), wall: 2)
        for w in 2...5 { u.observeCompleted(uuid, name: "g", type: 0, params: nil, stateReason: 5, running: true, wall: Double(w)) }
        #expect(u[uuid]?.last?.outcome == .unknown && u.hot(monotonic: 0).isEmpty)
    }

    @Test func migrationSourceEventArrivesAfterTheDomainVanished() throws {
        var t = JobTracker()
        t.observeCompleted(uuid, name: "hv-job1", type: 0, params: nil, stateReason: 1, running: true, wall: 10)
        let (_, sample) = try JobFixtures.load("migration-out-running.txt")
        t.observeCurrent(uuid, name: "hv-job1", type: 2, params: sample, wall: 20)
        // The sampler finds the domain gone (stopped, undefined) before libvirt's event comes.
        t.observeUnavailable(uuid, wall: 24)
        t.observeCompleted(uuid, name: "hv-job1", type: 0, params: nil, stateReason: nil, running: false, wall: 24)
        #expect(t[uuid]?.last?.outcome == .unknown)
        // Then the job-completed event with the source's figures replaces the guess.
        let (_, event) = try JobFixtures.load("migration-out-completed.txt")
        t.observeCompletedEvent(uuid, name: "hv-job1", params: event, wall: 24.2)
        var last = try #require(t[uuid]?.last)
        #expect(last.outcome == .completed && last.operationName == "migration_out")
        #expect(last.elapsedSeconds == 11.848 && last.downtimeSeconds == 0.039)
        #expect(last.endedAtSeconds == 24.2)
        // The next scrape no longer lists the domain: kept as departed, then forgotten.
        t.reconcile(present: [], wall: 30, retention: 3600)
        #expect(t.departed.map(\.name) == ["hv-job1"])
        #expect(t.departed.first?.departedAtSeconds == 30)
        last = try #require(t.departed.first?.job)
        #expect(last.outcome == .completed)
        #expect(t.hot(monotonic: 0).isEmpty)
        t.reconcile(present: [], wall: 30 + 3601, retention: 3600)
        #expect(t.departed.isEmpty && t[uuid] == nil)
    }

    @Test func eventBeforeTheSamplerSeesTheEnd() throws {
        var t = JobTracker()
        let (_, sample) = try JobFixtures.load("migration-out-running.txt")
        t.observeCurrent(uuid, name: "hv-job1", type: 2, params: sample, wall: 20)
        let (_, event) = try JobFixtures.load("migration-out-completed.txt")
        t.observeCompletedEvent(uuid, name: "hv-job1", params: event, wall: 21)
        // A sample after the event must not turn the completed job into an unknown one.
        t.observeUnavailable(uuid, wall: 21.5)
        t.observeCompleted(uuid, name: "hv-job1", type: 0, params: nil, stateReason: nil, running: false, wall: 21.5)
        #expect(t[uuid]?.last?.outcome == .completed)
        #expect(t[uuid]?.last?.endedAtSeconds == 21)
        // The same record read later (destination-style) is recognised.
        t.observeCompleted(uuid, name: "hv-job1", type: 3, params: event, stateReason: 2, running: true, wall: 40)
        #expect(t[uuid]?.last?.endedAtSeconds == 21)
    }

    @Test func aLateSampleDoesNotReopenAFinishedJob() throws {
        var t = JobTracker()
        t.observeCurrent(uuid, name: "g", type: 2, params: running(elapsedMs: 5000, remaining: 50_000_000), wall: 5)
        let (type, record) = try JobFixtures.load("save-completed.txt")
        t.observeCurrent(uuid, name: "g", type: type, params: record, wall: 10)   // shown as completed for a moment
        #expect(t[uuid]?.last?.outcome == .completed && t[uuid]?.current == nil)
        // A call made at 7 s (before the end) answers now: ignored.
        t.observeCurrent(uuid, name: "g", type: 2, params: running(elapsedMs: 7000, remaining: 20_000_000), wall: 10.5, askedAt: 7)
        #expect(t[uuid]?.current == nil)
        t.observeUnavailable(uuid, wall: 11)
        t.observeCompleted(uuid, name: "g", type: type, params: record, stateReason: 4, running: false, wall: 11)
        #expect(t[uuid]?.last?.outcome == .completed && t[uuid]?.last?.endedAtSeconds == 10)
        // Samples out of order within one job: the newer stays.
        var u = JobTracker()
        u.observeCurrent(uuid, name: "g", type: 2, params: running(elapsedMs: 3000, remaining: 10), wall: 3)
        u.observeCurrent(uuid, name: "g", type: 2, params: running(elapsedMs: 2000, remaining: 90), wall: 2)
        #expect(u[uuid]?.current?.elapsedSeconds == 3)
    }

    @Test func peakSurvivesARatioThatFallsBack() {
        // Pre-copy: the remaining figure grows again when the guest dirties memory.
        var t = JobTracker()
        t.observeCurrent(uuid, name: "g", type: 2, params: running(op: 5, elapsedMs: 1000, remaining: 40_000_000), wall: 1)
        t.observeCurrent(uuid, name: "g", type: 2, params: running(op: 5, elapsedMs: 2000, remaining: 120_000_000), wall: 2)
        #expect(t[uuid]?.current?.progressRatio == 0.4)
        #expect(t[uuid]?.current?.peakProgressRatio == 0.8)
        // A different job (another operation) starts its own peak.
        t.observeCurrent(uuid, name: "g", type: 2, params: running(op: 2, elapsedMs: 100, remaining: 190_000_000), wall: 3)
        #expect(abs((t[uuid]?.current?.peakProgressRatio ?? 0) - 0.05) < 1e-9)
    }

    @Test func daemonRestartEndsRunningJobs() {
        var t = JobTracker()
        t.observeCurrent(uuid, name: "g", type: 2, params: running(elapsedMs: 1000, remaining: 100_000_000), wall: 1)
        t.newConnection(wall: 5)
        #expect(t[uuid]?.current == nil)
        #expect(t[uuid]?.pendingEnd?.endedAt == 5)
        #expect(t[uuid]?.initialLoaded == false)
        t.observeCompleted(uuid, name: "g", type: 0, params: nil, stateReason: 6, running: true, wall: 6)
        #expect(t[uuid]?.last?.outcome == .cancelled)
    }

    @Test func eventsMakeADomainHotForAWhile() {
        var t = JobTracker()
        t.markHot(uuid, name: "g", until: 10)
        #expect(t.hot(monotonic: 9.9) == [uuid])
        #expect(t.hot(monotonic: 10).isEmpty)
        t.markHot(uuid, name: "g", until: 0, block: true)
        #expect(t.hot(monotonic: 50) == [uuid])
        t.observeBlockJobs(uuid, name: "g", [BlockJob(disk: "vda", type: 2, currentBytes: 1, endBytes: 4, bandwidthBytesPerSecond: 0)])
        #expect(t.hot(monotonic: 50) == [uuid])   // a block job runs
        t.observeBlockJobs(uuid, name: "g", [])
        #expect(t.hot(monotonic: 50).isEmpty)
    }
}

/// An incoming migration seen from the destination: the domain existed (paused) while it ran,
/// no job of its own was sampled, and libvirt keeps the incoming migration's record.
struct IncomingMigrationTests {
    let uuid = "3159d23e-5b78-42df-bdb9-d889d3e085b3"

    @Test func theRecordOfAnArrivalIsReadAgainAndDated() throws {
        var t = JobTracker()
        let (outType, outRecord) = try JobFixtures.load("migration-out-completed.txt")
        // The guest left earlier: its outgoing record is the one kept.
        t.observeCompleted(uuid, name: "g", type: outType, params: outRecord, stateReason: 1, running: true, wall: 10)
        #expect(t[uuid]?.last?.operationName == "migration_out")
        #expect(t[uuid]?.initialLoaded == true)
        // It comes back and runs with reason "migrated": the record is wanted again.
        t.arrivedByMigration(uuid, name: "g", wall: 500)
        #expect(t[uuid]?.initialLoaded == false)
        let (inType, inRecord) = try JobFixtures.load("migration-in-completed.txt")
        t.observeCompleted(uuid, name: "g", type: inType, params: inRecord, stateReason: 2, running: true, wall: 501)
        let last = try #require(t[uuid]?.last)
        #expect(last.operationName == "migration_in" && last.outcome == .completed)
        #expect(last.observedAtSeconds == 500)
        #expect(t[uuid]?.arrivedAt == nil)
        // Read again later: the same record is not a new job and keeps its date.
        t.observeCompleted(uuid, name: "g", type: inType, params: inRecord, stateReason: 2, running: true, wall: 900)
        #expect(t[uuid]?.last?.observedAtSeconds == 500)
    }

    @Test func aRecordFoundAtStartUpIsNotDated() throws {
        var t = JobTracker()
        let (inType, inRecord) = try JobFixtures.load("migration-in-completed.txt")
        t.observeCompleted(uuid, name: "g", type: inType, params: inRecord, stateReason: 2, running: true, wall: 100)
        #expect(t[uuid]?.last?.operationName == "migration_in")
        #expect(t[uuid]?.last?.observedAtSeconds == nil)
    }
}
