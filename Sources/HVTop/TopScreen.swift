import Glibc
import HVModel

/// Draws one frame of the interactive view as lines that fit the terminal.
public struct TopScreen {
    /// One screen line and how it is highlighted.
    public struct Line: Equatable, Sendable {
        public enum Style: Sendable { case plain, header, selected, alert, dim }
        public var text: String
        public var style: Style
        public init(_ text: String, _ style: Style = .plain) {
            self.text = text
            self.style = style
        }
    }

    public var state: TopState
    public var current: Sample?
    public var previous: Sample?
    /// The last refresh's error, if it failed (the data shown is then older).
    public var error: String?
    /// Privilege and other standing warnings.
    public var warnings: [String]
    public var delay: Double
    public var size: Terminal.Size

    public init(
        state: TopState, current: Sample?, previous: Sample?, error: String?, warnings: [String], delay: Double, size: Terminal.Size
    ) {
        self.state = state
        self.current = current
        self.previous = previous
        self.error = error
        self.warnings = warnings
        self.delay = delay
        self.size = size
    }

    /// Rows of the guest list or view body that fit (what PageUp/PageDown move by).
    public static func pageSize(_ size: Terminal.Size) -> Int { max(1, size.rows - 7) }

    /// The frame: exactly `size.rows` lines, each at most `size.columns` characters.
    public func lines() -> [Line] {
        let w = max(20, size.columns)
        var out: [Line] = []
        out.append(Line(titleLine(), .header))
        let rows = current.map { GuestRow.rows($0, previous: previous) } ?? []
        if let c = current {
            out.append(contentsOf: HostSummary(c.snapshot, rows: rows).lines(width: w).map { Line($0) })
        } else {
            out.append(Line(error == nil ? "collecting..." : ""))
        }
        out.append(statusLine(rows))
        if let first = warnings.first {
            out.append(Line(first + (warnings.count > 1 ? " (+\(warnings.count - 1) more: press ?)" : ""), .alert))
        } else if out.count < 4 {
            out.append(Line(""))
        }
        let bodyRows = max(1, size.rows - out.count - 1)
        out.append(contentsOf: body(rows, height: bodyRows, width: w))
        while out.count < size.rows - 1 { out.append(Line("")) }
        out = Array(out.prefix(max(1, size.rows - 1)))
        out.append(footer())
        return out.map { Line(TextTable.clip($0.text, w), $0.style) }
    }

    func titleLine() -> String {
        var parts = ["hvtop \(HVTopVersion.text)"]
        if let c = current {
            if !c.snapshot.hostname.isEmpty { parts.append(Format.printable(c.snapshot.hostname)) }
            parts.append("source: \(c.source)")
            parts.append(clock(c.snapshot.timestampSeconds))
        }
        parts.append("refresh \(Format.number(delay))s")
        return parts.joined(separator: " | ")
    }

    func statusLine(_ rows: [GuestRow]) -> Line {
        if let error { return Line("refresh failed: \(Format.printable(error))" + (current != nil ? " (showing older data)" : ""), .alert) }
        let shown = state.visibleRows(rows).count
        var s = "sort: \(state.sort.label) \(sortDirection) (\(state.sort.keyChar))"
        let f = state.editingFilter ?? state.filter
        if !f.isEmpty { s += " | filter: \"\(Format.printable(f))\"" }
        s += " | \(shown) of \(rows.count) guests"
        if previous == nil && current != nil { s += " | rates after the next refresh" }
        return Line(s)
    }

    var sortDirection: String {
        let descending = state.sort != .name
        return (descending != state.reversed) ? "desc" : "asc"
    }

    func footer() -> Line {
        if let text = state.editingFilter {
            return Line("filter (Enter keeps, Esc cancels): \(Format.printable(text))_", .header)
        }
        switch state.view {
        case .guests:
            return Line("q quit  ? help  c/m/d/n/a sort  / filter  Enter/p processes  b blocks  i interfaces  s storage  j jobs", .dim)
        default:
            return Line("Esc back  q quit  ? help  arrows scroll  b blocks  i interfaces  s storage  j jobs", .dim)
        }
    }

