import Foundation
import HVExpose
import HVModel
import HVRuntime
import HVSystem
import LabSupport
import Testing

@testable import HVCollect

/// The jobs collector on real jobs, each on a guest made for the test (`hv-job-*`):
/// a slowed-down `virsh save` (seen running with rising progress, then its completed
/// statistics kept; a second one that starts and ends between two scrapes; a guest whose
/// QEMU is stopped mid-job times out alone), a throttled `virsh blockcopy`, and a live
/// migration to a second libvirtd on this machine (scripts/lab/peer-up.sh).
///
/// Migration, where the figures live: after `--undefinesource` the domain no longer exists
/// on the source. The source's collector keeps the job-completed event's statistics as a
/// departed domain's last job (`Snapshot.departedJobs`, `hv_domain_last_job_*`); the
/// destination daemon keeps its own record (operation migration_in), which a collector on
/// the destination's URI reports. Both are checked.
@Suite(.serialized, .lab(.root))
struct JobsLabTests {
    /// The exporter's libvirt collectors on one session, run in the daemon's order.
    final class Exporter {
        let session: LibvirtSession
        let libvirt: LibvirtCollector
        let jobs: JobsCollector
        let timeout: Duration
        init(uri: String = JobsLab.uri, timeout: Double = 5) {
            session = JobsLab.session(uri)
            self.timeout = .seconds(timeout)
            libvirt = LibvirtCollector(session: session, timeout: .seconds(timeout), logger: JobsLab.logger)
            jobs = JobsCollector(session: session, timeout: .seconds(timeout), sampleInterval: 1, logger: JobsLab.logger)
        }
        func scrape() throws -> Snapshot {
            // One scrape, one libvirt budget for both collectors.
            let scrape = ScrapeContext(libvirtTimeout: timeout)
            var s = Snapshot(timestampSeconds: scrape.timestampSeconds, hostname: "lab")
            try libvirt.collect(scrape, into: &s)
            try jobs.collect(scrape, into: &s)
            return s
        }
        func guest(_ name: String, in s: Snapshot) -> Guest? { s.guests.first { $0.name == name } }
    }

    /// Slows the guest's whole emulator cgroup (main loop and save thread) to 0.5 % of a
    /// CPU: a save of 192 MiB then takes 10-20 s instead of 0.3 s, and the monitor answers
    /// slowly too. Where a test needs a quick monitor, `JobsLab.startSlowSave` is used.
    static func throttle(_ name: String) throws {
        try JobsLab.mustVirsh("schedinfo", name, "--live", "emulator_period=1000000", "emulator_quota=5000")
    }

    @Test func saveSeenRunningThenItsCompletedStatsKept() throws {
        let lease = try JobsLab.Lease()
        defer { lease.release() }
        let g = try JobsLab.makeGuest("hv-job-save-\(JobsLab.tag)")
        defer { JobsLab.removeGuest(g.name, removeFiles: true) }
        // Only QEMU's save thread is slowed (JobsLab.startSlowSave): the monitor answers
        // quickly, so a 2 s deadline is plenty and scrapes come often.
        let exporter = Exporter(timeout: 2)
        var s = try exporter.scrape()
        #expect(exporter.guest(g.name, in: s)?.job == nil)
        #expect(exporter.guest(g.name, in: s)?.lastJob == nil)

        let image = g.dir + "/save1.img"
        let t0 = Date().timeIntervalSince1970
        let save = try JobsLab.startSlowSave(g, to: image, log: g.dir + "/save1.log")
        var samples: [DomainJob] = []
        while save.isRunning && Date().timeIntervalSince1970 - t0 < 180 {
            Thread.sleep(forTimeInterval: 1)
            s = try exporter.scrape()
            if let j = exporter.guest(g.name, in: s)?.job, j.operation == 2 { samples.append(j) }
        }
        save.waitUntilExit()
        try #require(
            save.terminationStatus == 0, "virsh save: \((try? String(contentsOfFile: g.dir + "/save1.log", encoding: .utf8)) ?? "")")
        let t1 = Date().timeIntervalSince1970
        for j in samples {
            print(
                "jobs: save running: elapsed \(j.elapsedSeconds ?? -1) s, processed \(j.dataProcessedBytes ?? 0), remaining \(j.dataRemainingBytes ?? 0), progress \(j.progressRatio ?? -1)"
            )
        }
        // Running, with progress that rises.
        try #require(samples.count >= 2, "saw the save running in \(samples.count) scrapes")
        samples = samples.filter { ($0.dataTotalBytes ?? 0) > 0 }
        try #require(samples.count >= 2, "saw the save's figures in \(samples.count) scrapes")
        #expect(samples.allSatisfy { $0.isActive && $0.dataTotalBytes == samples[0].dataTotalBytes })
        #expect(samples.last!.elapsedSeconds! > samples.first!.elapsedSeconds!)
        #expect(samples.last!.dataProcessedBytes! > samples.first!.dataProcessedBytes!)
        #expect(samples.last!.progressRatio! > samples.first!.progressRatio!)

