import CLibvirt
import Glibc
import Synchronization

/// An open libvirt connection (`virConnectPtr`). Thread-safe as libvirt connections are.
///
/// All methods are blocking RPCs: callers run them under `Deadline.run`.
public final class LibvirtConnection: @unchecked Sendable {
    let ptr: virConnectPtr
    public let uri: String
    /// Set by libvirt's close callback when the connection drops (daemon restart, EOF, keepalive).
    /// A box of its own, retained by libvirt for as long as the callback is registered (its
    /// free callback releases it): the callback can run on libvirt's event-loop thread while
    /// this object is being deallocated, so it must never point at `self`.
    private let closed = ClosedFlag()
    /// IDs of the domain and job event callbacks registered on this connection. libvirt holds
    /// a reference to the connection per callback: `deinit` removes them, or the connection
    /// (its socket, its place among libvirtd's clients, its events) would outlive this object.
    let eventCallbacks = Mutex<[Int32]>([])

    /// Opens `uri` (`virConnectOpenReadOnly` unless `readOnly` is false). With `events`, the
    /// event loop watches the connection's socket (domain and job events, the close callback)
    /// and keepalive is on, so a dead daemon is noticed between calls; without, the connection
    /// only makes calls, each cheaper (see `LibvirtEventLoop`), and notices a lost daemon when
    /// a call fails.
    public init(uri: String, readOnly: Bool = true, events: Bool = false) throws(LibvirtError) {
        LibvirtEventLoop.shared.start()
        let open = { () -> virConnectPtr? in readOnly ? virConnectOpenReadOnly(uri) : virConnectOpen(uri) }
        let p = events ? LibvirtEventLoop.watchingSockets(open) : open()
        guard let p else { throw LibvirtError.last(readOnly ? "virConnectOpenReadOnly" : "virConnectOpen") }
        self.ptr = p
        self.uri = uri
        if events {
            // Keepalive: 5 s interval, 3 missed answers -> the connection is closed by libvirt.
            // Fails harmlessly (-1) for drivers without keepalive (test://), ignore it.
            _ = virConnectSetKeepAlive(p, 5, 3)
        }
        virResetLastError()
        let box = Unmanaged.passRetained(closed)
        if virConnectRegisterCloseCallback(
            p, LibvirtConnection.closeCallback, box.toOpaque(),
            LibvirtConnection.closeFree) < 0
        {
            box.release()   // not registered: libvirt will never call the free callback
        }
        virResetLastError()
    }

    deinit {
        // Local bookkeeping, and one RPC per event type on a live connection: deinit runs once
        // no call is out on this connection (each call holds it), so nothing queues behind one.
        for id in eventCallbacks.withLock({ $0 }) where virConnectDomainEventDeregisterAny(ptr, id) < 0 { virResetLastError() }
        // The same function pointer as registered (libvirt refuses another); libvirt then
        // calls closeFree, which drops its reference to the flag.
        if virConnectUnregisterCloseCallback(ptr, LibvirtConnection.closeCallback) < 0 { virResetLastError() }
        virConnectClose(ptr)
    }

    /// `virConnectCloseFunc`: marks the connection's flag closed.
    private static let closeCallback: virConnectCloseFunc = { _, _, opaque in
        guard let opaque else { return }
        Unmanaged<ClosedFlag>.fromOpaque(opaque).takeUnretainedValue().value.store(true, ordering: .relaxed)
    }

    /// `virFreeCallback` for the close callback's opaque: the flag's retain by libvirt.
    private static let closeFree: virFreeCallback = { opaque in
        guard let opaque else { return }
        Unmanaged<ClosedFlag>.fromOpaque(opaque).release()
    }

    /// False once libvirt reported the connection closed, or `virConnectIsAlive` says so.
    public var isAlive: Bool {
        if closed.value.load(ordering: .relaxed) { return false }
        return virConnectIsAlive(ptr) == 1
    }

    /// Version of the libvirt library this process links (`virGetVersion`), e.g. "9.0.0".
    public static func libraryVersion() -> String? {
        var v: UInt = 0
        guard virGetVersion(&v, nil, nil) == 0 else { return nil }
        return versionString(v)
    }

