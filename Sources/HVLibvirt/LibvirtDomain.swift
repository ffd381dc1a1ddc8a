import CLibvirt
import Glibc

/// A reference to one libvirt domain (`virDomainPtr`), freed with the last Swift reference.
///
/// Name, UUID and ID are read once from the local object (no RPC). Other methods are
/// blocking RPCs: call them under `Deadline.run`.
public final class LibvirtDomain: @unchecked Sendable {
    let ptr: virDomainPtr
    public let name: String
    /// Lower-case UUID string.
    public let uuid: String
    /// Domain ID while running; nil when inactive.
    public let id: Int?

    /// Takes ownership of one reference to `ptr`.
    init(owning ptr: virDomainPtr) {
        self.ptr = ptr
        self.name = virDomainGetName(ptr).map { String(cString: $0) } ?? ""
        self.uuid = Self.uuid(of: ptr) ?? ""
        let rawID = virDomainGetID(ptr)
        self.id = rawID == UInt32.max ? nil : Int(rawID)
    }

    deinit { virDomainFree(ptr) }

    /// The lower-case UUID string of a domain pointer (`virDomainGetUUIDString`, no RPC); nil
    /// when libvirt refuses. For pointers libvirt lends (event callbacks, statistics records).
    static func uuid(of dom: virDomainPtr) -> String? {
        var buf = [CChar](repeating: 0, count: Int(VIR_UUID_STRING_BUFLEN))
        guard virDomainGetUUIDString(dom, &buf) == 0 else { return nil }
        return stringFromCBuffer(buf).lowercased()
    }

    /// Whether this handle belongs to `connection` (`virDomainGetConnect`, no RPC): libvirt
    /// sends a domain's calls over the connection its handle came from, whatever connection
    /// a call that takes a list of domains is made on.
    public func isOn(_ connection: LibvirtConnection) -> Bool {
        virDomainGetConnect(ptr) == connection.ptr
    }

    /// `virDomainIsPersistent`.
    public func isPersistent() throws(LibvirtError) -> Bool {
        let r = virDomainIsPersistent(ptr)
        if r < 0 { throw LibvirtError.last("virDomainIsPersistent") }
        return r == 1
    }

    /// `virDomainGetAutostart`.
    public func autostart() throws(LibvirtError) -> Bool {
        var v: Int32 = 0
        if virDomainGetAutostart(ptr, &v) < 0 { throw LibvirtError.last("virDomainGetAutostart") }
        return v != 0
    }

    /// `virDomainGetState`: (state, reason). Needs no job on the QEMU driver.
    public func state() throws(LibvirtError) -> (state: Int, reason: Int) {
        var st: Int32 = 0
        var reason: Int32 = 0
        if virDomainGetState(ptr, &st, &reason, 0) < 0 { throw LibvirtError.last("virDomainGetState") }
        return (Int(st), Int(reason))
    }

    /// `virDomainGetXMLDesc` (live XML of a running domain, else the persistent one).
    public func xmlDescription(inactive: Bool = false) throws(LibvirtError) -> String {
        let flags: UInt32 = inactive ? VIR_DOMAIN_XML_INACTIVE.rawValue : 0
        guard let p = virDomainGetXMLDesc(ptr, flags) else { throw LibvirtError.last("virDomainGetXMLDesc") }
        defer { free(p) }
        return String(cString: p)
    }

    /// `virDomainGetJobStats`: the current job (or, with `completed`, the last completed one).
    /// Returns the job type (`virDomainJobType`) and its typed parameters.
    public func jobStats(completed: Bool = false) throws(LibvirtError) -> (type: Int, params: TypedParameters) {
        var type: Int32 = 0
        var params: virTypedParameterPtr? = nil
        var n: Int32 = 0
        let flags: UInt32 = completed ? VIR_DOMAIN_JOB_STATS_COMPLETED.rawValue : 0
        if virDomainGetJobStats(ptr, &type, &params, &n, flags) < 0 {
            throw LibvirtError.last("virDomainGetJobStats")
        }
        defer { virTypedParamsFree(params, n) }
        return (Int(type), TypedParameters.copy(params, count: n))
    }
}
