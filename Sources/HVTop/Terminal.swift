import Glibc

/// The controlling terminal in raw mode on the alternate screen, for the TUI.
///
/// Whatever way hvtop ends, the terminal is given back: `restore()` on the normal path, an
/// `atexit` hook, and handlers for SIGINT, SIGTERM, SIGHUP, SIGQUIT and the crash signals
/// (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE: Swift traps) that restore the saved
/// termios and leave the alternate screen with async-signal-safe calls only, then re-raise
/// the signal with its default action so the exit status stays truthful.
public final class Terminal {
    public struct Size: Equatable, Sendable {
        public var rows: Int
        public var columns: Int
    }

    let input: Int32 = 0
    let output: Int32 = 1

    /// Fails when standard input or output is not a terminal.
    public init() throws(TerminalError) {
        guard isatty(input) == 1 else { throw TerminalError(reason: "standard input is not a terminal") }
        guard isatty(output) == 1 else { throw TerminalError(reason: "standard output is not a terminal (use -b for batch output)") }
        var t = termios()
        guard tcgetattr(input, &t) == 0 else { throw TerminalError(reason: "tcgetattr: \(errnoText())") }
        terminalSaved = t
    }

    /// Raw mode, alternate screen, hidden cursor, signal handlers.
    public func enter() {
        if terminalRestoreBytes == nil {
            let seq = Array("\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l".utf8)
            let p = UnsafeMutablePointer<UInt8>.allocate(capacity: seq.count)
            p.initialize(from: seq, count: seq.count)
            terminalRestoreBytes = p
            terminalRestoreCount = seq.count
        }
        var raw = terminalSaved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL | BRKINT | INPCK | ISTRIP)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        tcsetattr(input, TCSAFLUSH, &raw)
        terminalActive = 1
        installHandlers()
        write("\u{1B}[?1049h\u{1B}[?25l\u{1B}[H\u{1B}[2J")
    }

    /// Gives the terminal back (idempotent).
    public func restore() { terminalRestoreNow() }

    /// Rows and columns (TIOCGWINSZ), 24×80 if the terminal does not say.
    public func size() -> Size {
        var ws = winsize()
        if ioctl(output, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_row > 0, ws.ws_col > 0 {
            return Size(rows: Int(ws.ws_row), columns: Int(ws.ws_col))
        }
        return Size(rows: 24, columns: 80)
    }

    /// Writes all of `s` (retrying short writes and EINTR).
    public func write(_ s: String) {
        var bytes = Array(s.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(output, $0.baseAddress! + off, $0.count - off) }
            if n > 0 { off += n } else if n < 0 && errno == EINTR { continue } else { return }
        }
    }

    /// Bytes waiting on the terminal (non-blocking; VMIN=0).
    public func readAvailable() -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: 256)
        let n = buf.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
        return n > 0 ? Array(buf[..<n]) : []
    }

    private func installHandlers() {
        atexit { terminalRestoreNow() }
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] {
            var sa = sigaction()
            sa.__sigaction_handler.sa_handler = { sig in
                terminalRestoreNow()
                signal(sig, SIG_DFL)
                raise(sig)
            }
            sigemptyset(&sa.sa_mask)
            sa.sa_flags = Int32(bitPattern: UInt32(SA_RESETHAND))
            sigaction(sig, &sa, nil)
        }
        var winch = sigaction()
        winch.__sigaction_handler.sa_handler = { _ in terminalResized = 1 }
        sigemptyset(&winch.sa_mask)
        winch.sa_flags = 0   // no SA_RESTART: poll() returns early and the screen is redrawn
        sigaction(SIGWINCH, &winch, nil)
    }

    /// True once after SIGWINCH.
    public func takeResized() -> Bool {
        if terminalResized != 0 { terminalResized = 0; return true }
        return false
    }
}

/// Why the TUI cannot start.
public struct TerminalError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { "cannot start the interactive view: \(reason)" }
}

// Process-wide terminal state, touched from signal handlers (hence globals, set before the
// handlers are installed and only read there).
nonisolated(unsafe) private var terminalSaved = termios()
nonisolated(unsafe) private var terminalActive: sig_atomic_t = 0
nonisolated(unsafe) private var terminalResized: sig_atomic_t = 0
nonisolated(unsafe) private var terminalRestoreBytes: UnsafeMutablePointer<UInt8>?
nonisolated(unsafe) private var terminalRestoreCount = 0

/// Async-signal-safe: write(2) and tcsetattr(3) only.
private func terminalRestoreNow() {
    guard terminalActive != 0 else { return }
    terminalActive = 0
    if let p = terminalRestoreBytes { _ = write(1, p, terminalRestoreCount) }
    tcsetattr(0, TCSAFLUSH, &terminalSaved)
}
