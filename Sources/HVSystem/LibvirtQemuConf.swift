/// The settings of libvirt's `/etc/libvirt/qemu.conf` the exporter reports (libvirt's conf
/// syntax: `key = "string"` or `key = number`, `#` comments, lists in brackets).
public struct LibvirtQemuConf: Sendable, Equatable {
    /// `lock_manager`: "lockd" (virtlockd), "sanlock"; "none" when unset (libvirt's "nop":
    /// nothing stops two hosts from starting the same disk).
    public var lockManager: String

    public init(lockManager: String = "none") { self.lockManager = lockManager }

    /// Parses the file's text. Lines it cannot read are skipped (libvirtd itself would refuse
    /// such a file; the lock manager is what matters here).
    public static func parse(_ bytes: [UInt8]) -> LibvirtQemuConf {
        var conf = LibvirtQemuConf()
        var sc = ByteScanner(bytes)
        while let raw = sc.line() {
            var line = raw
            while let f = line.first, f == 0x20 || f == 0x09 { line = line.dropFirst() }
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

    /// Reads and parses `path`; a missing file is the default (no lock manager).
    public static func read(_ path: String) throws -> LibvirtQemuConf {
        do {
            return parse(try FileReader.read(path, maxBytes: 1 << 20))
        } catch let e as SystemError where e.kind == .notFound {
            return LibvirtQemuConf()
        }
    }
}
