#!/usr/bin/env bash
# Private test network, no uplink, nothing leaves this machine (lab.md):
#   bridge hvbr0 (root ns, 10.99.0.254/24 for debugging only)
#     + veth hvpeer-br <-> hvpeer-ns in netns "hvpeer" at 10.99.0.1/24 (the test peer)
#     + guests' tap devices and the LXC container's veth (10.99.0.11.., .21)
# Idempotent: every step checks before it acts.
source "$(dirname "$0")/lib.sh"

if ! ip link show "$LAB_BRIDGE" >/dev/null 2>&1; then
  lab_log "creating bridge $LAB_BRIDGE"
  # stp off + forward_delay 0: new ports forward at once (no 15 s learning delay
  # before the first guest ping gets through).
  ip link add "$LAB_BRIDGE" type bridge stp_state 0 forward_delay 0
fi
# Bridged frames must not go through iptables/nftables: on hosts where
# br_netfilter is loaded (it is here: bridge-nf-call-iptables=1) a firewall with
# a DROP forward policy (e.g. Docker's) would silently drop guest traffic.
ip link set "$LAB_BRIDGE" type bridge nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0 2>/dev/null || true
ip link set "$LAB_BRIDGE" up
if ! grep -q "inet $LAB_BRIDGE_IP/" <<<"$(ip -4 addr show dev "$LAB_BRIDGE")"; then
  ip addr add "$LAB_BRIDGE_IP/$LAB_PREFIX" dev "$LAB_BRIDGE"
fi

if ! grep -qw "^$LAB_NETNS" <<<"$(ip netns list)"; then
  lab_log "creating netns $LAB_NETNS"
  ip netns add "$LAB_NETNS"
fi
if ! ip link show "$LAB_VETH_BR" >/dev/null 2>&1; then
  # A half-made pair (peer left in the netns) would make "ip link add" fail.
  ip -n "$LAB_NETNS" link del "$LAB_VETH_NS" 2>/dev/null || true
  ip link add "$LAB_VETH_BR" type veth peer name "$LAB_VETH_NS" netns "$LAB_NETNS"
fi
ip link set "$LAB_VETH_BR" master "$LAB_BRIDGE" up
ip -n "$LAB_NETNS" link set lo up
ip -n "$LAB_NETNS" link set "$LAB_VETH_NS" up
if ! grep -q "inet $LAB_PEER_IP/" <<<"$(ip -n "$LAB_NETNS" -4 addr show dev "$LAB_VETH_NS")"; then
  ip -n "$LAB_NETNS" addr add "$LAB_PEER_IP/$LAB_PREFIX" dev "$LAB_VETH_NS"
fi

# Check: the peer answers from the root namespace over the bridge
# (busybox ping: iputils-ping is not installed on a minimal Debian).
lab_wait 10 "ping $LAB_PEER_IP (netns $LAB_NETNS) over $LAB_BRIDGE" busybox ping -c 1 -W 1 "$LAB_PEER_IP"
lab_log "network up: bridge $LAB_BRIDGE, peer $LAB_PEER_IP in netns $LAB_NETNS"
