import Testing

@testable import HVFormats

@Suite struct ZpoolFormatsTests {
    func status(_ file: String) throws -> ZpoolStatus { try ZpoolStatus.parse(FormatsFixture.bytes("zpool-status/\(file)")) }

    @Test func degradedMirrorWithAnUnavailMemberAndChecksumErrors() throws {
        let s = try status("danjl1100-07-unavail.txt")
        let p = try #require(s.pools.first)
        #expect(s.pools.count == 1 && s.malformed.isEmpty)
        #expect(p.name == "mypool" && p.state == "DEGRADED")
        #expect(p.status?.hasPrefix("One or more devices could not be used") == true)
        #expect(p.status?.contains("functioning in a degraded state.") == true)
        #expect(
            p.vdevs.map(\.name) == [
                "mypool", "mirror-0", "12345678901234567890", "ata-ST8000VN004-xxxxxx_redacted-part1", "ata-ST8000VN004-xxxxxx_redacted",
            ])
        #expect(p.vdevs.map(\.depth) == [0, 1, 2, 2, 2])
        let bad = p.vdevs[2]
        #expect(bad.state == "UNAVAIL" && bad.checksumErrors == 100_980 && bad.readErrors == 0)
        #expect(bad.note == "was /dev/disk/by-id/ata-ST8000DM004-xxxxxx_redacted-part1")
        let scan = try #require(p.scan)
        #expect(scan.kind == .scrub && scan.state == .finished && scan.errors == 0 && scan.repairedBytes == 0)
        #expect(scan.durationSeconds == 8 * 3600 + 37 * 60 + 48)
        #expect(scan.endDate == ZpoolDate(year: 2024, month: 11, day: 3, hour: 15, minute: 24, second: 53))
        #expect(p.dataErrors == 0)
    }

    @Test func removedAndCorruptedMembers() throws {
        let removed = try #require(try status("danjl1100-06-removed.txt").pools.first)
        #expect(removed.vdevs.first { $0.name == "drive0-part1" }?.state == "REMOVED")
        let corrupted = try #require(try status("danjl1100-01-corrupted.txt").pools.first)
        #expect(corrupted.state == "DEGRADED")
        #expect(corrupted.vdevs.first { $0.name == "loop3" }?.note == "corrupted data")
        #expect(corrupted.vdevs.filter { $0.depth == 1 }.map(\.name) == ["mirror-0", "mirror-1"])
        #expect(corrupted.dataErrors == nil)   // that output ends before the errors: line
        let noScan = try #require(try status("danjl1100-11-degraded-no-scan.txt").pools.first)
        #expect(noScan.scan == nil && noScan.state == "DEGRADED")
    }

    @Test func scrubFinishedWithErrorsAndDataErrors() throws {
        let p = try #require(try status("danjl1100-02-online-data-corruption.txt").pools.first)
        #expect(p.state == "ONLINE")
        #expect(p.scan?.errors == 1 && p.scan?.state == .finished)
        #expect(p.scan?.durationSeconds == 14 * 3600 + 7 * 60)
        #expect(p.dataErrors == 1)
        #expect(p.errors == "1 data errors, use '-v' for a list")
    }

    @Test func scrubInProgressCanceledAndNeverRun() throws {
        let running = try #require(try status("danjl1100-04-scrub-progress.txt").pools.first?.scan)
        #expect(running.kind == .scrub && running.state == .running && running.percentDone == 0)
        #expect(running.startDate == ZpoolDate(year: 2024, month: 2, day: 11, hour: 11, minute: 54, second: 20))
        let canceled = try #require(try status("danjl1100-09-scrub-cancel.txt").pools.first?.scan)
        #expect(canceled.state == .canceled && canceled.endDate?.year == 2026)
        let fresh = try #require(try status("danjl1100-10-new-pool.txt").pools.first)
        #expect(fresh.scan == nil && fresh.vdevs.count == 4)
        let resilvered = try #require(try status("danjl1100-03-resilvered.txt").pools.first?.scan)
        #expect(resilvered.kind == .resilver && resilvered.state == .finished && resilvered.repairedBytes == 21 * 1024)
    }

    @Test func twoPoolsInOneOutput() throws {
        let s = try status("danjl1100-05-features.txt")
        #expect(s.pools.map(\.name) == ["rpool", "wilbur"])
        #expect(s.pools.allSatisfy { $0.state == "ONLINE" && $0.dataErrors == 0 && $0.vdevs.count == 4 })
    }

    @Test func resilverInProgressWithSparesAndReplacing() throws {
        let spare = try #require(try status("openzfs-docs-draid-resilvering-spare.txt").pools.first)
        #expect(spare.state == "DEGRADED")
        let scan = try #require(spare.scan)
        #expect(scan.kind == .resilver && scan.state == .running && scan.percentDone == 57.17)
        #expect(scan.remainingSeconds == 3 * 60 + 21)
        #expect(spare.vdevs.first { $0.name == "sdg" }?.state == "UNAVAIL")
        #expect(spare.vdevs.first { $0.name == "sda" }?.note == "(resilvering)")
        let inUse = try #require(spare.vdevs.last)
        #expect(inUse.section == "spares" && inUse.state == "INUSE" && inUse.readErrors == nil && inUse.note == "currently in use")
        let replacing = try #require(try status("openzfs-docs-draid-resilvering-replacing.txt").pools.first)
        #expect(replacing.scan?.percentDone == 99.44)
        let r = try #require(replacing.vdevs.first { $0.name == "replacing-0" })
        #expect(r.state == "DEGRADED" && r.depth == 3)
        #expect(replacing.vdevs.first { $0.name == "sdl" }?.depth == 4)
        let online = try #require(try status("openzfs-docs-draid-online.txt").pools.first)
        #expect(online.vdevs.last?.state == "AVAIL" && online.vdevs.last?.section == "spares")
    }

    @Test func legacyScrubKeyFormats() throws {
        let cksum = try #require(try status("openzfs-docs-ZFS-8000-9P-legacy-cksum.txt").pools.first)
        #expect(cksum.scan?.state == ZpoolScan.State.none)
        #expect(cksum.vdevs.first { $0.name == "sda" }?.checksumErrors == 2)
        let resilver = try #require(try status("openzfs-docs-ZFS-8000-9P-legacy-resilver.txt").pools.first)
        #expect(resilver.scan?.kind == .resilver && resilver.scan?.state == .running && resilver.scan?.percentDone == 0.14)
        #expect(resilver.vdevs.first { $0.name == "sdc" }?.note == "58.5K resilvered")
    }

    @Test func everyStateWordAndAnUnknownOne() throws {
        let p = try #require(try status("danjl1100-integration-all-states.txt").pools.first)
        #expect(p.vdevs.count == 10)
        #expect(p.vdevs.map { $0.state ?? "" }.contains("NOTSURE?"))
        #expect(p.vdevs.first { $0.name == "mirror-2" }?.state == "SUSPENDED")
        #expect(p.vdevs.first { $0.name == "ata-6666666666666666666666666666-part1" }?.checksumErrors == 29)
        #expect(p.vdevs[0].writeErrors == 10 && p.vdevs[0].checksumErrors == 20)
    }

    @Test func noPoolsAndGarbage() throws {
        #expect(try ZpoolStatus.parse(Array("no pools available\n".utf8)).pools.isEmpty)
        #expect(throws: StorageToolFormatError.self) { try ZpoolStatus.parse(Array("The ZFS modules are not loaded.\n".utf8)) }
        let s = try ZpoolStatus.parse(Array("  pool: a\nconfig:\n\n  pool: b\n state: ONLINE\n".utf8))
        #expect(s.pools.map(\.name) == ["b"] && s.malformed == ["pool a: no state line"])
    }

    @Test func zpoolListHumanAndParsable() throws {
        let l = ZpoolList.parse(FormatsFixture.bytes("zpool-list/openzfs-man-zpool-list-example1.txt"))
        #expect(l.malformed.isEmpty)
        #expect(l.pools.map(\.name) == ["rpool", "tank", "zion"])
        let rpool = l.pools[0]
        #expect(rpool.sizeBytes == UInt64((19.9 * 1_073_741_824).rounded()))
        #expect(rpool.fragmentationPercent == 33 && rpool.health == "ONLINE")
        #expect(l.pools[2].sizeBytes == nil && l.pools[2].fragmentationPercent == nil && l.pools[2].health == "FAULTED")
        let exact = ZpoolList.parse(Array("tank\t1000\t400\t600\t12\tDEGRADED\nshort\t1\n".utf8))
        #expect(
            exact.pools.first
                == {
                    var e = ZpoolListEntry(name: "tank")
                    e.sizeBytes = 1000
                    e.allocatedBytes = 400
                    e.freeBytes = 600
                    e.fragmentationPercent = 12
                    e.health = "DEGRADED"
                    return e
                }())
        #expect(exact.malformed.count == 1)
    }

    @Test func kstatState() throws {
        #expect(try ZFSKstatState.parse(FormatsFixture.bytes("zfs-kstat/node-exporter-pool1-state")) == "ONLINE")
        #expect(try ZFSKstatState.parse(FormatsFixture.bytes("zfs-kstat/node-exporter-pool2-state")) == "SUSPENDED")
        #expect(throws: StorageToolFormatError.self) { try ZFSKstatState.parse([]) }
    }

    @Test func fuzzedInputNeverTraps() {
        let seeds = FormatsFixture.files(in: "zpool-status").map(FormatsFixture.bytes)
        let alphabet = Array(" \t\n0123456789:.%-/()poolstatescanconfigerrorsNAMESTATEREADONLINEDEGRADEDKMGT".utf8) + [0, 0xFF]
        for input in fuzzInputs(from: seeds, alphabet: alphabet) {
            do {
                let s = try ZpoolStatus.parse(input)
                for p in s.pools {
                    #expect(!p.state.isEmpty)
                    for v in p.vdevs { #expect(v.depth >= 0) }
                    if let pct = p.scan?.percentDone { #expect(pct >= 0) }
                }
            } catch {
                #expect(error.message.hasPrefix("zpool status"))
            }
        }
        let lists = FormatsFixture.files(in: "zpool-list").map(FormatsFixture.bytes)
        for input in fuzzInputs(from: lists, alphabet: Array(" \t\n0123456789.%-KMGTNAME".utf8) + [0xFF], count: 1000) {
            for p in ZpoolList.parse(input).pools { #expect(!p.name.isEmpty) }
        }
        for input in fuzzInputs(
            from: FormatsFixture.files(in: "zfs-kstat").map(FormatsFixture.bytes), alphabet: Array("ONLINE \n".utf8), count: 500)
        {
            if let s = try? ZFSKstatState.parse(input) { #expect(!s.isEmpty) }
        }
    }
}
