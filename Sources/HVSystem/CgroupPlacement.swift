/// What a cgroup path says about the guest a task belongs to.
///
/// Recognised layouts (the first, outermost match in the path wins):
/// - libvirt QEMU without systemd: `/machine/qemu-<ID>-<NAME>.libvirt-qemu/{emulator,vcpuN,iothreadN}`
///   (custom partitions: `/machine/prod.partition/qemu-...`; libvirt < 1.3: `/machine/<NAME>.libvirt-qemu`)
/// - libvirt QEMU with systemd: `/machine.slice/machine-qemu\x2d<ID>\x2d<NAME>.scope[/libvirt]/{emulator,vcpuN}`
///   (the `libvirt/` child level appears with libvirt >= 7.1)
/// - libvirt LXC: `/machine/lxc-<ID>-<NAME>.libvirt-lxc`, `/machine/<NAME>.libvirt-lxc`,
///   `/machine.slice/machine-lxc\x2d<ID>\x2d<NAME>.scope` (ID = the libvirt_lxc controller PID)
/// - LXC tools and LXD/Incus: `/lxc.payload.<NAME>` (LXD: `<project>_<name>`, project
///   "default" without prefix), LXC 3.x `/lxc.payload/<NAME>`, LXC 2.x `/lxc/<NAME>`;
///   their monitors `/lxc.monitor.<NAME>`, `/lxc.monitor/<NAME>`
/// - systemd-nspawn: `/machine.slice/systemd-nspawn@<NAME>.service[/payload]`, `/machine.slice/machine-<NAME>.scope`
///
/// The NAME parts are lossy (libvirt drops characters and truncates; systemd escapes):
/// the domain ID is the identity for libvirt layouts, the name only a consistency check.
public struct CgroupPlacement: Sendable, Equatable {
    public enum Owner: Sendable, Equatable {
        /// A libvirt QEMU domain; `name` is the (lossy) name fragment from the path.
        case libvirtQEMU(domainID: Int?, name: String)
        /// A libvirt LXC domain.
        case libvirtLXC(domainID: Int?, name: String)
        /// A container payload of LXC tools or LXD/Incus; `name` as in the path ("c1", "proj_c2").
        case lxc(name: String)
        /// An LXC/LXD monitor process of container `name` (a host-side helper).
        case lxcMonitor(name: String)
        /// A systemd-nspawn (or other machined-registered) machine.
        case nspawn(name: String)
    }

    /// Which part of a libvirt QEMU domain's cgroup the task is in.
    public enum Part: Sendable, Equatable {
        /// Directly in the guest's cgroup (or a part we do not know).
        case guest
        case emulator
        case vcpu(Int)
        case iothread(Int)
        /// The systemd-nspawn supervisor (`.../systemd-nspawn@NAME.service/supervisor`): host side.
        case supervisor
    }

    public var owner: Owner
    /// The path of the guest's own cgroup (e.g. `/machine/qemu-1-vm1.libvirt-qemu`), without
    /// the `libvirt/`, `emulator`, `vcpuN` or container-internal child levels. Stats for the
    /// whole guest are read here.
    public var guestPath: String
    public var part: Part

    public init(owner: Owner, guestPath: String, part: Part = .guest) {
        self.owner = owner
        self.guestPath = guestPath
        self.part = part
    }

