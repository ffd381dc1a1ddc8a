#!/usr/bin/env python3
"""Checks what scripts/systemd-probe.sh saw inside the systemd test's guest.

    scripts/systemd-check.py PROBE_LOG

PROBE_LOG holds sections ("=== name" lines). Prints one line per check; exits 1 when one
fails. See scripts/systemd-test.sh for the setting.
"""
import re
import sys

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def sections(text):
    out, name = {}, None
    for line in text.splitlines():
        if line.startswith('=== '):
            name = line[4:].strip()
            out[name] = []
        elif name is not None:
            out[name].append(line)
    return out


def samples(lines):
    """(name, labels dict, value) of each sample line."""
    out = []
    for line in lines:
        m = SAMPLE.match(line.strip())
        if not m or line.startswith('#'):
            continue
        try:
            value = float(m.group(3))
        except ValueError:
            continue
        out.append((m.group(1), dict(LABEL.findall(m.group(2) or '')), value))
    return out


def value(ss, name, **labels):
    for n, l, v in ss:
        if n == name and all(l.get(k) == w for k, w in labels.items()):
            return v
    return None


def main():
    text = open(sys.argv[1], errors='replace').read()
    sec = sections(text)
    failures = []

    def check(ok, what, detail=''):
        print(f"systemd-check: {'ok  ' if ok else 'FAIL'} {what}{'' if ok else ': ' + detail}")
        if not ok:
            failures.append(what)

    check('end' in sec, 'the probe ran to its end', f"sections seen: {', '.join(sec) or 'none'}")
    svc = dict(l.split('=', 1) for l in sec.get('service', []) if '=' in l)
    status = dict(re.split(r':\s*', l, maxsplit=1) for l in sec.get('service', []) if ':' in l and '=' not in l)
    check(svc.get('ActiveState') == 'active' and svc.get('SubState') == 'running',
          'hv-exporter.service is active (running)', f"{svc.get('ActiveState')} ({svc.get('SubState')})")
    check(svc.get('NRestarts') == '0', 'it did not restart', f"NRestarts={svc.get('NRestarts')}")
    uid = status.get('Uid', '0').split()[0]
    check(svc.get('DynamicUser') == 'yes' and uid != '0', 'it runs as its dynamic user, not root',
          f"DynamicUser={svc.get('DynamicUser')} Uid={status.get('Uid')}")
    gid = status.get('Gid', '').split()[:1]
    check(status.get('Groups', '').split() in ([], gid), 'in no group but its own', f"Groups {status.get('Groups')}")
    print(f"systemd-check:      Uid {status.get('Uid')}, Groups {status.get('Groups')}, CapEff {status.get('CapEff')}, "
          f"CapAmb {status.get('CapAmb')}, NoNewPrivs {status.get('NoNewPrivs')}, Seccomp {status.get('Seccomp')}")

    clean = samples(sec.get('metrics-clean', []))
    check(len(clean) > 100, 'the first /metrics scrape answered', f"{len(clean)} samples")
    for disk in ('nvme0n1', 'sda', 'sdb'):
        states = {l.get('state'): v for n, l, v in clean if n == 'hv_disk_smart_state' and l.get('device') == disk}
        current = [s for s, v in states.items() if v == 1]
        check(current == ['passed'], f'{disk}: SMART state passed', f"state {current or 'absent'}")
        ok = value(clean, 'hv_external_tool_success', tool='smartctl', target=f'/dev/{disk}')
        check(ok == 1, f'{disk}: smartctl run successful', f"hv_external_tool_success {ok}")
    check(value(clean, 'hv_md_degraded', device='md0') == 0, 'md0 (RAID1 over sda, sdb) not degraded',
          f"hv_md_degraded {value(clean, 'hv_md_degraded', device='md0')}")
    check(value(clean, 'hv_md_disks', device='md0', state='active') == 2, 'md0 has two active members',
          f"{value(clean, 'hv_md_disks', device='md0', state='active')}")
    serial = [l.get('serial') for n, l, v in clean if n == 'hv_md_member_info' and l.get('device') == 'md0']
    check(len(serial) == 2 and all(serial), "md0's members carry their disks' serial numbers (from udev)", f"{serial}")

    check(value(clean, 'libvirt_up') == 1, 'libvirt_up 1 (the real libvirtd, read-only socket, no libvirt group)',
          f"libvirt_up {value(clean, 'libvirt_up')}")
    for c in ('libvirt', 'processes', 'cgroup', 'smart', 'mdraid'):
        ok = value(clean, 'hv_scrape_collector_success', collector=c)
        check(ok == 1, f'collector {c} successful', f"hv_scrape_collector_success {ok}")
    nested = [l.get('state') for n, l, v in clean if n == 'hv_guest_info' and l.get('guest') == 'hvnested' and v == 1]
    check(nested == ['paused'], 'the nested guest hvnested is listed, paused', f"states {nested}")
    cg = sec.get('nested-start', [])
    check(any('machine.slice/machine-qemu' in l for l in cg), "its QEMU runs in systemd's machine.slice",
          ' | '.join(cg))
    procs = value(clean, 'hv_guest_processes', guest='hvnested')
    check((procs or 0) >= 1, 'its QEMU process is mapped to it', f"hv_guest_processes {procs}")
    vcpus = value(clean, 'hv_guest_threads', guest='hvnested', role='vcpu')
    check((vcpus or 0) >= 1, 'its vCPU thread is mapped to it', f"hv_guest_threads{{role=vcpu}} {vcpus}")
    mem = value(clean, 'hv_guest_memory_usage_bytes', guest='hvnested')
    check((mem or 0) > 0, 'its cgroup memory is read (machine.slice layout)', f"hv_guest_memory_usage_bytes {mem}")
    pid = sec.get('hvtop-pid', [])
    check(any('hvnested' in l for l in pid) and any(l.strip() == 'exit 0' for l in pid),
          'hvtop pid <its QEMU pid> names hvnested', ' | '.join(pid))

    degraded = samples(sec.get('metrics-degraded', []))
    check(value(degraded, 'hv_md_degraded', device='md0') == 1, 'md0 degraded after mdadm --fail sdb',
          f"hv_md_degraded {value(degraded, 'hv_md_degraded', device='md0')}")
    check(value(degraded, 'hv_md_member_state', device='md0', member='sdb', state='faulty') == 1, 'sdb faulty in md0',
          'no hv_md_member_state{member="sdb",state="faulty"} 1')

    hv = sec.get('hvtop-check-raid', [])
    check(any(l.strip() == 'exit 2' for l in hv) and any('CRITICAL' in l for l in hv),
          'hvtop check raid: CRITICAL, exit 2', ' | '.join(hv))
    # hvtop says "source: direct collection (no daemon at ...)" when it had to read the host itself.
    check(hv and not any('direct collection' in l for l in hv), "hvtop check raid read the daemon's figures", ' | '.join(hv))

    journal = sec.get('journal', [])
    denied = [l for l in journal if re.search(r'ermission denied|ot permitted|EACCES|EPERM|No such device|SIGSYS|status=31|NAMESPACE', l)]
    check(not denied, "no sandbox denial in the service's journal", ' | '.join(denied[:6]))
    for l in journal:  # said, not judged: libvirtd starting under TCG can outlast the first scrapes' deadline
        if 'level=warning' in l or 'level=error' in l:
            print(f"systemd-check:      journal: {l[:300]}")
    if failures:
        print(f"systemd-check: {len(failures)} failed")
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
