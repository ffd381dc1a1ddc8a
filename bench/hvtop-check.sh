#!/usr/bin/env bash
# How fast hvtop's one-shot checks answer with the daemon running (Zabbix's agent Timeout is
# 3 s by default). Starts a release hv-exporter on a free loopback port, warms it up, then
# runs hyperfine on:
#   hvtop check libvirt
#   hvtop zabbix get 'hv.guest.state[GUEST]'
#   curl /json                        (the daemon's own share, for comparison)
#   hvtop check libvirt --source direct  (no daemon: what a collection in-process costs)
# Usage: bench/hvtop-check.sh [GUEST=hv-run1] [RUNS=30]   (root; the lab or any libvirt host)
# Results also go to .lab/bench/hvtop-check.json and .lab/bench/hvtop-check.md.
set -euo pipefail
cd "$(dirname "$0")/.."
guest=${1:-hv-run1}
runs=${2:-30}
uri=${HV_LIBVIRT_URI:-qemu:///system}
scratch=${HVTOP_SCRATCH:-.build}
swift build -c release --scratch-path "$scratch" --product hv-exporter >&2
swift build -c release --scratch-path "$scratch" --product hvtop >&2
bin=$scratch/release
command -v hyperfine >/dev/null || { echo "hyperfine not installed (apt-get install hyperfine)" >&2; exit 2; }
mkdir -p .lab/bench

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin/hv-exporter" --web.listen-address="127.0.0.1:$port" --libvirt.uri="$uri" --log.level=warn &
daemon=$!
trap 'kill "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/-/healthy" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/json" >/dev/null   # first collection: cold caches
url="http://127.0.0.1:$port"

echo "hv-exporter (release) on $url, libvirt $uri, $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
hyperfine --warmup 3 --runs "$runs" -N \
  --export-json .lab/bench/hvtop-check.json --export-markdown .lab/bench/hvtop-check.md \
  -n 'hvtop check libvirt' "$bin/hvtop check libvirt --url $url" \
  -n "hvtop zabbix get hv.guest.state[$guest]" "$bin/hvtop zabbix get hv.guest.state[$guest] --url $url" \
  -n 'curl /json (daemon only)' "curl -sf -o /dev/null $url/json" \
  -n 'hvtop check libvirt --source direct' "$bin/hvtop check libvirt --source direct --libvirt.uri $uri" \
  -i
cat .lab/bench/hvtop-check.md
