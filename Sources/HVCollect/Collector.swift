import HVLibvirt
import HVModel

public protocol Collector: Sendable {
    /// Name used in --collector.<name> and hv_scrape_collector_success{collector}.
    var name: String { get }
    /// Whether `prepare()` does anything (the scrape then runs it on another thread).
    var prepares: Bool { get }
    /// Work that needs nothing from the snapshot (a walk of /proc), done before `collect`
    /// while the collectors before this one run (the libvirt collector waits on libvirtd
    /// meanwhile). `collect` must still work, doing that work itself, if it was not called.
    func prepare()
    /// Fills its part of the snapshot. Collectors run in order; libvirt runs first, so
    /// `snapshot.guests` already holds the libvirt domains when later collectors run.
    /// Throwing marks this collector failed for this scrape; the snapshot keeps the rest.
    func collect(into snapshot: inout Snapshot) throws
}

extension Collector {
    public var prepares: Bool { false }
    public func prepare() {}
}

/// The `prepare()` of some collectors, running on a thread of their own.
public struct Preparation: Sendable {
    let pending: Deadline.Pending<Bool>?

    /// Starts `prepare()` of each collector that `prepares`, in order, on one thread.
    public static func start(_ collectors: [any Collector]) -> Preparation {
        let todo = collectors.filter(\.prepares)
        guard !todo.isEmpty else { return Preparation(pending: nil) }
        return Preparation(pending: Deadline.start { for c in todo { c.prepare() }; return true })
    }

    /// Waits for the preparations to end (at most `seconds`: a collector whose preparation
    /// is still running then does its own work, after waiting for its lock).
    public func wait(seconds: Double = 30) {
        _ = pending?.wait(seconds: seconds)
    }
}
