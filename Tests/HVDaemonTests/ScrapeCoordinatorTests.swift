import Foundation
import HVCollect
import HVHTTP
import HVModel
import HVRuntime
import Logging
import Synchronization
import Testing

@testable import HVDaemon
@testable import HVScrape

/// A collector that counts its runs and takes a while, to observe single flight.
final class SlowCollector: Collector, Sendable {
    let name = "slow"
    let runs = Atomic<Int>(0)
    let delay: Double
    init(delay: Double) { self.delay = delay }
    func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws {
        runs.add(1, ordering: .relaxed)
        Thread.sleep(forTimeInterval: delay)
        snapshot.guests.append(
            Guest(name: "g\(runs.load(ordering: .relaxed))", uuid: nil, kind: .container, driver: "lxc-tools", state: .running))
    }
}

struct FailingCollector: Collector {
    let name = "broken"
    func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws { throw CollectError("cannot read /nowhere: ENOENT") }
}

struct ScrapeCoordinatorTests {
    let logger = Logger(label: "test")

    @Test func concurrentScrapesShareOneCollection() {
        let slow = SlowCollector(delay: 0.3)
        let c = ScrapeCoordinator(collectors: [slow], logger: logger)
        // Real threads, as the HTTP server runs one per connection.
        let results = Mutex<[String]>([])
        let group = DispatchGroup()
        for _ in 0..<50 {
            group.enter()
            Thread.detachNewThread {
                let n = c.snapshot().guests.first?.name ?? ""
                results.withLock { $0.append(n) }
                group.leave()
            }
        }
        group.wait()
        let names = results.withLock { $0 }
        #expect(names.count == 50)
        // 50 requests arriving together: one collection, or two if some arrived just after it ended.
        #expect(slow.runs.load(ordering: .relaxed) <= 2)
        #expect(Set(names).count <= 2)
    }

    @Test func failingCollectorIsRecordedAndOthersStillRun() {
        let c = ScrapeCoordinator(collectors: [FailingCollector(), SlowCollector(delay: 0)], logger: logger)
        let s = c.snapshot()
        #expect(s.collectors.map(\CollectorStatus.name) == ["broken", "slow"])
        #expect(s.collectors[0].success == false)
        #expect(s.collectors[0].error?.contains("ENOENT") == true)
        #expect(s.collectors[1].success)
        #expect(s.guests.count == 1)
        let text = String(
            decoding: Routes(coordinator: c, version: "t").handle(
                HTTPRequest(method: "GET", path: "/metrics", query: [], headers: [], remoteAddress: "")
            ).body, as: UTF8.self)
        #expect(text.contains("hv_scrape_collector_success{collector=\"broken\"} 0"))
        #expect(text.contains("hv_scrape_collector_success{collector=\"slow\"} 1"))
    }

    @Test func routes() throws {
        let c = ScrapeCoordinator(collectors: [SlowCollector(delay: 0)], logger: logger)
        let r = Routes(coordinator: c, telemetryPath: "/m", version: "t")
        func get(_ path: String, _ query: [HTTPField] = []) -> HTTPResponse {
            r.handle(HTTPRequest(method: "GET", path: path, query: query, headers: [], remoteAddress: ""))
        }
        #expect(get("/m").status == 200)
        #expect(get("/m").header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(get("/metrics").status == 404)
        #expect(get("/json").header("Content-Type") == "application/json")
        #expect(String(decoding: get("/").body, as: UTF8.self).contains("href=\"/m\""))
        #expect(get("/-/healthy").status == 200)
        #expect(get("/json", [HTTPField("pid", "abc")]).status == 400)
        #expect(get("/json", [HTTPField("pid", "999999999")]).status == 404)
    }

    @Test func pidLookupNamesTheGuest() throws {
        struct Mapped: Collector {
            let name = "mapped"
            func collect(_ scrape: ScrapeContext, into s: inout Snapshot) throws {
                s.guests.append(Guest(name: "vm1", uuid: "u-1", kind: .vm, driver: "qemu", state: .running))
                s.processes = [
                    ProcessEntry(
                        pid: 100, tid: 100, comm: "qemu-system-x86", role: "main", guestKey: "u-1", cpuSeconds: 1, rssBytes: 1,
                        evidence: "pidfile"),
                    ProcessEntry(
                        pid: 100, tid: 102, comm: "CPU 0/TCG", role: "vcpu", vcpu: 0, guestKey: "u-1", cpuSeconds: 1, rssBytes: 1,
                        evidence: "pidfile"),
                ]
            }
        }
        let r = Routes(coordinator: ScrapeCoordinator(collectors: [Mapped()], logger: logger), version: "t")
        let resp = r.handle(HTTPRequest(method: "GET", path: "/json", query: [HTTPField("pid", "102")], headers: [], remoteAddress: ""))
        #expect(resp.status == 200)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(resp.body)) as? [String: Any])
        #expect((obj["guest"] as? [String: Any])?["name"] as? String == "vm1")
        let entries = try #require(obj["entries"] as? [[String: Any]])
        #expect(entries.contains { $0["role"] as? String == "vcpu" && $0["vcpu"] as? Int == 0 })
    }
}

