#!/usr/bin/env bash
# Proof that the package works on a clean Debian without a Swift toolchain:
#   scripts/package-test.sh bookworm [path/to/hvexporter_*.deb]
#   scripts/package-test.sh trixie   [path/to/hvexporter_*.deb]
# In a copy of a minimal root (debootstrap --variant=minbase, cached in
# $HV_PKGTEST_CACHE, default /var/cache/hvexporter-test/<release>-root, with the downloaded
# .debs and apt lists so that repeated runs are fast), it installs the package with
# `apt-get install ./hvexporter_*.deb`, checks the maintainer scripts started nothing, starts
# hv-exporter on libvirt's test driver, scrapes /metrics and /json from outside the chroot,
# runs hvtop -b -n 1 inside (from the daemon and by direct collection), then purges the
# package and checks that none of its files, its conffile or its systemd state is left.
# Needs root (chroot, mounts), network to the Debian archive, curl and python3 on the host.
# The last line is "package-test <release>: PASS" or "package-test <release>: FAIL: <why>"
# (exit status 1). The .deb defaults to the newest hvexporter_*.deb in the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
release=${1:?usage: scripts/package-test.sh bookworm|trixie [deb]}
deb=${2:-$(ls -t hvexporter_*.deb 2>/dev/null | head -1 || true)}
cache=${HV_PKGTEST_CACHE:-/var/cache/hvexporter-test}/$release-root

me="package-test $release"
# shellcheck source=scripts/steps.sh
. scripts/steps.sh

[[ "$(id -u)" -eq 0 ]] || fail "needs root (chroot, mounts)"
[[ -n "$deb" && -f "$deb" ]] || fail "no package: build it with scripts/package.sh, or give its path"
case "$release" in bookworm | trixie) ;; *) fail "release must be bookworm or trixie" ;; esac
for tool in curl python3 ss flock; do command -v "$tool" >/dev/null || fail "needs $tool on the host"; done

# MARK: the cached minimal root (made once per machine by scripts/debian-root.sh; one run at a
# time changes it)
[[ "$(scripts/debian-root.sh "$release")" == "$cache" ]] || fail "no cached $release root in $cache"
exec 9> "$cache.lock"
flock 9
step "cached root ready"

work=$(mktemp -d /var/tmp/hvexporter-pkgtest.XXXXXX)
root=$work/root
pid=""
cleanup() {
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    # Anything still running from the chroot (nothing should be).
    for p in /proc/[0-9]*; do
        [[ "$(readlink "$p/root" 2>/dev/null)" == "$root" ]] && kill -9 "${p#/proc/}" 2>/dev/null || true
    done
    unmount_root
    rm -rf "$work"
}
trap cleanup EXIT
cp -a "$cache" "$root"
mount_root
[[ ! -e "$root/opt/swift" ]] && ! in_root sh -c 'command -v swift' >/dev/null || fail "the clean root has a Swift toolchain"
step "root copied, /proc /sys /dev mounted"

# MARK: install
cp "$deb" "$root/tmp/"
debname=$(basename "$deb")
snapshot_files() { # every file of the root outside the virtual and cache folders
    (cd "$root" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./tmp -o -path ./var/cache \
        -o -path ./var/lib/apt/lists -o -path ./var/log -o -path ./run \) -prune -o -print | LC_ALL=C sort)
}
before=$(snapshot_files)
install_pkg() { in_root apt-get install -y -q -o Dpkg::Use-Pty=0 "/tmp/$debname"; }
if ! install_pkg > "$work/install.log" 2>&1; then
    log "install from the cached lists failed; apt-get update and retry"
    retry 3 in_root apt-get update -q > "$work/update.log" 2>&1 || { cat "$work/update.log" >&2; fail "apt-get update failed"; }
    retry 3 install_pkg > "$work/install.log" 2>&1 || { tail -30 "$work/install.log" >&2; fail "apt-get install ./$debname failed"; }
fi
grep -E '^(Setting up|Unpacking) ' "$work/install.log" | sed 's/^/    /' | grep hvexporter >&2 || true
# Which library packages satisfied the Depends alternatives (trixie: the t64 renames).
echo "    $(in_root dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\n' 'libgnutls30*' 'libmicrohttpd12*' libvirt0 2>/dev/null \
    | awk '$1 == "ii" { printf "%s%s %s", sep, $2, $3; sep = ", " }')" >&2
