#!/usr/bin/env bash
# Formats the Swift sources with the toolchain's swift-format and the repository's
# .swift-format configuration.
#   scripts/format.sh          format Sources, Tests and Package.swift in place
#   scripts/format.sh --lint   check only: fails (non-zero) on any finding, changes nothing
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(Sources Tests Package.swift)
case "${1:-}" in
  --lint) exec swift format lint --strict --recursive --parallel "${paths[@]}" ;;
  "") exec swift format format --in-place --recursive --parallel "${paths[@]}" ;;
  *) echo "usage: $0 [--lint]" >&2; exit 2 ;;
esac
