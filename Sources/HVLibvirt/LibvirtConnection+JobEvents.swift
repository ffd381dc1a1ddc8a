import CLibvirt
import Glibc

/// Domain events about jobs, with the details `DomainEventKind` leaves out.
public enum DomainJobEvent: Sendable, Equatable {
    /// `VIR_DOMAIN_EVENT_ID_LIFECYCLE`: `virDomainEventType` (2 started, 3 suspended,
    /// 4 resumed, 5 stopped ...) and its detail (e.g. stopped 3 migrated, 4 saved).
    case lifecycle(event: Int, detail: Int)
    /// `VIR_DOMAIN_EVENT_ID_JOB_COMPLETED`: a job finished successfully; the same typed
    /// parameters `virDomainGetJobStats` gives for completed jobs. Sent on the source of a
    /// migration too, where the domain is gone right after.
    case jobCompleted(TypedParameters)
    /// `VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION`: a new pre-copy pass began (save uses it too).
    case migrationIteration(Int)
    /// `VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2`: a block job on disk `disk` (target, e.g. "vda")
    /// changed: status 0 completed, 1 failed, 2 canceled, 3 ready (copy can pivot).
    case blockJob(disk: String, type: Int, status: Int)
}

/// Callbacks registered by `LibvirtConnection.onJobEvents`, to hand back to `removeJobEvents`.
public struct JobEventRegistration: Sendable {
    let callbackIDs: [Int32]
}

extension LibvirtConnection {
    /// Registers for lifecycle, job-completed, migration-iteration and block-job events;
    /// `handler` gets the domain UUID (lower case), its name and the event, on libvirt's
    /// event thread (keep it short). Needs the event loop (started by `init`). nil when the
    /// driver supports none of them. Local bookkeeping plus one RPC per event type: call it
    /// under a deadline.
    public func onJobEvents(_ handler: @escaping @Sendable (_ uuid: String, _ name: String, _ event: DomainJobEvent) -> Void)
        -> JobEventRegistration?
    {
        var ids: [Int32] = []
        func register(_ eventID: virDomainEventID, _ cb: virConnectDomainEventGenericCallback) {
            // One retained box per registration; libvirt releases it through the free callback.
            let box = Unmanaged.passRetained(JobEventBox(handler)).toOpaque()
            let id = virConnectDomainEventRegisterAny(ptr, nil, Int32(eventID.rawValue), cb, box) { opaque in
                if let opaque { Unmanaged<JobEventBox>.fromOpaque(opaque).release() }
            }
            if id < 0 {
                virResetLastError()
                Unmanaged<JobEventBox>.fromOpaque(box).release()
            } else {
                ids.append(id)
                eventCallbacks.withLock { $0.append(id) }
            }
        }
        let lifecycle: @convention(c) (virConnectPtr?, virDomainPtr?, Int32, Int32, UnsafeMutableRawPointer?) -> Void = {
            _, dom, event, detail, opaque in
            JobEventBox.fire(dom, opaque, .lifecycle(event: Int(event), detail: Int(detail)))
        }
        register(VIR_DOMAIN_EVENT_ID_LIFECYCLE, unsafeBitCast(lifecycle, to: virConnectDomainEventGenericCallback.self))
        let completed: @convention(c) (virConnectPtr?, virDomainPtr?, virTypedParameterPtr?, Int32, UnsafeMutableRawPointer?) -> Void = {
            _, dom, params, n, opaque in
            JobEventBox.fire(dom, opaque, .jobCompleted(TypedParameters.copy(params, count: n)))
        }
        register(VIR_DOMAIN_EVENT_ID_JOB_COMPLETED, unsafeBitCast(completed, to: virConnectDomainEventGenericCallback.self))
        let iteration: @convention(c) (virConnectPtr?, virDomainPtr?, Int32, UnsafeMutableRawPointer?) -> Void = { _, dom, n, opaque in
            JobEventBox.fire(dom, opaque, .migrationIteration(Int(n)))
        }
        register(VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION, unsafeBitCast(iteration, to: virConnectDomainEventGenericCallback.self))
        let block: @convention(c) (virConnectPtr?, virDomainPtr?, UnsafePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Void = {
            _, dom, disk, type, status, opaque in
            JobEventBox.fire(dom, opaque, .blockJob(disk: disk.map { String(cString: $0) } ?? "", type: Int(type), status: Int(status)))
        }
        register(VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2, unsafeBitCast(block, to: virConnectDomainEventGenericCallback.self))
        return ids.isEmpty ? nil : JobEventRegistration(callbackIDs: ids)
    }

    /// Removes the callbacks of `registration` (`virConnectDomainEventDeregisterAny`).
    /// One RPC per callback: call it under a deadline, or on a thread nobody waits for.
    public func removeJobEvents(_ registration: JobEventRegistration) {
        let ids = Set(registration.callbackIDs)
        eventCallbacks.withLock { $0.removeAll { ids.contains($0) } }
        for id in registration.callbackIDs {
            if virConnectDomainEventDeregisterAny(ptr, id) < 0 { virResetLastError() }
        }
    }

    /// The domain with this UUID (`virDomainLookupByUUIDString`). One RPC.
    public func domain(uuid: String) throws(LibvirtError) -> LibvirtDomain {
        guard let d = virDomainLookupByUUIDString(ptr, uuid) else { throw LibvirtError.last("virDomainLookupByUUIDString") }
        return LibvirtDomain(owning: d)
    }
}

final class JobEventBox: @unchecked Sendable {
    let handler: @Sendable (String, String, DomainJobEvent) -> Void
    init(_ handler: @escaping @Sendable (String, String, DomainJobEvent) -> Void) { self.handler = handler }

    static func fire(_ dom: virDomainPtr?, _ opaque: UnsafeMutableRawPointer?, _ event: DomainJobEvent) {
        guard let dom, let opaque else { return }
        guard let uuid = LibvirtDomain.uuid(of: dom) else { return }
        let name = virDomainGetName(dom).map { String(cString: $0) } ?? ""
        let box = Unmanaged<JobEventBox>.fromOpaque(opaque).takeUnretainedValue()
        box.handler(uuid, name, event)
    }
}
