import HVCollect

extension ScrapeCoordinator {
    /// Waits until the collectors that run external tools in the background (the RAID
    /// controller CLIs) have finished their first run, or `deadline` passes. For a one-shot
    /// collection (hvtop without a daemon), which would otherwise see no controller at all;
    /// never called in the daemon's scrape path. Returns whether they all finished.
    public func waitForBackgroundTools(until deadline: ContinuousClock.Instant) -> Bool {
        collectors.compactMap { $0 as? RAIDControllerCollector }.allSatisfy { $0.waitForFirstRuns(until: deadline) }
    }
}
