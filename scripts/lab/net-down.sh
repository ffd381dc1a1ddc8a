#!/usr/bin/env bash
# Remove the test network made by net-up.sh (guests and containers first).
source "$(dirname "$0")/lib.sh"
ip link del "$LAB_VETH_BR" 2>/dev/null || true
if grep -qw "^$LAB_NETNS" <<<"$(ip netns list)"; then ip netns del "$LAB_NETNS"; fi
ip link del "$LAB_BRIDGE" 2>/dev/null || true
lab_log "network down"
