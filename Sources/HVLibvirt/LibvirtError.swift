import CLibvirt

/// A failed libvirt call, with the message libvirt gave.
///
/// libvirt keeps its last error per thread: `LibvirtError.last(_:)` must be called on the
/// thread that made the failing call, right after it (`virGetLastError`).
public struct LibvirtError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The C function that failed, e.g. "virConnectGetAllDomainStats".
    public let call: String
    /// libvirt's `virErrorNumber`, 0 when unknown.
    public let code: Int32
    public let message: String

    public init(call: String, code: Int32 = 0, message: String) {
        self.call = call
        self.code = code
        self.message = message
    }

    /// Copies the calling thread's last libvirt error (`virGetLastError`), then resets it.
    static func last(_ call: String) -> LibvirtError {
        guard let err = virGetLastError() else {
            return LibvirtError(call: call, message: "unknown error")
        }
        let message = err.pointee.message.map { String(cString: $0) } ?? "unknown error"
        let code = err.pointee.code
        virResetLastError()
        return LibvirtError(call: call, code: code, message: message)
    }

    public var description: String { "\(call): \(message)" }
}
