/// The btrfs mounts of `/proc/self/mountinfo`, one per filesystem instance: subvolume and
/// bind mounts of the same filesystem share its anonymous device number and are listed once
/// (the first, usually the top mount). The ioctls of `BtrfsIoctl` need one of them.
public struct BtrfsMount: Sendable, Equatable {
    /// "major:minor" of the filesystem (anonymous for btrfs, e.g. "0:45").
    public var device: String
    /// Mount point, with mountinfo's octal escapes (`\040` for a space) decoded.
    public var mountPoint: String
    /// The mount source, e.g. "/dev/loop0".
    public var source: String

    public init(device: String, mountPoint: String, source: String) {
        self.device = device
        self.mountPoint = mountPoint
        self.source = source
    }

    /// The btrfs mounts of a parsed mount table (`MountTable`: escapes decoded, lines that do
    /// not have the shape left out), once per filesystem instance ("major:minor").
    public static func mounts(in table: MountTable) -> [BtrfsMount] {
        var out: [BtrfsMount] = []
        var seen = Set<String>()
        for e in table.entries where e.fsType == "btrfs" && !e.source.isEmpty {
            let device = "\(e.major):\(e.minor)"
            guard seen.insert(device).inserted else { continue }
            out.append(BtrfsMount(device: device, mountPoint: e.mountPoint, source: e.source))
        }
        return out
    }

    /// Parses mountinfo bytes (proc(5)) with `MountTable` and keeps the btrfs mounts.
    public static func parse(mountinfo bytes: [UInt8]) -> [BtrfsMount] { mounts(in: MountTable.parse(bytes)) }
}
