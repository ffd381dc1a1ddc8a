/// One logical drive (virtual drive, logical device) of a hardware RAID controller.
public struct RAIDLogicalDrive: Sendable, Equatable {
    /// Normalised state; the tool's word is `stateWord` (storcli "Optl/Dgrd/Pdgd/Rec/OfLn",
    /// ssacli "OK/Interim Recovery Mode/Recovering/Failed", arcconf "Optimal/Degraded/...").
    public enum State: String, Sendable, CaseIterable {
        case optimal, degraded, rebuilding, initializing, failed, offline, unknown
    }

    /// The tool's id: "0/0" (storcli DG/VD), "1" (ssacli, arcconf).
    public var id: String
    /// "RAID1", "RAID5", "RAID1+0", "RAID6 (ADG)"; empty when not told.
    public var raidLevel: String
    public var state: State
    public var stateWord: String
    /// Size in bytes (nil when not told).
    public var sizeBytes: UInt64?
    /// Kernel name of the block device the OS sees ("sda"), when the tool tells it.
    public var device: String?
    /// WWN / NAA id, lower case hex without "0x", when the tool tells it.
    public var wwn: String?
    /// Rebuild / recovery progress 0...1 while one runs and the tool tells it.
    public var rebuildRatio: Double?
    /// The name the operator gave it (may be empty).
    public var label: String

    public init(
        id: String, raidLevel: String = "", state: State = .unknown, stateWord: String = "", sizeBytes: UInt64? = nil,
        device: String? = nil, wwn: String? = nil, rebuildRatio: Double? = nil, label: String = ""
    ) {
        self.id = id
        self.raidLevel = raidLevel
        self.state = state
        self.stateWord = stateWord
        self.sizeBytes = sizeBytes
        self.device = device
        self.wwn = wwn
        self.rebuildRatio = rebuildRatio
        self.label = label
    }
}