struct FlagParsingTests {
    @Test(arguments: [("5s", 5.0), ("1500ms", 1.5), ("1m30s", 90.0), ("2.5", 2.5), ("1h", 3600.0)])
    func durations(text: String, seconds: Double) {
        #expect(parseDuration(text) == seconds)
    }

    @Test(arguments: ["", "5x", "s", "-1", "1m30"])
    func badDurations(text: String) {
        #expect(parseDuration(text) == nil)
    }

    @Test func collectorFlagsToggleTheDefaults() throws {
        let (enabled, rest) = try CollectorCatalog.extractFlags(["--no-collector.libvirt", "--log.level=debug"])
        #expect(!enabled.contains("libvirt"))
        #expect(rest == ["--log.level=debug"])
        #expect(throws: CollectorFlagError.self) { try CollectorCatalog.extractFlags(["--collector.nope"]) }
    }
}

/// A collector that records when its preparation and collection ran.
final class PreparingCollector: Collector, Sendable {
    let name = "preparing"
    var prepares: Bool { true }
    let events = Mutex<[(String, Double)]>([])
    func prepare() {
        events.withLock { $0.append(("prepare-start", Date().timeIntervalSince1970)) }
        Thread.sleep(forTimeInterval: 0.2)
        events.withLock { $0.append(("prepare-end", Date().timeIntervalSince1970)) }
    }
    func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws {
        events.withLock { $0.append(("collect", Date().timeIntervalSince1970)) }
    }
}

struct PreparationTests {
    @Test func laterCollectorsPrepareWhileTheFirstRuns() {
        let first = SlowCollector(delay: 0.3)
        let later = PreparingCollector()
        let c = ScrapeCoordinator(collectors: [first, later], logger: Logger(label: "test"))
        let t0 = Date().timeIntervalSince1970
        let s = c.collectNow()
        let took = Date().timeIntervalSince1970 - t0
        let ev = later.events.withLock { $0 }
        #expect(ev.map(\.0) == ["prepare-start", "prepare-end", "collect"])
        // Overlapped: 0.3 s + 0.2 s of work in about 0.3 s, and the preparation began before
        // the first collector ended.
        #expect(took < 0.45, "took \(took) s")
        #expect(ev[0].1 - t0 < 0.25)
        #expect(s.collectors.map(\CollectorStatus.name) == ["slow", "preparing"] && s.collectors.allSatisfy { $0.success })
    }

    @Test func firstCollectorIsNotPreparedAhead() {
        let only = PreparingCollector()
        _ = ScrapeCoordinator(collectors: [only], logger: Logger(label: "test")).collectNow()
        #expect(only.events.withLock { $0 }.map(\.0) == ["collect"])
    }
}

struct OpenFileLimitTests {
    @Test func softLimitIsRaisedToTheHardOne() {
        let now = Exporter.raiseOpenFileLimit()
        var lim = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &lim)
        #expect(now == UInt64(lim.rlim_cur))
        #expect(lim.rlim_cur == lim.rlim_max)
    }
}

/// Declared collectors of the shapes the catalog has.
struct GuestSource: Collector {
    let name = "source"
    static var fills: Set<SnapshotPart> { [.guestProcesses] }
    let order: Order
    func collect(_ scrape: ScrapeContext, into s: inout Snapshot) throws {
        order.note(name)
        s.guests.append(Guest(name: "c1", uuid: nil, kind: .container, driver: "lxc-tools", state: .running))
    }
}
struct GuestReader: Collector {
    let name = "reader"
    static var reads: [CollectorInput] { [.required(.guestProcesses)] }
    static var fills: Set<SnapshotPart> { [.guestCgroupFigures] }
    let order: Order
    func collect(_ scrape: ScrapeContext, into s: inout Snapshot) throws {
        order.note(name)
        if s.guests.isEmpty { throw CollectError("ran before its input") }
    }
}
struct PoolsLike: Collector {
    let name = "beside"
    static var fills: Set<SnapshotPart> { [.storagePools] }
    let delay: Duration
    let order: Order
    func collect(_ scrape: ScrapeContext, into s: inout Snapshot) throws {
        order.note(name)
        BackgroundThread.sleep(for: delay)
        s.storagePools = [StoragePool(name: "p1", state: 2)]
        s.guests.append(Guest(name: "must-not-leak", uuid: nil, kind: .vm, driver: "qemu", state: .running))
    }
}
/// Waits on a libvirt call that never answers, until the scrape's libvirt deadline.
struct StuckLibvirtLike: Collector {
    let name: String
    static var fills: Set<SnapshotPart> { [] }
    func collect(_ scrape: ScrapeContext, into s: inout Snapshot) throws {
        _ = try LibvirtLane.run("a call that never answers", until: scrape.libvirtDeadline) { () -> Int in
            BackgroundThread.sleep(for: .seconds(3))
            return 0
        }
    }
}
final class Order: Sendable {
    let names = Mutex<[String]>([])
    func note(_ n: String) { names.withLock { $0.append(n) } }
}

