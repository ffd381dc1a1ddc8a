#!/usr/bin/env bash
# One command: install build dependencies, build hv-exporter (release), run it on this host.
#   scripts/run.sh                                  # qemu:///system, listens on :9974
#   scripts/run.sh --libvirt.uri=test:///default    # libvirt's built-in test hypervisor
# Any argument is passed to hv-exporter (see: scripts/run.sh --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-build-deps.sh
echo "building hv-exporter (release)..." >&2
swift build -c release --product hv-exporter >&2
swift build -c release --product hvtop >&2 || echo "warning: hvtop did not build; hv-exporter is fine" >&2
exec .build/release/hv-exporter "$@"
