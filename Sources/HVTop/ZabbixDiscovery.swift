import HVExpose
import HVModel

/// `hvtop zabbix discovery WHAT`: low-level discovery data in the plain-array form Zabbix
/// 4.2+ takes, `[{"{#GUEST}":"vm1","{#UUID}":"..."}, ...]`.
public enum ZabbixDiscovery: String, Sendable, CaseIterable {
    case guests, disks, interfaces, arrays, pools

    /// The LLD macros each entry carries, for docs and tests.
    public var macros: [String] {
        switch self {
        case .guests: ["{#GUEST}", "{#UUID}", "{#KEY}", "{#KIND}", "{#DRIVER}"]
        case .disks: ["{#GUEST}", "{#UUID}", "{#KEY}", "{#DISK}", "{#DEVICE}", "{#BUS}", "{#SOURCE}"]
        case .interfaces: ["{#GUEST}", "{#UUID}", "{#KEY}", "{#IFNAME}", "{#MAC}", "{#IFTYPE}", "{#IFSOURCE}"]
        case .arrays: ["{#MDDEV}", "{#LEVEL}", "{#MDUUID}"]
        case .pools: ["{#POOL}", "{#POOLTYPE}", "{#POOLUUID}"]
        }
    }

    /// The entries, as macro -> value, in a stable order.
    public func entries(_ s: Snapshot) -> [[(String, String)]] {
        switch self {
        case .guests:
            return s.guests.map { g in
                [("{#GUEST}", g.name), ("{#UUID}", g.uuid ?? ""), ("{#KEY}", g.key), ("{#KIND}", g.kind.rawValue), ("{#DRIVER}", g.driver)]
            }
        case .disks:
            return s.guests.flatMap { g in
                g.blockDevices.map { b in
                    [
                        ("{#GUEST}", g.name), ("{#UUID}", g.uuid ?? ""), ("{#KEY}", g.key), ("{#DISK}", b.target),
                        ("{#DEVICE}", b.device ?? "disk"), ("{#BUS}", b.bus ?? ""), ("{#SOURCE}", b.source),
                    ]
                }
            }
        case .interfaces:
            return s.guests.flatMap { g in
                g.interfaces.filter { !$0.target.isEmpty }.map { n in
                    [
                        ("{#GUEST}", g.name), ("{#UUID}", g.uuid ?? ""), ("{#KEY}", g.key), ("{#IFNAME}", n.target),
                        ("{#MAC}", n.mac ?? ""), ("{#IFTYPE}", n.type ?? ""), ("{#IFSOURCE}", n.source ?? ""),
                    ]
                }
            }
        case .arrays:
            return s.mdArrays.filter { !$0.isContainer }.map { a in
                [("{#MDDEV}", a.device), ("{#LEVEL}", a.level ?? ""), ("{#MDUUID}", a.uuid ?? "")]
            }
        case .pools:
            return s.storagePools.map { p in
                [("{#POOL}", p.name), ("{#POOLTYPE}", p.type ?? ""), ("{#POOLUUID}", p.uuid ?? "")]
            }
        }
    }

    /// The JSON text.
    public func json(_ s: Snapshot) -> String {
        var w = JSONWriter()
        w.beginArray()
        for e in entries(s) {
            w.beginObject()
            for (k, v) in e { w.field(k, v) }
            w.endObject()
        }
        w.endArray()
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
