import HVModel

@testable import HVTop

/// Hand-made snapshots: two samples ten seconds apart with a VM, a paused VM, a shut-off VM
/// and a container, plus md arrays and pools in chosen states.
enum Fixtures {
    static let t0 = 1_700_000_000.0

    static func vm(
        _ name: String, uuid: String, state: GuestState = .running, cpu: Double?, delay: [Double] = [],
        read: UInt64? = nil, written: UInt64? = nil, rx: UInt64? = nil, tx: UInt64? = nil, rss: UInt64? = nil
    ) -> Guest {
        var g = Guest(name: name, uuid: uuid, kind: .vm, driver: "qemu", state: state)
        g.listedByLibvirt = true
        g.cpuTimeSeconds = cpu
        g.memoryBytes = 1 << 30
        g.maxMemoryBytes = 2 << 30
        g.vcpuCurrent = max(1, delay.count)
        g.vcpus = delay.enumerated().map { i, d in
            var v = VCPUStats(index: i)
            v.delaySeconds = d
            v.timeSeconds = 1
            return v
        }
        var b = BlockDevice(target: "vda", source: "/var/lib/libvirt/images/\(name).qcow2")
        b.readBytes = read
        b.writeBytes = written
        b.capacityBytes = 10 << 30
        g.blockDevices = [b]
        var n = NetInterface(target: "vnet-\(name)")
        n.rxBytes = rx
        n.txBytes = tx
        n.mac = "52:54:00:00:00:01"
        g.interfaces = [n]
        if let rss {
            var bal = BalloonStats()
            bal.rssBytes = rss
            g.balloon = bal
        }
        g.persistent = true
        return g
    }

    static func container(_ name: String, cpu: Double, usage: UInt64) -> Guest {
        var g = Guest(name: name, uuid: nil, kind: .container, driver: "lxc-tools", state: .running)
        var c = GuestCgroupStats(path: "/lxc.payload.\(name)")
        c.cpuUsageSeconds = cpu
        c.memoryUsageBytes = usage
        c.netRxBytes = 1000
        c.netTxBytes = 2000
        c.processes = 3
        g.cgroup = c
        return g
    }

    static func snapshot(at t: Double, _ guests: [Guest]) -> Snapshot {
        var s = Snapshot(timestampSeconds: t, hostname: "hv1")
        s.guests = guests
        s.collectors = ["libvirt", "processes", "cgroup", "host", "pools", "jobs", "mdraid"].map {
            CollectorStatus(name: $0, success: true, durationSeconds: 0.01)
        }
        s.libvirt = LibvirtStatus(uri: "qemu:///system", up: true, libraryVersion: "9.0.0", daemonVersion: "9.0.0", durationSeconds: 0.05)
        var h = HostFacts()
        h.cpus = 8
        h.memoryTotalBytes = 32 << 30
        h.memoryAvailableBytes = 16 << 30
        h.guestVCPUs = 4
        h.guestMemoryBytes = 3 << 30
        s.host = h
        return s
    }

    /// Earlier sample (t0) and later sample (t0 + 10 s).
    static var pair: (Sample, Sample) {
        let a = snapshot(
            at: t0,
            [
                vm(
                    "web", uuid: "11111111-1111-1111-1111-111111111111", cpu: 100, delay: [1, 1], read: 1000, written: 5000, rx: 100,
                    tx: 200, rss: 900 << 20),
                vm(
                    "db", uuid: "22222222-2222-2222-2222-222222222222", cpu: 500, delay: [2], read: 0, written: 0, rx: 0, tx: 0,
                    rss: 1500 << 20),
                vm(
                    "idle", uuid: "33333333-3333-3333-3333-333333333333", state: .paused, cpu: 10, delay: [0], read: 7, written: 7, rx: 7,
                    tx: 7, rss: 300 << 20),
                vm("off", uuid: "44444444-4444-4444-4444-444444444444", state: .shutoff, cpu: 77),
                container("ct1", cpu: 50, usage: 64 << 20),
            ])
        let b = snapshot(
            at: t0 + 10,
            [
                // web: 5 CPU-seconds in 10 s = 50%; delay 1 s per vCPU over 2 vCPUs = 10% steal
                vm(
                    "web", uuid: "11111111-1111-1111-1111-111111111111", cpu: 105, delay: [2, 2], read: 11_000, written: 5000, rx: 10_100,
                    tx: 200, rss: 900 << 20),
                // db: 15 CPU-seconds = 150%
                vm(
                    "db", uuid: "22222222-2222-2222-2222-222222222222", cpu: 515, delay: [2], read: 1_000_000, written: 2_000_000, rx: 0,
                    tx: 0, rss: 1500 << 20),
                vm(
                    "idle", uuid: "33333333-3333-3333-3333-333333333333", state: .paused, cpu: 10, delay: [0], read: 7, written: 7, rx: 7,
                    tx: 7, rss: 300 << 20),
                vm("off", uuid: "44444444-4444-4444-4444-444444444444", state: .shutoff, cpu: 99),
                container("ct1", cpu: 51, usage: 64 << 20),
            ])
        return (
            Sample(snapshot: a, source: .daemon(url: "test"), receivedAt: 0),
            Sample(snapshot: b, source: .daemon(url: "test"), receivedAt: 10)
        )
    }

    static func md(
        _ dev: String, level: String = "raid1", state: String = "clean", raidDisks: Int = 2, degraded: Int? = 0,
        action: String = "idle", members: [(String, [String], Int?)]
    ) -> MDArray {
        var a = MDArray(device: dev)
        a.level = level
        a.arrayState = state
        a.raidDisks = raidDisks
        a.degraded = degraded
        a.syncAction = action
        a.members = members.map { MDMember(device: $0.0, states: $0.1, slot: $0.2) }
        return a
    }

    static func pool(_ name: String, state: Int = 2, capacity: UInt64 = 100, allocation: UInt64 = 50, autostart: Bool = true) -> StoragePool
    {
        var p = StoragePool(name: name, state: state)
        p.uuid = "aaaaaaaa-0000-0000-0000-" + String(repeating: "0", count: 12 - min(12, name.count)) + String(name.prefix(12))
        p.type = "dir"
        p.capacityBytes = capacity
        p.allocationBytes = allocation
        p.availableBytes = capacity - allocation
        p.autostart = autostart
        return p
    }
}
