import Logging
import Testing

@testable import HVCollect

/// The stuck-domain marks: a call that returns just before its waiter gives up (the waiter
/// then marks it stuck) leaves the domain askable; one still out stays stuck until it returns.
struct StuckMarkTests {
    let session = LibvirtSession(uri: "test:///default", logger: Logger(label: "stuck-mark-test"))

    @Test func answeredBeforeTheWaiterGaveUpIsNotStuck() {
        let mark = LibvirtSession.CallMark()
        session.markAnswered("a", mark)   // the call returned...
        session.markStuck("a", unlessAnswered: mark)   // ...as its waiter timed out
        #expect(!session.stuckDomains.contains("a"))
    }

    @Test func stuckUntilItReturns() {
        let mark = LibvirtSession.CallMark()
        session.markStuck("b", unlessAnswered: mark)
        #expect(session.stuckDomains.contains("b"))
        session.markAnswered("b", mark)
        #expect(!session.stuckDomains.contains("b"))
    }
}
