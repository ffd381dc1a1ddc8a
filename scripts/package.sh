#!/usr/bin/env bash
# Builds the Debian package hvexporter_<version>_<arch>.deb in the repository root (or in
# $HV_DEB_OUTDIR): hv-exporter and hvtop linked with the Swift runtime statically
# (--static-swift-stdlib), so the package depends only on Debian libraries and runs on a host
# without a Swift toolchain. One package for Debian 12 (bookworm) and 13 (trixie): Depends
# names both the bookworm library packages and their trixie 64-bit-time renames
# (libgnutls30 | libgnutls30t64, ...), see the table below.
#
#   scripts/package.sh              build (release, in .build-release) and package
#   HV_DEB_OUTDIR=/tmp scripts/package.sh
#
# Prints the path of the .deb on its last line. Needs: a Swift 6 toolchain, the build
# dependencies (scripts/install-build-deps.sh), dpkg-dev (dpkg-shlibdeps) and lintian (installed
# when missing; lintian errors fail the build).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
say() { echo "package.sh: $*" >&2; }

bash scripts/install-build-deps.sh
need=()
command -v dpkg-shlibdeps >/dev/null || need+=(dpkg-dev)
command -v lintian >/dev/null || need+=(lintian)
if ((${#need[@]})); then
    say "installing ${need[*]}"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# MARK: build
# A scratch path of its own: the static release build never mixes with the developer's .build.
scratch=.build-release
bash scripts/build-stamp.sh
# Full RELRO (-z relro -z now), as Debian's hardening flags ask for daemons; only the link step.
build=(swift build -c release --static-swift-stdlib --scratch-path "$scratch" -Xswiftc -DHV_BUILD_STAMP
    -Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now)
start=$(date +%s)
for product in hv-exporter hvtop; do
    say "building $product (release, static Swift runtime)"
    "${build[@]}" --product "$product" >&2
done
say "build took $(($(date +%s) - start)) s"
bin=$("${build[@]}" --show-bin-path)
for b in hv-exporter hvtop; do
    if ldd "$bin/$b" | grep -q 'libswift\|libFoundation\|libdispatch\|libBlocksRuntime'; then
        say "error: $b still links the Swift runtime dynamically:"; ldd "$bin/$b" >&2; exit 1
    fi
done

version=$("$bin/hv-exporter" --version | sed -n 's/^hv-exporter, version \([^ ]*\) .*/\1/p')
[[ -n "$version" ]] || { say "error: cannot read the version from hv-exporter --version"; exit 1; }
debversion="$version-1"
arch=$(dpkg --print-architecture)
pkg=hvexporter
deb="${HV_DEB_OUTDIR:-$root}/${pkg}_${debversion}_${arch}.deb"

# MARK: stage (the usual layout)
stage=$(mktemp -d "${TMPDIR:-/tmp}/hvexporter-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
d=$stage/root
install -d "$d/DEBIAN" "$d/usr/bin" "$d/lib/systemd/system" "$d/etc/default" \
    "$d/usr/share/man/man1" "$d/usr/share/doc/$pkg" \
    "$d/usr/share/$pkg/alerts" "$d/usr/share/$pkg/dashboards" "$d/usr/share/$pkg/zabbix" \
    "$d/usr/share/lintian/overrides"
for b in hv-exporter hvtop; do
    install -m 0755 "$bin/$b" "$d/usr/bin/$b"
    # As dh_strip does; the Swift metadata sections are allocated and stay.
    strip --remove-section=.comment --remove-section=.note --strip-unneeded "$d/usr/bin/$b"
done

# The unit from packaging/ (the hardened one), with the packaged binary's path.
sed 's|/usr/local/bin/hv-exporter|/usr/bin/hv-exporter|g' packaging/hv-exporter.service \
    | sed '/^# Install:/,/^#   systemctl daemon-reload/d' > "$d/lib/systemd/system/hv-exporter.service"
grep -q '^ExecStart=/usr/bin/hv-exporter ' "$d/lib/systemd/system/hv-exporter.service" \
    || { say "error: packaging/hv-exporter.service: no ExecStart=/usr/local/bin/hv-exporter to rewrite"; exit 1; }
chmod 0644 "$d/lib/systemd/system/hv-exporter.service"
install -m 0644 packaging/debian/default "$d/etc/default/hv-exporter"

install -m 0644 alerts/*.yml "$d/usr/share/$pkg/alerts/"
if [[ -d alerts/tests ]]; then
    install -d "$d/usr/share/$pkg/alerts/tests"
    install -m 0644 alerts/tests/* "$d/usr/share/$pkg/alerts/tests/"
fi
install -m 0644 dashboards/*.json "$d/usr/share/$pkg/dashboards/"
install -m 0644 packaging/zabbix/template_hvexporter.yaml "$d/usr/share/$pkg/zabbix/"
sed 's|/usr/local/bin/hvtop|/usr/bin/hvtop|g' packaging/zabbix/userparameter_hvexporter.conf \
    > "$d/usr/share/$pkg/zabbix/userparameter_hvexporter.conf"
chmod 0644 "$d/usr/share/$pkg/zabbix/userparameter_hvexporter.conf"

# MARK: man pages, from --help, verbatim: the page says exactly what --help says
# (help2man reflows ArgumentParser's aligned columns and examples into nonsense). Each
# "HEADING:" line of the help starts a section (OVERVIEW -> DESCRIPTION, USAGE -> SYNOPSIS).
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
mandate=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)
help_to_man() { # prefix for the section names ("" or "TOP "): help text on stdin
    awk -v prefix="$1" '
        function esc(t) { gsub(/\\/, "\\e", t); gsub(/-/, "\\-", t); if (t ~ /^[.\047]/) t = "\\&" t; return t }
        /^[A-Z][A-Z ]*:( |$)/ {
            if (open) print ".fi"
            h = substr($0, 1, index($0, ":") - 1); rest = substr($0, index($0, ":") + 2)
            if (h == "OVERVIEW") h = "DESCRIPTION"; else if (h == "USAGE") h = "SYNOPSIS"
            print ".SH \"" prefix h "\""; print ".nf"; open = 1
            if (rest != "") print esc(rest)
            next
        }
        { if (!open) { print ".nf"; open = 1 } print esc($0) }
        END { if (open) print ".fi" }'
}
man_page() { # name, one-line description; the page body on stdin
    { printf '.TH %s 1 "%s" "hvexporter %s" "User Commands"\n' "$(echo "$1" | tr a-z A-Z)" "$mandate" "$version"
      printf '.SH NAME\n%s \\- %s\n' "$1" "$2"
      cat; } | gzip -9n > "$d/usr/share/man/man1/$1.1.gz"
    chmod 0644 "$d/usr/share/man/man1/$1.1.gz"
}
{
    "$d/usr/bin/hv-exporter" --help | help_to_man ""
    printf '.SH FILES\n.TP\n.I /etc/default/hv-exporter\nFlags for the systemd unit hv\\-exporter.service: HV_EXPORTER_ARGS="...".\n'
    printf '.TP\n.I /usr/share/hvexporter/\nPrometheus alert rules, Grafana dashboards, the Zabbix template and agent configuration.\n'
    printf '.SH "SEE ALSO"\n.BR hvtop (1)\n'
} | man_page hv-exporter "Prometheus exporter for KVM/QEMU and LXC hypervisor hosts"
{
    "$d/usr/bin/hvtop" --help | help_to_man ""
    # The subcommands' own --help (top is the default one, with the view's options).
    for sub in top pid guest zabbix check; do
        "$d/usr/bin/hvtop" "$sub" --help | help_to_man "$(echo "$sub" | tr a-z A-Z) "
    done
    printf '.SH "SEE ALSO"\n.BR hv\\-exporter (1)\n'
} | man_page hvtop "top for KVM/QEMU and LXC hosts, and checks for Zabbix and Nagios"
# Check: every line of each --help is a line of its page (headings aside).
for cmd in "hv-exporter" "hvtop" "hvtop top" "hvtop pid" "hvtop guest" "hvtop zabbix" "hvtop check"; do
    page=$(zcat "$d/usr/share/man/man1/${cmd%% *}.1.gz" | sed -e 's/\\-/-/g' -e 's/\\e/\\/g' -e 's/^\\&//')
    missing=$($d/usr/bin/$cmd --help | sed 's/^[A-Z][A-Z ]*: //' | grep -v '^[A-Z][A-Z ]*:$' | grep -v '^$' \
        | grep -vxF -f <(echo "$page") || true)
    [[ -z "$missing" ]] || { say "error: lines of '$cmd --help' missing from its man page:"; echo "$missing" >&2; exit 1; }
done

# MARK: docs
install -m 0644 packaging/debian/copyright "$d/usr/share/doc/$pkg/copyright"
grep -v '^#' packaging/debian/lintian-overrides > "$d/usr/share/lintian/overrides/$pkg"
chmod 0644 "$d/usr/share/lintian/overrides/$pkg"
gzip -9n < packaging/debian/changelog > "$d/usr/share/doc/$pkg/changelog.Debian.gz"
chmod 0644 "$d/usr/share/doc/$pkg/changelog.Debian.gz"
head -1 packaging/debian/changelog | grep -q "^$pkg ($debversion) " \
    || { say "error: packaging/debian/changelog: the first entry is not $pkg ($debversion)"; exit 1; }

# MARK: control
# Depends from the binaries (dpkg-shlibdeps needs a debian/control beside it: a stub).
mkdir -p "$stage/shlibs/debian"
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$pkg" "$pkg" > "$stage/shlibs/debian/control"
shlibs=$(cd "$stage/shlibs" && dpkg-shlibdeps -O "$d/usr/bin/hv-exporter" "$d/usr/bin/hvtop")
shlibs=${shlibs#shlibs:Depends=}
# Debian 13 renamed these libraries for 64-bit time_t (the "t64" transition): same sonames,
# package name + "t64" (checked in a trixie root: libgnutls30t64 3.8.9, libmicrohttpd12t64
# 1.0.1; libvirt0, libudev1, zlib1g, libcrypt1, libstdc++6, libgcc-s1, libc6 kept their
# names). On 64-bit architectures the t64 packages also Provide the old names, on armhf not:
# name both, so one package installs on both releases. The version bounds stay valid (the
# t64 packages continue the same sources).
t64=(libgnutls30 libmicrohttpd12)
depends=""
IFS=',' read -ra parts <<< "$shlibs"
for p in "${parts[@]}"; do
    p=$(echo "$p" | sed 's/^ *//; s/ *$//')
    name=${p%% *}
    for t in "${t64[@]}"; do
        if [[ "$name" == "$t" ]]; then p="$p | ${p/#$name/${name}t64}"; fi
    done
    depends+="${depends:+, }$p"
done
installed_size=$(du -sk --exclude=DEBIAN "$d" | cut -f1)
cat > "$d/DEBIAN/control" <<EOF
Package: $pkg
Version: $debversion
Architecture: $arch
Maintainer: hvexporter developers <hvexporter@users.noreply.github.com>
Installed-Size: $installed_size
Depends: $depends, init-system-helpers (>= 1.52)
Recommends: smartmontools
Suggests: libvirt-daemon-system, prometheus, zabbix-agent
Section: net
Priority: optional
Homepage: https://github.com/hvexporter/hvexporter
Description: Prometheus exporter for KVM/QEMU and LXC hypervisor hosts
 hv-exporter serves every guest on the host (libvirt domains, LXC/LXD
 containers, nspawn machines) with CPU, vCPU, memory, block and network
 figures from libvirt, cgroups and procfs, md RAID health, storage pools and
 migration jobs, as Prometheus text (/metrics) and JSON (/json). It keeps
 answering when libvirtd is stuck or gone.
 .
 hvtop is a top for guests ("which guest owns this PID"), and the one-shot
 checks that Zabbix and Nagios-style monitors run.
 .
 Alert rules, Grafana dashboards and the Zabbix template are in
 /usr/share/hvexporter/.
EOF
echo "/etc/default/hv-exporter" > "$d/DEBIAN/conffiles"
for s in postinst prerm postrm; do install -m 0755 "packaging/debian/$s" "$d/DEBIAN/$s"; done
(cd "$d" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort | xargs md5sum) > "$d/DEBIAN/md5sums"
chmod 0644 "$d/DEBIAN/control" "$d/DEBIAN/conffiles" "$d/DEBIAN/md5sums"

mkdir -p "$(dirname "$deb")"
dpkg-deb --root-owner-group -Zxz --build "$d" "$deb" >&2
say "Depends: $depends"
say "package: $(du -k "$deb" | cut -f1) KiB, installed: $installed_size KiB"

# MARK: lintian (errors fail; kept warnings: packaging/debian/README and the overrides)
if command -v lintian >/dev/null; then
    # Exit status 1: error tags; 2: lintian itself failed. Both fail the build.
    rc=0
    out=$(lintian --allow-root --fail-on error "$deb" 2>&1) || rc=$?
    [[ -n "$out" ]] && echo "$out" >&2
    if ((rc != 0)) || grep -q '^E:' <<< "$out"; then say "error: lintian failed (exit status $rc)"; exit 1; fi
    say "lintian: no errors, $(grep -c '^W:' <<< "$out" || true) warnings (packaging/debian/README)"
else
    say "lintian not installed: not checked (apt install lintian)"
fi
echo "$deb"
