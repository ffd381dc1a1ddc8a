import HVSystem

/// Role names of processes and threads in `ProcessEntry.role`, `GuestCgroupStats.threadsByRole`
/// and the `role` label of `hv_guest_threads` / `hv_guest_host_cpu_seconds_total`.
public enum ThreadRole {
    /// A QEMU vCPU thread (`CPU <n>/KVM`, `CPU <n>/TCG`, or the vcpuN cgroup).
    public static let vcpu = "vcpu"
    /// A QEMU I/O thread (`IO iothread1`, `IO mon_iothread`, or the iothreadN cgroup).
    public static let iothread = "iothread"
    /// A vhost worker of the guest (`vhost-<qemupid>`: a kernel thread before Linux 6.4, a thread
    /// of the qemu process since).
    public static let vhost = "vhost"
    /// The QEMU main thread (main loop, device emulation).
    public static let emulator = "emulator"
    /// Other QEMU threads: thread pool `worker`, `call_rcu`, `vnc_worker`, `SPICE Worker`, ...
    public static let worker = "worker"
    /// Per-VM KVM kernel threads (`kvm-pit/<qemupid>`).
    public static let kvm = "kvm"
    /// Host-side helpers of a guest: swtpm, virtiofsd, the LXC monitor, the nspawn supervisor,
    /// libvirt_lxc.
    public static let helper = "helper"
    /// A process or thread running inside a container.
    public static let container = "container"
    /// Not a guest's.
    public static let host = "host"

    /// Classifies a thread of a QEMU process by its comm (QEMU names threads when libvirt
    /// passes `-name ...,debug-threads=on`), with the thread's cgroup part as second evidence.
    public static func qemuThread(comm: String, isMain: Bool, part: CgroupPlacement.Part?) -> (role: String, vcpu: Int?) {
        let v = parseVCPU(comm)
        if v.matched { return (vcpu, v.index) }
        if comm.hasPrefix("IO ") { return (iothread, nil) }
        if comm.hasPrefix("vhost-") { return (vhost, nil) }
        if isMain { return (emulator, nil) }
        switch part {
        case .vcpu(let n)?: return (vcpu, n)
        case .iothread?: return (iothread, nil)
        default: return (worker, nil)
        }
    }

    /// True when a QEMU thread's comm alone gives its role (vCPU, I/O thread, vhost worker).
    static func roleFromComm(_ comm: String) -> Bool {
        parseVCPU(comm).matched || comm.hasPrefix("IO ") || comm.hasPrefix("vhost-")
    }

    /// "CPU 3/KVM" -> (true, 3); "ALL CPUs/TCG" (single-threaded TCG) -> (true, nil).
    static func parseVCPU(_ comm: String) -> (matched: Bool, index: Int?) {
        if comm.hasPrefix("ALL CPUs/") { return (true, nil) }
        guard comm.hasPrefix("CPU ") else { return (false, nil) }
        let rest = comm.dropFirst(4)
        guard let slash = rest.firstIndex(of: "/"),
            let n = Int(rest[rest.startIndex..<slash]), n >= 0
        else { return (false, nil) }
        return (true, n)
    }

    /// The qemu PID in a per-VM kernel thread's comm: `vhost-<pid>` or `kvm-pit/<pid>`.
    static func ownerPID(kernelThreadComm comm: String) -> (pid: Int, role: String)? {
        if comm.hasPrefix("vhost-"), let p = Int(comm.dropFirst(6)), p > 0 { return (p, vhost) }
        if comm.hasPrefix("kvm-pit/"), let p = Int(comm.dropFirst(8)), p > 0 { return (p, kvm) }
        return nil
    }
}
