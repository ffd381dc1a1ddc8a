/// What a migration pre-flight (`hvtop check migratable GUEST --to URI`) found out about one
/// guest on this host and a target libvirtd: the facts, not the verdict (hvtop judges them).
public struct MigrationPreflight: Sendable, Equatable {
    /// The guest, as this host's libvirtd has it.
    public var guest: String
    public var uuid: String
    public var active: Bool
    public var persistent: Bool?
    /// `<memory>` of the guest, bytes.
    public var memoryBytes: UInt64?
    /// Blockers from the XML and this host's storage (as `Guest.migrationBlockers`).
    public var blockers: [MigrationBlocker]

    /// The target as given (`--to`), and its host name when it answered.
    public var targetURI: String
    public var targetHost: String?
    /// Free memory on the target, bytes (`virNodeGetFreeMemory`).
    public var targetFreeMemoryBytes: UInt64?
    /// The guest's CPU against the target's hypervisor.
    public var cpu: CPUCheck
    /// Networks and pools the guest uses, and whether the target has them.
    public var networks: [Requirement]
    public var pools: [Requirement]
    /// The guest's disks: shared or local, and present on the target when it can be told.
    public var disks: [DiskCheck]
    /// A domain on the target with the guest's UUID, or (another UUID) with its name.
    public var sameUUID: TargetDomain?
    public var sameName: TargetDomain?
    /// Calls on the target that failed (the facts they would give are missing).
    public var errors: [String]

    public init(guest: String, uuid: String, targetURI: String) {
        self.guest = guest
        self.uuid = uuid
        self.active = false
        self.persistent = nil
        self.memoryBytes = nil
        self.blockers = []
        self.targetURI = targetURI
        self.targetHost = nil
        self.targetFreeMemoryBytes = nil
        self.cpu = .notCompared("not asked")
        self.networks = []
        self.pools = []
        self.disks = []
        self.sameUUID = nil
        self.sameName = nil
        self.errors = []
    }

    /// The guest CPU against the target.
    public enum CPUCheck: Sendable, Equatable {
        /// The target can run it: "identical" or "superset", and the libvirt call that said so.
        case compatible(String, call: String)
        /// The target's hypervisor cannot run this CPU definition.
        case incompatible(call: String)
        /// Not compared, and why (host-passthrough, no `<cpu>` element): nothing to judge.
        case notCompared(String)
        /// The comparison failed (the message).
        case failed(String)
        /// The target allows the comparison only on a read-write connection
        /// (`virConnectCompareHypervisorCPU` is denied to read-only clients).
        case refusedReadOnly
    }

    /// A named thing the guest needs on the target (network, storage pool).
    public struct Requirement: Sendable, Equatable {
        public var name: String
        /// On the target: nil unknown, false absent, true present.
        public var present: Bool?
        public var active: Bool?
        public init(name: String, present: Bool?, active: Bool?) {
            self.name = name
            self.present = present
            self.active = active
        }
    }

    /// One guest disk.
    public struct DiskCheck: Sendable, Equatable {
        public var target: String
        public var source: String
        /// "disk", "cdrom", "floppy", "lun".
        public var device: String
        /// Seen by other hosts (network disk, shared pool, network filesystem).
        public var shared: Bool
        /// Why shared or local, in words.
        public var why: String
        /// On the target: true a pool there knows the path, false none does, nil cannot tell
        /// through libvirt (network disk, shared filesystem outside any pool, local disk).
        public var presentOnTarget: Bool?
        public init(target: String, source: String, device: String, shared: Bool, why: String, presentOnTarget: Bool?) {
            self.target = target
            self.source = source
            self.device = device
            self.shared = shared
            self.why = why
            self.presentOnTarget = presentOnTarget
        }
    }

    /// A domain found on the target.
    public struct TargetDomain: Sendable, Equatable {
        public var name: String
        public var uuid: String
        public var active: Bool
        public var autostart: Bool?
        public init(name: String, uuid: String, active: Bool, autostart: Bool?) {
            self.name = name
            self.uuid = uuid
            self.active = active
            self.autostart = autostart
        }
    }
}
