import HVExpose
import HVModel
import Testing

@testable import HVTop

struct TopStateTests {
    @Test func keysDecode() {
        #expect(Key.decode(Array("q".utf8)) == [.char("q")])
        #expect(Key.decode([0x1B, 0x5B, 0x41, 0x1B, 0x5B, 0x42]) == [.up, .down])
        #expect(Key.decode([0x1B, 0x4F, 0x43]) == [.right])
        #expect(Key.decode([0x1B, 0x5B, 0x35, 0x7E, 0x1B, 0x5B, 0x36, 0x7E]) == [.pageUp, .pageDown])
        #expect(Key.decode([0x1B]) == [.escape])
        #expect(Key.decode([0x0D, 0x7F, 0x03]) == [.enter, .backspace, .control("c")])
        #expect(Key.decode(Array("ü/".utf8)) == [.char("ü"), .char("/")])
    }

    @Test func sortKeysAndReverse() {
        var s = TopState()
        let rows = GuestRow.rows(Fixtures.pair.1, previous: Fixtures.pair.0)
        #expect(s.handle(.char("m"), rows: rows, page: 10) == .redraw)
        #expect(s.sort == .memory && !s.reversed)
        _ = s.handle(.char("m"), rows: rows, page: 10)
        #expect(s.reversed)
        _ = s.handle(.char("a"), rows: rows, page: 10)
        #expect(s.sort == .name && !s.reversed)
        #expect(s.visibleRows(rows).map(\.name) == ["ct1", "db", "idle", "off", "web"])
        #expect(s.handle(.char("q"), rows: rows, page: 10) == .quit)
    }

    @Test func filterIsTypedLiveAndCanBeCancelled() {
        var s = TopState()
        let rows = GuestRow.rows(Fixtures.pair.1, previous: Fixtures.pair.0)
        _ = s.handle(.char("/"), rows: rows, page: 10)
        for c in "DB" { _ = s.handle(.char(c), rows: rows, page: 10) }
        #expect(s.visibleRows(rows).map(\.name) == ["db"], "case-insensitive, while typing")
        #expect(s.handle(.char("q"), rows: rows, page: 10) == .redraw, "q is text while typing")
        _ = s.handle(.backspace, rows: rows, page: 10)
        _ = s.handle(.enter, rows: rows, page: 10)
        #expect(s.filter == "DB" && s.editingFilter == nil)
        _ = s.handle(.char("/"), rows: rows, page: 10)
        _ = s.handle(.char("x"), rows: rows, page: 10)
        _ = s.handle(.escape, rows: rows, page: 10)
        #expect(s.filter == "DB")
        _ = s.handle(.escape, rows: rows, page: 10)
        #expect(s.filter == "", "Esc in the list clears the filter")
    }

    @Test func selectionMovesAndOpensTheProcessView() {
        var s = TopState(sort: .name)
        let rows = s.visibleRows(GuestRow.rows(Fixtures.pair.1, previous: Fixtures.pair.0))
        _ = s.handle(.down, rows: rows, page: 2)
        _ = s.handle(.down, rows: rows, page: 2)
        #expect(s.selectedKey == rows[2].key)
        #expect(s.scroll == 1, "the list scrolls to keep the selection on screen")
        _ = s.handle(.enter, rows: rows, page: 2)
        #expect(s.view == .processes(key: rows[2].key, name: "idle"))
        _ = s.handle(.escape, rows: rows, page: 2)
        #expect(s.view == .guests)
        _ = s.handle(.end, rows: rows, page: 2)
        #expect(s.selectedKey == rows.last?.key)
        _ = s.handle(.char("b"), rows: rows, page: 2)
        #expect(s.view == .block)
        _ = s.handle(.char("b"), rows: rows, page: 2)
        #expect(s.view == .guests)
        _ = s.handle(.char("?"), rows: rows, page: 2)
        #expect(s.view == .help)
        _ = s.handle(.char("?"), rows: rows, page: 2)
        #expect(s.view == .guests)
    }

