import Testing

@testable import HVHTTP

#if canImport(Glibc)
import Glibc
#endif

/// The admission rules on their own, with socket pairs standing in for accepted connections.
@Suite("Connection table")
struct ConnectionTableTests {
    static let second: UInt64 = 1_000_000_000

    static func limits(capacity: Int = 4, perClient: Int = 2) -> ConnectionTable.Limits {
        ConnectionTable.Limits(
            capacity: capacity, perClient: perClient, overflow: 1, requestDeadline: 10 * second,
            idleDeadline: 30 * second, minimumEvictionAge: 2 * second, maximumHandlers: 2)
    }

    /// One end of a fresh socket pair (the "server" side) and the peer.
    static func pair() -> (server: Int32, client: Int32) {
        var fds: [Int32] = [0, 0]
        _ = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds)
        return (fds[0], fds[1])
    }

    /// True when the peer sees end-of-file (the table shut the connection down).
    static func shutDown(_ client: Int32) -> Bool {
        var pfd = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, 0) == 1 else { return false }
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let count = recv(client, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count <= 0 { return count == 0 }
        }
    }

    @Test func perClientLimitThenOverflowForTLSOnly() {
        let table = ConnectionTable(limits: Self.limits())
        var pairs: [(Int32, Int32)] = []
        defer {
            pairs.forEach {
                close($0.0); close($0.1)
            }
        }
        func admit(_ client: String, tls: Bool = false, at now: UInt64 = 0) -> ConnectionTable.Admission {
            let p = Self.pair()
            pairs.append(p)
            return table.admit(descriptor: p.0, client: client, tls: tls, generation: 1, now: now)
        }
        #expect(admit("10.0.0.1") == .serve(id: 1))
        #expect(admit("10.0.0.1") == .serve(id: 2))
        #expect(admit("10.0.0.1") == .refuse(.perClient))
        #expect(admit("10.0.0.1", tls: true) == .serveBusy(id: 3))
        #expect(admit("10.0.0.1", tls: true) == .refuse(.perClient), "overflow of 1 used up")
        #expect(admit("10.0.0.2") == .serve(id: 4))
        #expect(table.counts.refusedPerClient == 3)
    }

    @Test func fullTableEvictsTheLongestWaitingOldEnoughConnection() {
        let table = ConnectionTable(limits: Self.limits(capacity: 2, perClient: 10))
        let first = Self.pair()
        let second = Self.pair()
        let third = Self.pair()
        let fourth = Self.pair()
        defer {
            [first, second, third, fourth].forEach {
                close($0.0); close($0.1)
            }
        }
        guard case .serve(let a) = table.admit(descriptor: first.server, client: "a", tls: false, generation: 1, now: 0),
            case .serve(let b) = table.admit(descriptor: second.server, client: "b", tls: false, generation: 1, now: Self.second)
        else { Issue.record("not admitted"); return }
        _ = table.bind(descriptor: first.server)
        _ = table.bind(descriptor: second.server)
        // Too young to evict at 1.5 s: refused.
        #expect(
            table.admit(descriptor: third.server, client: "c", tls: false, generation: 1, now: 3 * Self.second / 2) == .refuse(.capacity))
        // At 2.5 s the first (waiting 2.5 s) goes, with a 503, and the newcomer gets its slot.
        #expect(table.answering(id: b))
        guard case .serve = table.admit(descriptor: fourth.server, client: "d", tls: false, generation: 1, now: 5 * Self.second / 2)
        else { Issue.record("not admitted after eviction"); return }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = recv(first.client, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        let told = String(decoding: buffer[..<max(0, count)], as: UTF8.self)
        #expect(told.hasPrefix("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"))
        #expect(Self.shutDown(first.client))
        #expect(!Self.shutDown(second.client), "a connection being answered is never evicted")
        #expect(table.headReceived(id: a).proceed == false, "libmicrohttpd is told to close the evicted one")
        #expect(table.counts.evictedForRoom == 1)
        table.closed(id: a)
        #expect(table.counts.open == 2)
    }

    @Test func deadlineIsForTheWholeRequestNotPerByte() {
        let table = ConnectionTable(limits: Self.limits())
        let slow = Self.pair()
        let kept = Self.pair()
        defer {
            [slow, kept].forEach {
                close($0.0); close($0.1)
            }
        }
        guard case .serve = table.admit(descriptor: slow.server, client: "a", tls: false, generation: 1, now: 0),
            case .serve(let keptID) = table.admit(descriptor: kept.server, client: "b", tls: false, generation: 1, now: 0)
        else { Issue.record("not admitted"); return }
        _ = table.bind(descriptor: slow.server)
        _ = table.bind(descriptor: kept.server)
        // The second finished a request at 9 s: it waits for the next one until 39 s.
        #expect(table.answering(id: keptID))
        table.requestCompleted(id: keptID, now: 9 * Self.second)
        #expect(table.sweep(now: 9 * Self.second) == 0)
        #expect(table.sweep(now: 10 * Self.second) == 1)
        var buffer = [UInt8](repeating: 0, count: 512)
        let told = recv(slow.client, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        #expect(String(decoding: buffer[..<max(0, told)], as: UTF8.self).hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
        #expect(Self.shutDown(slow.client))
        #expect(!Self.shutDown(kept.client))
        #expect(table.sweep(now: 39 * Self.second) == 1)
        // Between requests it is closed silently, as an idle timeout would.
        var pfd = pollfd(fd: kept.client, events: Int16(POLLIN), revents: 0)
        #expect(poll(&pfd, 1, 0) == 1)
        #expect(recv(kept.client, &buffer, buffer.count, Int32(MSG_DONTWAIT)) == 0)
    }

    @Test func handlerSlots() {
        let table = ConnectionTable(limits: Self.limits())
        #expect(table.acquireHandler())
        #expect(table.acquireHandler())
        #expect(!table.acquireHandler())
        table.releaseHandler()
        #expect(table.acquireHandler())
        #expect(table.handlersRunning == 2)
    }
}
