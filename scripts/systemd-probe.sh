#!/bin/sh
# The probe of scripts/systemd-test.sh: runs inside its guest as hvtest-probe.service, after
# hv-exporter.service, and writes what it sees on the second serial port (/dev/ttyS1) in
# sections ("=== name"), which scripts/systemd-check.py reads. The guest powers off when it
# ends (the probe unit's SuccessAction/FailureAction).
exec > /dev/ttyS1 2>&1
url=http://127.0.0.1:9974
section() { echo "=== $1"; }
scrape() { curl -sf --max-time 10 "$url/metrics"; }

section kernel
uname -r
udevadm settle --timeout=60
ls /dev/sd* /dev/nvme*
# An md RAID1 over the two IDE disks, as an admin makes one; its 256 MiB resync is quick.
section mdadm-create
mdadm --create /dev/md0 --run --level=1 --raid-devices=2 --metadata=1.2 /dev/sda /dev/sdb
i=0
while [ "$(cat /sys/block/md0/md/sync_action 2>/dev/null)" != idle ] && [ $i -lt 180 ]; do sleep 1; i=$((i + 1)); done
cat /proc/mdstat

# A guest of the real libvirtd (socket-activated by virsh), started paused; systemd-machined
# puts it in machine.slice.
section nested-start
virsh -c qemu:///system define /etc/hvtest-nested.xml
virsh -c qemu:///system start hvnested --paused
qpid=$(cat /run/libvirt/qemu/hvnested.pid)
echo "qemu pid $qpid"
cat "/proc/$qpid/cgroup"

# hv-exporter starts smartctl on every disk when it starts; wait until all three have a result
# and the nested guest's processes are mapped.
i=0
while [ $i -lt 240 ]; do
    if scrape > /tmp/metrics 2> /dev/null &&
        [ "$(grep -c '^hv_external_tool_last_success_timestamp_seconds{tool="smartctl"\|^hv_external_tool_success{tool="smartctl".*} 0$' /tmp/metrics)" -ge 3 ] &&
        grep -q '^hv_guest_processes{guest="hvnested"' /tmp/metrics &&
        grep -q '^hv_guest_info{guest="hvnested",.*state="paused"} 1' /tmp/metrics; then
        break
    fi
    sleep 1
    i=$((i + 1))
done
section service
systemctl show hv-exporter.service -p ActiveState -p SubState -p NRestarts -p DynamicUser -p MainPID
pid=$(systemctl show hv-exporter.service -p MainPID --value)
grep -E '^(Uid|Gid|Groups|CapEff|CapAmb|NoNewPrivs|Seccomp):' "/proc/$pid/status"
section exporter-status
cat "/proc/$pid/status"
section metrics-clean
cat /tmp/metrics

section mdadm-fail
mdadm /dev/md0 --fail /dev/sdb
sleep 1
cat /proc/mdstat
section metrics-degraded
scrape
section hvtop-pid
hvtop pid "$qpid"
echo "exit $?"
section hvtop-check-raid
hvtop check raid
echo "exit $?"
section journal
journalctl -u hv-exporter.service --no-pager -o cat
section end
