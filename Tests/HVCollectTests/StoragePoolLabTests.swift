import Foundation
import HVExpose
import HVModel
import HVRuntime
import LabSupport
import Testing

@testable import HVCollect

/// The pools collector on the lab's libvirtd (qemu:///system) with dir pools made here
/// (`hvp-*` under .lab/jobs/pools): figures equal `virsh pool-info`, volumes lower the
/// available space, a stopped pool turns inactive, a pool whose directory vanished, a
/// pool held by a long refresh times out while the others are served.
@Suite(.serialized, .lab(.root))
struct StoragePoolLabTests {
    static let dir = JobsLab.workDir + "/pools"
    static var pools: [String] { ["hvp-fill", "hvp-stop", "hvp-gone", "hvp-slow"].map(n) }
    /// Pool names carry the test process's tag (other checkouts' runs share libvirtd).
    static func n(_ base: String) -> String { "\(base)-\(JobsLab.tag)" }

    /// A started dir pool `name` under .lab/jobs/pools.
    static func makePool(_ name: String) throws {
        removePool(name)
        let target = dir + "/" + name
        try? FileManager.default.removeItem(atPath: target)
        try JobsLab.mustVirsh("pool-define-as", name, "dir", "--target", target)
        try JobsLab.mustVirsh("pool-build", name)
        try JobsLab.mustVirsh("pool-start", name)
    }

    static func removePool(_ name: String) {
        JobsLab.virsh("pool-destroy", name)
        JobsLab.virsh("pool-undefine", name)
    }

    static func cleanUp() {
        for p in pools { removePool(p) }
        JobsLab.virsh("pool-destroy", Self.n("hvp-transient"))
        // rm: FileManager takes minutes over the hundreds of thousands of files made below.
        _ = JobsLab.run(["rm", "-rf", dir])
    }

