import Glibc

/// The interactive view: terminal, key loop, sampler, redraws.
public final class TopApp {
    let terminal: Terminal
    let sampler: Sampler
    var state: TopState
    let warningsFor: (SourceKind) -> [String]
    var current: Sample?
    var previous: Sample?
    var error: String?

    /// - Parameter warnings: standing warnings for the source in use (privileges of a
    ///   direct collection), shown under the host line.
    public init(sampler: Sampler, state: TopState, warnings: @escaping (SourceKind) -> [String]) throws(TerminalError) {
        terminal = try Terminal()
        self.sampler = sampler
        self.state = state
        self.warningsFor = warnings
    }

    /// Runs until `q`; the terminal is restored on every way out.
    public func run() {
        terminal.enter()
        defer { terminal.restore() }
        sampler.start()
        var size = terminal.size()
        var dirty = true
        while true {
            if dirty { draw(size); dirty = false }
            var fds = [
                pollfd(fd: 0, events: Int16(POLLIN), revents: 0),
                pollfd(fd: sampler.notifyFD, events: Int16(POLLIN), revents: 0),
            ]
            _ = poll(&fds, 2, 200)
            if terminal.takeResized() { dirty = true }
            let now = terminal.size()
            if now != size { size = now; dirty = true }
            if fds[1].revents != 0 {
                for r in sampler.take() {
                    switch r {
                    case .success(let s):
                        if let c = current, s.snapshot.timestampSeconds == c.snapshot.timestampSeconds, s.snapshot.timestampSeconds > 0 {
                            continue
                        }
                        previous = current
                        current = s
                        error = nil
                    case .failure(let e):
                        error = e.description
                    }
                }
                dirty = true
            }
            if fds[0].revents != 0 {
                let bytes = terminal.readAvailable()
                if bytes.isEmpty && fds[0].revents & Int16(POLLHUP) != 0 { return }
                let rows = state.visibleRows(current.map { GuestRow.rows($0, previous: previous) } ?? [])
                for key in Key.decode(bytes) {
                    switch state.handle(key, rows: rows, page: TopScreen.pageSize(size) - 1) {
                    case .quit: return
                    case .refresh: sampler.refreshNow(); dirty = true
                    case .redraw: dirty = true
                    case .none: break
                    }
                }
            }
        }
    }

    func draw(_ size: Terminal.Size) {
        let rows = state.visibleRows(current.map { GuestRow.rows($0, previous: previous) } ?? [])
        if state.view == .guests, let i = state.selectedIndex(rows) {
            state.selectedKey = rows[i].key
            state.keepVisible(i, page: TopScreen.pageSize(size) - 1)
        }
        let screen = TopScreen(
            state: state, current: current, previous: previous, error: error, warnings: current.map { warningsFor($0.source) } ?? [],
            delay: sampler.delay, size: size)
        var out = "\u{1B}[H"
        for (n, line) in screen.lines().enumerated() {
            if n > 0 { out += "\r\n" }
            switch line.style {
            case .plain: out += line.text
            case .header: out += "\u{1B}[7m" + line.text + "\u{1B}[K\u{1B}[0m"
            case .selected: out += "\u{1B}[1;30;46m" + line.text + "\u{1B}[K\u{1B}[0m"
            case .alert: out += "\u{1B}[1;31m" + line.text + "\u{1B}[0m"
            case .dim: out += "\u{1B}[1m" + line.text + "\u{1B}[0m"
            }
            out += "\u{1B}[K"
        }
        out += "\u{1B}[J"
        terminal.write(out)
    }
}
