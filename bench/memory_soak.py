#!/usr/bin/env python3
"""Memory over many scrapes: starts hv-exporter (release build) on a libvirt URI, scrapes it
N times back to back and samples its memory every N/10 scrapes from /proc/<pid>/smaps_rollup
(RSS, PSS, anonymous, private dirty) and /proc/<pid>/status (VmHWM, threads), plus CPU per
scrape over each stretch. Flat private dirty/anonymous memory over the run is what matters:
growth means something is kept per scrape.

  bench/memory_soak.py --uri qemu:///system --scrapes 10000
  bench/memory_soak.py --uri test+unix://$PWD/.lab/bench/node-500.xml --scrapes 2000
  bench/memory_soak.py --uri qemu:///system --scrapes 2000 -- --scrape.max-age=10s

Arguments after `--` go to hv-exporter. Results also go to --json.
"""
import argparse, json, os, subprocess, sys, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scrape_bench import cpu_seconds, free_port, scrape, status_kib, wait_up  # noqa: E402


def rollup(pid):
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[0].endswith(":"):
                out[parts[0][:-1]] = int(parts[1])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--uri", default="qemu:///system")
    ap.add_argument("--scrapes", type=int, default=10000)
    ap.add_argument("--binary", default=".build/release/hv-exporter")
    ap.add_argument("--json")
    ap.add_argument("extra", nargs="*", help="more hv-exporter arguments (after --)")
    a = ap.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}/metrics"
    argv = [a.binary, f"--web.listen-address=127.0.0.1:{port}", f"--libvirt.uri={a.uri}", "--log.level=warn"] + a.extra
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    try:
        wait_up(url, proc)
        for _ in range(20):
            scrape(url)
        step = max(1, a.scrapes // 10)
        done = 0
        cpu0, t0 = cpu_seconds(proc.pid), time.perf_counter()
        while True:
            r = rollup(proc.pid)
            cpu1, t1 = cpu_seconds(proc.pid), time.perf_counter()
            n = step if done else 0
            rows.append({
                "scrapes": done, "rss_kib": r.get("Rss", 0), "pss_kib": r.get("Pss", 0),
                "anonymous_kib": r.get("Anonymous", 0), "private_dirty_kib": r.get("Private_Dirty", 0),
                "hwm_kib": status_kib(proc.pid, "VmHWM"), "threads": status_kib(proc.pid, "Threads"),
                "cpu_ms_per_scrape": (cpu1 - cpu0) * 1000 / n if n else None,
                "ms_per_scrape": (t1 - t0) * 1000 / n if n else None,
            })
            cpu0, t0 = cpu1, t1
            if done >= a.scrapes:
                break
            for _ in range(step):
                scrape(url)
            done += step
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"hv-exporter {' '.join(argv[2:])}: {a.scrapes} scrapes")
    print(f"{'scrapes':>8} {'RSS MiB':>8} {'PSS MiB':>8} {'anon MiB':>9} {'priv dirty':>11} {'HWM MiB':>8} {'thr':>4} {'CPU ms/scr':>11} {'ms/scr':>7}")
    for r in rows:
        cpu = f"{r['cpu_ms_per_scrape']:.2f}" if r["cpu_ms_per_scrape"] is not None else "-"
        lat = f"{r['ms_per_scrape']:.2f}" if r["ms_per_scrape"] is not None else "-"
        print(f"{r['scrapes']:>8} {r['rss_kib']/1024:>8.1f} {r['pss_kib']/1024:>8.1f} {r['anonymous_kib']/1024:>9.1f} "
              f"{r['private_dirty_kib']/1024:>10.1f}M {r['hwm_kib']/1024:>8.1f} {r['threads']:>4} {cpu:>11} {lat:>7}")
    first, last = rows[1] if len(rows) > 1 else rows[0], rows[-1]
    growth = (last["anonymous_kib"] - first["anonymous_kib"]) / 1024
    print(f"anonymous memory from scrape {first['scrapes']} to {last['scrapes']}: {growth:+.1f} MiB")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"argv": argv, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
