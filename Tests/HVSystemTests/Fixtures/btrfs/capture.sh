#!/usr/bin/env bash
# Copies this machine's real /sys/fs/btrfs/<fsid> tree (and what btrfs-progs keeps about the
# last scrub) into a fixture directory, so the btrfs readers are tested on what the kernel
# really writes. Run as root while the lab filesystem is in the state to keep:
#   Tests/HVSystemTests/Fixtures/btrfs/capture.sh FSID STATE-NAME
# Result: <here>/<STATE-NAME>/sys/fs/btrfs/<FSID>/...   readable attribute files, copied
#         (devices/<name> links become directories holding an empty .keep, so git keeps
#         them: the readers only list their names)
#         <here>/<STATE-NAME>/var/lib/btrfs/scrub.status.<FSID>   if btrfs scrub ever ran
#         <here>/<STATE-NAME>/filesystem-show.txt  `btrfs filesystem show --raw` (devid -> device)
#         <here>/<STATE-NAME>/uname.txt            the kernel that wrote it
set -euo pipefail
fsid=${1:?usage: capture.sh FSID STATE-NAME}
state=${2:?usage: capture.sh FSID STATE-NAME}
here=$(cd "$(dirname "$0")" && pwd)
src=/sys/fs/btrfs/$fsid
[[ -d $src ]] || { echo "no $src" >&2; exit 1; }
out=$here/$state
rm -rf "$out"
dst=$out/sys/fs/btrfs/$fsid
mkdir -p "$dst"
# Files: only those the kernel lets us read (some attributes are write-only).
( cd "$src" && find . -mindepth 1 \( -path ./bdi -o -path './bdi/*' \) -prune -o -print ) | while read -r p; do
  p=${p#./}
  if [[ -L $src/$p && $p == devices/* ]]; then
    mkdir -p "$dst/$p" && : >"$dst/$p/.keep"
  elif [[ -d $src/$p && ! -L $src/$p ]]; then
    mkdir -p "$dst/$p"
  elif [[ -f $src/$p && -r $src/$p ]]; then
    cat "$src/$p" >"$dst/$p" 2>/dev/null || rm -f "$dst/$p"
  fi
done
# The global features/ directory sits beside the filesystems: keep it, the lister must skip it.
mkdir -p "$out/sys/fs/btrfs/features"
for f in /sys/fs/btrfs/features/*; do cat "$f" >"$out/sys/fs/btrfs/features/${f##*/}" 2>/dev/null || true; done
if [[ -f /var/lib/btrfs/scrub.status.$fsid ]]; then
  mkdir -p "$out/var/lib/btrfs"
  cp "/var/lib/btrfs/scrub.status.$fsid" "$out/var/lib/btrfs/"
fi
btrfs filesystem show --raw "$fsid" >"$out/filesystem-show.txt" 2>&1 || true
uname -r >"$out/uname.txt"
echo "captured $src into $out"
