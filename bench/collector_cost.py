#!/usr/bin/env python3
"""Where a scrape's CPU goes, collector by collector: hv-exporter (release build) with every
collector on, then with each collector turned off in turn (the ones a collector needs stay
on), N sequential scrapes each. The difference to the full run is that collector's cost: its
own CPU in the exporter (threads, parsing, the system calls it makes) and the CPU it makes
libvirtd spend. Each run is a separate exporter, so the figures carry the machine's noise: on
the lab (TCG guests and containers with load loops on two cores) about +-3 ms per run, more
than most collectors cost: run it on a quiet machine, with more scrapes, and repeat.

  bench/collector_cost.py --uri qemu:///system --scrapes 150
  bench/collector_cost.py --uri qemu:///system --only cgroup,processes,jobs

Results also go to --json.
"""
import argparse, json, os, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scrape_bench import free_port, run_one  # noqa: E402

# A collector that reads what another fills goes off with it (hv-exporter refuses a set that
# lacks a required input).
NEEDS = {"processes": ["cgroup"]}


def collectors(binary):
    out = subprocess.run([binary, "--help"], capture_output=True, text=True).stdout
    # The "Collectors" section of --help: "  <name>   [on ] <what it does>".
    names = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and line.startswith("  ") and parts[1] == "[on" and parts[2].startswith("]"):
            names.append(parts[0])
    return names


def measure(binary, uri, extra, args, libvirtd_pid):
    port = free_port()
    argv = [binary, f"--web.listen-address=127.0.0.1:{port}", f"--libvirt.uri={uri}", "--log.level=error"] + extra
    r = run_one("hv-exporter", argv, port, args, libvirtd_pid)
    return {
        "exporter_cpu_ms": r["exporter_cpu_ms_per_scrape"],
        "libvirtd_cpu_ms": r["libvirtd_cpu_ms_per_scrape"],
        "median_ms": r["median_ms"],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--uri", default="qemu:///system")
    ap.add_argument("--scrapes", type=int, default=150)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "hv-exporter"))
    ap.add_argument("--libvirtd-pidfile", default="/run/libvirtd.pid")
    ap.add_argument("--only", help="comma-separated collectors to turn off (default: each in turn)")
    ap.add_argument("--json")
    args = ap.parse_args()
    libvirtd_pid = None
    if os.path.exists(args.libvirtd_pidfile):
        libvirtd_pid = int(open(args.libvirtd_pidfile).read().strip())
    names = args.only.split(",") if args.only else collectors(args.binary)
    if not names:
        sys.exit("no collector found in --help of " + args.binary)
    full = measure(args.binary, args.uri, [], args, libvirtd_pid)
    rows = [("(all on)", full)]
    for n in names:
        off = [n] + NEEDS.get(n, [])
        r = measure(args.binary, args.uri, [f"--no-collector.{c}" for c in off], args, libvirtd_pid)
        rows.append(("-" + "-".join(off), r))
    print(f"uri={args.uri} scrapes={args.scrapes} per run; cost = all-on minus the run without the collector")
    print(f"{'run':<24} {'median ms':>9} {'own CPU ms':>10} {'libvirtd ms':>11} {'own cost':>9} {'libvirtd cost':>13}")
    for name, r in rows:
        own = full["exporter_cpu_ms"] - r["exporter_cpu_ms"]
        lv = full["libvirtd_cpu_ms"] - r["libvirtd_cpu_ms"]
        cost = "" if name == "(all on)" else f"{own:>9.2f} {lv:>13.2f}"
        print(f"{name:<24} {r['median_ms']:>9.1f} {r['exporter_cpu_ms']:>10.2f} {r['libvirtd_cpu_ms']:>11.2f} {cost}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"uri": args.uri, "scrapes": args.scrapes, "runs": dict(rows)}, f, indent=1)


if __name__ == "__main__":
    main()