    func body(_ rows: [GuestRow], height: Int, width: Int) -> [Line] {
        if state.view == .help { return scrolled(helpLines().map { Line($0) }, height: height) }
        guard let c = current else { return [] }
        let visible = state.visibleRows(rows)
        let guests = visibleGuests(c.snapshot, visible)
        switch state.view {
        case .guests:
            let (header, lines) = GuestTable.table(visible, sort: state.sort).render(width: width)
            let sel = state.selectedIndex(visible)
            var out = [Line(header, .header)]
            let start = min(state.scroll, max(0, lines.count - 1))
            for (i, l) in lines.enumerated().dropFirst(start).prefix(height - 1) {
                out.append(Line(l, i == sel ? .selected : .plain))
            }
            if lines.isEmpty {
                out.append(
                    Line(
                        rows.isEmpty
                            ? "no guests" + (CollectorNames.noData(c.snapshot, CollectorNames.libvirt).map { " - " + $0 } ?? "")
                            : "no guest matches the filter"))
            }
            return out
        case .processes(let key, let name):
            var out: [Line] = []
            guard let g = c.snapshot.guests.first(where: { $0.key == key }) else {
                return [Line("Processes of \(Format.printable(name)): the guest is gone")]
            }
            let title = "Processes of \(Format.printable(g.name)) (\(g.kind.rawValue), \(g.driver), \(g.state.rawValue))"
            if let missing = CollectorNames.noData(c.snapshot, CollectorNames.processes) {
                return [Line(title, .header), Line(missing)]
            }
            let prows = ProcessTable.rows(c, previous: previous, guestKey: key)
            out.append(Line(title + ": " + ProcessTable.summary(prows), .header))
            if prows.isEmpty {
                out.append(
                    Line(
                        g.state == .running || g.state == .paused
                            ? "no processes attributed to this guest" : "no processes: the guest is \(g.state.rawValue)"))
                return out
            }
            let (header, lines) = ProcessTable.table(prows).render(width: width)
            out.append(Line(header, .header))
            return out + scrolled(lines.map { Line($0) }, height: height - 2)
        case .block:
            return section(
                "Block devices", DeviceTables.block(c, previous: previous, guests: guests), height: height, width: width,
                empty: "no block devices" + (CollectorNames.noData(c.snapshot, CollectorNames.libvirt).map { " - " + $0 } ?? ""))
        case .interfaces:
            return section(
                "Interfaces", DeviceTables.interfaces(c, previous: previous, guests: guests), height: height, width: width,
                empty: "no interfaces" + (CollectorNames.noData(c.snapshot, CollectorNames.libvirt).map { " - " + $0 } ?? ""))
        case .storage:
            var lines: [Line] = []
            lines.append(Line("RAID arrays (\(c.snapshot.mdArrays.count))", .header))
            if let missing = CollectorNames.noData(c.snapshot, CollectorNames.mdraid), c.snapshot.mdArrays.isEmpty {
                lines.append(Line(missing))
            } else if c.snapshot.mdArrays.isEmpty {
                lines.append(Line("no md arrays on this host"))
            } else {
                let (h, l) = StorageTables.arrays(c.snapshot).render(width: width)
                lines.append(Line(h, .dim))
                for (i, a) in c.snapshot.mdArrays.enumerated() {
                    lines.append(Line(l[i], ArrayHealth(a).status == .ok ? .plain : .alert))
                }
            }
            lines += StorageTables.raidControllerLines(c.snapshot, width: width)
            lines.append(Line(""))
            lines.append(Line("Storage pools (\(c.snapshot.storagePools.count))", .header))
            if let missing = CollectorNames.noData(c.snapshot, CollectorNames.pools), c.snapshot.storagePools.isEmpty {
                lines.append(Line(missing))
            } else if c.snapshot.storagePools.isEmpty {
                lines.append(Line("no libvirt storage pools"))
            } else {
                let (h, l) = StorageTables.pools(c.snapshot).render(width: width)
                lines.append(Line(h, .dim))
                lines.append(contentsOf: l.map { Line($0) })
            }
            lines.append(Line(""))
            lines.append(Line("Disks, SMART (\(c.snapshot.smartDisks.count))", .header))
            if let missing = CollectorNames.noData(c.snapshot, CollectorNames.smart), c.snapshot.smartDisks.isEmpty {
                lines.append(Line(missing))
            } else if c.snapshot.smartDisks.isEmpty {
                lines.append(Line("no disks asked (smartctl not installed, or no whole disk found)"))
            } else {
                let (h, l) = SMARTTable.disks(c.snapshot).render(width: width)
                lines.append(Line(h, .dim))
                for (i, d) in c.snapshot.smartDisks.enumerated() { lines.append(Line(l[i], SMARTTable.alerts(d) ? .alert : .plain)) }
            }
            lines += StorageTables.storageStackSections(c.snapshot, width: width)
            return scrolled(lines, height: height)
        case .jobs:
            var t = JobTable.table(guests)
            t.rows += JobTable.departed(c.snapshot.departedJobs).rows
            let noData = CollectorNames.noData(c.snapshot, CollectorNames.jobs)
            return section(
                "Jobs (running, block jobs, last finished)", t, height: height, width: width,
                empty: noData ?? "no running or finished jobs")
        case .help:
            return []
        }
    }

