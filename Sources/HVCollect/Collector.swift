import HVModel

public protocol Collector: Sendable {
    /// Name used in --collector.<name> and hv_scrape_collector_success{collector}.
    var name: String { get }
    /// Fills its part of the snapshot. Collectors run in order; libvirt runs first, so
    /// `snapshot.guests` already holds the libvirt domains when later collectors run.
    /// Throwing marks this collector failed for this scrape; the snapshot keeps the rest.
    func collect(into snapshot: inout Snapshot) throws
}
