import Foundation
import LabSupport
import Synchronization
import Testing

@testable import HVLibvirt

/// The exporter's own libvirt event loop against the lab's libvirtd: only connections opened
/// for events get their socket watched (and keepalive); they deliver domain events; calls work
/// on both kinds; a closed connection's watch is removed and freed.
@Suite(.serialized, .lab(.root, .libvirtdAnswering))
struct LibvirtEventLoopLabTests {
    static var uri: String { LabState.current.uri }

    @Test func onlyEventConnectionsAreWatched() throws {
        let before = LibvirtEventLoop.registered
        let calls = try LibvirtConnection(uri: Self.uri)
        #expect(LibvirtEventLoop.registered.watches == before.watches)
        #expect(try !calls.listAllDomains().isEmpty)
        #expect(try calls.daemonVersion().split(separator: ".").count == 3)
        #expect(calls.isAlive)

        var events: LibvirtConnection? = try LibvirtConnection(uri: Self.uri, events: true)
        #expect(LibvirtEventLoop.registered.watches == before.watches + 1)
        // Keepalive's timer.
        #expect(LibvirtEventLoop.registered.timers > before.timers)
        #expect(try events?.listAllDomains().isEmpty == false)
        events = nil
        var gone = false
        for _ in 0..<50 where !gone {
            gone = LibvirtEventLoop.registered.watches == before.watches
            if !gone { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(gone, "the closed connection's watch is still registered")
    }

    /// A connection with domain and job event callbacks, let go (a lane retired it or lost
    /// it): its callbacks are removed with it, so libvirt frees the connection and closes its
    /// socket (each callback holds a reference to the connection in libvirt; left registered,
    /// every retired control connection stayed open and kept delivering events).
    @Test func droppedConnectionWithEventCallbacksIsClosed() throws {
        let before = LibvirtEventLoop.registered
        var c: LibvirtConnection? = try LibvirtConnection(uri: Self.uri, events: true)
        #expect(c?.onDomainEvents { _, _ in } == true)
        #expect(c?.onJobEvents { _, _, _ in } != nil)
        #expect(LibvirtEventLoop.registered.watches == before.watches + 1)
        c = nil
        var gone = false
        for _ in 0..<50 where !gone {
            gone = LibvirtEventLoop.registered.watches == before.watches
            if !gone { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(gone, "the dropped connection's socket is still watched: its event callbacks keep it open")
    }

    /// A domain defined and undefined by another client: the events connection hears both.
    @Test func eventConnectionDeliversDomainEvents() throws {
        let c = try LibvirtConnection(uri: Self.uri, events: true)
        let seen = Mutex<[String: [DomainEventKind]]>([:])
        #expect(c.onDomainEvents { uuid, kind in seen.withLock { $0[uuid, default: []].append(kind) } })
        let uuid = UUID().uuidString.lowercased()
        let name = "hv-eventloop-\(getpid())"
        let xml = """
            <domain type='qemu'><name>\(name)</name><uuid>\(uuid)</uuid><memory unit='MiB'>32</memory>
            <os><type arch='x86_64'>hvm</type></os></domain>
            """
        let file = NSTemporaryDirectory() + "\(name).xml"
        try xml.write(toFile: file, atomically: true, encoding: .utf8)
        defer {
            _ = try? Spawn.run(["virsh", "-q", "-c", Self.uri, "undefine", name], timeout: 30)
            try? FileManager.default.removeItem(atPath: file)
        }
        let (rc, out) = try Spawn.run(["virsh", "-q", "-c", Self.uri, "define", file], timeout: 30)
        #expect(rc == 0, "virsh define: \(out)")
        let (rc2, out2) = try Spawn.run(["virsh", "-q", "-c", Self.uri, "undefine", name], timeout: 30)
        #expect(rc2 == 0, "virsh undefine: \(out2)")
        var count = 0
        for _ in 0..<100 where count < 2 {
            count = seen.withLock { $0[uuid]?.count ?? 0 }
            if count < 2 { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(count >= 2, "events for \(uuid): \(seen.withLock { $0[uuid] ?? [] })")
        #expect(c.isAlive)
    }
}