    /// Version of the daemon behind the connection (`virConnectGetLibVersion`). One RPC.
    public func daemonVersion() throws(LibvirtError) -> String {
        var v: UInt = 0
        if virConnectGetLibVersion(ptr, &v) < 0 { throw LibvirtError.last("virConnectGetLibVersion") }
        return LibvirtConnection.versionString(v)
    }

    /// Hypervisor driver type ("QEMU", "LXC", "TEST") and version (`virConnectGetType`/`GetVersion`).
    public func hypervisor() throws(LibvirtError) -> (type: String, version: String) {
        guard let t = virConnectGetType(ptr) else { throw LibvirtError.last("virConnectGetType") }
        var v: UInt = 0
        if virConnectGetVersion(ptr, &v) < 0 { throw LibvirtError.last("virConnectGetVersion") }
        return (String(cString: t), LibvirtConnection.versionString(v))
    }

    static func versionString(_ v: UInt) -> String {
        "\(v / 1_000_000).\((v / 1_000) % 1_000).\(v % 1_000)"
    }

    /// All domains, active and inactive (`virConnectListAllDomains`). One RPC.
    public func listAllDomains() throws(LibvirtError) -> [LibvirtDomain] {
        var list: UnsafeMutablePointer<virDomainPtr?>? = nil
        let n = virConnectListAllDomains(ptr, &list, 0)
        if n < 0 { throw LibvirtError.last("virConnectListAllDomains") }
        defer { free(list) }
        var out: [LibvirtDomain] = []
        out.reserveCapacity(Int(n))
        for i in 0..<Int(n) { if let d = list?[i] { out.append(LibvirtDomain(owning: d)) } }
        return out
    }

    /// Bulk statistics in one RPC. `domains` nil: every domain (`virConnectGetAllDomainStats`);
    /// otherwise just those (`virDomainListGetStats`). `noWait` asks libvirt to skip what needs
    /// a domain job it cannot get at once (`VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT`).
    public func domainStats(_ domains: [LibvirtDomain]?, groups: DomainStatsGroups, noWait: Bool) throws(LibvirtError)
        -> [DomainStatsRecord]
    {
        var records: UnsafeMutablePointer<virDomainStatsRecordPtr?>? = nil
        let flags: UInt32 = noWait ? VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT.rawValue : 0
        let n: Int32
        if let domains {
            var ptrs: [virDomainPtr?] = domains.map { $0.ptr }
            ptrs.append(nil)
            n = ptrs.withUnsafeMutableBufferPointer { buf in
                virDomainListGetStats(buf.baseAddress, groups.rawValue, &records, flags)
            }
            if n < 0 { throw LibvirtError.last("virDomainListGetStats") }
        } else {
            n = virConnectGetAllDomainStats(ptr, groups.rawValue, &records, flags)
            if n < 0 { throw LibvirtError.last("virConnectGetAllDomainStats") }
        }
        defer { virDomainStatsRecordListFree(records) }
        var out: [DomainStatsRecord] = []
        out.reserveCapacity(Int(n))
        for i in 0..<Int(n) {
            guard let rec = records?[i], let dom = rec.pointee.dom else { continue }
            guard let uuid = LibvirtDomain.uuid(of: dom) else { continue }
            out.append(
                DomainStatsRecord(
                    uuid: uuid,
                    params: TypedParameters.copy(rec.pointee.params, count: rec.pointee.nparams)))
        }
        return out
    }

