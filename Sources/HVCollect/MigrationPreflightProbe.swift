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
    public static func run(
        guest: String, localURI: String, targetURI: String, timeout: Duration, procfs: String = "/proc", logger: Logger
    ) throws(CollectError) -> MigrationPreflight {
        // --- this host -------------------------------------------------------------------
        let localDeadline = ContinuousClock.now + timeout
        let local = LibvirtLane(uri: localURI, purpose: "migration pre-flight (local)", logger: logger)
        let domains = try local.call("virConnectListAllDomains", until: localDeadline) { c throws(LibvirtError) in try c.listAllDomains() }
        guard let dom = domains.first(where: { $0.name == guest }) ?? domains.first(where: { $0.uuid == guest.lowercased() }) else {
            throw CollectError("no guest \"\(guest)\" on \(localURI)")
        }
        struct LocalFacts: Sendable {
            var xml: String
            var persistent: Bool?
            var active: Bool
            var pools: [StoragePool]
        }
        let facts = try local.call("guest definition", until: localDeadline) { c throws(LibvirtError) -> LocalFacts in
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
            return LocalFacts(xml: xml, persistent: try? dom.isPersistent(), active: active, pools: pools)
        }
        let desc = try? DomainDescription.parse(facts.xml)
        var out = MigrationPreflight(guest: dom.name, uuid: dom.uuid, targetURI: targetURI)
        out.active = facts.active
        out.persistent = facts.persistent
        out.memoryBytes = desc?.memoryBytes
        let mounts = try? ProcFS(root: procfs).mountInfo()
        var g = Guest(name: dom.name, uuid: dom.uuid, kind: .vm, driver: "qemu", state: facts.active ? .running : .shutoff)
        g.blockDevices = (desc?.disks ?? []).map { d in
            var b = BlockDevice(target: d.target, source: d.source)
            b.diskType = d.type
            b.device = d.device
            return b
        }
        out.blockers = (MigrationAssessment.blockers(desc, persistent: facts.persistent)
            + MigrationAssessment.storageBlockers(g, pools: facts.pools, mounts: mounts)).sorted(by: MigrationAssessment.order)
        struct DiskPlan: Sendable {
            var check: MigrationPreflight.DiskCheck
            /// Path to ask the target's pools about (disks in a shared pool).
            var askPath: String?
        }
        var plans: [DiskPlan] = []
        for d in desc?.disks ?? [] where !d.source.isEmpty {
            let l = MigrationAssessment.locality(diskType: d.type, source: d.source, pools: facts.pools, mounts: mounts)
            let path = l.path ?? (d.type == "volume" ? nil : d.source)
            plans.append(
                DiskPlan(
                    check: MigrationPreflight.DiskCheck(
                        target: d.target, source: d.source, device: d.device, shared: l.shared, why: l.why, presentOnTarget: nil),
                    askPath: l.shared && l.pool != nil && d.type != "network" ? path : nil))
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
            throw CollectError(
                "target \(targetURI) did not answer within \(format(timeout)): \(error.description)", timedOut: error.timedOut)
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
        let uuid = dom.uuid
        let name = dom.name
        out.sameUUID = ask("virDomainLookupByUUIDString") { c throws(LibvirtError) -> MigrationPreflight.TargetDomain? in
            guard let d = try c.domain(uuid: uuid) else { return nil }
            return MigrationPreflight.TargetDomain(name: d.name, uuid: d.uuid, active: try d.isActive(), autostart: try? d.autostart())
        } ?? nil
        out.sameName = ask("virDomainLookupByName") { c throws(LibvirtError) -> MigrationPreflight.TargetDomain? in
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
        if !wantedPools.isEmpty || plans.contains(where: { $0.askPath != nil }) {
            let have = ask("virConnectListAllStoragePools") { c throws(LibvirtError) -> [String: Bool] in
                var t: [String: Bool] = [:]
                for p in try c.listAllStoragePools() { t[p.name] = (try? p.info().state) == 2 }
                return t
            }
            out.pools = wantedPools.map { p in MigrationPreflight.Requirement(name: p, present: have.map { $0[p] != nil }, active: have?[p]) }
        }
        for i in plans.indices {
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
            do {
                let (r, call) = try target.call("CPU comparison", until: deadline) { c throws(LibvirtError) in
                    try c.compareCPU(cpuXML, arch: arch?.isEmpty == false ? arch : nil, virtType: virt?.isEmpty == false ? virt : nil)
                }
                switch r {
                case .identical: out.cpu = .compatible("identical", call: call)
                case .superset: out.cpu = .compatible("superset", call: call)
                case .incompatible: out.cpu = .incompatible(call: call)
                }
            } catch {
                out.cpu = .notCompared("the comparison failed: \(error.description)")
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
