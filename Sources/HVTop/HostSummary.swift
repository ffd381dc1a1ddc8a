import HVModel

/// The host line: capacity, what the guests use, and overcommit.
public struct HostSummary: Sendable, Equatable {
    public var hostname: String
    /// Host CPUs, and the guests' CPU use summed, percent of one CPU.
    public var cpus: Int?
    public var guestCPUPercent: Double?
    /// vCPUs of running guests, and vCPUs per host CPU.
    public var guestVCPUs: Int?
    public var vcpuOvercommit: Double?
    /// Host memory, bytes.
    public var memoryTotalBytes: UInt64?
    public var memoryAvailableBytes: UInt64?
    /// Memory given to running guests, bytes, and that over host memory.
    public var guestMemoryBytes: UInt64?
    public var memoryOvercommit: Double?
    /// KSM: pages deduplicated (sharing), as bytes at 4 KiB pages.
    public var ksmSavedBytes: UInt64?
    /// libvirt connection: nil when the collector is off.
    public var libvirtUp: Bool?
    public var libvirtError: String?
    /// Guests by state name, and in total.
    public var guestsByState: [String: Int]
    public var guests: Int
    /// True when `host` facts came from the snapshot (else sums over guests only).
    public var hasHostFacts: Bool

    public init(_ s: Snapshot, rows: [GuestRow]) {
        hostname = s.hostname
        let h = s.host
        hasHostFacts = h != nil
        cpus = h?.cpus
        let running = s.guests.filter { $0.state == .running || $0.state == .paused || $0.state == .blocked }
        guestVCPUs = h?.guestVCPUs ?? (running.isEmpty ? nil : running.reduce(0) { $0 + ($1.vcpuCurrent ?? $1.vcpus.count) })
        memoryTotalBytes = h?.memoryTotalBytes
        memoryAvailableBytes = h?.memoryAvailableBytes
        guestMemoryBytes =
            h?.guestMemoryBytes ?? (running.isEmpty ? nil : running.reduce(UInt64(0)) { $0 &+ ($1.memoryBytes ?? $1.maxMemoryBytes ?? 0) })
        if let c = cpus, c > 0, let v = guestVCPUs { vcpuOvercommit = Double(v) / Double(c) }
        if let t = memoryTotalBytes, t > 0, let g = guestMemoryBytes { memoryOvercommit = Double(g) / Double(t) }
        if let sharing = h?.ksmPagesSharing { ksmSavedBytes = sharing &* 4096 }
        guestCPUPercent = RateMath.sum(rows.map(\.cpuPercent))
        libvirtUp = s.libvirt?.up
        libvirtError = s.libvirt?.error
        var by: [String: Int] = [:]
        for g in s.guests { by[g.state.rawValue, default: 0] += 1 }
        guestsByState = by
        guests = s.guests.count
    }

    /// "4 running, 2 paused, 1 shutoff", in a fixed state order.
    public var stateCounts: String {
        let order = GuestState.allCases.map(\.rawValue)
        let parts = order.compactMap { st in guestsByState[st].map { "\($0) \(st)" } }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    /// The one-line summary shown under the header.
    public var line: String { parts.joined(separator: " | ") }

    /// The summary in at most `maxLines` lines of `width` characters, split between parts.
    public func lines(width: Int, maxLines: Int = 2) -> [String] {
        var out: [String] = []
        for p in parts {
            if let last = out.last, last.count + 3 + p.count <= width {
                out[out.count - 1] = last + " | " + p
            } else if out.count < maxLines {
                out.append(p)
            } else {
                out[out.count - 1] += " | " + p   // the terminal cuts it
            }
        }
        return out
    }

    /// The summary's parts: CPU, memory, guests, libvirt, missing host facts.
    public var parts: [String] {
        var parts: [String] = []
        var cpu = "CPU"
        if let c = cpus { cpu += " \(c) host CPUs" }
        cpu += ", guests " + (guestCPUPercent.map { Format.percent($0) + "%" } ?? "-")
        if let v = guestVCPUs { cpu += ", \(v) vCPUs" }
        if let o = vcpuOvercommit { cpu += " (\(Format.ratio(o))x)" }
        parts.append(cpu)
        var mem = "Mem"
        if let t = memoryTotalBytes { mem += " \(Format.bytes(t)) total" }
        if let a = memoryAvailableBytes { mem += ", \(Format.bytes(a)) avail" }
        if let g = guestMemoryBytes { mem += ", guests \(Format.bytes(g))" }
        if let o = memoryOvercommit { mem += " (\(Format.ratio(o))x)" }
        if let k = ksmSavedBytes, k > 0 { mem += ", KSM saves \(Format.bytes(k))" }
        parts.append(mem)
        parts.append("Guests \(guests): \(stateCounts)")
        switch libvirtUp {
        case true?: parts.append("libvirt up")
        case false?: parts.append("libvirt DOWN" + (libvirtError.map { " (\($0))" } ?? ""))
        case nil: parts.append("libvirt: collector off")
        }
        if !hasHostFacts { parts.append("host facts: no data (collector host not enabled/available)") }
        return parts
    }
}
