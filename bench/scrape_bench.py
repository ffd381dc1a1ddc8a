#!/usr/bin/env python3
"""Scrape benchmark: hv-exporter against the Debian prometheus-libvirt-exporter, same host,
same libvirt URI, one exporter at a time (so libvirtd's CPU is attributed cleanly).

For each exporter: start it, warm up, then N sequential scrapes. Reports median and p99
scrape latency, CPU seconds per scrape of the exporter, of libvirtd and of LXD when it runs
(hv-exporter asks it for storage pools), from /proc/<pid>/stat utime+stime (the total is the
three), the exporter's peak RSS (VmHWM) and private memory, and the series and families
exported.

  bench/scrape_bench.py --uri qemu:///system --scrapes 200
  bench/scrape_bench.py --uri qemu:///system --scrapes 24 --interval 5

Back to back (the default), the figures leave out what an exporter does between scrapes and
what it refreshes less often than every scrape (hv-exporter: paused domains' full statistics
and domain XML every minute, background tool samplers). With --interval SECONDS the scrapes
come that far apart, like Prometheus's, and the CPU of the whole period (between scrapes
too) is divided by the scrapes.
"""
import argparse, json, os, signal, socket, statistics, subprocess, sys, time, urllib.request

CLK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK  # utime + stime


def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def private_kib(pid):
    total = 0
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total += int(line.split()[1])
    return total


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def scrape(url, timeout=30):
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as r:
        body = r.read()
    return time.perf_counter() - t0, body.decode("utf-8", "replace")


def wait_up(url, proc, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exporter exited with {proc.returncode}")
        try:
            scrape(url, timeout=5)
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds}s")


def series(text):
    lines = [l for l in text.splitlines() if l and not l.startswith("#")]
    fams = {l.split("{", 1)[0].split(" ", 1)[0] for l in lines}
    return len(lines), len(fams), fams


def daemon_pids(comm):
    """PIDs of processes whose comm is `comm` (other daemons a scrape makes work: LXD)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/comm") as f:
                    if f.read().strip() == comm:
                        out.append(int(d))
            except OSError:
                pass
    return out


def cpu_sum(pids):
    total = 0.0
    for p in pids:
        try:
            total += cpu_seconds(p)
        except OSError:
            pass
    return total


def run_one(name, argv, port, args, libvirtd_pid):
    url = f"http://127.0.0.1:{port}/metrics"
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_up(url, proc)
        for _ in range(args.warmup):
            scrape(url)
        c0 = cpu_seconds(proc.pid)
        l0 = cpu_seconds(libvirtd_pid) if libvirtd_pid else 0.0
        # LXD answers hv-exporter's storage pool rounds: its CPU counts too.
        lxd = daemon_pids("lxd")
        x0 = cpu_sum(lxd)
        lat, body = [], ""
        t0 = time.perf_counter()
        for i in range(args.scrapes):
            if args.interval and i:
                time.sleep(max(0.0, t0 + i * args.interval - time.perf_counter()))
            dt, body = scrape(url)
            lat.append(dt)
        if args.interval:
            # The period after the last scrape, so that each scrape has its interval.
            time.sleep(max(0.0, t0 + args.scrapes * args.interval - time.perf_counter()))
        wall = time.perf_counter() - t0
        c1 = cpu_seconds(proc.pid)
        l1 = cpu_seconds(libvirtd_pid) if libvirtd_pid else 0.0
        x1 = cpu_sum(lxd)
        lat.sort()
        n, nf, fams = series(body)
        return {
            "exporter": name,
            "scrapes": args.scrapes,
            "interval_s": args.interval,
            "median_ms": statistics.median(lat) * 1000,
            "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
            "exporter_cpu_ms_per_scrape": (c1 - c0) / args.scrapes * 1000,
            "libvirtd_cpu_ms_per_scrape": (l1 - l0) / args.scrapes * 1000,
            "lxd_cpu_ms_per_scrape": (x1 - x0) / args.scrapes * 1000,
            "total_cpu_ms_per_scrape": ((c1 - c0) + (l1 - l0) + (x1 - x0)) / args.scrapes * 1000,
            "peak_rss_mib": status_kib(proc.pid, "VmHWM") / 1024,
            "private_mib": private_kib(proc.pid) / 1024,
            "series": n,
            "families": nf,
            "wall_s": wall,
            "_families": sorted(fams),
        }
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--uri", default="qemu:///system")
    ap.add_argument("--scrapes", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--interval", type=float, default=0, help="seconds from one scrape's start to the next (0: back to back)")
    ap.add_argument("--hv", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "hv-exporter"))
    ap.add_argument("--debian", default="/usr/bin/prometheus-libvirt-exporter")
    ap.add_argument("--libvirtd-pidfile", default="/run/libvirtd.pid")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()

    libvirtd_pid = None
    if args.uri.startswith(("qemu://", "qemu+unix", "test+unix")) and os.path.exists(args.libvirtd_pidfile):
        libvirtd_pid = int(open(args.libvirtd_pidfile).read().strip())

    results = []
    p = free_port()
    results.append(run_one("hv-exporter", [args.hv, f"--web.listen-address=127.0.0.1:{p}", f"--libvirt.uri={args.uri}",
                                           "--libvirt.timeout=30s", "--log.level=error"], p, args, libvirtd_pid))
    if os.path.exists(args.debian):
        p = free_port()
        results.append(run_one("prometheus-libvirt-exporter (Debian)",
                               [args.debian, f"--web.listen-address=127.0.0.1:{p}", f"--libvirt.uri={args.uri}"], p, args, libvirtd_pid))

    cols = ["median_ms", "p99_ms", "exporter_cpu_ms_per_scrape", "libvirtd_cpu_ms_per_scrape", "lxd_cpu_ms_per_scrape", "total_cpu_ms_per_scrape",
            "peak_rss_mib", "private_mib", "series", "families"]
    pace = f"every {args.interval:g} s" if args.interval else "back to back"
    print(f"uri={args.uri} scrapes={args.scrapes} ({pace}, after {args.warmup} warm-up scrapes)")
    print(f"{'':38}" + "".join(f"{c:>14}" for c in ["median ms", "p99 ms", "exp CPU ms", "libvirtd ms", "lxd ms", "total CPU ms", "peak RSS MiB", "private MiB", "series", "families"]))
    for r in results:
        print(f"{r['exporter']:38}" + "".join(f"{r[c]:>14.2f}" if isinstance(r[c], float) else f"{r[c]:>14}" for c in cols))
    if len(results) == 2:
        a, b = results
        print(f"ratios (Debian / hv): median latency {b['median_ms'] / a['median_ms']:.2f}x, "
              f"total CPU per scrape {b['total_cpu_ms_per_scrape'] / max(a['total_cpu_ms_per_scrape'], 1e-9):.2f}x")
        missing = sorted(set(b["_families"]) - set(a["_families"]))
        print(f"Debian families not exported under the same name by hv-exporter: {missing or 'none'}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
