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

    /// Parses mountinfo (proc(5)): lines whose filesystem type is "btrfs". Lines that do not
    /// have the shape are skipped (a mount table is the kernel's; a torn line is not ours to
    /// judge).
    public static func parse(mountinfo bytes: [UInt8]) -> [BtrfsMount] {
        var out: [BtrfsMount] = []
        var seen = Set<String>()
        for line in MDText.lines(bytes) {
            let t = MDText.tokens(line)
            guard t.count >= 10, let dash = t.firstIndex(where: { MDText.equals($0, "-") }), dash >= 6,
                dash + 2 < t.count
            else { continue }
            guard MDText.equals(t[dash + 1], "btrfs") else { continue }
            let device = MDText.string(t[2])
            guard seen.insert(device).inserted else { continue }
            out.append(BtrfsMount(device: device, mountPoint: unescape(t[4]), source: unescape(t[dash + 2])))
        }
        return out
    }

    /// Decodes mountinfo's `\ooo` escapes (space, tab, newline, backslash).
    static func unescape(_ s: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == UInt8(ascii: "\\"), i + 3 < s.endIndex + 0, s.endIndex - i >= 4 {
                let d = s[(i + 1)...(i + 3)]
                if d.allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }) {
                    let v = d.reduce(0) { $0 * 8 + Int($1 - 0x30) }
                    if v < 256 {
                        out.append(UInt8(v))
                        i += 4
                        continue
                    }
                }
            }
            out.append(s[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
