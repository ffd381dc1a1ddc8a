/// The storage stack under one disk of one guest: a VM's disk (by target device) or a
/// container's root filesystem or attached volume, with the health rolled up from the
/// storage findings that match its layers.
public struct GuestDiskStack: Sendable, Equatable {
    /// `Guest.key` of the guest.
    public var guestKey: String
    /// Guest name and driver, as in the other `hv_guest_*` series.
    public var guest: String
    public var driver: String
    /// Target device in the guest ("vda", "sda"); for containers "rootfs" or the mount point
    /// of an attached volume ("/data").
    public var targetDevice: String
    /// Where the disk comes from: the image path, block device, volume or network name; for
    /// containers the root directory or volume source.
    public var source: String
    /// Layers, top first, in depth-first order (`StorageLayer.depth`).
    public var layers: [StorageLayer]
    /// Why the stack could not be resolved at all (no source, a network disk libvirt gives no
    /// host path for); nil when `layers` says it.
    public var error: String?
    /// The roll-up: the worst layer (nil when every layer is healthy or unreported).
    public var health: StorageHealthRollUp

    public init(guestKey: String, guest: String, driver: String, targetDevice: String, source: String, layers: [StorageLayer] = []) {
        self.guestKey = guestKey
        self.guest = guest
        self.driver = driver
        self.targetDevice = targetDevice
        self.source = source
        self.layers = layers
        self.error = nil
        self.health = StorageHealthRollUp()
    }

    /// This stack with each layer's severity taken from the findings that name it (by block
    /// device, filesystem UUID, WWN, serial or pool; the worst wins) and the roll-up set to
    /// the worst layer (the topmost of equally bad ones).
    public func rolledUp(with findings: [StorageFinding]) -> GuestDiskStack {
        var index: [StorageFinding.Key: [Int]] = [:]
        for (i, f) in findings.enumerated() {
            for k in f.keys { index[k, default: []].append(i) }
        }
        var out = self
        var worst: (severity: StorageFinding.Severity, layer: Int, finding: Int)?
        for (li, layer) in layers.enumerated() {
            var best: Int?
            for k in layer.findingKeys {
                for fi in index[k] ?? [] where best.map({ findings[fi].severity > findings[$0].severity }) ?? true {
                    best = fi
                }
            }
            out.layers[li].severity = best.map { findings[$0].severity }
            out.layers[li].reason = best.map { findings[$0].reason }
            out.layers[li].findingSource = best.map { findings[$0].source }
            if let b = best, findings[b].severity > (worst?.severity ?? .ok) {
                worst = (findings[b].severity, li, b)
            }
        }
        var health = StorageHealthRollUp()
        health.layersReported = out.layers.filter { $0.severity != nil }.count
        if let w = worst {
            let f = findings[w.finding]
            health.severity = w.severity
            health.layer = layers[w.layer].name
            health.layerIndex = w.layer
            health.source = f.source
            health.reason = f.reason.isEmpty ? f.layer : "\(f.layer): \(f.reason)"
        }
        out.health = health
        return out
    }
}