    /// Guests in the order and filter of the guest list (device and job views follow it).
    func visibleGuests(_ s: Snapshot, _ visible: [GuestRow]) -> [Guest] {
        var byKey: [String: Guest] = [:]
        for g in s.guests { byKey[g.key] = g }
        return visible.compactMap { byKey[$0.key] }
    }

    func section(_ title: String, _ table: TextTable, height: Int, width: Int, empty: String) -> [Line] {
        var out = [Line(title, .header)]
        if table.rows.isEmpty { return out + [Line(empty)] }
        let (h, l) = table.render(width: width)
        out.append(Line(h, .dim))
        return out + scrolled(l.map { Line($0) }, height: height - 2)
    }

    func scrolled(_ lines: [Line], height: Int) -> [Line] {
        guard height > 0 else { return [] }
        let start = max(0, min(state.scroll, lines.count - height))
        return Array(lines.dropFirst(start).prefix(height))
    }

    func helpLines() -> [String] {
        var out = [
            "hvtop: guests of this hypervisor host, refreshed every \(Format.number(delay))s",
            "",
            "  c  sort by CPU%        (of one host CPU: 200 = two CPUs busy)",
            "  m  sort by RSS         (host memory the guest occupies)",
            "  d  sort by disk        (read + write bytes per second)",
            "  n  sort by network     (rx + tx bytes per second)",
            "  a  sort by name        (same key again reverses)",
            "  /  filter by name      (substring, case-insensitive; Esc clears)",
            "  Up/Down PgUp/PgDn Home/End   select a guest / scroll",
            "  Enter, p   processes and threads of the selected guest (role, vCPU, CPU%)",
            "  b  block devices    i  interfaces    s  storage (RAID, pools)    j  jobs",
            "  Esc, Left  back to the guest list       Space, r  refresh now",
            "  ?  this help        q  quit",
            "",
            "STEAL% is vCPU time spent runnable but waiting for a host CPU (the guest's steal).",
            "Rates are deltas between the last two refreshes.",
        ]
        if !warnings.isEmpty {
            out.append("")
            out.append("Warnings:")
            out.append(contentsOf: warnings.map { "  " + $0 })
        }
        return out
    }

    /// HH:MM:SS local time of a Unix time.
    func clock(_ t: Double) -> String {
        var secs = time_t(t)
        var tmv = tm()
        localtime_r(&secs, &tmv)
        func p(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(p(tmv.tm_hour)):\(p(tmv.tm_min)):\(p(tmv.tm_sec))"
    }
}
