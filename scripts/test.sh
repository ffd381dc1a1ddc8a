#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine as on a developer's:
# installs the packages, starts the real lab (libvirtd, TCG guests, an LXC container, see
# scripts/lab/up.sh), builds, and runs every test. Lab tests stop libvirtd and QEMU processes
# for a few seconds, so tests run one at a time (--no-parallel).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-build-deps.sh
bash scripts/lab/install-deps.sh
bash scripts/lab/up.sh
# Formatting: the tree must be as scripts/format.sh leaves it (.swift-format).
# The lint runs before the build so a finding costs seconds, not a build.
bash scripts/format.sh --lint
swift build --build-tests
swift test --skip-build --no-parallel "$@"
