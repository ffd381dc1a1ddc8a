import HVModel

/// The cumulative figures of one guest that hvtop turns into rates, taken from whichever
/// source has them: libvirt for VMs, the guest's cgroup for containers (and as a fallback).
/// All nil for a shut-off guest.
public struct GuestCounters: Sendable, Equatable {
    /// CPU time used, seconds.
    public var cpuSeconds: Double?
    /// Sum of the vCPUs' delay (runnable, waiting for a host CPU), seconds.
    public var stealSeconds: Double?
    /// Bytes read from and written to its disks.
    public var diskReadBytes: UInt64?
    public var diskWriteBytes: UInt64?
    /// Bytes received and sent on its interfaces.
    public var netRxBytes: UInt64?
    public var netTxBytes: UInt64?

    public init(_ g: Guest) {
        // A shut-off guest runs nothing; libvirt's bulk stats still carry a cpu.time for
        // inactive domains on some hosts (not the guest's), so none is taken.
        guard g.state != .shutoff else { return }
        cpuSeconds = g.cpuTimeSeconds ?? g.cgroup?.cpuUsageSeconds
        stealSeconds = RateMath.sum(g.vcpus.map(\.delaySeconds))
        if g.blockDevices.isEmpty || g.kind == .container && g.cgroup?.blockReadBytes != nil {
            diskReadBytes = g.cgroup?.blockReadBytes
            diskWriteBytes = g.cgroup?.blockWriteBytes
        } else {
            diskReadBytes = RateMath.sum(g.blockDevices.map(\.readBytes))
            diskWriteBytes = RateMath.sum(g.blockDevices.map(\.writeBytes))
        }
        if g.interfaces.isEmpty || g.kind == .container && g.cgroup?.netRxBytes != nil {
            netRxBytes = g.cgroup?.netRxBytes
            netTxBytes = g.cgroup?.netTxBytes
        } else {
            netRxBytes = RateMath.sum(g.interfaces.map(\.rxBytes))
            netTxBytes = RateMath.sum(g.interfaces.map(\.txBytes))
        }
    }

    public init() {}
}
