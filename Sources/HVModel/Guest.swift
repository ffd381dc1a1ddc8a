/// What a guest is.
public enum GuestKind: String, Sendable, Equatable {
    case vm
    case container
}

/// libvirt's domain state (`virDomainState`), also used for containers.
public enum GuestState: String, Sendable, Equatable, CaseIterable {
    case nostate, running, blocked, paused, shutdown, shutoff, crashed, pmsuspended

    /// The numeric `virDomainState` value (0...7), as exported by `libvirt_domain_info_vstate`.
    public var code: Int {
        switch self {
        case .nostate: 0
        case .running: 1
        case .blocked: 2
        case .paused: 3
        case .shutdown: 4
        case .shutoff: 5
        case .crashed: 6
        case .pmsuspended: 7
        }
    }

    public init(code: Int) {
        self = GuestState.allCases.first { $0.code == code } ?? .nostate
    }
}

/// One guest: a libvirt domain (QEMU or LXC driver) or a container (LXC, LXD, nspawn).
public struct Guest: Sendable, Equatable {
    /// Display name (libvirt domain name, container name). Not an identity: see `key`.
    public var name: String
    /// Lower-case UUID for libvirt domains; nil for containers that have none.
    public var uuid: String?
    /// Stable identity within one host: the UUID when known, else "<driver>:<name>".
    public var key: String { uuid ?? "\(driver):\(name)" }
    /// libvirt domain ID while running (nil when shut off or not a libvirt domain).
    public var domainID: Int?
    public var kind: GuestKind
    /// "qemu", "lxc" (libvirt-lxc), "lxc-tools", "lxd", "nspawn", "test" ...
    public var driver: String
    public var state: GuestState
    /// libvirt's state reason code for `state`.
    public var stateReason: Int
    public var persistent: Bool?
    public var autostart: Bool?
    /// True when libvirt did not answer for this guest within the deadline this scrape.
    public var timedOut: Bool
    /// Age of the libvirt statistics shown, seconds, when they are not from this scrape (the
    /// domain was busy or stuck: its last complete figures are shown); nil when fresh.
    public var statsAgeSeconds: Double?
    /// True when this scrape's libvirt domain list holds the guest. False for containers and
    /// for QEMU processes the mapper found that libvirt did not report (another libvirtd, or
    /// libvirtd down): those get no `libvirt_domain_*` series, only `hv_*` ones.
    public var listedByLibvirt: Bool

    /// Configured maximum memory, bytes.
    public var maxMemoryBytes: UInt64?
    /// Current memory (balloon target), bytes.
    public var memoryBytes: UInt64?
    /// Configured maximum and currently online vCPUs.
    public var vcpuMaximum: Int?
    public var vcpuCurrent: Int?

    /// Total CPU time used by the guest as libvirt reports it, seconds.
    public var cpuTimeSeconds: Double?
    public var cpuUserSeconds: Double?
    public var cpuSystemSeconds: Double?

    public var vcpus: [VCPUStats]
    public var balloon: BalloonStats?
    public var blockDevices: [BlockDevice]
    public var interfaces: [NetInterface]

    /// Host-side figures from the guest's cgroup and processes (guest mapper).
    public var cgroup: GuestCgroupStats?
    /// Currently running job (migration, save, dump...), and the last completed one.
    public var job: DomainJob?
    public var lastJob: DomainJob?
    public var blockJobs: [BlockJob]
    /// Why the guest cannot live-migrate as it is, one entry per device or reason; empty
    /// when nothing blocks it; nil when not assessed (containers, or the libvirt or migration
    /// collector is off). A guest whose XML could not be read has one `.unknown` entry.
    public var migrationBlockers: [MigrationBlocker]?

    public init(name: String, uuid: String?, kind: GuestKind, driver: String, state: GuestState) {
        self.name = name
        self.uuid = uuid
        self.domainID = nil
        self.kind = kind
        self.driver = driver
        self.state = state
        self.stateReason = 0
        self.persistent = nil
        self.autostart = nil
        self.timedOut = false
        self.listedByLibvirt = false
        self.maxMemoryBytes = nil
        self.memoryBytes = nil
        self.vcpuMaximum = nil
        self.vcpuCurrent = nil
        self.cpuTimeSeconds = nil
        self.cpuUserSeconds = nil
        self.cpuSystemSeconds = nil
        self.vcpus = []
        self.balloon = nil
        self.blockDevices = []
        self.interfaces = []
        self.cgroup = nil
        self.job = nil
        self.lastJob = nil
        self.blockJobs = []
        self.migrationBlockers = nil
    }
}

