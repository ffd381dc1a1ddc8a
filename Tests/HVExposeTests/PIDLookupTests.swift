import HVModel
import Testing

@testable import HVExpose

/// The one PID lookup behind `/json?pid=N` and `hvtop pid N`: which entries match, who owns
/// them, and the exact JSON answer.
struct PIDLookupTests {
    static let snapshot: Snapshot = {
        var s = Snapshot(timestampSeconds: 1, hostname: "h")
        s.guests = [Guest(name: "vm1", uuid: "u-1", kind: .vm, driver: "qemu", state: .running)]
        s.processes = [
            ProcessEntry(
                pid: 100, tid: 100, comm: "qemu-system-x86", role: "main", guestKey: "u-1", cpuSeconds: 0, rssBytes: 0, evidence: "pidfile"),
            ProcessEntry(
                pid: 100, tid: 102, comm: "CPU 0/TCG", role: "vcpu", vcpu: 0, guestKey: "u-1", cpuSeconds: 0, rssBytes: 0,
                evidence: "pidfile"),
            ProcessEntry(pid: 7, tid: 7, comm: "sshd", role: "host", guestKey: nil, cpuSeconds: 0, rssBytes: 0, evidence: ""),
        ]
        return s
    }()

    @Test func threadOfAGuest() {
        let l = PIDLookup(pid: 102, snapshot: Self.snapshot)
        #expect(l.found && !l.host && l.httpStatus == 200)
        #expect(l.owner == PIDLookup.Owner(name: "vm1", uuid: "u-1", key: "u-1", kind: "vm", driver: "qemu", state: "running"))
        #expect(l.entries.map(\.tid) == [102])
        #expect(
            String(decoding: l.json, as: UTF8.self)
                == #"{"pid":102,"found":true,"host":false,"guest":{"name":"vm1","uuid":"u-1","key":"u-1","kind":"vm","driver":"qemu","state":"running"},"entries":[{"pid":100,"tid":102,"comm":"CPU 0/TCG","role":"vcpu","vcpu":0,"evidence":"pidfile"}]}"#
        )
    }

    @Test func processListsEveryThreadAndIsOwnedByItsMainThread() {
        let l = PIDLookup(pid: 100, snapshot: Self.snapshot)
        #expect(l.entries.map(\.tid) == [100, 102])
        #expect(l.owner?.key == "u-1")
    }

    /// A thread the snapshot does not list (it started since the mapper last read its still
    /// process's threads) is found through its process: the owner is the process's, and the
    /// answer says whose thread it is.
    @Test func unlistedThreadIsFoundThroughItsProcess() {
        let l = PIDLookup(pid: 105, snapshot: Self.snapshot, threadGroup: { $0 == 105 ? 100 : nil })
        #expect(l.found && !l.host && l.threadOf == 100)
        #expect(l.owner?.key == "u-1")
        #expect(l.entries.map(\.tid) == [100, 102])
        #expect(
            String(decoding: l.json, as: UTF8.self).hasPrefix(
                #"{"pid":105,"found":true,"host":false,"thread_of":100,"guest":{"name":"vm1""#))
        // Its own process (Tgid = itself), a process the snapshot does not list, or gone: not found.
        for resolve in [{ (_: Int) -> Int? in 105 }, { _ in 4242 }, { _ in nil }] {
            let m = PIDLookup(pid: 105, snapshot: Self.snapshot, threadGroup: resolve)
            #expect(!m.found && m.threadOf == nil && m.entries.isEmpty)
        }
        // A listed thread never asks.
        let listed = PIDLookup(
            pid: 102, snapshot: Self.snapshot,
            threadGroup: { _ in
                Issue.record("asked"); return nil
            })
        #expect(listed.threadOf == nil && listed.entries.map(\.tid) == [102])
    }

    @Test func hostProcessAndNotFound() {
        let host = PIDLookup(pid: 7, snapshot: Self.snapshot)
        #expect(host.found && host.host && host.owner == nil)
        #expect(
            String(decoding: host.json, as: UTF8.self)
                == #"{"pid":7,"found":true,"host":true,"entries":[{"pid":7,"tid":7,"comm":"sshd","role":"host","evidence":""}]}"#)
        let missing = PIDLookup(pid: 4242, snapshot: Self.snapshot)
        #expect(!missing.found && missing.httpStatus == 404 && missing.entries.isEmpty)
        #expect(String(decoding: missing.json, as: UTF8.self) == #"{"pid":4242,"found":false}"#)
    }

    @Test(arguments: ["abc", "0", "-3", "", "1.5"])
    func invalidQueries(text: String) {
        #expect(PIDLookup.pid(query: text) == nil)
        #expect(
            String(decoding: PIDLookup.invalidPIDJSON(text), as: UTF8.self) == #"{"error":"pid must be a positive integer, got \#(text)"}"#)
    }

    @Test func validQuery() {
        #expect(PIDLookup.pid(query: "25992") == 25992)
    }
}
