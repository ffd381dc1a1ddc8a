/// What the exporter needs from a domain's XML: device metadata for the `*_info` series.
/// Parsed only when a domain is new or changed (events, TTL), never on every scrape.
public struct DomainDescription: Sendable, Equatable {
    /// `<domain type=...>`: "kvm", "qemu", "lxc", "test"...
    public var hypervisorType: String = ""
    public var disks: [Disk] = []
    public var interfaces: [Interface] = []
    /// `<name>` and `<uuid>` (lower-case).
    public var name: String = ""
    public var uuid: String = ""
    /// `<memory>`: the guest's maximum memory, bytes; nil when absent or unreadable.
    public var memoryBytes: UInt64?
    /// `<os><type arch= machine=>`: "x86_64", "pc-i440fx-7.2".
    public var arch: String = ""
    public var machine: String = ""
    /// `<devices><emulator>`: the QEMU binary.
    public var emulator: String = ""
    /// `<cpu mode=...>`: "host-passthrough", "host-model", "custom", "maximum"; "" without `<cpu>`.
    public var cpuMode: String = ""
    /// `<cpu><model>`: the named CPU model ("Skylake-Server"...); "" when none.
    public var cpuModel: String = ""
    /// Plain `<hostdev>` devices (PCI, USB, mediated, SCSI passthrough).
    public var hostDevices: [HostDevice] = []
    /// `<shmem name=...>` devices (ivshmem), by name.
    public var sharedMemory: [String] = []
    /// `<filesystem>` devices whose driver is `virtiofs` (a vhost-user device), by target.
    public var virtioFilesystems: [String] = []

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
        /// `<shareable/>`: meant to be opened by several guests at once (cluster filesystems).
        public var shareable: Bool = false
        /// `<source protocol=...>` of a network disk: rbd, iscsi, nbd, gluster, http...
        public var sourceProtocol: String = ""
        /// `<source name=...>` of a network disk: "pool/image" (rbd), "iqn.../lun" (iscsi).
        public var sourceName: String = ""
        /// First `<source><host name= port=>` of a network disk, "name" or "name:port".
        public var sourceHost: String = ""
        /// `<source pool= volume=>` of a volume disk.
        public var sourcePool: String = ""
        public var sourceVolume: String = ""
        public init() {}
    }

    /// One `<hostdev>`: a host device passed through to the guest.
    public struct HostDevice: Sendable, Equatable {
        /// `<hostdev mode=...>`: "subsystem" or "capabilities".
        public var mode: String = ""
        /// `<hostdev type=...>`: pci, usb, mdev, scsi, scsi_host (subsystem); storage, misc, net.
        public var type: String = ""
        /// Which device: "0000:06:12.5" (PCI), "bus 14 device 6" or "vendor 0x1234 product
        /// 0x5678" (USB), the mdev UUID, the SCSI adapter and address; "" when the XML has none.
        public var address: String = ""
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
        var hostdev: HostDevice?
        var hostdevParts: [String: String] = [:]
        var filesystemDriver = ""
        var filesystemTarget = ""
        var inFilesystem = false
        var inCPUModel = false
        var topText = ""
        var memoryUnit = ""
        try XMLScanner.scan(Array(xml.utf8)) { ev in
            switch ev {
            case .start(let name, let attrs, _):
                func a(_ k: String) -> String { attrs.first { $0.0 == k }?.1 ?? "" }
                let parent = path.last ?? ""
                path.append(name)
                if path.count == 1 && name == "domain" { d.hypervisorType = a("type") }
                if path.count == 2 { topText = "" }
                if path.count == 2 && name == "memory" { memoryUnit = a("unit") }
                if path.count == 3 && parent == "os" && name == "type" { d.arch = a("arch"); d.machine = a("machine") }
                if path.count == 3 && parent == "devices" && name == "emulator" { topText = "" }
                if path.count == 2 && name == "cpu" { d.cpuMode = a("mode").isEmpty ? "custom" : a("mode") }
                if path.count == 3 && parent == "cpu" && name == "model" { inCPUModel = true }
                if path.count == 3 && parent == "devices" {
                    if name == "disk" { var x = Disk(); x.type = a("type"); x.device = a("device"); disk = x }
                    if name == "interface" { var x = Interface(); x.type = a("type"); iface = x; hostdevAddr = [:] }
                    if name == "hostdev" {
                        var x = HostDevice()
                        x.mode = a("mode")
                        x.type = a("type")
                        hostdev = x
                        hostdevParts = [:]
                    }
                    if name == "shmem" { d.sharedMemory.append(a("name")) }
                    if name == "filesystem" { inFilesystem = true; filesystemDriver = ""; filesystemTarget = "" }
                }
                if hostdev != nil && path.count >= 5 && path[3] == "source" {
                    // <source><address .../></source>, <source><vendor id=/><product id=/></source>,
                    // <source><adapter name=/><address bus= target= unit=/></source>
                    switch name {
                    case "address":
                        for (k, v) in attrs where k != "type" { hostdevParts[k] = v }
                    case "vendor": hostdevParts["vendor"] = a("id")
                    case "product": hostdevParts["product"] = a("id")
                    case "adapter": hostdevParts["adapter"] = a("name")
                    default: break
                    }
                }
                if inFilesystem && path.count == 4 {
                    if name == "driver" { filesystemDriver = a("type") }
                    if name == "target" { filesystemTarget = a("dir") }
                }
                if disk != nil && path.count == 4 {
                    switch name {
                    case "target": disk!.target = a("dev"); disk!.bus = a("bus")
                    case "driver": disk!.driverType = a("type"); disk!.cache = a("cache")
                    case "readonly": disk!.readOnly = true
                    case "shareable": disk!.shareable = true
                    case "serial": inSerial = true
                    case "source":
                        disk!.sourceProtocol = a("protocol")
                        disk!.sourceName = a("name")
                        disk!.sourcePool = a("pool")
                        disk!.sourceVolume = a("volume")
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
                if disk != nil && path.count == 5 && path[3] == "source" && name == "host" && disk!.sourceHost.isEmpty {
                    disk!.sourceHost = a("name") + (a("port").isEmpty ? "" : ":" + a("port"))
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
                if path.count == 2 {
                    switch name {
                    case "name": d.name = topText
                    case "uuid": d.uuid = topText.lowercased()
                    case "memory": d.memoryBytes = Self.bytes(topText, unit: memoryUnit)
                    default: break
                    }
                }
                if path.count == 3 && name == "emulator" && path[1] == "devices" { d.emulator = topText }
                if name == "disk" && path.count == 3, let x = disk { d.disks.append(x); disk = nil }
                if name == "interface" && path.count == 3, var x = iface {
                    if x.source.isEmpty, let bus = hostdevAddr["bus"] {
                        x.source =
                            "\(Self.hex(hostdevAddr["domain"], 4)):\(Self.hex(bus, 2)):\(Self.hex(hostdevAddr["slot"], 2)).\(Self.hex(hostdevAddr["function"], 1))"
                    }
                    d.interfaces.append(x)
                    iface = nil
                }
                if name == "hostdev" && path.count == 3, var x = hostdev {
                    x.address = Self.hostDeviceAddress(type: x.type, hostdevParts)
                    d.hostDevices.append(x)
                    hostdev = nil
                }
                if name == "filesystem" && path.count == 3 {
                    if filesystemDriver == "virtiofs" { d.virtioFilesystems.append(filesystemTarget) }
                    inFilesystem = false
                }
                if name == "model" { inCPUModel = false }
                if name == "serial" { inSerial = false }
                if !path.isEmpty { path.removeLast() }
            case .text(let t):
                if inSerial && disk != nil { disk!.serial += t }
                if inCPUModel { d.cpuModel += t }
                if path.count == 2 || (path.count == 3 && path[2] == "emulator") { topText += t }
            }
        }
        return d
    }

    /// How a `<hostdev>`'s source reads: "0000:06:12.5" for PCI, "bus 14 device 6" or
    /// "vendor 0x1234 product 0x5678" for USB, the UUID for mdev, "adapter:bus:target:unit"
    /// for SCSI.
    static func hostDeviceAddress(type: String, _ p: [String: String]) -> String {
        switch type {
        case "pci" where p["bus"] != nil:
            return "\(hex(p["domain"], 4)):\(hex(p["bus"], 2)):\(hex(p["slot"], 2)).\(hex(p["function"], 1))"
        case "usb":
            if let bus = p["bus"], let dev = p["device"] { return "bus \(bus) device \(dev)" }
            if let v = p["vendor"], let pr = p["product"] { return "vendor \(v) product \(pr)" }
            return ""
        case "mdev":
            return p["uuid"] ?? ""
        case "scsi":
            guard let adapter = p["adapter"] else { return "" }
            return [adapter, p["bus"] ?? "", p["target"] ?? "", p["unit"] ?? ""].joined(separator: ":")
        default:
            return p["uuid"] ?? ""
        }
    }

    /// A libvirt memory size with its unit (default KiB) in bytes; nil when unreadable.
    static func bytes(_ text: String, unit: String) -> UInt64? {
        let digits = text.filter { $0 != " " && $0 != "\n" && $0 != "\t" }
        guard let v = UInt64(digits) else { return nil }
        let scale: UInt64
        switch unit {
        case "b", "bytes": scale = 1
        case "", "k", "KiB": scale = 1 << 10
        case "KB": scale = 1000
        case "M", "MiB": scale = 1 << 20
        case "MB": scale = 1_000_000
        case "G", "GiB": scale = 1 << 30
        case "GB": scale = 1_000_000_000
        case "T", "TiB": scale = 1 << 40
        case "TB": scale = 1_000_000_000_000
        default: return nil
        }
        let (r, o) = v.multipliedReportingOverflow(by: scale)
        return o ? nil : r
    }

    /// A hexadecimal XML number ("0x06", "6") as `width` lower-case hex digits.
    static func hex(_ s: String?, _ width: Int) -> String {
        let v = Int((s ?? "0").replacingOccurrences0x(), radix: 16) ?? 0
        let h = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - h.count)) + h
    }

    /// The raw `<cpu>...</cpu>` element of a domain XML (what
    /// `virConnectCompareHypervisorCPU` takes), or nil when the domain has none.
    public static func cpuElement(in xml: String) -> String? {
        let b = Array(xml.utf8)
        let open = Array("<cpu".utf8)
        let close = Array("</cpu>".utf8)
        func matches(_ pat: [UInt8], at i: Int) -> Bool {
            i + pat.count <= b.count && b[i..<(i + pat.count)].elementsEqual(pat)
        }
        var i = 0
        while i < b.count {
            guard matches(open, at: i) else { i += 1; continue }
            let next = i + open.count < b.count ? b[i + open.count] : 0
            guard next == UInt8(ascii: " ") || next == UInt8(ascii: ">") || next == UInt8(ascii: "/") || next == 0x0A || next == 0x09 else {
                i += 1
                continue
            }
            // End of the start tag.
            var j = i + open.count
            var quote: UInt8 = 0
            while j < b.count {
                let c = b[j]
                if quote != 0 {
                    if c == quote { quote = 0 }
                } else if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                    quote = c
                } else if c == UInt8(ascii: ">") {
                    break
                }
                j += 1
            }
            guard j < b.count else { return nil }
            if b[j - 1] == UInt8(ascii: "/") { return String(decoding: b[i...j], as: UTF8.self) }
            var k = j + 1
            while k < b.count, !matches(close, at: k) { k += 1 }
            guard k < b.count else { return nil }
            return String(decoding: b[i..<(k + close.count)], as: UTF8.self)
        }
        return nil
    }
}

extension String {
    /// "0x1f" -> "1f".
    fileprivate func replacingOccurrences0x() -> Substring {
        hasPrefix("0x") || hasPrefix("0X") ? dropFirst(2) : Substring(self)
    }
}
