import Foundation
import HVHTTP
import HVModel
import Logging
import Synchronization
import Testing

@testable import HVDaemon
@testable import HVScrape

/// `--scrape.max-age`: what is reused between scrapes and what is always fresh.
struct SnapshotReuseTests {
    let logger = Logger(label: "test")

    func metrics(_ r: Routes) -> String {
        String(
            decoding: r.handle(HTTPRequest(method: "GET", path: "/metrics", query: [], headers: [], remoteAddress: "")).body, as: UTF8.self)
    }

    func age(_ text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix("hv_scrape_snapshot_age_seconds ") }
            .flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test func withoutMaxAgeEveryScrapeCollects() {
        let slow = SlowCollector(delay: 0)
        let r = Routes(coordinator: ScrapeCoordinator(collectors: [slow], logger: logger), version: "t")
        let first = metrics(r)
        let second = metrics(r)
        #expect(slow.runs.load(ordering: .relaxed) == 2)
        #expect(first.contains("hv_guest_info{guest=\"g1\"") && second.contains("hv_guest_info{guest=\"g2\""))
        #expect((age(second) ?? 1) < 0.5)
    }

    @Test func withinMaxAgeASecondPrometheusGetsTheSameCollection() {
        let slow = SlowCollector(delay: 0)
        let r = Routes(coordinator: ScrapeCoordinator(collectors: [slow], maxAge: .seconds(30), logger: logger), version: "t")
        let first = metrics(r)
        Thread.sleep(forTimeInterval: 0.2)
        let second = metrics(r)
        #expect(slow.runs.load(ordering: .relaxed) == 1)
        // Same figures; only the age line differs, and it says how old the collection is.
        let strip = { (t: String) in t.split(separator: "\n").filter { !$0.hasPrefix("hv_scrape_snapshot_age_seconds ") } }
        #expect(strip(first) == strip(second))
        #expect((age(second) ?? 0) >= 0.2)
        #expect((age(first) ?? 1) < (age(second) ?? 0))
    }

    @Test func aCollectionIsRenderedOnce() {
        let cache = RenderedMetrics()
        let renders = Atomic<Int>(0)
        let render = { () -> [UInt8] in
            renders.add(1, ordering: .relaxed)
            return Array("x 1\n".utf8)
        }
        #expect(cache.text(for: 1, render: render) == Array("x 1\n".utf8))
        _ = cache.text(for: 1, render: render)
        #expect(renders.load(ordering: .relaxed) == 1)
        _ = cache.text(for: 2, render: render)
        _ = cache.text(for: 1, render: render)   // an older collection is rendered, not kept
        _ = cache.text(for: 2, render: render)
        #expect(renders.load(ordering: .relaxed) == 3)
    }
}