echo "    $(grep -c '^Setting up ' "$work/install.log") packages set up" >&2
# Keep the downloads and lists in the cache: the next run needs no network for them.
cp -n "$root"/var/cache/apt/archives/*.deb "$cache/var/cache/apt/archives/" 2>/dev/null || true
if [[ -n "$(ls "$root/var/lib/apt/lists/" 2>/dev/null)" ]]; then
    rm -rf "$cache/var/lib/apt/lists" && cp -a "$root/var/lib/apt/lists" "$cache/var/lib/apt/lists"
fi
flock -u 9
in_root dpkg -s hvexporter | grep -q '^Status: install ok installed' || fail "hvexporter is not installed"
step "apt-get install ./$debname"

# MARK: installed files, and nothing started
mapfile -t pkgfiles < <(in_root dpkg -L hvexporter)
for f in /usr/bin/hv-exporter /usr/bin/hvtop /lib/systemd/system/hv-exporter.service /etc/default/hv-exporter \
    /usr/share/man/man1/hv-exporter.1.gz /usr/share/man/man1/hvtop.1.gz /usr/share/doc/hvexporter/copyright \
    /usr/share/doc/hvexporter/changelog.Debian.gz /usr/share/hvexporter/alerts/hvexporter.rules.yml \
    /usr/share/hvexporter/zabbix/template_hvexporter.yaml /usr/share/hvexporter/zabbix/userparameter_hvexporter.conf; do
    [[ -f "$root$f" ]] || fail "$f is not installed"
done
ls "$root"/usr/share/hvexporter/dashboards/*.json > /dev/null || fail "no dashboards installed"
grep -qx '/etc/default/hv-exporter' "$root/var/lib/dpkg/info/hvexporter.conffiles" || fail "/etc/default/hv-exporter is not a conffile"
in_root ldd /usr/bin/hv-exporter /usr/bin/hvtop > "$work/ldd" || true
grep -q 'not found' "$work/ldd" && { cat "$work/ldd" >&2; fail "a library is missing"; }
grep -q 'libswift' "$work/ldd" && fail "the binaries link the Swift runtime dynamically"
nothing_runs() { # $1: after what
    local p
    for p in /proc/[0-9]*; do
        [[ "$(readlink "$p/root" 2>/dev/null)" == "$root" ]] && fail "a process runs in the root after $1: $(tr '\0' ' ' < "$p/cmdline")"
    done
    return 0
}
nothing_runs "the installation"
log "    $(in_root hv-exporter --version)"
log "    $(in_root hvtop --version)"
in_root hv-exporter --version | grep -Eq '^hv-exporter, version [0-9.]+ \(revision: [0-9a-f]+(-dirty)?, built: [0-9-]+, libvirt: [0-9.]+\)$' \
    || fail "hv-exporter --version: unexpected '$(in_root hv-exporter --version)'"
in_root man -w hv-exporter > /dev/null 2>&1 || true # man-db is not in minbase; the files are checked above
# An upgrade (here a reinstall: dpkg runs the same upgrade path) keeps the admin's flags.
echo 'HV_EXPORTER_ARGS="--log.level=debug" # set by package-test' >> "$root/etc/default/hv-exporter"
in_root apt-get install -y -q -o Dpkg::Use-Pty=0 --reinstall "/tmp/$debname" > "$work/reinstall.log" 2>&1 \
    || { tail -20 "$work/reinstall.log" >&2; fail "apt-get install --reinstall failed"; }
grep -q 'set by package-test' "$root/etc/default/hv-exporter" || fail "the reinstall replaced the edited /etc/default/hv-exporter"
nothing_runs "the reinstall"
# The admin enables the unit (the symlink `systemctl enable` makes; no systemd runs here):
# purge must remove it (postinst recorded it with deb-systemd-helper update-state).
[[ -e "$root/etc/systemd/system/multi-user.target.wants/hv-exporter.service" ]] && fail "the package enabled the unit by itself"
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -s /lib/systemd/system/hv-exporter.service "$root/etc/systemd/system/multi-user.target.wants/hv-exporter.service"
step "files, conffile kept on reinstall, nothing started, libs"

# MARK: run hv-exporter inside, scrape from outside (the chroot shares the network)
port=""
for _ in $(seq 50); do
    p=$((20000 + RANDOM % 20000))
    ss -ltnH "sport = :$p" 2>/dev/null | grep -q . || { port=$p; break; }
done
[[ -n "$port" ]] || fail "no free port"
# chroot execs env, env execs hv-exporter: $! is the exporter's PID (for its RSS and SIGTERM).
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    hv-exporter --libvirt.uri=test:///default --web.listen-address=127.0.0.1:$port > "$work/exporter.log" 2>&1 &
pid=$!
up=""
for _ in $(seq 300); do # 30 s
    if curl -sf -o "$work/metrics" "http://127.0.0.1:$port/metrics"; then up=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
[[ -n "$up" ]] || { cat "$work/exporter.log" >&2; fail "hv-exporter did not answer on 127.0.0.1:$port"; }
step "hv-exporter started, first /metrics"
grep -qx 'libvirt_up 1' "$work/metrics" || { grep libvirt_up "$work/metrics" >&2; cat "$work/exporter.log" >&2; fail "/metrics has no 'libvirt_up 1'"; }
grep -q '^hv_guest_info{.*guest="test"' "$work/metrics" || fail "/metrics has no hv_guest_info for the test driver's guest"
log "    /metrics: $(grep -c '^[a-z]' "$work/metrics") samples, libvirt_up 1"
curl -sf "http://127.0.0.1:$port/json" -o "$work/json" || fail "/json did not answer"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d, dict) and d, "empty"; print("    /json: keys", ", ".join(sorted(d)[:8]))' "$work/json" >&2 \
    || fail "/json does not parse"
[[ "$(readlink "/proc/$pid/exe")" == "$root/usr/bin/hv-exporter" ]] || fail "PID $pid is not hv-exporter: $(readlink "/proc/$pid/exe")"
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
log "    hv-exporter RSS after the first scrapes: $rss KiB"
step "/metrics has libvirt_up 1, /json parses"

in_root hvtop -b -n 1 --url "http://127.0.0.1:$port" > "$work/hvtop-daemon" 2>&1 || { cat "$work/hvtop-daemon" >&2; fail "hvtop -b -n 1 --url failed"; }
grep -q 'source: ' "$work/hvtop-daemon" && grep -qw 'test' "$work/hvtop-daemon" \
    || { cat "$work/hvtop-daemon" >&2; fail "hvtop -b -n 1 (from the daemon) does not show the test guest"; }
sed 's/^/    /' "$work/hvtop-daemon" | head -5 >&2
in_root hvtop -b -n 1 --libvirt.uri=test:///default --url http://127.0.0.1:1 > "$work/hvtop-direct" 2>&1 \
    || { cat "$work/hvtop-direct" >&2; fail "hvtop -b -n 1 (direct collection) failed"; }
grep -q 'direct collection' "$work/hvtop-direct" && grep -qw 'test' "$work/hvtop-direct" \
    || { cat "$work/hvtop-direct" >&2; fail "hvtop -b -n 1 (direct collection) does not show the test guest"; }
step "hvtop -b -n 1 (from the daemon and direct)"

kill -TERM "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "hv-exporter did not stop within 5 s of SIGTERM"
wait "$pid" || true
pid=""
step "hv-exporter stopped (SIGTERM)"

# MARK: purge: nothing of the package is left
in_root apt-get purge -y -q -o Dpkg::Use-Pty=0 hvexporter > "$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail "apt-get purge failed"; }
in_root dpkg -s hvexporter > /dev/null 2>&1 && fail "hvexporter still known to dpkg after purge"
left=()
for f in "${pkgfiles[@]}"; do
    [[ -d "$root$f" ]] && continue # folders (and /lib -> usr/lib) are shared; checked by name below
    [[ -e "$root$f" || -L "$root$f" ]] && left+=("$f")
done
((${#left[@]} == 0)) || fail "files of the package left after purge: ${left[*]}"
[[ -e "$root/etc/default/hv-exporter" ]] && fail "/etc/default/hv-exporter left after purge"
[[ -e "$root/etc/systemd/system/multi-user.target.wants/hv-exporter.service" ]] && fail "the enablement symlink is left after purge"
ls "$root"/var/lib/systemd/deb-systemd-helper-*/*hv-exporter* > /dev/null 2>&1 && fail "deb-systemd-helper state left after purge"
# Every file and folder of the root now as before the installation, but for the dependencies'.
after=$(snapshot_files)
new=$(comm -13 <(echo "$before") <(echo "$after") | grep -iE 'hv-?exporter|hvtop' || true)
[[ -z "$new" ]] || fail "paths named after the package left after purge: $new"
log "    $(echo "${pkgfiles[@]}" | wc -w) paths from dpkg -L before purge, none left after; no hvexporter path added to the root"
step "apt-get purge hvexporter, nothing left"
total
echo "package-test $release: PASS"