/// One virtual CPU as libvirt reports it (`vcpu.<n>.*` in bulk stats).
public struct VCPUStats: Sendable, Equatable {
    public var index: Int
    /// `virVcpuState`: 0 offline, 1 running, 2 blocked.
    public var state: Int?
    /// Time spent running on a host CPU, seconds.
    public var timeSeconds: Double?
    /// Time spent waiting for I/O or other resources (not on a host CPU by choice), seconds.
    public var waitSeconds: Double?
    /// Time spent runnable but waiting for a host CPU (steal as the guest sees it), seconds.
    public var delaySeconds: Double?
    /// Host TID of the vCPU thread when known (from the mapper or libvirt).
    public var threadID: Int?

    public init(index: Int) { self.index = index }
}

/// Balloon driver statistics (`balloon.*`), bytes unless noted.
public struct BalloonStats: Sendable, Equatable {
    public var currentBytes: UInt64?
    public var maximumBytes: UInt64?
    public var swapInBytes: UInt64?
    public var swapOutBytes: UInt64?
    public var majorFaults: UInt64?
    public var minorFaults: UInt64?
    public var unusedBytes: UInt64?
    public var availableBytes: UInt64?
    public var usableBytes: UInt64?
    public var rssBytes: UInt64?
    public var diskCachesBytes: UInt64?
    public var hugetlbPgAlloc: UInt64?
    public var hugetlbPgFail: UInt64?
    /// Seconds since the epoch of the guest's last stats update.
    public var lastUpdateSeconds: UInt64?

    public init() {}
}

/// One block device of a guest, with its statistics and configuration metadata.
public struct BlockDevice: Sendable, Equatable {
    /// Target device name in the guest, e.g. "vda".
    public var target: String
    /// Source file, block device, volume or network name; "" when none (empty CD-ROM).
    public var source: String
    /// From the domain XML: disk type (file, block, network, volume), device (disk, cdrom),
    /// bus (virtio, sata, scsi...), cache mode, driver format (raw, qcow2), serial.
    public var diskType: String?
    public var device: String?
    public var bus: String?
    public var cache: String?
    public var format: String?
    public var serial: String?
    public var readOnly: Bool
    /// `<shareable/>` in the XML: the disk is meant to be open in several guests at once.
    public var shareable: Bool
    /// What the disk's source is, the same on every host that sees the same storage:
    /// "file:<st_dev>:<inode>" (local file), "block:<wwn>" or "block:<major>:<minor>",
    /// "rbd:<pool>/<image>", "iscsi:<iqn>/<lun>", "nfs:<server>:<export>/<path>"; nil when
    /// unknown (no source, not stat-able, migration collector off).
    public var sourceIdentity: String?

    public var readBytes: UInt64?
    public var readRequests: UInt64?
    public var readTimeSeconds: Double?
    public var writeBytes: UInt64?
    public var writeRequests: UInt64?
    public var writeTimeSeconds: Double?
    public var flushRequests: UInt64?
    public var flushTimeSeconds: Double?
    public var errors: UInt64?
    /// Logical size, bytes allocated on the host, and size of the container file/device, bytes.
    public var capacityBytes: UInt64?
    public var allocationBytes: UInt64?
    public var physicalBytes: UInt64?

    public init(target: String, source: String) {
        self.target = target
        self.source = source
        self.readOnly = false
        self.shareable = false
    }
}

/// One network interface of a guest.
public struct NetInterface: Sendable, Equatable {
    /// Host-side device name, e.g. "vnet3" (may be empty for hostdev / user networking).
    public var target: String
    /// Interface type from the domain XML: bridge, network, direct (macvtap), hostdev, user, ethernet, vhostuser.
    public var type: String?
    /// Bridge, network name, or parent device for direct/macvtap.
    public var source: String?
    public var mac: String?
    public var model: String?

    public var rxBytes: UInt64?
    public var rxPackets: UInt64?
    public var rxErrors: UInt64?
    public var rxDrops: UInt64?
    public var txBytes: UInt64?
    public var txPackets: UInt64?
    public var txErrors: UInt64?
    public var txDrops: UInt64?

    public init(target: String) { self.target = target }
}
