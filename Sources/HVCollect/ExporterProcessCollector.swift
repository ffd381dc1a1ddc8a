import Glibc
import HVModel
import HVSystem

/// The exporter's own process figures (`process_*` families, as every Prometheus client
/// library exports them): CPU, memory, start time, file descriptors, threads.
public struct ExporterProcessCollector: Collector {
    public let name = "exporter"
    let proc: ProcFS
    let startTimeSeconds: Double

    public init(procfs: String = "/proc") {
        self.proc = ProcFS(root: procfs)
        // Start time = boot time (btime in /proc/stat) + starttime ticks since boot.
        let ticks = Self.clockTicks()
        var start = Clock.wall()
        if let statBytes = try? FileReader.read(procfs + "/stat"),
           let btime = Self.bootTime(statBytes),
           let me = try? ProcFS(root: procfs).stat(Int(getpid())) {
            start = Double(btime) + Double(me.startTimeTicks) / ticks
        }
        self.startTimeSeconds = start
    }

    public func collect(into snapshot: inout Snapshot) throws {
        let pid = Int(getpid())
        let st = try proc.stat(pid)
        let ticks = Self.clockTicks()
        let openFDs = (try? DirectoryReader.names(proc.path(pid, "fd")).count) ?? 0
        var lim = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &lim)
        let page = UInt64(sysconf(Int32(_SC_PAGESIZE)))
        snapshot.exporterProcess = ExporterProcessStats(
            cpuSeconds: Double(st.utimeTicks + st.stimeTicks) / ticks,
            residentBytes: st.rssPages * page, virtualBytes: st.vsizeBytes,
            startTimeSeconds: startTimeSeconds, openFDs: openFDs,
            maxFDs: lim.rlim_cur > UInt(Int.max) ? -1 : Int(lim.rlim_cur), threads: st.numThreads)
    }

    /// USER_HZ, the unit of /proc/<pid>/stat times.
    static func clockTicks() -> Double {
        let hz = sysconf(Int32(_SC_CLK_TCK))
        return hz > 0 ? Double(hz) : 100
    }

    /// `btime <seconds>` line of /proc/stat.
    static func bootTime(_ bytes: [UInt8]) -> Int? {
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Int(line.dropFirst(6).trimmingPrefixSpaces())
        }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingPrefixSpaces() -> Substring { drop { $0 == " " } }
}
