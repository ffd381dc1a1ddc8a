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

    /// Whether the event loop's socket watches come back to `count` within 2.5 s (a closed
    /// connection's watch is removed on the loop's thread).
    static func watches(back count: Int) -> Bool {
        for _ in 0..<50 {
            if LibvirtEventLoop.registered.watches == count { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return LibvirtEventLoop.registered.watches == count
    }

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
        #expect(Self.watches(back: before.watches), "the closed connection's watch is still registered")
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
        #expect(Self.watches(back: before.watches), "the dropped connection's socket is still watched: its event callbacks keep it open")
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
