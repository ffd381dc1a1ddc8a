import CLibvirt
import Glibc

extension LibvirtConnection {
    /// Storage pools (`virConnectListAllStoragePools`). One RPC. `activeOnly` lists only
    /// started pools (`VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE`); otherwise active and inactive.
    public func listAllStoragePools(activeOnly: Bool = false) throws(LibvirtError) -> [LibvirtStoragePool] {
        var list: UnsafeMutablePointer<virStoragePoolPtr?>? = nil
        let flags: UInt32 = activeOnly ? VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE.rawValue : 0
        let n = virConnectListAllStoragePools(ptr, &list, flags)
        if n < 0 { throw LibvirtError.last("virConnectListAllStoragePools") }
        defer { free(list) }
        var out: [LibvirtStoragePool] = []
        out.reserveCapacity(Int(n))
        for i in 0..<Int(n) { if let p = list?[i] { out.append(LibvirtStoragePool(owning: p)) } }
        return out
    }
}

extension LibvirtConnection {
    /// The storage pool with this UUID (`virStoragePoolLookupByUUIDString`). One RPC; waits
    /// while that pool is locked (being refreshed, built or started).
    public func storagePool(uuid: String) throws(LibvirtError) -> LibvirtStoragePool {
        guard let p = virStoragePoolLookupByUUIDString(ptr, uuid) else { throw LibvirtError.last("virStoragePoolLookupByUUIDString") }
        return LibvirtStoragePool(owning: p)
    }
}
