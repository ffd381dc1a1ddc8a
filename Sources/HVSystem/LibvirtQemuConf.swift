import Glibc
import Synchronization

/// The settings of libvirt's `/etc/libvirt/qemu.conf` the exporter reports (libvirt's conf
/// syntax: `key = "string"` or `key = number`, `#` comments, lists in brackets).
public struct LibvirtQemuConf: Sendable, Equatable {
    /// `lock_manager`: "lockd" (virtlockd), "sanlock"; "none" when unset (libvirt's "nop":
    /// nothing stops two hosts from starting the same disk).
    public var lockManager: String
    /// `shared_filesystems` (libvirt >= 10.3): directories the admin declares shared between
    /// hosts although they look local (a host exporting its own storage over NFS).
    public var sharedFilesystems: [String]

    public init(lockManager: String = "none", sharedFilesystems: [String] = []) {
        self.lockManager = lockManager
        self.sharedFilesystems = sharedFilesystems
    }

    /// Parses the file's text. Lines it cannot read are skipped (libvirtd itself would refuse
    /// such a file; the lock manager is what matters here).
    public static func parse(_ bytes: [UInt8]) -> LibvirtQemuConf {
        var conf = LibvirtQemuConf()
        var sc = ByteScanner(bytes)
        // Inside `shared_filesystems = [ ... ]`, which may span lines.
        var inList = false
        while let raw = sc.line() {
            var line = raw
            while let f = line.first, f == 0x20 || f == 0x09 { line = line.dropFirst() }
            if line.first == UInt8(ascii: "#") { continue }
            if line.hasPrefix("shared_filesystems") {
                var rest = line.dropFirst("shared_filesystems".utf8.count)
                while let f = rest.first, f == 0x20 || f == 0x09 { rest = rest.dropFirst() }
                guard rest.first == UInt8(ascii: "=") else { continue }
                rest = rest.dropFirst()
                guard let open = rest.firstIndex(of: UInt8(ascii: "[")) else { continue }
                conf.sharedFilesystems = []
                inList = !collect(rest[(open + 1)...], into: &conf.sharedFilesystems)
                continue
            }
            if inList {
                inList = !collect(line, into: &conf.sharedFilesystems)
                continue
            }
            guard line.hasPrefix("lock_manager") else { continue }
            var rest = line.dropFirst("lock_manager".utf8.count)
            while let f = rest.first, f == 0x20 || f == 0x09 { rest = rest.dropFirst() }
            guard rest.first == UInt8(ascii: "=") else { continue }
            rest = rest.dropFirst()
            while let f = rest.first, f == 0x20 || f == 0x09 { rest = rest.dropFirst() }
            guard let q = rest.first, q == UInt8(ascii: "\"") || q == UInt8(ascii: "'") else { continue }
            rest = rest.dropFirst()
            guard let close = rest.firstIndex(of: q) else { continue }
            let value = rest[rest.startIndex..<close].string
            conf.lockManager = value.isEmpty || value == "nop" ? "none" : value
        }
        return conf
    }

    /// Appends the quoted strings of a list part to `out` up to a closing `]` (outside
    /// quotes) or a `#` comment; true when the list closed.
    static func collect(_ part: ArraySlice<UInt8>, into out: inout [String]) -> Bool {
        var i = part.startIndex
        while i < part.endIndex {
            let c = part[i]
            if c == UInt8(ascii: "]") { return true }
            if c == UInt8(ascii: "#") { return false }
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                guard let close = part[(i + 1)...].firstIndex(of: c) else { return false }
                let value = part[(i + 1)..<close].string
                if !value.isEmpty { out.append(value) }
                i = close + 1
                continue
            }
            i += 1
        }
        return false
    }

    /// Reads and parses `path`; a missing file is the default (no lock manager).
    public static func read(_ path: String) throws -> LibvirtQemuConf {
        do {
            return parse(try FileReader.read(path, maxBytes: 1 << 20))
        } catch let e as SystemError where e.kind == .notFound {
            return LibvirtQemuConf()
        }
    }
}

extension LibvirtQemuConf {
    /// qemu.conf parsed again only when the file changed: its `stat(2)` (inode, size,
    /// modification and change times) is compared every time, the file read only when that
    /// differs (Debian's qemu.conf is about 40 KB of comments). A missing file is the
    /// defaults, asked again next time.
    public final class Watch: Sendable {
        public let path: String
        struct Seen: Equatable {
            var device: UInt64
            var inode: UInt64
            var size: Int64
            var modified: Int64
            var modifiedNanoseconds: Int
            var changed: Int64
            var changedNanoseconds: Int
        }
        let last = Mutex<(Seen, LibvirtQemuConf)?>(nil)

        public init(path: String) {
            self.path = path
        }

        public func current() throws -> LibvirtQemuConf {
            var st = stat()
            guard stat(path, &st) == 0 else {
                last.withLock { $0 = nil }
                return try LibvirtQemuConf.read(path)
            }
            let seen = Seen(
                device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size),
                modified: Int64(st.st_mtim.tv_sec), modifiedNanoseconds: st.st_mtim.tv_nsec,
                changed: Int64(st.st_ctim.tv_sec), changedNanoseconds: st.st_ctim.tv_nsec)
            if let (s, conf) = last.withLock({ $0 }), s == seen { return conf }
            let conf = try LibvirtQemuConf.read(path)
            last.withLock { $0 = (seen, conf) }
            return conf
        }
    }
}
