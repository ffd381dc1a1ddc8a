/// `/proc/<pid>/mountinfo` (proc(5)): which filesystem holds a path, of what type, mounted
/// from where. Used to tell local from shared storage under a guest disk.
public struct MountInfo: Sendable, Equatable {
    /// One mount.
    public struct Mount: Sendable, Equatable {
        /// `st_dev` of the filesystem as "major:minor".
        public var device: String
        /// Root of the mount within its filesystem ("/" for a whole filesystem).
        public var root: String
        /// Where it is mounted, octal escapes (`\040`) decoded.
        public var mountPoint: String
        /// Filesystem type: "ext4", "nfs4", "cifs", "fuse.glusterfs", "ceph"...
        public var fsType: String
        /// Mount source: "server:/export" (nfs), "//server/share" (cifs), "/dev/sda1".
        public var source: String

        public init(device: String, root: String, mountPoint: String, fsType: String, source: String) {
            self.device = device
            self.root = root
            self.mountPoint = mountPoint
            self.fsType = fsType
            self.source = source
        }
    }

    /// Mounts in file order (later mounts over the same point hide earlier ones).
    public var mounts: [Mount]
    /// Lines that could not be read, with the reason (the other lines are kept).
    public var errors: [String]

    public init(mounts: [Mount], errors: [String] = []) {
        self.mounts = mounts
        self.errors = errors
    }

    /// Parses mountinfo. A malformed line is skipped and noted in `errors`; throws only when
    /// no line at all could be read from non-empty input.
    public static func parse(_ bytes: [UInt8]) throws -> MountInfo {
        var mounts: [Mount] = []
        var errors: [String] = []
        var sc = ByteScanner(bytes)
        var lineNo = 0
        while let line = sc.line() {
            lineNo += 1
            if line.isEmpty { continue }
            let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
            // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
            guard fields.count >= 9, let dash = fields.dropFirst(6).firstIndex(where: { $0.count == 1 && $0.first == UInt8(ascii: "-") }),
                dash + 2 < fields.count
            else {
                errors.append("line \(lineNo): not a mountinfo line")
                continue
            }
            mounts.append(
                Mount(
                    device: fields[2].string, root: unescape(fields[3]), mountPoint: unescape(fields[4]),
                    fsType: fields[dash + 1].string, source: unescape(fields[dash + 2])))
        }
        if mounts.isEmpty && !errors.isEmpty { throw SystemError.malformed("no mountinfo line: \(errors[0])") }
        return MountInfo(mounts: mounts, errors: errors)
    }

    /// The mount holding `path` (absolute, already resolved): the last mount whose mount
    /// point is the longest prefix of it at a '/' boundary.
    public func mount(containing path: String) -> Mount? {
        var best: Mount?
        var bestLength = -1
        for m in mounts {
            let p = m.mountPoint
            let inside = p == "/" ? path.hasPrefix("/") : (path == p || path.hasPrefix(p + "/"))
            if inside && p.utf8.count >= bestLength {
                best = m
                bestLength = p.utf8.count
            }
        }
        return best
    }

    /// `\040` (space), `\011`, `\012`, `\134` as the kernel escapes them in mountinfo.
    static func unescape(_ s: ArraySlice<UInt8>) -> String {
        guard s.contains(UInt8(ascii: "\\")) else { return s.string }
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = s.startIndex
        while i < s.endIndex {
            let b = s[i]
            if b == UInt8(ascii: "\\"), let v = octal(s[(i + 1)..<min(i + 4, s.endIndex)]) {
                out.append(v)
                i += 4
                continue
            }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Three octal digits as a byte; nil otherwise.
    static func octal(_ d: ArraySlice<UInt8>) -> UInt8? {
        guard d.count == 3 else { return nil }
        var v = 0
        for c in d {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "7") else { return nil }
            v = v * 8 + Int(c - UInt8(ascii: "0"))
        }
        return v <= 255 ? UInt8(v) : nil
    }
}

extension ProcFS {
    /// This process's mount table (`<procfs>/self/mountinfo`).
    public func mountInfo() throws -> MountInfo { try read(root + "/self/mountinfo", MountInfo.parse) }
}
