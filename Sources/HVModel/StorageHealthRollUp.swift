/// The health of a guest disk's whole storage stack: the worst finding about any of its
/// layers (`GuestDiskStack.rolledUp(with:)`).
public struct StorageHealthRollUp: Sendable, Equatable {
    /// ok when no finding about a layer says otherwise.
    public var severity: StorageFinding.Severity
    /// The layer that is not healthy (`StorageLayer.name`: "md1", "btrfs <fsid>", "sda") and
    /// its index in `GuestDiskStack.layers`; nil when healthy.
    public var layer: String?
    public var layerIndex: Int?
    /// The finding's source ("mdraid", "btrfs", "smart") and reason ("md1: 1 of 2 members missing").
    public var source: String?
    public var reason: String?
    /// Layers some source reported on (healthy or not): 0 means nothing watches this stack.
    public var layersReported: Int

    public init(severity: StorageFinding.Severity = .ok) {
        self.severity = severity
        self.layersReported = 0
    }
}
