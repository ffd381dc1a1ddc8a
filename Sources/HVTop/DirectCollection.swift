import HVModel
import HVScrape
import Logging

/// Collects in-process with exactly the daemon's code: the collectors from
/// `CollectorCatalog.build` run by `ScrapeCoordinator.collectNow()`. Used when no daemon
/// answers. Keeps its collectors (and their libvirt connection and caches) between calls,
/// so the TUI's refreshes cost what a daemon scrape costs.
public final class DirectCollection: Sendable {
    public let coordinator: ScrapeCoordinator
    public let settings: CollectorCatalog.Settings
    public let enabled: Set<String>

    /// - Parameters:
    ///   - enabled: collector names (`CollectorCatalog.defaults` unless the user chose).
    ///   - logger: where collector warnings go (hvtop passes a silent one unless --verbose).
    public init(enabled: Set<String> = CollectorCatalog.defaults, settings: CollectorCatalog.Settings = .init(), logger: Logger) {
        self.enabled = enabled
        self.settings = settings
        coordinator = CollectorCatalog.coordinator(enabled: enabled, settings: settings, logger: logger)
        // RAID controller tools run in the background: give their first run a bounded chance,
        // or a one-shot `hvtop check raid` would never see a controller.
        _ = coordinator.waitForBackgroundTools(until: .now + min(settings.raid.timeout, .seconds(15)))
    }

    /// One fresh collection.
    public func collect() -> Snapshot { coordinator.collectNow() }
}
