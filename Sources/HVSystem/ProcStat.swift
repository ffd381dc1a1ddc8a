/// One line of `/proc/<pid>/stat` or `/proc/<pid>/task/<tid>/stat` (proc(5)).
///
/// Times are in clock ticks (`sysconf(_SC_CLK_TCK)`, USER_HZ, 100 on Linux);
/// `rssPages` is in pages. The comm may contain spaces and parentheses: it is
/// everything between the first "(" and the *last* ")".
public struct ProcStat: Sendable, Equatable {
    /// Field 1: process (or thread) ID.
    public var pid: Int
    /// Field 2: the comm without its parentheses, at most 15 bytes in the kernel.
    public var comm: String
    /// Field 3: R, S, D, Z, T, t, X, I ...
    public var state: UInt8
    /// Field 4: parent PID.
    public var ppid: Int
    /// Field 9: kernel flags (PF_*).
    public var flags: UInt64
    /// Fields 14, 15: user and system CPU time, clock ticks.
    public var utimeTicks: UInt64
    public var stimeTicks: UInt64
    /// Field 20: number of threads.
    public var numThreads: Int
    /// Field 22: start time after boot, clock ticks. With the PID, identifies a process
    /// across PID reuse.
    public var startTimeTicks: UInt64
    /// Field 23: virtual memory size, bytes.
    public var vsizeBytes: UInt64
    /// Field 24: resident set size, pages.
    public var rssPages: UInt64
    /// Field 39: CPU last run on (nil on very old kernels).
    public var processor: Int?

    /// PF_KTHREAD: this is a kernel thread.
    public static let kernelThreadFlag: UInt64 = 0x0020_0000

    public var isKernelThread: Bool { flags & ProcStat.kernelThreadFlag != 0 }

    public init(
        pid: Int, comm: String, state: UInt8, ppid: Int, flags: UInt64, utimeTicks: UInt64,
        stimeTicks: UInt64, numThreads: Int, startTimeTicks: UInt64, vsizeBytes: UInt64,
        rssPages: UInt64, processor: Int? = nil
    ) {
        self.pid = pid
        self.comm = comm
        self.state = state
        self.ppid = ppid
        self.flags = flags
        self.utimeTicks = utimeTicks
        self.stimeTicks = stimeTicks
        self.numThreads = numThreads
        self.startTimeTicks = startTimeTicks
        self.vsizeBytes = vsizeBytes
        self.rssPages = rssPages
        self.processor = processor
    }

    /// Parses the content of a stat file.
    public static func parse(_ bytes: [UInt8]) throws -> ProcStat {
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")) else {
            throw SystemError.malformed("no '(' before comm")
        }
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")), close > open else {
            throw SystemError.malformed("no ')' after comm")
        }
        var head = ByteScanner(bytes, from: 0, to: open)
        guard let pid = head.uint(), pid <= UInt64(Int32.max) else { throw SystemError.malformed("bad pid") }
        let comm = bytes[(open + 1)..<close].string

        var sc = ByteScanner(bytes, from: close + 1)
        guard let st = sc.word(), st.count == 1 else { throw SystemError.malformed("bad state (field 3)") }
        // Fields 4 onwards. Field 4 ppid, 5 pgrp, 6 session, 7 tty_nr, 8 tpgid (may be -1), 9 flags.
        guard let ppid = sc.int() else { throw SystemError.malformed("bad ppid (field 4)") }
        guard sc.skipFields(4) else { throw SystemError.malformed("truncated before flags (field 9)") }
        guard let flags = sc.uint() else { throw SystemError.malformed("bad flags (field 9)") }
        guard sc.skipFields(4) else { throw SystemError.malformed("truncated before utime (field 14)") }
        guard let utime = sc.uint() else { throw SystemError.malformed("bad utime (field 14)") }
        guard let stime = sc.uint() else { throw SystemError.malformed("bad stime (field 15)") }
        guard sc.skipFields(4) else { throw SystemError.malformed("truncated before num_threads (field 20)") }
        guard let threads = sc.int(), threads >= 0, threads < Int64(Int32.max) else {
            throw SystemError.malformed("bad num_threads (field 20)")
        }
        guard sc.skipFields(1) else { throw SystemError.malformed("truncated before starttime (field 22)") }
        guard let start = sc.uint() else { throw SystemError.malformed("bad starttime (field 22)") }
        guard let vsize = sc.uint() else { throw SystemError.malformed("bad vsize (field 23)") }
        guard let rssSigned = sc.int() else { throw SystemError.malformed("bad rss (field 24)") }
        var processor: Int?
        if sc.skipFields(14), let p = sc.int(), p >= 0, p < Int64(Int32.max) { processor = Int(p) }
        return ProcStat(
            pid: Int(pid), comm: comm, state: st.first!, ppid: Int(clamping: ppid), flags: flags,
            utimeTicks: utime, stimeTicks: stime, numThreads: Int(threads), startTimeTicks: start,
            vsizeBytes: vsize, rssPages: UInt64(max(0, rssSigned)), processor: processor)
    }
}
