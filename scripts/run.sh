#!/usr/bin/env bash
# One command: install build dependencies, build hv-exporter (release), run it on this host.
#   scripts/run.sh                                  # qemu:///system, listens on :9974
#   scripts/run.sh --libvirt.uri=test:///default    # libvirt's built-in test hypervisor
# Any argument is passed to hv-exporter (see: scripts/run.sh --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-build-deps.sh
echo "building hv-exporter (release)..." >&2
# The git commit and build date for --version (Sources/HVBuildInfo).
bash scripts/build-stamp.sh
swift build -c release -Xswiftc -DHV_BUILD_STAMP --product hv-exporter >&2
swift build -c release -Xswiftc -DHV_BUILD_STAMP --product hvtop >&2 || echo "warning: hvtop did not build; hv-exporter is fine" >&2
# As the systemd unit does: two malloc arenas keep anonymous memory flat (README, Benchmarks).
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
exec .build/release/hv-exporter "$@"