        // Ended: the guest is shut off, its completed statistics are its last job (libvirt
        // may publish its record a moment after the domain stopped: allow a few seconds).
        _ = JobsLab.waitUntil(8, interval: 1) {
            (try? exporter.scrape()).flatMap { exporter.guest(g.name, in: $0)?.lastJob?.outcome } == .completed
        }
        s = try exporter.scrape()
        let after = try #require(exporter.guest(g.name, in: s))
        #expect(after.state == .shutoff && after.job == nil)
        let last = try #require(after.lastJob)
        print(
            "jobs: save completed: type \(last.type), outcome \(last.outcome?.rawValue ?? "-"), \(last.elapsedSeconds ?? -1) s, downtime \(last.downtimeSeconds ?? -1) s, data \(last.dataTotalBytes ?? 0) bytes, peak progress \(last.peakProgressRatio ?? -1), ended \(last.endedAtSeconds.map { $0 - t0 } ?? -1) s after the start"
        )
        #expect(last.operationName == "save" && last.outcome == .completed && last.type == 3)
        #expect(last.elapsedSeconds! >= samples.last!.elapsedSeconds!)
        #expect(last.endedAtSeconds! > t0 && last.endedAtSeconds! <= t1 + 2)
        #expect(last.peakProgressRatio! >= samples.map { $0.progressRatio! }.max()!)
        #expect(last.dataTotalBytes == samples[0].dataTotalBytes)
        let text = String(decoding: PrometheusTextWriter.write(SnapshotMetrics.build(s)), as: UTF8.self)
        #expect(text.contains("hv_domain_last_job_info{domain=\"\(g.name)\",operation=\"save\",outcome=\"completed\"} 1"))
        let lint = try Promtool.checkMetrics(text)
        #expect(lint.isClean, "\(lint)")

