/// One line of `/proc/<pid>/mountinfo` (proc(5)):
///
///     36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
///     (1)(2)(3)   (4)   (5)      (6)      (7)   (8) (9)   (10)         (11)
///
/// Paths (root, mount point, source) have the kernel's octal escapes decoded (`\040` space,
/// `\011` tab, `\012` newline, `\134` backslash).
public struct MountInfoEntry: Sendable, Equatable {
    /// (1) Unique ID of the mount.
    public var mountID: Int
    /// (2) ID of the parent mount (itself for the root of the namespace's tree).
    public var parentID: Int
    /// (3) `st_dev` of files on this filesystem. Major 0 for filesystems without a block
    /// device (tmpfs, proc, nfs, btrfs, overlay: anonymous device numbers).
    public var major: UInt32
    public var minor: UInt32
    /// (4) The directory of the filesystem mounted here ("/" for a whole filesystem,
    /// "/var/lib/lxc/c1/rootfs" for a bind mount of that directory).
    public var root: String
    /// (5) Where it is mounted, relative to the reader's root.
    public var mountPoint: String
    /// (6) Per-mount options ("rw,relatime").
    public var options: String
    /// (9) Filesystem type ("ext4", "btrfs", "nfs4", "fuse.glusterfs").
    public var fsType: String
    /// (10) Filesystem-specific source ("/dev/sda1", "server:/export", "pool/dataset",
    /// "overlay"); "" when the kernel prints "none".
    public var source: String
    /// (11) Per-superblock options ("rw,errors=remount-ro", overlay's "upperdir=...").
    public var superOptions: String

    public init(
        mountID: Int, parentID: Int, major: UInt32, minor: UInt32, root: String, mountPoint: String,
        options: String = "rw", fsType: String, source: String, superOptions: String = ""
    ) {
        self.mountID = mountID
        self.parentID = parentID
        self.major = major
        self.minor = minor
        self.root = root
        self.mountPoint = mountPoint
        self.options = options
        self.fsType = fsType
        self.source = source
        self.superOptions = superOptions
    }

    /// True when the per-mount options say read-only.
    public var readOnly: Bool { options.split(separator: ",").first == "ro" }

    /// The value of `key=value` among the superblock options (overlay's `upperdir`).
    public func superOption(_ key: String) -> String? {
        for part in superOptions.split(separator: ",") where part.hasPrefix(key + "=") {
            return String(part.dropFirst(key.count + 1))
        }
        return nil
    }
}

/// The mount table of one mount namespace, from `/proc/<pid>/mountinfo`.
public struct MountTable: Sendable, Equatable {
    /// Mounts in the kernel's order (a mount comes after the mount it sits on).
    public var entries: [MountInfoEntry]
    /// Lines that did not parse, with why (1-based line numbers); the others are kept.
    public var malformed: [Malformed]

    public struct Malformed: Sendable, Equatable {
        public var line: Int
        public var error: SystemError
    }

    public init(entries: [MountInfoEntry] = [], malformed: [Malformed] = []) {
        self.entries = entries
        self.malformed = malformed
    }

    /// Largest mountinfo read: hosts with thousands of mounts (containers) stay far below.
    public static let maxBytes = 16 << 20

    /// Reads `<procRoot>/<pid>/mountinfo` (`pid` "self" for the reader's own namespace).
    public static func read(procRoot: String = "/proc", pid: String = "self") throws -> MountTable {
        let path = "\(procRoot)/\(pid)/mountinfo"
        return parse(try FileReader.read(path, maxBytes: maxBytes))
    }

    /// Parses mountinfo text. Never throws: a line that does not parse is listed in
    /// `malformed` and skipped.
    public static func parse(_ bytes: [UInt8]) -> MountTable {
        var out = MountTable()
        var s = ByteScanner(bytes)
        var number = 0
        while let line = s.line() {
            number += 1
            if line.allSatisfy({ ByteScanner.isSpace($0) }) { continue }
            do {
                out.entries.append(try parseLine(line))
            } catch {
                out.malformed.append(Malformed(line: number, error: error))
            }
        }
        return out
    }

    /// Parses mountinfo text as `parse` does, but throws when not one line of non-empty
    /// input parses (a file that is not a mount table at all, rather than one bad line).
    public static func parseNonEmpty(_ bytes: [UInt8]) throws(SystemError) -> MountTable {
        let t = parse(bytes)
        if t.entries.isEmpty, let first = t.malformed.first {
            throw .malformed("no mountinfo line: line \(first.line): \(first.error)")
        }
        return t
    }

