import Foundation
import HVModel
import Testing

@testable import HVCollect

/// Scan-cost harness (not a timed test): with HV_MAPPER_BENCH=1 it spawns 5,000 extra `sleep`
/// processes, measures full and incremental scans with CLOCK_PROCESS_CPUTIME_ID, prints the
/// figures (also to `.build-mapper/scan-cost.txt`) and kills the sleeps it started.
///
///     HV_MAPPER_BENCH=1 swift test -c release -Xswiftc -enable-testing \
///         --scratch-path .build-mapper-rel --filter MapperScanCost
///
/// "incremental scan" follows a full scan, while the host processes' details (one stat read
/// each, `hostDetailsPerScan` per scan) are still being read; "steady state" is after they all
/// were.
@Suite struct MapperScanCost {
    static var enabled: Bool { ProcessInfo.processInfo.environment["HV_MAPPER_BENCH"] == "1" }

    static func cpuSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func spawnSleeps(_ n: Int) -> [pid_t] {
        var pids: [pid_t] = []
        pids.reserveCapacity(n)
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("900"), nil]
        defer { argv.forEach { free($0) } }
        for _ in 0..<n {
            var pid: pid_t = 0
            if posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environ) == 0 { pids.append(pid) }
        }
        return pids
    }

    static func measure(_ label: String, rounds: Int, _ body: () throws -> MapperScanStats) rethrows -> String {
        var cpu: [Double] = []
        var wall: [Double] = []
        var last = MapperScanStats()
        for _ in 0..<rounds {
            let c0 = cpuSeconds()
            last = try body()
            cpu.append(cpuSeconds() - c0)
            wall.append(last.durationSeconds)
        }
        cpu.sort(); wall.sort()
        let line = String(
            format:
                "%@: processes=%d guest=%d threads=%d classified=%d reused=%d hostStatReads=%d pending=%d nsReads=%d cgroupReads=%d  cpu median %.1f ms (min %.1f)  wall median %.1f ms",
            label, last.processes, last.guestCandidates, last.threads, last.classified, last.reused,
            last.hostDetailsRead, last.hostDetailsPending, last.namespaceReads, last.cgroupReads,
            cpu[cpu.count / 2] * 1000, cpu[0] * 1000, wall[wall.count / 2] * 1000)
        print(line)
        return line
    }

    @Test(.enabled(if: MapperScanCost.enabled, "scan-cost harness: runs with HV_MAPPER_BENCH=1"))
    func fullAndIncrementalScanWith5000ExtraProcesses() throws {
        let sleeps = Self.spawnSleeps(5000)
        defer {
            for p in sleeps { kill(p, SIGKILL) }
            for p in sleeps { var st: Int32 = 0; waitpid(p, &st, 0) }
        }
        #expect(sleeps.count == 5000)
        usleep(500_000)
        var lines: [String] = []
        // Full scan: a fresh mapper each round.
        lines.append(try Self.measure("full scan", rounds: 5) { try GuestMapper(youngProcessSeconds: 0).scan() })
        // Incremental: the same mapper again (only /proc/<pid>/stat of known processes re-read).
        let m = GuestMapper(youngProcessSeconds: 0)
        try m.scan()
        lines.append(try Self.measure("incremental scan", rounds: 9) { try m.scan() })
        // Steady state: every host process's details read.
        for _ in 0..<200 where try m.scan().hostDetailsPending > 0 {}
        lines.append(try Self.measure("incremental scan, steady state", rounds: 9) { try m.scan() })
        // Default settings: processes younger than 30 s are re-checked (the sleeps are young).
        let young = GuestMapper()
        try young.scan()
        lines.append(try Self.measure("incremental, all young (default 30 s)", rounds: 5) { try young.scan() })
        // Full attribution as the collector runs it (lab guests if up).
        let a = GuestMapper(youngProcessSeconds: 0)
        var warm = Snapshot()
        try a.attribute(into: &warm)
        let guests = Lab.state.isPresent ? Lab.snapshotGuests() : []
        for _ in 0..<200 where try a.scan().hostDetailsPending > 0 {}
        lines.append(
            try Self.measure("incremental attribute (collector), steady state", rounds: 9) {
                var s = Snapshot()
                s.guests = guests
                return try a.attribute(into: &s)
            })
        let out = Lab.root + "/.build-mapper/scan-cost.txt"
        try? lines.joined(separator: "\n").write(toFile: out, atomically: true, encoding: .utf8)
    }
}
