#!/usr/bin/env bash
# How scrape cost grows with the host: hv-exporter (and, on libvirt, the Debian exporter)
# at several sizes, one line per size: median/p99 latency, CPU per scrape of the exporter and
# of libvirtd, and the per-guest slope between sizes.
#   bench/growth.sh guests "20 60 120" [SCRAPES=100]   paused TCG guests (bench/guests.sh)
#   bench/growth.sh containers "50 200" [SCRAPES=100]  idle busybox LXC containers
#   bench/growth.sh testdriver "100 500" [SCRAPES=50]  libvirt test-driver domains
# Guests and containers made for a size are kept for the next (sizes ascending) and removed at
# the end. Results in .lab/bench/growth-<kind>-<size>.json; the table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: bench/growth.sh guests|containers|testdriver "SIZES" [SCRAPES]}
sizes=${2:?sizes}
scrapes=${3:-100}
swift build -c release --product hv-exporter >&2
mkdir -p .lab/bench
cleanup() {
  case "$kind" in
    guests) bash bench/guests.sh down ;;
    containers) bash bench/containers.sh down ;;
  esac
}
trap cleanup EXIT
for n in $sizes; do
  uri=qemu:///system
  case "$kind" in
    guests) bash bench/guests.sh up "$n" ;;
    containers) bash bench/containers.sh up "$n" ;;
    testdriver) python3 bench/testdriver-node.py "$n" "$PWD/.lab/bench/node-$n.xml"; uri="test+unix://$PWD/.lab/bench/node-$n.xml" ;;
    *) echo "unknown kind $kind" >&2; exit 2 ;;
  esac
  python3 bench/scrape_bench.py --uri "$uri" --scrapes "$scrapes" --json ".lab/bench/growth-$kind-$n.json" >&2
done
python3 - "$kind" $sizes <<'PY'
import json, sys
kind, sizes = sys.argv[1], [int(x) for x in sys.argv[2:]]
rows = []
for n in sizes:
    r = json.load(open(f".lab/bench/growth-{kind}-{n}.json"))
    for e in (r if isinstance(r, list) else r.get("results", [])):
        rows.append((n, e))
print(f"{'size':>5}  {'exporter':<38} {'median ms':>9} {'p99 ms':>7} {'CPU ms/scr':>10} {'libvirtd ms':>11} {'lxd ms':>6} {'series':>7}  (CPU: the exporter's own)")
prev = {}
for n, e in rows:
    name = e.get("exporter", "?")
    cpu = e.get("exporter_cpu_ms_per_scrape", 0); lv = e.get("libvirtd_cpu_ms_per_scrape", 0); lx = e.get("lxd_cpu_ms_per_scrape", 0)
    slope = ""
    if name in prev:
        pn, pc = prev[name]
        slope = f"  +{(cpu - pc) / (n - pn):.3f} ms CPU per added {kind[:-1] if kind.endswith('s') else kind}"
    prev[name] = (n, cpu)
    print(f"{n:>5}  {name[:38]:<38} {e.get('median_ms', 0):>9.1f} {e.get('p99_ms', 0):>7.1f} {cpu:>10.2f} {lv:>11.2f} {lx:>6.2f} {e.get('series', 0):>7}{slope}")
PY
