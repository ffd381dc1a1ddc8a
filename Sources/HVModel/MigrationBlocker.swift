/// One reason a guest cannot live-migrate as it is (or only to an identical host, or only
/// with a full disk copy), from its domain XML and the host's storage.
public struct MigrationBlocker: Sendable, Hashable {
    /// The reasons, as exported in `hv_guest_migration_blocker{reason}`.
    public enum Reason: String, Sendable, CaseIterable, Comparable {
        /// A PCI device passed through (`<hostdev type='pci'>`).
        case hostdevPCI = "hostdev_pci"
        /// A USB device passed through.
        case hostdevUSB = "hostdev_usb"
        /// A mediated device (vGPU, `<hostdev type='mdev'>`).
        case mdev
        /// Another passed-through device (SCSI, storage, misc).
        case hostdevOther = "hostdev_other"
        /// An SR-IOV virtual function as a NIC (`<interface type='hostdev'>`).
        case sriovInterface = "sriov_interface"
        /// A vhost-user NIC or a virtiofs filesystem (a socket to a process on this host).
        case vhostUser = "vhost_user"
        /// An ivshmem device (`<shmem>`): memory shared with processes on this host.
        case sharedMemory = "shared_memory"
        /// `<cpu mode='host-passthrough'>`: moves only to a host with the identical CPU.
        case hostPassthroughCPU = "host_passthrough_cpu"
        /// A disk on local storage: not on a network filesystem, a network disk, or a pool of
        /// a shared type; live migration needs a full copy (`--copy-storage-all`).
        case localDisk = "local_disk"
        /// A CD-ROM or floppy with local media inserted.
        case localMedia = "local_media"
        /// The domain is transient (no persistent definition): it vanishes when it stops.
        case transient
        /// The domain XML could not be read or parsed: nothing is known, not "clean".
        case unknown

        public static func < (a: Reason, b: Reason) -> Bool { a.rawValue < b.rawValue }
    }

    public var reason: Reason
    /// Which device or path: "0000:06:12.5", "vda /var/lib/libvirt/images/a.qcow2"; "" when
    /// the reason is the whole guest.
    public var detail: String

    public init(_ reason: Reason, _ detail: String = "") {
        self.reason = reason
        self.detail = detail
    }

    /// "local_disk (vda /var/lib/a.qcow2)" or "transient".
    public var text: String { detail.isEmpty ? reason.rawValue : "\(reason.rawValue) (\(detail))" }
}
