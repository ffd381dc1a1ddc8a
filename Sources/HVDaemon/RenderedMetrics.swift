import Synchronization

/// The Prometheus text of one collection, kept until the next: rendering 3,000 series costs
/// more than serving them, and every request served from the same collection gets the same
/// text.
final class RenderedMetrics: Sendable {
    private let last = Mutex<(generation: Int, text: [UInt8])?>(nil)

    /// The text of collection `generation`, rendering it with `render` when it is not the
    /// one kept (two requests racing on a new collection may both render; one is kept).
    func text(for generation: Int, render: () -> [UInt8]) -> [UInt8] {
        if let kept = last.withLock({ $0 }), kept.generation == generation { return kept.text }
        let text = render()
        last.withLock { current in
            if current == nil || current!.generation < generation { current = (generation, text) }
        }
        return text
    }
}
