import Glibc
import HVLibvirt
import HVSystem

/// The interface figures of a paused QEMU domain, read by the exporter from the host's
/// `/proc/net/dev` instead of asked of libvirtd.
///
/// Why: libvirtd answers a domain's interface statistics by reading and parsing the whole of
/// `/proc/net/dev` once per interface; for paused domains (whose other figures are cached, see
/// `LibvirtCollector`) that was nearly all the work of their per-scrape call. Measured in the
/// lab, 62 paused domains: 4.7 ms of libvirtd CPU per call with interfaces, 0.3 ms without.
/// One read here serves every domain.
///
/// The figures are libvirt's, made the way libvirt makes them for a tap device
/// (`virNetDevTapInterfaceStats` with `swapped`, libvirt's choice for `bridge` and `network`
/// interfaces: what the tap transmits the guest receives): `net.count` (every `<interface>`),
/// then per interface `net.<i>.name` and `rx`/`tx` `bytes`, `pkts`, `errs`, `drop`. Only a
/// domain whose interfaces are all of type `bridge` or `network` with a host device that is a
/// tun/tap device here (`/sys/class/net/<dev>/tun_flags`: a `network` of macvtap or direct type
/// is not, and libvirt does not swap those) is served this way, and only for a local libvirtd
/// (`isLocal`); the others are asked of libvirtd as before.
enum TapCounters {
    /// A URI whose libvirtd runs on this host: no host part (`qemu:///system`,
    /// `qemu+unix:///system`).
    static func isLocal(_ uri: String) -> Bool {
        uri.hasPrefix("qemu:///") || uri.hasPrefix("qemu+unix:///")
    }

    /// Whether every interface of `desc` is a tap device this host shows.
    static func servable(_ desc: DomainDescription, sysClassNet: String = "/sys/class/net") -> Bool {
        desc.interfaces.allSatisfy { i in
            (i.type == "bridge" || i.type == "network") && !i.target.isEmpty && !i.target.contains("/")
                && access(sysClassNet + "/" + i.target + "/tun_flags", F_OK) == 0
        }
    }

    /// The `net.*` parameters libvirt would give for `desc`, from the host's counters (an
    /// interface missing there gets its name only, as libvirt does when its read fails).
    static func parameters(_ desc: DomainDescription, counters: [String: NetDevCounters]) -> [(key: String, value: TypedValue)] {
        var out: [(key: String, value: TypedValue)] = [("net.count", .uint(UInt64(desc.interfaces.count)))]
        for (i, iface) in desc.interfaces.enumerated() {
            out.append(("net.\(i).name", .string(iface.target)))
            guard let c = counters[iface.target] else { continue }
            // Swapped: the host side's transmit is the guest's receive.
            out.append(("net.\(i).rx.bytes", .uint(c.transmitBytes)))
            out.append(("net.\(i).rx.pkts", .uint(c.transmitPackets)))
            if let v = c.transmitErrors { out.append(("net.\(i).rx.errs", .uint(v))) }
            if let v = c.transmitDrops { out.append(("net.\(i).rx.drop", .uint(v))) }
            out.append(("net.\(i).tx.bytes", .uint(c.receiveBytes)))
            out.append(("net.\(i).tx.pkts", .uint(c.receivePackets)))
            if let v = c.receiveErrors { out.append(("net.\(i).tx.errs", .uint(v))) }
            if let v = c.receiveDrops { out.append(("net.\(i).tx.drop", .uint(v))) }
        }
        return out
    }
}
