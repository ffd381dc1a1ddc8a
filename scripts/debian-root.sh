#!/usr/bin/env bash
# The cached minimal Debian root of a release, made once per machine:
#   scripts/debian-root.sh bookworm|trixie     prints its path
# debootstrap --variant=minbase into $HV_PKGTEST_CACHE/<release>-root (default
# /var/cache/hvexporter-test), from $HV_PKGTEST_MIRROR (default deb.debian.org). Users copy it
# (cp -a) and work in the copy; they hold "<path>.lock" (flock) while they read or refresh it,
# as this script does while it makes it. Used by scripts/package-test.sh and
# scripts/lab/zabbix7-up.sh. Needs root and network to the archive the first time.
set -euo pipefail
release=${1:?usage: scripts/debian-root.sh bookworm|trixie}
mirror=${HV_PKGTEST_MIRROR:-http://deb.debian.org/debian}
cache=${HV_PKGTEST_CACHE:-/var/cache/hvexporter-test}/$release-root
log() { echo "debian-root $release: $*" >&2; }
case "$release" in bookworm | trixie) ;; *) log "release must be bookworm or trixie"; exit 1 ;; esac
[[ "$(id -u)" -eq 0 ]] || { log "needs root"; exit 1; }
# shellcheck source=scripts/retry.sh
. "$(dirname "${BASH_SOURCE[0]}")/retry.sh"
if [[ ! -x "$cache/usr/bin/apt-get" ]]; then
    if ! command -v debootstrap >/dev/null; then
        log "installing debootstrap"
        retry 3 apt-get install -y -qq debootstrap >/dev/null || { log "cannot install debootstrap"; exit 1; }
    fi
    mkdir -p "$(dirname "$cache")"
    exec 9> "$cache.lock"
    flock 9
    if [[ ! -x "$cache/usr/bin/apt-get" ]]; then # made meanwhile by another run?
        log "creating the cached $release root in $cache (debootstrap --variant=minbase, a few minutes)"
        rm -rf "$cache.tmp"
        retry 3 debootstrap --variant=minbase "$release" "$cache.tmp" "$mirror" > "$cache.debootstrap.log" 2>&1 \
            || { tail -20 "$cache.debootstrap.log" >&2; log "debootstrap $release failed (log: $cache.debootstrap.log)"; exit 1; }
        mv "$cache.tmp" "$cache"
    fi
fi
echo "$cache"
