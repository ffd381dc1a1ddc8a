/// What the exporter needs from a domain's XML: device metadata for the `*_info` series.
/// Parsed only when a domain is new or changed (events, TTL), never on every scrape.
public struct DomainDescription: Sendable, Equatable {
    /// `<domain type=...>`: "kvm", "qemu", "lxc", "test"...
    public var hypervisorType: String = ""
    public var disks: [Disk] = []
    public var interfaces: [Interface] = []

    public struct Disk: Sendable, Equatable {
        /// Target device in the guest, e.g. "vda".
        public var target: String = ""
        public var bus: String = ""
        /// `<disk type=...>`: file, block, network, volume, dir.
        public var type: String = ""
        /// `<disk device=...>`: disk, cdrom, floppy, lun.
        public var device: String = ""
        /// File path, device path, pool/volume, or protocol/name for network disks.
        public var source: String = ""
        public var driverType: String = ""
        public var cache: String = ""
        public var serial: String = ""
        public var readOnly: Bool = false
        public init() {}
    }

    public struct Interface: Sendable, Equatable {
        /// `<interface type=...>`: bridge, network, direct, hostdev, user, ethernet, vhostuser.
        public var type: String = ""
        /// Bridge name, network name, or parent device (direct/macvtap); PCI address for hostdev.
        public var source: String = ""
        /// Host-side device ("vnet0", "macvtap0"); empty when libvirt has none.
        public var target: String = ""
        public var mac: String = ""
        public var model: String = ""
        public init() {}
    }

    public init() {}

    /// Parses libvirt domain XML. Unknown elements are ignored; malformed XML throws.
    public static func parse(_ xml: String) throws -> DomainDescription {
        var d = DomainDescription()
        var path: [String] = []
        var disk: Disk?
        var iface: Interface?
        var inSerial = false
        var hostdevAddr: [String: String] = [:]
        try XMLScanner.scan(Array(xml.utf8)) { ev in
            switch ev {
            case .start(let name, let attrs, _):
                func a(_ k: String) -> String { attrs.first { $0.0 == k }?.1 ?? "" }
                let parent = path.last ?? ""
                path.append(name)
                if path.count == 1 && name == "domain" { d.hypervisorType = a("type") }
                if path.count == 3 && parent == "devices" {
                    if name == "disk" { var x = Disk(); x.type = a("type"); x.device = a("device"); disk = x }
                    if name == "interface" { var x = Interface(); x.type = a("type"); iface = x; hostdevAddr = [:] }
                }
                if disk != nil && path.count == 4 {
                    switch name {
                    case "target": disk!.target = a("dev"); disk!.bus = a("bus")
                    case "driver": disk!.driverType = a("type"); disk!.cache = a("cache")
                    case "readonly": disk!.readOnly = true
                    case "serial": inSerial = true
                    case "source":
                        if !a("file").isEmpty {
                            disk!.source = a("file")
                        } else if !a("dev").isEmpty {
                            disk!.source = a("dev")
                        } else if !a("volume").isEmpty {
                            disk!.source = a("pool") + "/" + a("volume")
                        } else if !a("name").isEmpty {
                            disk!.source = (a("protocol").isEmpty ? "" : a("protocol") + ":") + a("name")
                        } else if !a("dir").isEmpty {
                            disk!.source = a("dir")
                        }
                    default: break
                    }
                }
                if iface != nil && path.count == 4 {
                    switch name {
                    case "mac": iface!.mac = a("address")
                    case "target": iface!.target = a("dev")
                    case "model": iface!.model = a("type")
                    case "source":
                        for k in ["network", "bridge", "dev", "path"] where !a(k).isEmpty { iface!.source = a(k); break }
                    default: break
                    }
                }
                if iface != nil && path.count == 5 && name == "address" && path[3] == "source" {
                    // hostdev interface: <source><address type='pci' domain= bus= slot= function=/></source>
                    for k in ["domain", "bus", "slot", "function"] { hostdevAddr[k] = a(k) }
                }
            case .end(let name):
                if name == "disk" && path.count == 3, let x = disk { d.disks.append(x); disk = nil }
                if name == "interface" && path.count == 3, var x = iface {
                    if x.source.isEmpty, let bus = hostdevAddr["bus"] {
                        func hex(_ s: String?, _ w: Int) -> String {
                            let v = Int((s ?? "0").replacingOccurrences0x(), radix: 16) ?? 0
                            let h = String(v, radix: 16)
                            return String(repeating: "0", count: max(0, w - h.count)) + h
                        }
                        x.source =
                            "\(hex(hostdevAddr["domain"], 4)):\(hex(bus, 2)):\(hex(hostdevAddr["slot"], 2)).\(hex(hostdevAddr["function"], 1))"
                    }
                    d.interfaces.append(x)
                    iface = nil
                }
                if name == "serial" { inSerial = false }
                if !path.isEmpty { path.removeLast() }
            case .text(let t):
                if inSerial && disk != nil { disk!.serial += t }
            }
        }
        return d
    }
}

extension String {
    /// "0x1f" -> "1f".
    fileprivate func replacingOccurrences0x() -> Substring {
        hasPrefix("0x") || hasPrefix("0X") ? dropFirst(2) : Substring(self)
    }
}
