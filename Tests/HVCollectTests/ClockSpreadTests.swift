import Foundation
import LabSupport
import Testing

@testable import HVCollect

/// The per-domain factor that staggers refreshes: fixed for a key, in [0.5, 1.5), and spread
/// over that range for the UUIDs of many domains (so their refreshes fall in different scrapes).
struct ClockSpreadTests {
    @Test func fixedPerKeyAndSpreadOverTheRange() {
        var rng = SplitMix64(seed: 7)
        let keys = (0..<200).map { _ in
            String(format: "%016llx-%016llx", rng.next(), rng.next())
        }
        let f = keys.map(Clock.spread)
        #expect(f.allSatisfy { $0 >= 0.5 && $0 < 1.5 })
        #expect(keys.map(Clock.spread) == f)
        #expect(f.min()! < 0.6 && f.max()! > 1.4)
        // Ten slots of 0.1 each: none empty, none with a third of the keys.
        var slots = [Int](repeating: 0, count: 10)
        for x in f { slots[min(9, Int((x - 0.5) * 10))] += 1 }
        #expect(slots.allSatisfy { $0 > 0 && $0 < 67 }, "\(slots)")
    }
}