struct CollectorPlanTests {
    let logger = Logger(label: "test")

    /// The reader is listed first; it still runs after the collector filling its input,
    /// and statuses keep the given order.
    @Test func declaredInputsOrderTheRunNotTheList() {
        let order = Order()
        let c = ScrapeCoordinator(collectors: [GuestReader(order: order), GuestSource(order: order)], logger: logger)
        let s = c.collectNow()
        #expect(order.names.withLock { $0 } == ["source", "reader"])
        #expect(s.collectors.map(\CollectorStatus.name) == ["reader", "source"])
        #expect(s.collectors.allSatisfy { $0.success })
    }

    /// A required input that no collector fills: the reader fails with the reason instead of
    /// succeeding with nothing.
    @Test func missingRequiredInputFailsTheReader() {
        let c = ScrapeCoordinator(collectors: [GuestReader(order: Order())], logger: logger)
        let s = c.collectNow()
        #expect(s.collectors.first?.success == false)
        #expect(s.collectors.first?.error?.contains("guestProcesses") == true)
    }

    /// A collector apart from the guests runs beside the pipeline, and only its declared
    /// part reaches the snapshot.
    @Test func besideCollectorsRunSideBySide() {
        let order = Order()
        let slow = SlowCollector(delay: 0.3)
        let c = ScrapeCoordinator(collectors: [slow, PoolsLike(delay: .milliseconds(300), order: order)], logger: logger)
        let t0 = ContinuousClock.now
        let s = c.collectNow()
        let took = ContinuousClock.now - t0
        #expect(took < .milliseconds(500), "took \(took)")
        #expect(s.storagePools.map(\.name) == ["p1"])
        #expect(!s.guests.contains { $0.name == "must-not-leak" })
        #expect(s.collectors.map(\CollectorStatus.name) == ["slow", "beside"])
    }

    /// One scrape, one budget: three collectors each stuck on libvirt wait together no longer
    /// than the libvirt timeout (before, each later one got half the timeout again).
    @Test func libvirtWaitingOfAScrapeNeverExceedsTheTimeout() {
        let c = ScrapeCoordinator(
            collectors: [StuckLibvirtLike(name: "a"), StuckLibvirtLike(name: "b"), StuckLibvirtLike(name: "c")],
            libvirtTimeout: .milliseconds(600), logger: logger)
        let t0 = ContinuousClock.now
        let s = c.collectNow()
        let took = ContinuousClock.now - t0
        #expect(took >= .milliseconds(590) && took < .milliseconds(800), "took \(took)")
        #expect(s.collectors.allSatisfy { !$0.success && ($0.error ?? "").contains("did not answer") })
    }

    @Test func catalogRefusesCgroupWithoutProcesses() throws {
        #expect {
            _ = try CollectorCatalog.extractFlags(["--no-collector.processes"])
        } throws: { e in
            let text = "\(e)"
            return text.contains("'cgroup'") && text.contains("--collector.processes") && text.contains("--no-collector.cgroup")
        }
        let (enabled, _) = try CollectorCatalog.extractFlags(["--no-collector.processes", "--no-collector.cgroup"])
        #expect(!enabled.contains("cgroup"))
        // The catalog's own declarations: every required input has a filler among the defaults.
        try CollectorCatalog.check(enabled: CollectorCatalog.defaults)
    }

    /// The catalog's collectors: pools, md arrays and the exporter's own figures run beside
    /// the guests; cgroup after processes; jobs and host after libvirt.
    @Test func catalogPlan() {
        let types = Dictionary(uniqueKeysWithValues: CollectorCatalog.entries.map { ($0.name, $0.type) })
        func beside(_ n: String) -> Bool {
            let t = types[n]!
            return t.reads.isEmpty && !t.fills.isEmpty && !t.fills.contains(where: \.touchesGuests)
        }
        #expect(["pools", "mdraid", "exporter"].allSatisfy(beside))
        #expect(!["libvirt", "processes", "cgroup", "host", "jobs"].contains(where: beside))
    }
}