    /// Parses one line (without its newline).
    public static func parseLine(_ line: ArraySlice<UInt8>) throws(SystemError) -> MountInfoEntry {
        var fields: [ArraySlice<UInt8>] = []
        var i = line.startIndex
        while i < line.endIndex {
            while i < line.endIndex, line[i] == 0x20 { i += 1 }
            let start = i
            while i < line.endIndex, line[i] != 0x20 { i += 1 }
            if i > start { fields.append(line[start..<i]) }
        }
        guard let dash = fields.firstIndex(where: { $0.equals("-") }), dash >= 6 else {
            throw .malformed("no ' - ' separator after at least six fields")
        }
        guard fields.count >= dash + 3 else { throw .malformed("fewer than 3 fields after ' - '") }
        guard let id = parseUInt(fields[0]), id <= UInt64(Int32.max), let parent = parseUInt(fields[1]),
            parent <= UInt64(Int32.max)
        else { throw .malformed("mount ID or parent ID is not a number") }
        let dev = fields[2]
        guard let colon = dev.firstIndex(of: UInt8(ascii: ":")),
            let major = parseUInt(dev[dev.startIndex..<colon]), major <= UInt64(UInt32.max),
            let minor = parseUInt(dev[(colon + 1)...]), minor <= UInt64(UInt32.max)
        else { throw .malformed("device '\(dev.string)' is not major:minor") }
        let source = unescape(fields[dash + 2])
        return MountInfoEntry(
            mountID: Int(id), parentID: Int(parent), major: UInt32(major), minor: UInt32(minor),
            root: unescape(fields[3]), mountPoint: unescape(fields[4]), options: fields[5].string,
            fsType: unescape(fields[dash + 1]), source: source == "none" ? "" : source,
            superOptions: fields.count > dash + 3 ? unescape(fields[dash + 3]) : "")
    }

    /// Decodes the kernel's `\ooo` octal escapes (seq_file `mangle_path`: space, tab,
    /// newline, backslash); anything else is kept as it is.
    public static func unescape(_ s: ArraySlice<UInt8>) -> String {
        guard s.contains(0x5C) else { return s.string }
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = s.startIndex
        while i < s.endIndex {
            let b = s[i]
            if b == 0x5C, s.endIndex - i >= 4 {
                let d = s[(i + 1)...(i + 3)]
                if d.allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }) {
                    let v = d.reduce(0) { $0 * 8 + Int($1 - 0x30) }
                    if v <= 0xFF {
                        out.append(UInt8(v))
                        i += 4
                        continue
                    }
                }
            }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The mount a path lies on: the entry whose mount point is the longest whole-component
    /// prefix of `path` (the last one mounted wins where several share a mount point, since
    /// it hides the others). `path` should be absolute and normalised (`StoragePath.normalize`).
    public func mount(containing path: String) -> MountInfoEntry? {
        var best: MountInfoEntry?
        var bestLength = -1
        for e in entries {
            let mp = e.mountPoint
            let covers: Bool
            if mp == "/" {
                covers = path.hasPrefix("/")
            } else {
                covers = path == mp || (path.hasPrefix(mp) && path.utf8.dropFirst(mp.utf8.count).first == UInt8(ascii: "/"))
            }
            guard covers else { continue }
            let length = mp == "/" ? 0 : mp.utf8.count
            if length >= bestLength {
                best = e
                bestLength = length
            }
        }
        return best
    }
}

/// Lexical path handling for the storage stack (no file system access).
public enum StoragePath {
    /// Collapses "//", "/./" and "/x/.." without touching the file system (symbolic links are
    /// not followed); a relative path is taken from "/".
    public static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for p in path.split(separator: "/", omittingEmptySubsequences: true) {
            if p == "." { continue }
            if p == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(p)
        }
        return "/" + parts.joined(separator: "/")
    }
}

extension ProcFS {
    /// This process's mount table (`<procfs>/self/mountinfo`); throws when the file cannot be
    /// read or not one line of it parses.
    public func mountTable() throws -> MountTable {
        try read(root + "/self/mountinfo", MountTable.parseNonEmpty)
    }
}