    /// `virsh pool-info --bytes` as key -> value.
    static func poolInfo(_ name: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for line in try JobsLab.mustVirsh("pool-info", "--bytes", name).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            out[String(line[..<colon]).trimmingCharacters(in: .whitespaces)] =
                String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        }
        return out
    }

    static func collect(_ c: StoragePoolCollector, timeout: Duration = .seconds(5)) throws -> [String: StoragePool] {
        var s = Snapshot()
        try c.collect(ScrapeContext(libvirtTimeout: timeout), into: &s)
        return Dictionary(s.storagePools.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func poolsAsLibvirtSeesThem() throws {
        let lease = try JobsLab.Lease()
        defer { lease.release() }
        try JobsLab.waitForLibvirtd()
        defer { Self.cleanUp() }
        for p in [Self.n("hvp-fill"), Self.n("hvp-stop")] { try Self.makePool(p) }
        try JobsLab.mustVirsh("pool-autostart", Self.n("hvp-fill"))
        // A transient pool (pool-create-as): not persistent, gone when stopped.
        try? FileManager.default.createDirectory(atPath: Self.dir + "/" + Self.n("hvp-transient"), withIntermediateDirectories: true)
        try JobsLab.mustVirsh("pool-create-as", Self.n("hvp-transient"), "dir", "--target", Self.dir + "/" + Self.n("hvp-transient"))

        let collector = StoragePoolCollector(session: JobsLab.session(), logger: JobsLab.logger)
        var pools = try Self.collect(collector)
        let fill = try #require(pools[Self.n("hvp-fill")])
        let info = try Self.poolInfo(Self.n("hvp-fill"))
        #expect(fill.state == 2 && info["State"] == "running")
        #expect(fill.type == "dir")
        #expect(fill.uuid == info["UUID"])
        #expect(fill.capacityBytes.map(String.init) == info["Capacity"])
        #expect(fill.volumes == 0)
        #expect(fill.autostart == true && fill.persistent == true)
        #expect(fill.targetPath == Self.dir + "/" + Self.n("hvp-fill"))
        #expect(fill.timedOut == false && fill.error == nil)
        let transient = try #require(pools[Self.n("hvp-transient")])
        #expect(transient.persistent == false && transient.autostart == false && transient.state == 2)

        // Fill: two preallocated volumes (fallocate) of 512 MiB.
        let before = try #require(fill.availableBytes)
        let allocatedBefore = try #require(fill.allocationBytes)
        try JobsLab.mustVirsh("vol-create-as", Self.n("hvp-fill"), "v1.raw", "512M", "--allocation", "512M", "--format", "raw")
        try JobsLab.mustVirsh("vol-create-as", Self.n("hvp-fill"), "v2.raw", "512M", "--allocation", "512M", "--format", "raw")
        pools = try Self.collect(collector)
        let filled = try #require(pools[Self.n("hvp-fill")])
        let after = try #require(filled.availableBytes)
        print(
            "pools: hvp-fill available \(before) -> \(after) bytes, allocation \(allocatedBefore) -> \(filled.allocationBytes ?? 0), volumes \(filled.volumes ?? -1)"
        )
        #expect(filled.volumes == 2)
        // libvirt accounts the new volumes at once (other writers on this filesystem may move it a little).
        #expect(before - after >= 1_000 << 20)
        #expect(filled.allocationBytes! - allocatedBefore >= 1_000 << 20)
        #expect(filled.usedRatio! > fill.usedRatio!)
        #expect(String(after) == (try Self.poolInfo(Self.n("hvp-fill")))["Available"])

        // Stop: inactive, no sizes, no volume count, still listed with its flags.
        try JobsLab.mustVirsh("pool-destroy", Self.n("hvp-stop"))
        pools = try Self.collect(collector)
        let stopped = try #require(pools[Self.n("hvp-stop")])
        #expect(stopped.state == 0)
        #expect(stopped.capacityBytes == nil && stopped.availableBytes == nil && stopped.volumes == nil)
        #expect(stopped.persistent == true && stopped.type == "dir")

        // Exposition of the real snapshot passes promtool.
        var s = Snapshot()
        s.collectors = [CollectorStatus(name: "pools", success: true, durationSeconds: 0)]
        try collector.collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
        let text = String(decoding: PrometheusTextWriter.write(SnapshotMetrics.build(s)), as: UTF8.self)
        #expect(text.contains("libvirt_storage_pool_state{pool=\"\(Self.n("hvp-stop"))\"} 0"))
        #expect(text.contains("libvirt_storage_pool_info{pool=\"\(Self.n("hvp-fill"))\",uuid=\"\(fill.uuid!)\",type=\"dir\"} 1"))
        let lint = try Promtool.checkMetrics(text)
        #expect(lint.isClean, "\(lint)")
    }

    /// What libvirt does when a dir pool's directory disappears: nothing until a refresh;
    /// the refresh fails ("cannot open directory") and libvirt stops the pool.
    /// A guest whose disk is a volume of a dir pool (`<disk type='volume'>`: the domain names
    /// the pool and the volume, not a path): the storage collector finds the file through the
    /// pool's target path, as libvirt does, and resolves its stack like a file disk's.
    @Test func volumeDiskResolvesThroughItsPool() throws {
        let lease = try JobsLab.Lease()
        defer { lease.release() }
        let pool = Self.n("hvp-vols")
        let guest = "hv-voldisk-\(JobsLab.tag)"
        try Self.makePool(pool)
        defer {
            JobsLab.virsh("undefine", guest)
            Self.removePool(pool)
            _ = JobsLab.run(["rm", "-rf", Self.dir + "/" + pool])
        }
        try JobsLab.mustVirsh("vol-create-as", pool, "disk.qcow2", "16M", "--format", "qcow2")
        let xml = """
            <domain type='qemu'><name>\(guest)</name><memory unit='MiB'>64</memory>
            <os><type arch='x86_64'>hvm</type></os>
            <devices><disk type='volume' device='disk'><driver name='qemu' type='qcow2'/>
            <source pool='\(pool)' volume='disk.qcow2'/><target dev='vda' bus='virtio'/></disk></devices></domain>
            """
        let file = JobsLab.workDir + "/\(guest).xml"
        try xml.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        try JobsLab.mustVirsh("define", file)

        let session = JobsLab.session()
        let scrape = ScrapeContext(libvirtTimeout: .seconds(10))
        var s = Snapshot()
        try LibvirtCollector(session: session, logger: JobsLab.logger).collect(scrape, into: &s)
        try StoragePoolCollector(session: session, logger: JobsLab.logger).collect(scrape, into: &s)
        try StorageStackCollector(logger: JobsLab.logger).collect(scrape, into: &s)
        let g = try #require(s.guests.first { $0.name == guest })
        #expect(g.blockDevices.first?.diskType == "volume")
        let stack = try #require(s.guestDiskStacks.first { $0.guest == guest && $0.targetDevice == "vda" })
        #expect(stack.error == nil, "\(stack.error ?? "")")
        #expect(stack.source == "\(pool)/disk.qcow2")
        let file0 = try #require(stack.layers.first)
        #expect(file0.kind == .file)
        #expect(file0.detail == "\(Self.dir)/\(pool)/disk.qcow2" && file0.problem == nil, "\(stack.layers)")
        #expect(stack.layers.contains { $0.kind == .filesystem })
    }

    @Test func directoryVanished() throws {
        let lease = try JobsLab.Lease()
        defer { lease.release() }
        try JobsLab.waitForLibvirtd()
        defer { Self.cleanUp() }
        try Self.makePool(Self.n("hvp-gone"))
        try Self.makePool(Self.n("hvp-fill"))
        try FileManager.default.removeItem(atPath: Self.dir + "/" + Self.n("hvp-gone"))

        // No refresh: libvirt still says running, with the old figures.
        var pools = try Self.collect(StoragePoolCollector(session: JobsLab.session(), logger: JobsLab.logger))
        #expect(pools[Self.n("hvp-gone")]?.state == 2)
        #expect(pools[Self.n("hvp-gone")]?.capacityBytes != nil)
        #expect(pools[Self.n("hvp-gone")]?.lastRefreshSucceeded == nil)

        // With --libvirt.pool-refresh-interval: the refresher's thread refreshes every
        // active pool at once, then each at most once per interval.
        let refresher = StoragePoolRefresher(uri: JobsLab.uri, interval: 3600, refreshTimeout: .seconds(30), logger: JobsLab.logger)
        defer { refresher.stop() }
        let collector = StoragePoolCollector(session: JobsLab.session(), refresher: refresher, logger: JobsLab.logger)
        #expect(
            JobsLab.waitUntil(30) {
                refresher.status(pools[Self.n("hvp-gone")]!.uuid!) != nil && refresher.status(pools[Self.n("hvp-fill")]!.uuid!) != nil
            })
        pools = try Self.collect(collector)
        let gone = try #require(pools[Self.n("hvp-gone")])
        print("pools: vanished directory after refresh: state \(gone.state), refresh error: \(gone.refreshError ?? "-")")
        #expect(gone.state == 0)   // libvirt stopped it
        #expect(gone.lastRefreshSucceeded == false)
        #expect(gone.refreshError?.contains("cannot open directory") == true)
        #expect(gone.capacityBytes == nil)
        let fill = try #require(pools[Self.n("hvp-fill")])
        #expect(fill.state == 2 && fill.lastRefreshSucceeded == true && fill.lastRefreshSeconds != nil)
        // Starting it again fails the same way (the directory is not there).
        #expect(JobsLab.virsh("pool-start", Self.n("hvp-gone")).status != 0)
    }

    /// A refresh of a pool with hundreds of thousands of files holds that pool's lock for seconds: its
    /// GetInfo waits, the pool is reported timed out, the other pools are served, and the
    /// scrape ends at its deadline. (libvirt's pool list waits too: the last list is used.)
    @Test func poolHeldByARefreshTimesOutAlone() throws {
        let lease = try JobsLab.Lease()
        defer { lease.release() }
        try JobsLab.waitForLibvirtd()
        defer { Self.cleanUp() }
        try Self.makePool(Self.n("hvp-fill"))
        try Self.makePool(Self.n("hvp-slow"))
        let slowDir = Self.dir + "/" + Self.n("hvp-slow")
        // The refresh must outlast a scrape (0.5 s after its start, 3 s deadline) by far: files
        // are added until one takes >= 6 s (120,000 took 4 s on one machine of this kind and
        // 1.2 s on another). The deadline is twice the daemon's smallest sane one: on a busy
        // two-core CI host the other pool's own connection, lookup and calls once took more
        // than the 0.9 s a 1.5 s deadline leaves after the list's share.
        var files = 0
        var t = Date()
        var refreshSeconds = 0.0
        for _ in 0..<4 where refreshSeconds < 6 {
            let want = files == 0 ? 120_000 : min(2_000_000, Int(Double(files) * 7 / max(refreshSeconds, 0.2)))
            guard want > files else { break }
            let touch = JobsLab.run(["sh", "-c", "cd \"$0\" && seq \"$1\" \"$2\" | xargs touch", slowDir, String(files + 1), String(want)])
            try #require(touch.status == 0, "creating files: \(touch.output)")
            files = want
            t = Date()
            try JobsLab.mustVirsh("pool-refresh", Self.n("hvp-slow"))
            refreshSeconds = Date().timeIntervalSince(t)
            print("pools: refreshing \(files) files took \(refreshSeconds) s")
        }

        let collector = StoragePoolCollector(session: JobsLab.session(), logger: JobsLab.logger)
        t = Date()
        _ = try Self.collect(collector)   // connection, XML cache
        print("pools: first scrape took \(Date().timeIntervalSince(t)) s")
        let refresh = try JobsLab.start(["virsh", "-c", JobsLab.uri, "pool-refresh", Self.n("hvp-slow")], log: Self.dir + "/refresh.log")
        Thread.sleep(forTimeInterval: 0.5)
        let t0 = Date()
        let pools = try Self.collect(collector, timeout: .seconds(3))
        let took = Date().timeIntervalSince(t0)
        let stillRefreshing = refresh.isRunning
        print(
            "pools: scrape during a refresh took \(took) s; hvp-slow timedOut=\(pools[Self.n("hvp-slow")]?.timedOut ?? false), refresh still running: \(stillRefreshing)"
        )
        try #require(stillRefreshing, "the refresh finished too early to test the deadline")
        #expect(pools[Self.n("hvp-slow")]?.timedOut == true)
        #expect(pools[Self.n("hvp-slow")]?.capacityBytes == nil)
        let fill = try #require(pools[Self.n("hvp-fill")])
        #expect(
            fill.timedOut == false && fill.state == 2 && fill.capacityBytes != nil,
            "hvp-fill: \(fill); worker threads \(WorkerPool.shared.threadCount), abandoned calls \(Deadline.abandoned)")
        // libvirt 9.0 makes every NumOfVolumes wait while any pool refreshes: the count is
        // left out for this scrape, the rest is served.
        print(
            "pools: hvp-fill during the refresh: state \(fill.state), volumes \(fill.volumes.map(String.init) ?? "missing"), error: \(fill.error ?? "-")"
        )
        if fill.volumes == nil { #expect(fill.error?.contains("virStoragePoolNumOfVolumes") == true) }
        #expect(took < 4.5)
        refresh.waitUntilExit()
        // Once the refresh is over (and the abandoned call returned) the pool answers again.
        #expect(JobsLab.waitUntil(10, interval: 0.5) { (try? Self.collect(collector))?[Self.n("hvp-slow")]?.timedOut == false })
        #expect((try Self.collect(collector))[Self.n("hvp-slow")]?.volumes == files)
    }
}