    /// Classifies a cgroup path; nil when the path belongs to no recognised guest layout.
    public static func classify(_ path: String) -> CgroupPlacement? {
        let comps = path.split(separator: "/", omittingEmptySubsequences: true)
        var prefix = ""
        for (i, c) in comps.enumerated() {
            let comp = c
            prefix += "/" + comp
            let next: Substring? = i + 1 < comps.count ? comps[i + 1] : nil

            if comp.hasSuffix(".libvirt-qemu") {
                let (id, name) = splitMachineName(comp.dropLast(".libvirt-qemu".count), driver: "qemu")
                return CgroupPlacement(
                    owner: .libvirtQEMU(domainID: id, name: name), guestPath: prefix,
                    part: libvirtPart(comps, after: i))
            }
            if comp.hasSuffix(".libvirt-lxc") {
                let (id, name) = splitMachineName(comp.dropLast(".libvirt-lxc".count), driver: "lxc")
                return CgroupPlacement(
                    owner: .libvirtLXC(domainID: id, name: name), guestPath: prefix,
                    part: .guest)
            }
            if comp.hasPrefix("machine-"), comp.hasSuffix(".scope"), comp.count > "machine-.scope".count {
                let machine = systemdUnescape(comp.dropFirst("machine-".count).dropLast(".scope".count))
                if machine.hasPrefix("qemu-") {
                    let (id, name) = splitMachineName(Substring(machine), driver: "qemu")
                    if id != nil {
                        return CgroupPlacement(
                            owner: .libvirtQEMU(domainID: id, name: name), guestPath: prefix,
                            part: libvirtPart(comps, after: i))
                    }
                }
                if machine.hasPrefix("lxc-") {
                    let (id, name) = splitMachineName(Substring(machine), driver: "lxc")
                    if id != nil {
                        return CgroupPlacement(owner: .libvirtLXC(domainID: id, name: name), guestPath: prefix)
                    }
                }
                return CgroupPlacement(
                    owner: .nspawn(name: machine), guestPath: prefix,
                    part: next == "supervisor" ? .supervisor : .guest)
            }
            if comp.hasPrefix("systemd-nspawn@"), comp.hasSuffix(".service"),
                comp.count > "systemd-nspawn@.service".count
            {
                let name = systemdUnescape(comp.dropFirst("systemd-nspawn@".count).dropLast(".service".count))
                return CgroupPlacement(
                    owner: .nspawn(name: name), guestPath: prefix,
                    part: next == "supervisor" ? .supervisor : .guest)
            }
            if comp.hasPrefix("lxc.payload."), comp.count > "lxc.payload.".count {
                return CgroupPlacement(owner: .lxc(name: String(comp.dropFirst("lxc.payload.".count))), guestPath: prefix)
            }
            if comp.hasPrefix("lxc.monitor."), comp.count > "lxc.monitor.".count {
                return CgroupPlacement(
                    owner: .lxcMonitor(name: String(comp.dropFirst("lxc.monitor.".count))),
                    guestPath: prefix)
            }
            if comp == "lxc.payload" || comp == "lxc", let next {
                return CgroupPlacement(owner: .lxc(name: String(next)), guestPath: prefix + "/" + next)
            }
            if comp == "lxc.monitor", let next {
                return CgroupPlacement(owner: .lxcMonitor(name: String(next)), guestPath: prefix + "/" + next)
            }
        }
        return nil
    }

    /// "qemu-12-vm1" -> (12, "vm1"); "vm1" (old layout without ID) -> (nil, "vm1").
    static func splitMachineName(_ s: Substring, driver: String) -> (Int?, String) {
        let pfx = driver + "-"
        guard s.hasPrefix(pfx) else { return (nil, String(s)) }
        let rest = s.dropFirst(pfx.count)
        guard let dash = rest.firstIndex(of: "-") else { return (nil, String(s)) }
        let digits = rest[rest.startIndex..<dash]
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let id = Int(digits)
        else { return (nil, String(s)) }
        return (id, String(rest[rest.index(after: dash)...]))
    }

    /// The part below a libvirt QEMU guest's cgroup: skips the `libvirt` level (libvirt >= 7.1).
    static func libvirtPart(_ comps: [Substring], after i: Int) -> Part {
        var j = i + 1
        if j < comps.count, comps[j] == "libvirt" { j += 1 }
        guard j < comps.count else { return .guest }
        let c = comps[j]
        if c == "emulator" { return .emulator }
        if c.hasPrefix("vcpu"), let n = Int(c.dropFirst(4)), n >= 0 { return .vcpu(n) }
        if c.hasPrefix("iothread"), let n = Int(c.dropFirst(8)), n >= 0 { return .iothread(n) }
        return .guest
    }

    /// Undoes systemd unit-name escaping (`\x2d` -> "-", any `\xNN` -> that byte).
    public static func systemdUnescape(_ s: Substring) -> String {
        let b = Array(s.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "\\"), i + 3 < b.count, b[i + 1] == UInt8(ascii: "x"),
                let hi = hexValue(b[i + 2]), let lo = hexValue(b[i + 3])
            {
                out.append(hi << 4 | lo)
                i += 4
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        case 65...70: c - 55
        default: nil
        }
    }
}
