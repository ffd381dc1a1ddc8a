import HVModel
import HVRuntime

/// A collector failure with a message an operator can act on.
public struct CollectError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// The failure is a wait that reached its deadline (the call may still be running).
    public let timedOut: Bool
    public init(_ description: String, timedOut: Bool = false) {
        self.description = description
        self.timedOut = timedOut
    }

    /// A call not made because the worker pool is at its thread cap (calls stuck in libvirt).
    static func tooManyStuck(_ what: String) -> CollectError {
        CollectError("too many libvirt calls still stuck (\(Deadline.abandoned)); not calling \(what)")
    }

    /// For the job collector: an error when the domain collector got no answer from
    /// libvirtd in this scrape (asking again would only wait out the same deadline).
    static func libvirtUnanswered(_ snapshot: Snapshot) -> CollectError? {
        guard let lv = snapshot.libvirt, !lv.up else { return nil }
        return CollectError("not asked: libvirt did not answer this scrape (\(lv.error ?? "down"))")
    }
}
