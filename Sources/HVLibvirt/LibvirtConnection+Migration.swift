import CLibvirt
import Glibc

/// What a migration pre-flight asks a target libvirtd (read-only calls, each one RPC).
extension LibvirtConnection {
    /// The result of a CPU comparison (`virCPUCompareResult`).
    public enum CPUComparison: Int32, Sendable {
        case incompatible = 0
        case identical = 1
        case superset = 2
    }

    /// Whether this host's hypervisor can run a guest CPU (`virConnectCompareHypervisorCPU`,
    /// libvirt >= 4.4), falling back to `virConnectCompareCPU` (the host CPU) when the
    /// daemon does not support the former. `cpuXML` is a `<cpu>` element.
    /// - Returns: the comparison and the call that answered.
    public func compareCPU(
        _ cpuXML: String, emulator: String? = nil, arch: String? = nil, machine: String? = nil, virtType: String? = nil
    ) throws(LibvirtError) -> (CPUComparison, call: String) {
        let r = virConnectCompareHypervisorCPU(ptr, emulator, arch, machine, virtType, cpuXML, 0)
        if r >= 0, let c = CPUComparison(rawValue: r) { return (c, "virConnectCompareHypervisorCPU") }
        let first = LibvirtError.last("virConnectCompareHypervisorCPU")
        // A daemon without the call: the host CPU comparison. A read-only client refused
        // (VIR_ERR_OPERATION_DENIED) gets the refusal: the host CPU is not what a TCG guest
        // runs on, and libvirt documents that comparison as inaccurate for KVM too.
        guard first.code == VIR_ERR_NO_SUPPORT.rawValue else { throw first }
        let r2 = virConnectCompareCPU(ptr, cpuXML, 0)
        guard r2 >= 0, let c = CPUComparison(rawValue: r2) else { throw LibvirtError.last("virConnectCompareCPU") }
        return (c, "virConnectCompareCPU")
    }

    /// Free memory of the host (all NUMA nodes), bytes (`virNodeGetFreeMemory`).
    public func freeMemoryBytes() throws(LibvirtError) -> UInt64 {
        let v = virNodeGetFreeMemory(ptr)
        if v == 0 {
            let e = LibvirtError.last("virNodeGetFreeMemory")
            if e.message != "unknown error" { throw e }
        }
        return UInt64(v)
    }

    /// Whether an error is libvirt refusing a call to a read-only connection.
    public static func isReadOnlyRefusal(_ e: LibvirtError) -> Bool { e.code == VIR_ERR_OPERATION_DENIED.rawValue }

    /// Host name of the daemon's machine (`virConnectGetHostname`).
    public func hostname() throws(LibvirtError) -> String {
        guard let p = virConnectGetHostname(ptr) else { throw LibvirtError.last("virConnectGetHostname") }
        defer { free(p) }
        return String(cString: p)
    }

    /// The domain with this UUID, or nil when there is none (`virDomainLookupByUUIDString`).
    public func domain(uuid: String) throws(LibvirtError) -> LibvirtDomain? {
        if let d = virDomainLookupByUUIDString(ptr, uuid) { return LibvirtDomain(owning: d) }
        let e = LibvirtError.last("virDomainLookupByUUIDString")
        if e.code == VIR_ERR_NO_DOMAIN.rawValue { return nil }
        throw e
    }

    /// The domain with this name, or nil when there is none (`virDomainLookupByName`).
    public func domain(name: String) throws(LibvirtError) -> LibvirtDomain? {
        if let d = virDomainLookupByName(ptr, name) { return LibvirtDomain(owning: d) }
        let e = LibvirtError.last("virDomainLookupByName")
        if e.code == VIR_ERR_NO_DOMAIN.rawValue { return nil }
        throw e
    }

    /// Virtual networks with whether each is active (`virConnectListAllNetworks`).
    public func networks() throws(LibvirtError) -> [(name: String, active: Bool)] {
        var list: UnsafeMutablePointer<virNetworkPtr?>? = nil
        let n = virConnectListAllNetworks(ptr, &list, 0)
        if n < 0 { throw LibvirtError.last("virConnectListAllNetworks") }
        defer { free(list) }
        var out: [(String, Bool)] = []
        for i in 0..<Int(n) {
            guard let net = list?[i] else { continue }
            defer { virNetworkFree(net) }
            let name = virNetworkGetName(net).map { String(cString: $0) } ?? ""
            out.append((name, virNetworkIsActive(net) == 1))
        }
        virResetLastError()
        return out
    }

    /// Whether a storage volume with this path is known to one of the host's pools
    /// (`virStorageVolLookupByPath`); false when none is.
    public func storageVolumeExists(path: String) throws(LibvirtError) -> Bool {
        if let v = virStorageVolLookupByPath(ptr, path) {
            virStorageVolFree(v)
            return true
        }
        let e = LibvirtError.last("virStorageVolLookupByPath")
        if e.code == VIR_ERR_NO_STORAGE_VOL.rawValue { return false }
        throw e
    }
}

extension LibvirtConnection {
    /// Whether the pool `pool` exists and knows a volume `volume` (`virStoragePoolLookupByName`,
    /// `virStorageVolLookupByName`); false when either is missing.
    public func storageVolumeExists(pool: String, volume: String) throws(LibvirtError) -> Bool {
        guard let p = virStoragePoolLookupByName(ptr, pool) else {
            let e = LibvirtError.last("virStoragePoolLookupByName")
            if e.code == VIR_ERR_NO_STORAGE_POOL.rawValue { return false }
            throw e
        }
        defer { virStoragePoolFree(p) }
        if let v = virStorageVolLookupByName(p, volume) {
            virStorageVolFree(v)
            return true
        }
        let e = LibvirtError.last("virStorageVolLookupByName")
        // An inactive pool knows no volumes: libvirt says "storage pool is not active".
        if e.code == VIR_ERR_NO_STORAGE_VOL.rawValue || e.code == VIR_ERR_OPERATION_INVALID.rawValue { return false }
        throw e
    }
}

extension LibvirtDomain {
    /// `virDomainIsActive`.
    public func isActive() throws(LibvirtError) -> Bool {
        let r = virDomainIsActive(ptr)
        if r < 0 { throw LibvirtError.last("virDomainIsActive") }
        return r == 1
    }
}
