#!/usr/bin/env bash
# Copies the files the storage-stack resolver reads out of one of util-linux's lsblk test
# dumps (tests/ts/lsblk/dumps/<name>.tar.xz, made by tests/ts/lsblk/mk-input.sh on a real
# machine): proc/self/mountinfo, the block/ and dev/block/ links, and per device dev,
# partition, size, holders/, slaves/, loop/backing_file, dm/name, dm/uuid, md/level.
# Usage: trim-util-linux-dump.sh <extracted dump dir> <output dir>
set -euo pipefail
src=$1; out=$2
rm -rf "$out"; mkdir -p "$out/proc/self" "$out/sys/block" "$out/sys/dev/block"
cp "$src/proc/self/mountinfo" "$out/proc/self/"
cp -P "$src/sys/block/"* "$out/sys/block/"
cp -P "$src/sys/dev/block/"* "$out/sys/dev/block/"
for link in "$src/sys/dev/block/"*; do
  rel=$(readlink "$link"); rel=${rel#../../}
  dir="$src/sys/$rel"; [ -d "$dir" ] || continue
  mkdir -p "$out/sys/$rel"
  for f in dev partition size loop/backing_file dm/name dm/uuid md/level; do
    if [ -f "$dir/$f" ]; then mkdir -p "$(dirname "$out/sys/$rel/$f")"; cp "$dir/$f" "$out/sys/$rel/$f"; fi
  done
  for sub in holders slaves; do   # non-empty ones only: git keeps no empty directory
    for e in "$dir/$sub"/*; do
      [ -L "$e" ] || continue
      mkdir -p "$out/sys/$rel/$sub"; cp -P "$e" "$out/sys/$rel/$sub/"
    done
  done
done
