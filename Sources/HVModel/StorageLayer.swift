/// One layer of the storage stack under a guest disk: the image file, the filesystem holding
/// it, the block devices below (partition, dm/LVM, md, loop, btrfs members) down to whole
/// disks, or the network source where the stack leaves the host.
public struct StorageLayer: Sendable, Equatable {
    /// What a layer is.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case file, filesystem, partition, dm, lvm, md, loop, btrfs, disk, network, zfs, drbd, unknown
    }

    public var kind: Kind
    /// Kernel block device name ("sda", "dm-0", "md1", "loop3"); "" for layers that are not a
    /// block device (file, filesystem, btrfs, network, zfs).
    public var device: String
    /// What it is, for people: the file path, "ext4 /dev/vda on /", "vg0-root", "raid1",
    /// "nfs4 filer:/vol".
    public var detail: String
    /// Distance from the top layer (0); lower layers of a layer follow it with depth + 1
    /// (the layers are a tree in depth-first order: an md array's members, btrfs devices).
    public var depth: Int
    /// btrfs filesystem UUID (fsid), lower case with dashes.
    public var filesystemUUID: String?
    /// ZFS pool name of a zfs layer.
    public var zpool: String?
    /// Identity of a whole disk from udev: model, serial, WWN (lower case, no "0x"), one
    /// `/dev/disk/by-id/` link.
    public var model: String?
    public var serial: String?
    public var wwn: String?
    public var byIdPath: String?
    /// Why the walk stopped at this layer ("backing file deleted", "device vanished",
    /// "cycle"); nil otherwise.
    public var problem: String?
    /// The worst storage finding about this layer (`Snapshot.storageFindings`), nil when no
    /// source reports on it; filled by `GuestDiskStack.rolledUp(with:)`.
    public var severity: StorageFinding.Severity?
    /// The reason of that finding ("1 of 2 members missing") and the source ("mdraid").
    public var reason: String?
    public var findingSource: String?

    public init(kind: Kind, device: String = "", detail: String, depth: Int) {
        self.kind = kind
        self.device = device
        self.detail = detail
        self.depth = depth
    }

    /// Short name for people: the device, else the btrfs fsid, the pool, the detail.
    public var name: String {
        if !device.isEmpty { return device }
        if kind == .btrfs, let id = filesystemUUID { return "btrfs " + id }
        if kind == .zfs, let pool = zpool { return "zpool " + pool }
        return detail
    }

    /// The keys a storage finding may name this layer by.
    public var findingKeys: [StorageFinding.Key] {
        var keys: [StorageFinding.Key] = []
        if !device.isEmpty { keys.append(.blockDevice(device)) }
        if let id = filesystemUUID { keys.append(.filesystemUUID(id.lowercased())) }
        if let w = wwn { keys.append(.wwn(StorageLayer.normalizedWWN(w))) }
        if let s = serial { keys.append(.serial(s)) }
        if let p = zpool { keys.append(.zpool(p)) }
        return keys
    }

    /// "0x5002538E40A1B2C3" -> "5002538e40a1b2c3" (how findings key WWNs).
    public static func normalizedWWN(_ w: String) -> String {
        let l = w.lowercased()
        return l.hasPrefix("0x") ? String(l.dropFirst(2)) : l
    }
}
