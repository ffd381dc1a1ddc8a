import HVLibvirt
import HVModel
import HVRuntime
import HVSystem
import Logging

/// Gathers the facts of a migration pre-flight (`hvtop check migratable`): the guest from
/// this host's libvirtd, then the target libvirtd's answers, every connection read-only.
///
/// Never hangs: each libvirtd gets `timeout` (the open included, as `LibvirtLane` opens
/// under a deadline); a target that does not answer in time (a closed port fails at once, a
/// peer that accepts and never answers runs into the deadline) throws a `CollectError`
/// saying so, and the abandoned call keeps its worker thread until libvirt gives up.
public enum MigrationPreflightProbe {
    /// - Parameters:
    ///   - guest: name or UUID of the guest on this host.
    ///   - localURI: this host's libvirtd (`--libvirt.uri`).
    ///   - targetURI: the target libvirtd (`--to`).
    ///   - timeout: how long each libvirtd may take for all its answers.
    ///   - cpuReadWrite: compare the CPU over a read-write connection of its own (the target
    ///     refuses `virConnectCompareHypervisorCPU` to read-only clients); every other call
    ///     stays read-only.
    public static func run(
        guest: String, localURI: String, targetURI: String, timeout: Duration, cpuReadWrite: Bool = false, procfs: String = "/proc",
        qemuConf: String = "/etc/libvirt/qemu.conf", logger: Logger
    ) throws(CollectError) -> MigrationPreflight {
        // --- this host -------------------------------------------------------------------
        let localDeadline = ContinuousClock.now + timeout
        let local = LibvirtLane(uri: localURI, purpose: "migration pre-flight (local)", logger: logger)
        struct LocalFacts: Sendable {
            var name: String
            var uuid: String
            var xml: String
            var persistent: Bool?
            var active: Bool
            var pools: [StoragePool]
        }
        // The list and the guest's own calls in one go: a domain handle belongs to the
        // connection it was listed on (libvirt sends its calls there), so a call made again on
        // a fresh connection lists again.
        let found = try local.call("guest definition", until: localDeadline) { c throws(LibvirtError) -> LocalFacts? in
            let domains = try c.listAllDomains()
            guard let dom = domains.first(where: { $0.name == guest }) ?? domains.first(where: { $0.uuid == guest.lowercased() }) else {
                return nil
            }
            let active = try dom.isActive()
            let xml = try dom.xmlDescription()
            var pools: [StoragePool] = []
            for p in (try? c.listAllStoragePools()) ?? [] {
                var m = StoragePool(name: p.name, state: 0)
                if let d = try? StoragePoolDescription.parse(try p.xmlDescription()) {
                    m.type = d.type
                    m.targetPath = d.targetPath
                    m.source = d.sourceName.isEmpty ? nil : d.sourceName
                }
                m.state = (try? p.info().state) ?? 0
                pools.append(m)
            }
            return LocalFacts(name: dom.name, uuid: dom.uuid, xml: xml, persistent: try? dom.isPersistent(), active: active, pools: pools)
        }
        guard let facts = found else { throw CollectError("no guest \"\(guest)\" on \(localURI)") }
        let desc = try? DomainDescription.parse(facts.xml)
        var out = MigrationPreflight(guest: facts.name, uuid: facts.uuid, targetURI: targetURI)
        out.active = facts.active
        out.persistent = facts.persistent
        out.memoryBytes = desc?.memoryBytes
        let mounts = try? ProcFS(root: procfs).mountTable()
        let sharedPaths = (try? LibvirtQemuConf.read(qemuConf))?.sharedFilesystems ?? []
        var g = Guest(name: facts.name, uuid: facts.uuid, kind: .vm, driver: "qemu", state: facts.active ? .running : .shutoff)
        g.blockDevices = (desc?.disks ?? []).map { d in
            var b = BlockDevice(target: d.target, source: d.source)
            b.diskType = d.type
            b.device = d.device
            return b
        }
        out.blockers =
            (MigrationAssessment.blockers(desc, persistent: facts.persistent)
            + MigrationAssessment.storageBlockers(g, pools: facts.pools, mounts: mounts, sharedPaths: sharedPaths)).sorted(
                by: MigrationAssessment.order)
        struct DiskPlan: Sendable {
            var check: MigrationPreflight.DiskCheck
            /// Path to ask the target's pools about (disks in a shared pool).
            var askPath: String?
            /// Pool and volume to ask the target about (volume disks in a shared pool).
            var askVolume: (pool: String, volume: String)?
        }
        var plans: [DiskPlan] = []
        for d in desc?.disks ?? [] where !d.source.isEmpty {
            let l = MigrationAssessment.locality(
                diskType: d.type, source: d.source, pools: facts.pools, mounts: mounts, sharedPaths: sharedPaths)
            let path = l.path ?? (d.type == "volume" ? nil : d.source)
            plans.append(
                DiskPlan(
                    check: MigrationPreflight.DiskCheck(
                        target: d.target, source: d.source, device: d.device, shared: l.shared, why: l.why, presentOnTarget: nil),
                    askPath: l.shared && l.pool != nil && d.type != "network" && d.type != "volume" ? path : nil,
                    askVolume: l.shared && d.type == "volume" ? (d.sourcePool, d.sourceVolume) : nil))
        }
        let wantedNetworks = Array(Set((desc?.interfaces ?? []).filter { $0.type == "network" }.map(\.source))).sorted()
        let wantedPools = Array(Set((desc?.disks ?? []).map(\.sourcePool).filter { !$0.isEmpty })).sorted()
        let cpuXML = DomainDescription.cpuElement(in: facts.xml)

        // --- the target ------------------------------------------------------------------
        let deadline = ContinuousClock.now + timeout
        let target = LibvirtLane(uri: targetURI, purpose: "migration target", logger: logger)
        do {
            _ = try target.connection(until: deadline)
        } catch {
            if error.timedOut || ContinuousClock.now >= deadline {
                throw CollectError(
                    "target \(targetURI) did not answer within \(format(timeout)) (nothing listening that speaks libvirt, or packets dropped)",
                    timedOut: true)
            }
            throw CollectError("target \(targetURI) could not be reached: \(error.description)")
        }
        func ask<T: Sendable>(_ what: String, _ work: @escaping @Sendable (LibvirtConnection) throws(LibvirtError) -> T) -> T? {
            do {
                return try target.call(what, until: deadline, work)
            } catch {
                out.errors.append(error.timedOut ? "\(what): no answer within \(format(timeout))" : error.description)
                return nil
            }
        }
        out.targetHost = ask("virConnectGetHostname") { c throws(LibvirtError) in try c.hostname() }
        out.targetFreeMemoryBytes = ask("virNodeGetFreeMemory") { c throws(LibvirtError) in try c.freeMemoryBytes() }
        let uuid = facts.uuid
        let name = facts.name
        out.sameUUID =
            ask("virDomainLookupByUUIDString") { c throws(LibvirtError) -> MigrationPreflight.TargetDomain? in
                guard let d = try c.domain(uuid: uuid) else { return nil }
                return MigrationPreflight.TargetDomain(name: d.name, uuid: d.uuid, active: try d.isActive(), autostart: try? d.autostart())
            } ?? nil
        out.sameName =
            ask("virDomainLookupByName") { c throws(LibvirtError) -> MigrationPreflight.TargetDomain? in
                guard let d = try c.domain(name: name), d.uuid != uuid else { return nil }
                return MigrationPreflight.TargetDomain(name: d.name, uuid: d.uuid, active: try d.isActive(), autostart: try? d.autostart())
            } ?? nil
        if !wantedNetworks.isEmpty {
            let table = ask("virConnectListAllNetworks") { c throws(LibvirtError) -> [String: Bool] in
                try c.networks().reduce(into: [String: Bool]()) { $0[$1.name] = $1.active }
            }
            out.networks = wantedNetworks.map { n in
                MigrationPreflight.Requirement(name: n, present: table.map { $0[n] != nil }, active: table?[n])
            }
        }
        if !wantedPools.isEmpty {
            let have = ask("virConnectListAllStoragePools") { c throws(LibvirtError) -> [String: Bool] in
                var t: [String: Bool] = [:]
                for p in try c.listAllStoragePools() { t[p.name] = (try? p.info().state) == 2 }
                return t
            }
            out.pools = wantedPools.map { p in MigrationPreflight.Requirement(name: p, present: have.map { $0[p] != nil }, active: have?[p])
            }
        }
        for i in plans.indices {
            if let v = plans[i].askVolume {
                plans[i].check.presentOnTarget = ask("volume \(v.pool)/\(v.volume)") { c throws(LibvirtError) in
                    try c.storageVolumeExists(pool: v.pool, volume: v.volume)
                }
            }
            guard let path = plans[i].askPath else { continue }
            plans[i].check.presentOnTarget = ask("virStorageVolLookupByPath \(path)") { c throws(LibvirtError) in
                try c.storageVolumeExists(path: path)
            }
        }
        out.disks = plans.map(\.check)
        if desc?.cpuMode == "host-passthrough" {
            out.cpu = .notCompared("host-passthrough: runs only on a host with the identical CPU and microcode; libvirt cannot compare it")
        } else if let cpuXML {
            let (arch, virt) = (desc?.arch, desc?.hypervisorType)
            let lane = cpuReadWrite ? LibvirtLane(uri: targetURI, purpose: "migration target CPU", readOnly: false, logger: logger) : target
            do {
                let (r, call) = try lane.call("CPU comparison", until: deadline) {
                    c throws(LibvirtError) -> Result<(LibvirtConnection.CPUComparison, call: String), LibvirtError> in
                    do throws(LibvirtError) {
                        return .success(
                            try c.compareCPU(
                                cpuXML, arch: arch?.isEmpty == false ? arch : nil, virtType: virt?.isEmpty == false ? virt : nil))
                    } catch {
                        return .failure(error)
                    }
                }.get()
                switch r {
                case .identical: out.cpu = .compatible("identical", call: call)
                case .superset: out.cpu = .compatible("superset", call: call)
                case .incompatible: out.cpu = .incompatible(call: call)
                }
            } catch let e as LibvirtError where LibvirtConnection.isReadOnlyRefusal(e) {
                out.cpu = .refusedReadOnly
            } catch let e as LibvirtError {
                out.cpu = .failed(e.description)
            } catch {
                out.cpu = .failed("\(error)")
            }
        } else {
            out.cpu = .notCompared("the guest has no <cpu> element (the hypervisor's default model)")
        }
        return out
    }

    static func format(_ d: Duration) -> String {
        let s = d.seconds
        return s == s.rounded() ? "\(Int(s))s" : "\(s)s"
    }
}