    /// Registers for domain lifecycle and device events; `handler` gets the domain UUID and
    /// the event kind. Needs the event loop (started by `init`). Returns false if the driver
    /// does not support events.
    public func onDomainEvents(_ handler: @escaping @Sendable (_ uuid: String, _ event: DomainEventKind) -> Void) -> Bool {
        let handlerBox = EventHandlerBox(handler)
        var ok = true
        for kind in DomainEventKind.allCases {
            let cb: virConnectDomainEventGenericCallback
            switch kind {
            case .lifecycle:
                let f: @convention(c) (virConnectPtr?, virDomainPtr?, Int32, Int32, UnsafeMutableRawPointer?) -> Void = {
                    _, dom, _, _, opaque in
                    EventHandlerBox.fire(dom, opaque, .lifecycle)
                }
                cb = unsafeBitCast(f, to: virConnectDomainEventGenericCallback.self)
            case .deviceAdded, .deviceRemoved:
                let f: @convention(c) (virConnectPtr?, virDomainPtr?, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
                    _, dom, _, opaque in
                    EventHandlerBox.fire(dom, opaque, .device)
                }
                cb = unsafeBitCast(f, to: virConnectDomainEventGenericCallback.self)
            case .jobCompleted:
                let f: @convention(c) (virConnectPtr?, virDomainPtr?, virTypedParameterPtr?, Int32, UnsafeMutableRawPointer?) -> Void = {
                    _, dom, _, _, opaque in
                    EventHandlerBox.fire(dom, opaque, .jobCompleted)
                }
                cb = unsafeBitCast(f, to: virConnectDomainEventGenericCallback.self)
            case .migrationIteration:
                let f: @convention(c) (virConnectPtr?, virDomainPtr?, Int32, UnsafeMutableRawPointer?) -> Void = { _, dom, _, opaque in
                    EventHandlerBox.fire(dom, opaque, .migrationIteration)
                }
                cb = unsafeBitCast(f, to: virConnectDomainEventGenericCallback.self)
            case .blockJob:
                let f:
                    @convention(c) (virConnectPtr?, virDomainPtr?, UnsafePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Void =
                        { _, dom, _, _, _, opaque in
                            EventHandlerBox.fire(dom, opaque, .blockJob)
                        }
                cb = unsafeBitCast(f, to: virConnectDomainEventGenericCallback.self)
            case .device:
                continue
            }
            // One retain per registration; libvirt releases it through the free callback when
            // the callback is removed.
            let box = Unmanaged.passRetained(handlerBox).toOpaque()
            let id = virConnectDomainEventRegisterAny(ptr, nil, kind.eventID, cb, box) { opaque in
                if let opaque { Unmanaged<EventHandlerBox>.fromOpaque(opaque).release() }
            }
            if id < 0 {
                virResetLastError()
                Unmanaged<EventHandlerBox>.fromOpaque(box).release()
                ok = false
            } else {
                eventCallbacks.withLock { $0.append(id) }
            }
        }
        return ok
    }
}

/// Domain events the exporter listens to (to invalidate caches and sample jobs often).
public enum DomainEventKind: Sendable, CaseIterable {
    case lifecycle, deviceAdded, deviceRemoved, jobCompleted, migrationIteration, blockJob
    /// Reported for both device added and removed.
    case device

    var eventID: Int32 {
        switch self {
        case .lifecycle: Int32(VIR_DOMAIN_EVENT_ID_LIFECYCLE.rawValue)
        case .deviceAdded: Int32(VIR_DOMAIN_EVENT_ID_DEVICE_ADDED.rawValue)
        case .deviceRemoved, .device: Int32(VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED.rawValue)
        case .jobCompleted: Int32(VIR_DOMAIN_EVENT_ID_JOB_COMPLETED.rawValue)
        case .migrationIteration: Int32(VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION.rawValue)
        case .blockJob: Int32(VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2.rawValue)
        }
    }
}

/// Whether libvirt reported a connection closed; shared with libvirt's close callback.
final class ClosedFlag: Sendable {
    let value = Atomic<Bool>(false)
}

final class EventHandlerBox: @unchecked Sendable {
    let handler: @Sendable (String, DomainEventKind) -> Void
    init(_ handler: @escaping @Sendable (String, DomainEventKind) -> Void) { self.handler = handler }

    static func fire(_ dom: virDomainPtr?, _ opaque: UnsafeMutableRawPointer?, _ kind: DomainEventKind) {
        guard let dom, let opaque else { return }
        guard let uuid = LibvirtDomain.uuid(of: dom) else { return }
        let box = Unmanaged<EventHandlerBox>.fromOpaque(opaque).takeUnretainedValue()
        box.handler(uuid, kind)
    }
}
