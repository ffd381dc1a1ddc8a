#!/usr/bin/env bash
# Debian packages needed to build and run hv-exporter and hvtop (not the test lab:
# scripts/lab/install-deps.sh adds libvirtd, QEMU, LXC, Prometheus and the test tools).
# Idempotent: installs only what is missing.
set -euo pipefail

PKGS=(
  pkg-config
  libvirt-dev          # libvirt client library (CLibvirt)
  libmicrohttpd-dev    # HTTP server (CMicroHTTPD)
  libudev-dev          # disk identity for RAID members (CUdev)
  libgnutls28-dev      # TLS and client certificates in the HTTP shim
  zlib1g-dev           # gzip responses
  libcrypt-dev         # bcrypt for basic auth (libxcrypt)
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "error: no 'swift' on PATH. Install a Swift 6 toolchain for Debian 12 (swift.org) and add its usr/bin to PATH." >&2
  exit 1
fi
