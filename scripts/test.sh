#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine as on a developer's:
# installs the packages, starts the real lab (libvirtd, TCG guests, an LXC container, see
# scripts/lab/up.sh), builds, and runs every test. Lab tests stop libvirtd and QEMU processes
# for a few seconds, so tests run one at a time (--no-parallel). Then, unless arguments select
# tests (or HV_SKIP_PACKAGE_TEST=1): the Debian package is built (scripts/package.sh) and proven
# on clean minimal Debian 12 and 13 roots (scripts/package-test.sh bookworm|trixie: install,
# scrape, hvtop, purge; the roots are cached in /var/cache/hvexporter-test), and its systemd
# unit is run by a real systemd in booted Debian 12 and 13 guests with SMART disks, an md array
# and libvirtd (scripts/systemd-test.sh). About 12 minutes on a fresh machine (release build,
# two debootstraps), about 4 minutes once cached.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-build-deps.sh
bash scripts/lab/install-deps.sh
bash scripts/lab/up.sh
# Formatting: the tree must be as scripts/format.sh leaves it (.swift-format).
# The lint runs before the build so a finding costs seconds, not a build.
bash scripts/format.sh --lint
# git keeps no empty directory: a fixture tree with one passes here and fails on a clean clone.
empty=$(find Tests -type d -empty)
if [[ -n $empty ]]; then
  echo "empty directories under Tests (git will not keep them; put a .keep file in each):" >&2
  echo "$empty" >&2
  exit 1
fi
swift build --build-tests
swift test --skip-build --no-parallel "$@"

if [[ $# -eq 0 && "${HV_SKIP_PACKAGE_TEST:-}" != 1 ]]; then
  echo "== Debian package: scripts/package.sh, then scripts/package-test.sh bookworm and trixie" >&2
  deb=$(bash scripts/package.sh | tail -1) || { echo "Debian package: FAIL: scripts/package.sh failed (its output is above)" >&2; exit 1; }
  for release in bookworm trixie; do
    bash scripts/package-test.sh "$release" "$deb" \
      || { echo "Debian package: FAIL on $release (rerun: scripts/package-test.sh $release $deb)" >&2; exit 1; }
  done
  echo "Debian package: $deb installs, serves, runs hvtop and purges cleanly on Debian 12 and 13" >&2
  for release in bookworm trixie; do
    bash scripts/systemd-test.sh "$release" "$deb" \
      || { echo "Debian package: FAIL under systemd on $release (rerun: scripts/systemd-test.sh $release $deb)" >&2; exit 1; }
  done
  echo "Debian package: its unit runs under systemd on Debian 12 and 13: SMART, md RAID, a libvirt guest" >&2
fi
