#!/usr/bin/env python3
"""Writes a libvirt test-driver node file with N domains (scenario "testdriver"), each with
a disk and a bridged NIC, mostly running, some paused and shut off. Served by libvirtd as
test+unix:///<abs path>: real RPC round trips, no guests.
  bench/testdriver-node.py 500 .lab/bench/node-500.xml"""
import sys
n, out = int(sys.argv[1]), sys.argv[2]
states = ["running"] * 8 + ["paused", "shutoff"]
# The test driver reads a domain's state from <test:runstate>, a virDomainState number.
RUNSTATE = {"running": 1, "paused": 3, "shutoff": 5}
with open(out, "w") as f:
    f.write("<node>\n")
    for i in range(n):
        st = states[i % len(states)]
        f.write(f"""<domain type='test'>
  <name>bench-{i:04d}</name>
  <uuid>00000000-0000-4000-8000-{i:012d}</uuid>
  <memory>262144</memory><currentMemory>262144</currentMemory><vcpu>2</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><source file='/var/lib/libvirt/images/bench-{i:04d}.img'/><target dev='vda' bus='virtio'/></disk>
    <interface type='bridge'><mac address='52:54:01:{i // 65536 % 256:02x}:{i // 256 % 256:02x}:{i % 256:02x}'/><source bridge='br0'/><model type='virtio'/></interface>
  </devices>
  <test:runstate xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>{RUNSTATE[st]}</test:runstate>
</domain>
""")
    f.write("</node>\n")
