#!/usr/bin/env python3
"""A/B of two hv-exporter builds on the same host: which one costs less per scrape.

A change of a few per cent is smaller than what a busy host's noise does to one run (the
lab's running guests and libvirtd share its cores): one run of each build proves nothing.
This alternates the builds in rounds, in the order A B B A (so a drift in the host's load
weighs on both alike), each run a fresh exporter with warm-up scrapes, and reports per build
the median over rounds and the spread (lowest-highest) of: median scrape latency, the
exporter's CPU per scrape and libvirtd's. A difference inside both spreads is noise.

  bench/ab.py --a /tmp/hv-before --b .build/release/hv-exporter
  bench/ab.py --a OLD --b NEW --rounds 8 --scrapes 60 --uri qemu:///system

Build the two binaries first (e.g. `git worktree add /tmp/before REV && cd /tmp/before &&
swift build -c release --product hv-exporter`).
"""
import argparse, os, statistics, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scrape_bench import free_port, run_one  # noqa: E402

FIELDS = [("median_ms", "latency ms"), ("exporter_cpu_ms_per_scrape", "exporter CPU ms"), ("libvirtd_cpu_ms_per_scrape", "libvirtd CPU ms"), ("lxd_cpu_ms_per_scrape", "lxd CPU ms")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", required=True, help="the build to compare against (before)")
    ap.add_argument("--b", required=True, help="the build under test (after)")
    ap.add_argument("--uri", default="qemu:///system")
    ap.add_argument("--rounds", type=int, default=6, help="rounds of A B B A (each build runs twice a round)")
    ap.add_argument("--scrapes", type=int, default=60, help="scrapes per run, back to back")
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--libvirtd-pidfile", default="/run/libvirtd.pid")
    args = ap.parse_args()
    args.interval = 0
    for b in (args.a, args.b):
        if not os.access(b, os.X_OK):
            ap.error(f"not an executable: {b}")
    libvirtd_pid = None
    if args.uri.startswith(("qemu://", "qemu+unix", "test+unix")) and os.path.exists(args.libvirtd_pidfile):
        libvirtd_pid = int(open(args.libvirtd_pidfile).read().strip())

    runs = {"A": [], "B": []}
    for r in range(args.rounds):
        for which in ("A", "B", "B", "A"):
            binary = args.a if which == "A" else args.b
            p = free_port()
            res = run_one(which, [binary, f"--web.listen-address=127.0.0.1:{p}", f"--libvirt.uri={args.uri}",
                                  "--libvirt.timeout=30s", "--log.level=error"], p, args, libvirtd_pid)
            runs[which].append(res)
            print(f"round {r + 1} {which}: " + "  ".join(f"{label} {res[key]:.2f}" for key, label in FIELDS) + f"  series {res['series']}",
                  flush=True)

    print(f"\nuri={args.uri}, {args.rounds} rounds of A B B A, {args.scrapes} scrapes a run; median over runs [lowest-highest]")
    print(f"A = {args.a}\nB = {args.b}")
    for key, label in FIELDS:
        a = [x[key] for x in runs["A"]]
        b = [x[key] for x in runs["B"]]
        ma, mb = statistics.median(a), statistics.median(b)
        change = (mb - ma) / ma * 100 if ma else 0.0
        overlap = max(min(a), min(b)) <= min(max(a), max(b))
        print(f"  {label:16} A {ma:7.2f} [{min(a):.2f}-{max(a):.2f}]   B {mb:7.2f} [{min(b):.2f}-{max(b):.2f}]   "
              f"B-A {change:+.1f} %{'  (spreads overlap)' if overlap else ''}")
    if {x["series"] for x in runs["A"]} != {x["series"] for x in runs["B"]}:
        print("  note: the builds exported different numbers of series")


if __name__ == "__main__":
    sys.exit(main())
