/// What the exporter needs from a storage pool's XML (`virStoragePoolGetXMLDesc`): its type
/// and where its storage lives. Parsed once per pool and connection, never on every scrape.
public struct StoragePoolDescription: Sendable, Equatable {
    /// `<pool type=...>`: dir, fs, netfs, logical, disk, iscsi, iscsi-direct, scsi, mpath, rbd,
    /// sheepdog, gluster, zfs, vstorage.
    public var type: String = ""
    public var name: String = ""
    /// Lower-case UUID.
    public var uuid: String = ""
    /// `<target><path>`: the directory or device directory on the host; empty for network
    /// pools without one (rbd, gluster).
    public var targetPath: String = ""
    /// `<source><host name= port=>`: NFS/iSCSI/Ceph/Gluster servers, "name" or "name:port".
    public var sourceHosts: [String] = []
    /// `<source><device path=>`: block devices (logical, disk, fs pools) or iSCSI IQNs.
    public var sourceDevices: [String] = []
    /// `<source><dir path=>`: the exported directory (netfs, gluster).
    public var sourceDir: String = ""
    /// `<source><name>`: volume group (logical), Ceph pool (rbd), Gluster volume, ZFS pool.
    public var sourceName: String = ""
    /// `<source><format type=>`: nfs, cifs, glusterfs, lvm2, dos, gpt, ext4 ...
    public var sourceFormat: String = ""

    public init() {}

    /// Parses libvirt storage pool XML. Unknown elements are ignored; malformed XML throws
    /// `XMLScanner.Error`; a document whose root is not `<pool>` throws too.
    public static func parse(_ xml: String) throws -> StoragePoolDescription {
        var d = StoragePoolDescription()
        var path: [String] = []
        var sawPool = false
        var text = ""
        try XMLScanner.scan(Array(xml.utf8)) { ev in
            switch ev {
            case .start(let name, let attrs, _):
                func a(_ k: String) -> String { attrs.first { $0.0 == k }?.1 ?? "" }
                path.append(name)
                text = ""
                if path.count == 1 {
                    guard name == "pool" else { throw XMLScanner.Error(offset: 0, reason: "root element is <\(name)>, not <pool>") }
                    sawPool = true
                    d.type = a("type")
                }
                if path.count == 3 && path[1] == "source" {
                    switch name {
                    case "host":
                        let host = a("name")
                        if !host.isEmpty { d.sourceHosts.append(a("port").isEmpty ? host : "\(host):\(a("port"))") }
                    case "device": if !a("path").isEmpty { d.sourceDevices.append(a("path")) }
                    case "dir": d.sourceDir = a("path")
                    case "format": d.sourceFormat = a("type")
                    default: break
                    }
                }
            case .text(let t):
                text += t
            case .end(let name):
                let trimmed = text.trimmingSpaces()
                switch path.count {
                case 2 where name == "name": d.name = trimmed
                case 2 where name == "uuid": d.uuid = trimmed.lowercased()
                case 3 where name == "path" && path[1] == "target": d.targetPath = trimmed
                case 3 where name == "name" && path[1] == "source": d.sourceName = trimmed
                default: break
                }
                text = ""
                if !path.isEmpty { path.removeLast() }
            }
        }
        guard sawPool else { throw XMLScanner.Error(offset: 0, reason: "no <pool> element") }
        guard path.isEmpty else { throw XMLScanner.Error(offset: xml.utf8.count, reason: "<\(path.last!)> not closed") }
        return d
    }
}

extension String {
    /// Without leading and trailing ASCII white space (space, tab, CR, LF).
    fileprivate func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
