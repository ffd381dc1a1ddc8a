import CLibvirt
import Glibc
import HVRuntime
import Synchronization

/// libvirt's default event loop (`virEventRegisterDefaultImpl` + a thread running
/// `virEventRunDefaultImpl`). Needed for keepalive (noticing a dead daemon) and domain events.
/// Must be registered before the first connection is opened.
public final class LibvirtEventLoop: Sendable {
    public static let shared = LibvirtEventLoop()
    private let started = Mutex(false)

    public func start() {
        started.withLock { started in
            guard !started else { return }
            started = true
            // libvirt prints every error to stderr unless given a handler; the exporter reports
            // errors itself (logs, libvirt_up, per-domain flags), so keep libvirt quiet.
            virSetErrorFunc(nil) { _, _ in }
            if virEventRegisterDefaultImpl() < 0 { virResetLastError(); return }
            BackgroundThread.start {
                while true {
                    if virEventRunDefaultImpl() < 0 {
                        virResetLastError()
                        BackgroundThread.sleep(for: .milliseconds(100))
                    }
                }
            }
        }
    }
}
