/// A Linux md RAID array (from /sys/block/mdX/md and /proc/mdstat).
/// Extended by the RAID collector work; fields are optional where states differ.
public struct MDArray: Sendable, Equatable {
    /// Kernel device name, e.g. "md0".
    public var device: String
    public var level: String?
    public var arrayState: String?
    public var members: [MDMember]
    /// Error reading this array, if any (the array is still listed, marked failed).
    public var error: String?

    public init(device: String) {
        self.device = device
        self.members = []
    }
}

/// One member device of an md array.
public struct MDMember: Sendable, Equatable {
    /// Kernel name of the member, e.g. "sda1".
    public var device: String
    /// Flags from dev-*/state, e.g. ["in_sync"], ["faulty"], ["spare"], ["write_mostly"].
    public var states: [String]
    public var slot: Int?

    public init(device: String) {
        self.device = device
        self.states = []
    }
}
