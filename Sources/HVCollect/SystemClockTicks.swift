import Glibc

/// USER_HZ, the unit of /proc/<pid>/stat times and v1 `cpuacct.stat` (100 on Linux).
func sysconfClockTicks() -> Double {
    let hz = sysconf(Int32(_SC_CLK_TCK))
    return hz > 0 ? Double(hz) : 100
}