        // A second save that starts and ends between two scrapes: events and the 1 s
        // sampler still catch it (a suspended event starts the sampling).
        try Self.restore(image, in: g)
        Thread.sleep(forTimeInterval: 2)
        _ = try exporter.scrape()
        let t2 = Date().timeIntervalSince1970
        let save2 = try JobsLab.startSlowSave(g, to: g.dir + "/save2.img", log: g.dir + "/save2.log")
        save2.waitUntilExit()
        try #require(
            save2.terminationStatus == 0, "virsh save: \((try? String(contentsOfFile: g.dir + "/save2.log", encoding: .utf8)) ?? "")")
        // Its completed record may come a moment after virsh returns: wait (bounded) for a
        // last job other than the first save's.
        _ = Poll.until(timeout: .seconds(15), every: .milliseconds(500)) {
            guard let next = try? exporter.scrape() else { return false }
            s = next
            return exporter.guest(g.name, in: s)?.lastJob.map { $0.endedAtSeconds != last.endedAtSeconds } == true
        }
        let second = try #require(exporter.guest(g.name, in: s)?.lastJob)
        let sampled = exporter.jobs.state.withLock { $0.tracker[g.uuid]?.samples ?? 0 }
        print(
            "jobs: save between scrapes: \(second.elapsedSeconds ?? -1) s, ended \(second.endedAtSeconds.map { $0 - t2 } ?? -1) s after its start, \(sampled) background samples, peak \(second.peakProgressRatio ?? -1)"
        )
        #expect(second.operationName == "save" && second.outcome == .completed)
        #expect(second.endedAtSeconds! > t2)
        #expect(second.endedAtSeconds! != last.endedAtSeconds!)
        #expect(sampled >= 2)
        try Self.restore(g.dir + "/save2.img", in: g)
    }

    /// Restores a saved guest without the throttle: the image keeps the live XML, whose
    /// <cputune> would give the restored QEMU 0.5 % of a CPU to load its memory.
    static func restore(_ image: String, in g: JobsLab.TestGuest) throws {
        let xml = try JobsLab.mustVirsh("save-image-dumpxml", image)
        let clean = xml.replacingOccurrences(of: "<cputune>[\\s\\S]*?</cputune>", with: "", options: .regularExpression)
        try clean.write(toFile: g.dir + "/restore.xml", atomically: true, encoding: .utf8)
        try JobsLab.mustVirsh("restore", image, "--xml", g.dir + "/restore.xml")
    }

    /// A domain whose QEMU is stopped (SIGSTOP) in the middle of a save: asking for its job
    /// waits on the QEMU monitor. That domain is reported timed out, the other guests are
    /// served, and the scrape ends at its deadline; when QEMU runs again it is asked again.
    @Test func domainWithAStoppedQEMUTimesOutAlone() throws {
        let lease = try JobsLab.Lease()
        defer { lease.release() }
        let g = try JobsLab.makeGuest("hv-job-stuck-\(JobsLab.tag)")
        defer { JobsLab.removeGuest(g.name, removeFiles: true) }
        try Self.throttle(g.name)
        let save = try JobsLab.start(["virsh", "-c", JobsLab.uri, "save", g.name, g.dir + "/save.img"], log: g.dir + "/save.log")
        defer { save.waitUntilExit() }
        let running = JobsLab.waitUntil(30, interval: 0.3) {
            JobsLab.virsh("domjobinfo", g.name, seconds: 10).output.contains("Unbounded")
        }
        try #require(running, "the save did not start")
        let pid = try #require(JobsLab.qemuPID(g.name))
        // The jobs collector alone, on the running domains as the libvirt collector lists
        // them (that collector has its own deadline and its own handling of such a domain).
        // A 3 s deadline (the daemon's default is 5 s): with 1.5 s a healthy domain asked last
        // on a fresh connection timed out beside the stopped one about once in six runs on a
        // busy two-core host.
        let jobs = JobsCollector(session: JobsLab.session(), timeout: .seconds(3), logger: JobsLab.logger)
        func scrape() throws -> Snapshot {
            var s = Snapshot()
            s.libvirt = LibvirtStatus(uri: JobsLab.uri, up: true)
            for line in JobsLab.virsh("list", "--uuid", "--name").output.split(separator: "\n") {
                let parts = line.split(separator: " ", maxSplits: 1)
                guard parts.count == 2 else { continue }
                s.guests.append(
                    Guest(name: String(parts[1]), uuid: String(parts[0]).lowercased(), kind: .vm, driver: "qemu", state: .running))
            }
            try jobs.collect(ScrapeContext(libvirtTimeout: .seconds(3)), into: &s)
            return s
        }
        _ = try scrape()
        kill(pid, SIGSTOP)
        // The background sampler (the save is a running job) is the first to wait on the
        // stopped QEMU; past its deadline it retires that connection. The scrape then asks
        // the other domains on a fresh one, and last the domains whose calls are still out on
        // the retired one (a healthy domain's call may only be queued behind the stuck one
        // there): the stopped one does not answer by the deadline and is timed out alone.
        Thread.sleep(forTimeInterval: 4.5)
        let t = Date()
        let s = try? scrape()
        let took = Date().timeIntervalSince(t)
        kill(pid, SIGCONT)
        let snapshot = try #require(s)
        let others = snapshot.guests.filter { $0.name != g.name }
        print(
            "jobs: scrape with \(g.name)'s QEMU stopped took \(took) s; timed out: \(snapshot.guests.filter(\.timedOut).map(\.name)); served: \(others.filter { !$0.timedOut }.map(\.name))"
        )
        #expect(snapshot.guests.first { $0.name == g.name }?.timedOut == true)
        #expect(
            !others.isEmpty && others.allSatisfy { !$0.timedOut },
            "timed out: \(others.filter(\.timedOut).map(\.name)); worker threads \(WorkerPool.shared.threadCount), abandoned calls \(Deadline.abandoned)"
        )
        #expect(took < 4.5)
        // Once QEMU runs again the call returns and the domain is asked again.
        #expect(
            JobsLab.waitUntil(20, interval: 1) {
                (try? scrape()).flatMap { $0.guests.first { $0.name == g.name }?.timedOut } == false
            })
    }

    @Test func throttledBlockCopyProgressRises() throws {
        let lease = try JobsLab.Lease()
        defer { lease.release() }
        let g = try JobsLab.makeGuest("hv-job-copy-\(JobsLab.tag)")
        defer {
            JobsLab.virsh("blockjob", g.name, "vda", "--abort")
            JobsLab.removeGuest(g.name, removeFiles: true)
        }
        let exporter = Exporter()
        _ = try exporter.scrape()
        // 4 MiB/s: QEMU's mirror copies 16 MiB chunks, one every ~4 s here.
        try JobsLab.mustVirsh(
            "blockcopy", g.name, "vda", g.dir + "/copy.qcow2", "--format", "qcow2",
            "--bandwidth", "4", "--transient-job")
        var seen: [BlockJob] = []
        let t0 = Date()
        while Date().timeIntervalSince(t0) < 30 {
            Thread.sleep(forTimeInterval: 1)
            let s = try exporter.scrape()
            if let b = exporter.guest(g.name, in: s)?.blockJobs.first(where: { $0.disk == "vda" }) { seen.append(b) }
            if Set(seen.map(\.currentBytes)).count >= 3 { break }
        }
        for b in seen {
            print(
                "jobs: blockcopy \(b.typeName) \(b.disk): \(b.currentBytes)/\(b.endBytes) bytes, limit \(b.bandwidthBytesPerSecond) B/s, progress \(b.progressRatio ?? -1)"
            )
        }
        try #require(!seen.isEmpty, "no block job seen")
        #expect(seen.allSatisfy { $0.type == 2 && $0.typeName == "copy" && $0.bandwidthBytesPerSecond == 4 << 20 && $0.endBytes > 0 })
        let currents = seen.map(\.currentBytes)
        #expect(Set(currents).count >= 2)
        #expect(currents == currents.sorted())   // never goes back
        #expect(seen.last!.progressRatio! > seen.first!.progressRatio!)
        let text = String(decoding: PrometheusTextWriter.write(SnapshotMetrics.build(try exporter.scrape())), as: UTF8.self)
        #expect(text.contains("libvirt_domain_block_job_current_bytes{domain=\"\(g.name)\",target_device=\"vda\",type=\"copy\"}"))

        // Abort: the block job is gone at the next scrape.
        try JobsLab.mustVirsh("blockjob", g.name, "vda", "--abort")
        #expect(
            JobsLab.waitUntil(10, interval: 1) {
                (try? exporter.scrape()).flatMap { exporter.guest(g.name, in: $0)?.blockJobs.isEmpty } == true
            })
    }

    @Test func liveMigrationToASecondDaemon() throws {
        let lease = try JobsLab.Lease()
        defer { lease.release() }
        try JobsLab.waitForLibvirtd()
        // The peer is left as it was found: other suites (MigrationLabTests) use a running one.
        let peerWasUp = JobsLab.run(["timeout", "15", "virsh", "-q", "-c", JobsLab.peerURI, "version"]).status == 0
        // Output to a file, not a pipe: nothing the script starts may hold the test up.
        let upLog = JobsLab.workDir + "/peer-up.log"
        try FileManager.default.createDirectory(atPath: JobsLab.workDir, withIntermediateDirectories: true)
        let up = try JobsLab.start(["timeout", "120", JobsLab.root + "/scripts/lab/peer-up.sh"], log: upLog)
        up.waitUntilExit()
        try #require(
            up.terminationStatus == 0, "scripts/lab/peer-up.sh failed: \((try? String(contentsOfFile: upLog, encoding: .utf8)) ?? "")")
        defer {
            if !peerWasUp,
                let down = try? JobsLab.start(
                    ["timeout", "120", JobsLab.root + "/scripts/lab/peer-down.sh"], log: JobsLab.workDir + "/peer-down.log")
            {
                down.waitUntilExit()
            }
        }
        let g = try JobsLab.makeGuest("hv-job-mig-\(JobsLab.tag)")
        defer { JobsLab.removeGuest(g.name, removeFiles: true) }

        let source = Exporter()
        var s = try source.scrape()
        #expect(source.guest(g.name, in: s)?.state == .running)
        // A collector on the peer daemon watches the whole migration: it sees the incoming
        // domain (paused) while the migration runs, before libvirt has its record.
        let watching = Exporter(uri: JobsLab.peerURI)
        _ = try watching.scrape()
        var sawIncoming = false
        let migrate = try JobsLab.start(
            [
                "virsh", "-c", JobsLab.uri, "migrate", "--live", "--persistent", "--undefinesource",
                "--unsafe", "--bandwidth", "8", g.name, JobsLab.peerURI,
                "--migrateuri", "tcp://10.98.0.2",
            ], log: g.dir + "/migrate.log")
        let t0 = Date().timeIntervalSince1970
        var samples: [DomainJob] = []
        while migrate.isRunning && Date().timeIntervalSince1970 - t0 < 180 {
            Thread.sleep(forTimeInterval: 1)
            s = try source.scrape()
            if let j = source.guest(g.name, in: s)?.job, j.operation == 5 { samples.append(j) }
            if migrate.isRunning, watching.guest(g.name, in: try watching.scrape()) != nil { sawIncoming = true }
        }
        migrate.waitUntilExit()
        let log = (try? String(contentsOfFile: g.dir + "/migrate.log", encoding: .utf8)) ?? ""
        try #require(migrate.terminationStatus == 0, "virsh migrate failed: \(log)")
        let took = Date().timeIntervalSince1970 - t0
        for j in samples {
            print(
                "jobs: migration running: elapsed \(j.elapsedSeconds ?? -1) s, processed \(j.dataProcessedBytes ?? 0)/\(j.dataTotalBytes ?? 0), remaining \(j.dataRemainingBytes ?? 0), \(j.memoryBandwidthBytesPerSecond ?? 0) B/s, iteration \(j.memoryIteration ?? 0), progress \(j.progressRatio ?? -1)"
            )
        }
        // Progress rises while it runs.
        try #require(samples.count >= 3, "saw the migration running in \(samples.count) scrapes (it took \(took) s)")
        // The first sample may come before QEMU started sending (all figures 0).
        samples = samples.filter { ($0.dataTotalBytes ?? 0) > 0 }
        try #require(samples.count >= 3)
        #expect(samples.allSatisfy { $0.isActive && $0.operationName == "migration_out" })
        #expect(samples.last!.elapsedSeconds! > samples.first!.elapsedSeconds!)
        #expect(samples.last!.dataProcessedBytes! > samples.first!.dataProcessedBytes!)
        #expect(samples.last!.memoryProcessedBytes! > samples.first!.memoryProcessedBytes!)
        #expect(samples.last!.progressRatio! > samples.first!.progressRatio!)
        #expect(samples.contains { ($0.memoryBandwidthBytesPerSecond ?? 0) > 0 })
        #expect(samples.allSatisfy { ($0.memoryIteration ?? 0) >= 1 })

        // Source: the domain is gone, its migration is kept as a departed domain's last job
        // (waited for, bounded: the undefine may come a moment after virsh returns).
        _ = Poll.until(timeout: .seconds(15), every: .milliseconds(500)) {
            guard let next = try? source.scrape() else { return false }
            s = next
            return source.guest(g.name, in: s) == nil && s.departedJobs.contains { $0.uuid == g.uuid }
        }
        #expect(source.guest(g.name, in: s) == nil)
        let departed = try #require(s.departedJobs.first { $0.uuid == g.uuid })
        let out = departed.job
        print(
            "jobs: source kept: \(out.operationName) \(out.outcome?.rawValue ?? "-"), \(out.elapsedSeconds ?? -1) s, downtime \(out.downtimeSeconds ?? -1) s, data \(out.dataTotalBytes ?? 0) bytes, iterations \(out.memoryIteration ?? 0), peak \(out.peakProgressRatio ?? -1); virsh migrate took \(took) s"
        )
        #expect(out.operationName == "migration_out" && out.outcome == .completed)
        #expect(out.elapsedSeconds! >= samples.last!.elapsedSeconds!)
        #expect(out.downtimeSeconds! < 5)
        #expect(out.dataTotalBytes == samples.last!.dataTotalBytes)
        #expect(out.endedAtSeconds! > t0)
        let text = String(decoding: PrometheusTextWriter.write(SnapshotMetrics.build(s)), as: UTF8.self)
        #expect(text.contains("hv_domain_last_job_info{domain=\"\(g.name)\",operation=\"migration_out\",outcome=\"completed\"} 1"))
        #expect(!text.contains("libvirt_domain_job_type{domain=\"\(g.name)\"}"))
        let lint = try Promtool.checkMetrics(text)
        #expect(lint.isClean, "\(lint)")

        // The watching collector records the arrival: the incoming migration's record, read
        // again once the guest runs with reason "migrated", dated by that scrape.
        let tArrived = Date().timeIntervalSince1970
        let w = try watching.scrape()
        let arrived = try #require(watching.guest(g.name, in: w)?.lastJob, "no record of the arrival on the watching collector")
        print("jobs: watching destination: saw the incoming domain during the migration: \(sawIncoming); record \(arrived.operationName)")
        #expect(arrived.operationName == "migration_in" && arrived.outcome == .completed)
        #expect((arrived.observedAtSeconds ?? 0) >= t0 && (arrived.observedAtSeconds ?? .infinity) <= tArrived + 5)

        // Destination: a collector on the peer daemon finds the guest running and the
        // incoming side's completed record (read at its first look).
        let destination = Exporter(uri: JobsLab.peerURI)
        let d = try destination.scrape()
        let moved = try #require(destination.guest(g.name, in: d))
        #expect(moved.state == .running && moved.uuid == g.uuid && moved.persistent == true)
        let incoming = try #require(moved.lastJob)
        print(
            "jobs: destination record: \(incoming.operationName) \(incoming.outcome?.rawValue ?? "-"), \(incoming.elapsedSeconds ?? -1) s, downtime \(incoming.downtimeSeconds ?? -1) s, data \(incoming.dataTotalBytes ?? 0) bytes"
        )
        #expect(incoming.operationName == "migration_in" && incoming.outcome == .completed)
        #expect(incoming.dataTotalBytes == out.dataTotalBytes)
        #expect(incoming.elapsedSeconds! > 1)

        // The guest mapper of this host still attributes the migrated guest's QEMU (started by
        // the peer daemon, in its namespaces and cgroup placement) and every thread of it, by
        // the -uuid of its cmdline, with the source's guest list that no longer holds it.
        let proc = ProcFS()
        let qemu = try #require(
            try proc.pids().first { pid in
                (try? proc.stat(pid))?.comm.hasPrefix("qemu-system") == true && (try? proc.cmdline(pid))?.qemuUUID == g.uuid
            }, "no qemu process with -uuid \(g.uuid) after the migration")
        var mapped = Snapshot()
        mapped.guests = s.guests
        try GuestMapper().attribute(into: &mapped)
        let tids = try proc.tids(qemu)
        #expect(!tids.isEmpty)
        for tid in tids {
            let e = try #require(mapped.processes.first { $0.tid == tid }, "tid \(tid) of the migrated qemu missing")
            #expect(e.guestKey == g.uuid, "tid \(tid) (\(e.comm)) of the migrated guest -> \(e.guestKey ?? "host")")
        }
        #expect(mapped.processes.contains { $0.pid == qemu && $0.role == ThreadRole.vcpu })
        #expect(mapped.guests.contains { $0.uuid == g.uuid && $0.name == g.name })
    }
}
