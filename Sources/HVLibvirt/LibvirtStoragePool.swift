import CLibvirt
import Glibc

/// A reference to one libvirt storage pool (`virStoragePoolPtr`), freed with the last Swift
/// reference.
///
/// Name and UUID are read once from the local object (no RPC). Every other method is a
/// blocking RPC to the storage driver, which locks the pool while it answers (a pool being
/// refreshed or built makes them wait): call them under `Deadline.run`.
public final class LibvirtStoragePool: @unchecked Sendable {
    let ptr: virStoragePoolPtr
    public let name: String
    /// Lower-case UUID string.
    public let uuid: String

    /// What `virStoragePoolGetInfo` returns. Sizes are bytes; on an inactive pool libvirt
    /// reports 0 for all three.
    public struct Info: Sendable, Equatable {
        /// `virStoragePoolState`: 0 inactive, 1 building, 2 running, 3 degraded, 4 inaccessible.
        public var state: Int
        public var capacityBytes: UInt64
        public var allocationBytes: UInt64
        public var availableBytes: UInt64

        public init(state: Int, capacityBytes: UInt64, allocationBytes: UInt64, availableBytes: UInt64) {
            self.state = state
            self.capacityBytes = capacityBytes
            self.allocationBytes = allocationBytes
            self.availableBytes = availableBytes
        }
    }

    /// Takes ownership of one reference to `ptr`.
    init(owning ptr: virStoragePoolPtr) {
        self.ptr = ptr
        self.name = virStoragePoolGetName(ptr).map { String(cString: $0) } ?? ""
        var buf = [CChar](repeating: 0, count: Int(VIR_UUID_STRING_BUFLEN))
        if virStoragePoolGetUUIDString(ptr, &buf) == 0 {
            self.uuid = stringFromCBuffer(buf).lowercased()
        } else {
            self.uuid = ""
        }
    }

    deinit { virStoragePoolFree(ptr) }

    /// State and sizes (`virStoragePoolGetInfo`). Does not re-read the storage: the figures
    /// are those of the pool's last start or refresh.
    public func info() throws(LibvirtError) -> Info {
        var raw = virStoragePoolInfo()
        if virStoragePoolGetInfo(ptr, &raw) < 0 { throw LibvirtError.last("virStoragePoolGetInfo") }
        return Info(
            state: Int(raw.state), capacityBytes: UInt64(raw.capacity),
            allocationBytes: UInt64(raw.allocation), availableBytes: UInt64(raw.available))
    }

    /// `virStoragePoolGetAutostart`: true if libvirtd starts the pool when it starts.
    public func autostart() throws(LibvirtError) -> Bool {
        var v: Int32 = 0
        if virStoragePoolGetAutostart(ptr, &v) < 0 { throw LibvirtError.last("virStoragePoolGetAutostart") }
        return v != 0
    }

    /// `virStoragePoolIsPersistent`: false for a transient pool (`virsh pool-create`).
    public func isPersistent() throws(LibvirtError) -> Bool {
        let r = virStoragePoolIsPersistent(ptr)
        if r < 0 { throw LibvirtError.last("virStoragePoolIsPersistent") }
        return r == 1
    }

    /// `virStoragePoolNumOfVolumes`: volumes libvirt knows since the last start or refresh.
    /// Fails on an inactive pool.
    public func volumeCount() throws(LibvirtError) -> Int {
        let n = virStoragePoolNumOfVolumes(ptr)
        if n < 0 { throw LibvirtError.last("virStoragePoolNumOfVolumes") }
        return Int(n)
    }

    /// `virStoragePoolGetXMLDesc` (the live definition).
    public func xmlDescription() throws(LibvirtError) -> String {
        guard let p = virStoragePoolGetXMLDesc(ptr, 0) else { throw LibvirtError.last("virStoragePoolGetXMLDesc") }
        defer { free(p) }
        return String(cString: p)
    }

    /// `virStoragePoolRefresh`: re-reads the pool's storage (lists volumes, sizes). Needs a
    /// read-write connection. Holds the pool's lock for as long as the storage takes to
    /// answer; when the storage cannot be read (directory gone, network target down) libvirt
    /// fails the call and stops the pool.
    public func refresh() throws(LibvirtError) {
        if virStoragePoolRefresh(ptr, 0) < 0 { throw LibvirtError.last("virStoragePoolRefresh") }
    }
}