    @Test func framesFitTheTerminal() {
        let (a, b) = Fixtures.pair
        for view: TopState.View in [.guests, .block, .interfaces, .storage, .jobs, .help, .processes(key: "lxc-tools:ct1", name: "ct1")] {
            var st = TopState()
            st.view = view
            for size in [Terminal.Size(rows: 50, columns: 200), Terminal.Size(rows: 10, columns: 40)] {
                let lines = TopScreen(state: st, current: b, previous: a, error: nil, warnings: ["not root"], delay: 2, size: size).lines()
                #expect(lines.count == size.rows, "\(view)")
                #expect(lines.allSatisfy { $0.text.count <= size.columns }, "\(view)")
            }
        }
        let lines = TopScreen(
            state: TopState(), current: b, previous: a, error: nil, warnings: [], delay: 2,
            size: Terminal.Size(rows: 20, columns: 200)
        ).lines().map(\.text)
        #expect(lines[0].contains("source: daemon test"))
        #expect(lines.contains { $0.hasPrefix("NAME") && $0.contains("CPU%*") })
        #expect(lines.contains { $0.hasPrefix("db ") && $0.contains("150.0") })
    }

    @Test func processViewWithoutTheMapperSaysSo() {
        let (a, b) = Fixtures.pair
        var st = TopState()
        st.view = .processes(key: "11111111-1111-1111-1111-111111111111", name: "web")
        var snap = b.snapshot
        snap.collectors.removeAll { $0.name == "processes" }
        let lines = TopScreen(
            state: st, current: Sample(snapshot: snap, source: b.source), previous: a, error: nil, warnings: [], delay: 2,
            size: Terminal.Size(rows: 20, columns: 120)
        ).lines().map(\.text)
        #expect(lines.contains("no data (collector processes not enabled/available)"))
    }

    @Test func processRowsWithCPUPercent() {
        var (a, b) = Fixtures.pair
        let key = "11111111-1111-1111-1111-111111111111"
        var s0 = a.snapshot
        var s1 = b.snapshot
        s0.processes = [
            ProcessEntry(pid: 10, tid: 10, comm: "qemu", role: "emulator", guestKey: key, cpuSeconds: 1, rssBytes: 5, evidence: "pidfile"),
            ProcessEntry(
                pid: 10, tid: 12, comm: "CPU 0/KVM", role: "vcpu", vcpu: 0, guestKey: key, cpuSeconds: 10, rssBytes: 5, evidence: "pidfile"),
        ]
        s1.processes = [
            ProcessEntry(pid: 10, tid: 10, comm: "qemu", role: "emulator", guestKey: key, cpuSeconds: 2, rssBytes: 5, evidence: "pidfile"),
            ProcessEntry(
                pid: 10, tid: 12, comm: "CPU 0/KVM", role: "vcpu", vcpu: 0, guestKey: key, cpuSeconds: 19, rssBytes: 5, evidence: "pidfile"),
            ProcessEntry(pid: 99, tid: 99, comm: "sshd", role: "main", guestKey: nil, cpuSeconds: 1, rssBytes: 5, evidence: ""),
        ]
        a = Sample(snapshot: s0, source: a.source, receivedAt: 0)
        b = Sample(snapshot: s1, source: b.source, receivedAt: 10)
        let rows = ProcessTable.rows(b, previous: a, guestKey: key)
        #expect(rows.map(\.entry.tid) == [12, 10])
        #expect(rows.map(\.cpuPercent) == [90, 10])
        #expect(ProcessTable.summary(rows) == "2 threads in 1 processes: 1 emulator, 1 vcpu")
        let lookup = PIDLookup(pid: 12, snapshot: s1)
        #expect(lookup.owner?.name == "web" && lookup.exitCode == 0)
        #expect(lookup.text.contains("role      vcpu, vCPU 0"))
        #expect(PIDLookup(pid: 99, snapshot: s1).exitCode == 1)
        #expect(PIDLookup(pid: 99, snapshot: s1).text.contains("host process"))
        #expect(PIDLookup(pid: 4242, snapshot: s1).text.contains("not found"))
    }
}
