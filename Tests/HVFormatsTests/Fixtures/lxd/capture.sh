#!/usr/bin/env bash
# Captures the LXD API answers the lxd_pools collector reads, from the lab's real LXD
# (scripts/lab/lxd-up.sh, plus `lxc storage create hvbtr-pool btrfs size=512MiB` and
# `lxc storage volume create hvbtr-pool hvbtr-vol` for a second driver):
#   Tests/HVFormatsTests/Fixtures/lxd/capture.sh [SOCKET]
# Each file is the response body exactly as LXD sent it.
set -euo pipefail
sock=${1:-/var/lib/lxd/unix.socket}
here=$(cd "$(dirname "$0")" && pwd)
get() { curl -sS --max-time 10 --unix-socket "$sock" "http://lxd$1"; }
get '/1.0/storage-pools?recursion=1' >"$here/storage-pools-recursion1.json"
for pool in $(get '/1.0/storage-pools' | jq -r '.metadata[]' | sed 's|.*/||'); do
  get "/1.0/storage-pools/$pool/resources" >"$here/resources-$pool.json"
  get "/1.0/storage-pools/$pool/volumes?all-projects=true" >"$here/volumes-$pool.json"
done
get '/1.0/storage-pools/hvbtr-no-such-pool/resources' >"$here/resources-not-found.json" || true
get '/1.0' | jq -c '{api_version: .metadata.api_version, server_version: .metadata.environment.server_version}' >"$here/server.json"
echo "captured into $here"
