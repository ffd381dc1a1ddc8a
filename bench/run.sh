#!/usr/bin/env bash
# Benchmarks that a user can run on a libvirt host (root; the lab for "lab"):
#   bench/run.sh lab [N_PAUSED=40] [SCRAPES=200]   N paused TCG guests + the lab's running ones
#   bench/run.sh testdriver [N=500] [SCRAPES=100]  N domains of libvirtd's test driver
# Each compares hv-exporter (release build) with the Debian prometheus-libvirt-exporter on
# the same URI: median/p99 scrape latency, CPU per scrape (exporter + libvirtd), peak RSS,
# series. Results also go to .lab/bench/result-<scenario>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-lab}
swift build -c release --product hv-exporter >&2
mkdir -p .lab/bench
case "$scenario" in
  lab)
    n=${2:-40}; scrapes=${3:-200}
    bash bench/guests.sh up "$n"
    python3 bench/scrape_bench.py --uri qemu:///system --scrapes "$scrapes" --json .lab/bench/result-lab.json
    ;;
  testdriver)
    n=${2:-500}; scrapes=${3:-100}
    python3 bench/testdriver-node.py "$n" "$PWD/.lab/bench/node-$n.xml"
    python3 bench/scrape_bench.py --uri "test+unix://$PWD/.lab/bench/node-$n.xml" --scrapes "$scrapes" --json .lab/bench/result-testdriver.json
    ;;
  *) echo "usage: $0 lab [N] [SCRAPES] | testdriver [N] [SCRAPES]" >&2; exit 2 ;;
esac
