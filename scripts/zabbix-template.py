#!/usr/bin/env python3
"""Writes packaging/zabbix/template_hvexporter.yaml (Zabbix 6.0 export format): one master item
(hv.snapshot, the whole /json) with dependent items; discovery rules are dependent rules of one
discovery data item (one JavaScript pass per snapshot); graph prototypes and a template dashboard.
UUIDs are derived from the item keys, so regenerating gives the same file.

    python3 scripts/zabbix-template.py > packaging/zabbix/template_hvexporter.yaml
"""
import hashlib, yaml, sys

T = 'HV exporter by Zabbix agent'
def uid(*parts):
    # Deterministic, shaped as a UUIDv4 (version nibble 4, variant 8..b) without dashes.
    h = list(hashlib.md5(('hvexporter/' + '/'.join(parts)).encode()).hexdigest())
    h[12] = '4'
    h[16] = '89ab'[int(h[16], 16) % 4]
    return ''.join(h)

def jp(path, handler=None):
    s = {'type': 'JSONPATH', 'parameters': [path]}
    if handler: s.update(handler)
    return s
def js(code, handler=None):
    s = {'type': 'JAVASCRIPT', 'parameters': [code]}
    if handler: s.update(handler)
    return s
CPS = {'type': 'CHANGE_PER_SECOND', 'parameters': ['']}
def mult(x): return {'type': 'MULTIPLIER', 'parameters': [x]}
B2D = {'type': 'BOOL_TO_DECIMAL', 'parameters': ['']}
def hb(t): return {'type': 'DISCARD_UNCHANGED_HEARTBEAT', 'parameters': [t]}
DISCARD = {'error_handler': 'DISCARD_VALUE'}
ZERO = {'error_handler': 'CUSTOM_VALUE', 'error_handler_params': '0'}
MASTER = {'key': 'hv.snapshot'}
# A guest that left the host (undefined, migrated away) stays in Zabbix until discovery's
# lifetime ends: its state item says why it has no value; its other items discard silently.
GONE = {'error_handler': 'CUSTOM_ERROR', 'error_handler_params': 'the guest is no longer on this host (not in the snapshot of hv-exporter)'}

def dep(name, key, steps, units=None, value_type=None, desc=None, valuemap=None, tags=(), triggers=None, seed=None, history='7d', trends=None):
    it = {'uuid': uid('item', seed or key), 'name': name, 'type': 'DEPENDENT', 'key': key, 'delay': '0', 'history': history}
    if value_type in ('CHAR', 'TEXT'):
        it['trends'] = '0'
    if trends is not None: it['trends'] = trends
    if value_type: it['value_type'] = value_type
    if units: it['units'] = units
    if desc: it['description'] = desc
    if valuemap: it['valuemap'] = {'name': valuemap}
    it['preprocessing'] = steps
    it['master_item'] = dict(MASTER)
    it['tags'] = [{'tag': k, 'value': v} for k, v in tags]
    if triggers: it['triggers' if seed is None or not seed.startswith('proto') else 'trigger_prototypes'] = triggers
    return it

def trig(expr, name, prio, desc=None, seed=None, opdata=None, tags=(), depends=()):
    t = {'uuid': uid('trigger', seed or expr), 'expression': expr, 'name': name}
    if opdata: t['opdata'] = opdata
    t['priority'] = prio
    if desc: t['description'] = desc
    if depends: t['dependencies'] = [{'name': n, 'expression': e} for n, e in depends]
    if tags: t['tags'] = [{'tag': k, 'value': v} for k, v in tags]
    return t

# The trigger every other one depends on: no snapshot from hv-exporter. A missing daemon must
# raise this one problem, not "libvirt is not answering" nor a flood of guest problems.
NODATA = ('HV: no data from hv-exporter for {$HV.NODATA.TIME}', f'nodata(/{T}/hv.snapshot.time,{{$HV.NODATA.TIME}})=1')
LIBVIRT = ('HV: libvirt is not answering', f'last(/{T}/hv.libvirt.up)=0')

def held(key, period):
    """A guard for triggers that claim a condition held for `period`: the item must have a
    value older than the window, so a new item (just linked or discovered) whose only value is
    in the window does not fire at once. count() never fails, so it adds no UNKNOWN state."""
    return f'count(/{T}/{key},{period}:now-{period})>0'

# The entities of every discovery rule, from one parse of the snapshot (mirrors hvtop zabbix
# discovery; scripts/check-zabbix-template.py compares the two on the lab).
DISCOVERY_JS = r'''var s = JSON.parse(value);
function str(v) { return v === undefined || v === null ? '' : String(v); }
function merge(base, extra) { var o = {}, k; for (k in base) { o[k] = base[k]; } for (k in extra) { o[k] = extra[k]; } return o; }
var out = {guests: [], disks: [], interfaces: [], arrays: [], pools: []};
(s.guests || []).forEach(function (g) {
  var base = {'{#GUEST}': str(g.name), '{#UUID}': str(g.uuid), '{#KEY}': str(g.key)};
  out.guests.push(merge(base, {'{#KIND}': str(g.kind), '{#DRIVER}': str(g.driver)}));
  (g.block_devices || []).forEach(function (b) {
    out.disks.push(merge(base, {'{#DISK}': str(b.target), '{#DEVICE}': b.device ? String(b.device) : 'disk', '{#BUS}': str(b.bus), '{#SOURCE}': str(b.source)}));
  });
  (g.interfaces || []).forEach(function (n) {
    if (!n.target) { return; }
    out.interfaces.push(merge(base, {'{#IFNAME}': str(n.target), '{#MAC}': str(n.mac), '{#IFTYPE}': str(n.type), '{#IFSOURCE}': str(n.source)}));
  });
});
(s.md_arrays || []).forEach(function (a) {
  var mv = str(a.metadata_version);
  if (a.level === 'container' || /^external:[^\/]*$/.test(mv)) { return; }
  out.arrays.push({'{#MDDEV}': str(a.device), '{#LEVEL}': str(a.level), '{#MDUUID}': str(a.uuid)});
});
(s.storage_pools || []).forEach(function (p) {
  out.pools.push({'{#POOL}': str(p.name), '{#POOLTYPE}': str(p.type), '{#POOLUUID}': str(p.uuid)});
});
return JSON.stringify(out);'''

def guest_js(body):
    return ("var s = JSON.parse(value);\n"
            "var g = s.guests.filter(function (x) { return x.key === '{#KEY}'; })[0];\n"
            "if (!g) { throw 'guest {#KEY} is not in the snapshot'; }\n" + body)

# hvtop exits 1 with "hvtop: <cause>" (the agent still returns the text): the item becomes
# unsupported with that cause as its error instead of a JSON parse error.
HVTOP_ERROR = {'type': 'CHECK_REGEX_ERROR', 'parameters': ['^hvtop: (.*)', 'hvtop: \\1']}

items = [
    {'uuid': uid('item', 'hv.snapshot'), 'name': 'HV: Get snapshot', 'key': 'hv.snapshot', 'delay': '{$HV.SNAPSHOT.INTERVAL}',
     'history': '0', 'trends': '0', 'value_type': 'TEXT',
     'description': 'The whole /json of the local hv-exporter (hvtop zabbix get hv.snapshot). Master item: every other item of this template is computed from it by preprocessing, so the agent runs hvtop once per interval.',
     'preprocessing': [HVTOP_ERROR],
     'tags': [{'tag': 'component', 'value': 'raw'}]},
    dep('HV: Snapshot time', 'hv.snapshot.time', [jp('$.timestamp_seconds')], units='unixtime', value_type='FLOAT',
        tags=[('component', 'exporter')], desc='When hv-exporter collected the snapshot the agent read last. Its nodata trigger is the one problem raised when the agent cannot read hv-exporter (the master item is then unsupported, with hvtop\'s message naming the cause).',
        triggers=[trig(NODATA[1], NODATA[0], 'AVERAGE', seed='nodata',
                       desc='The agent could not read /json of hv-exporter (see the error of the item "HV: Get snapshot": daemon stopped, wrong HVTOP_URL, hvtop missing). Every other problem of this template depends on this one.')]),
    dep('HV: libvirt up', 'hv.libvirt.up', [jp('$.libvirt.up'), B2D], valuemap='HV up', tags=[('component', 'libvirt')],
        desc='1 when the exporter\'s libvirt connection answers.',
        triggers=[trig(LIBVIRT[1], LIBVIRT[0], 'HIGH', depends=[NODATA],
                       desc='hv-exporter cannot talk to libvirtd: guests, block, network and job figures are missing. Check that libvirtd runs and is not stuck (virsh list).')]),
    dep('HV: Collectors failed', 'hv.collectors.failed',
        [jp('$.collectors[?(@.success == false)].length()', ZERO)],
        tags=[('component', 'exporter')], desc='Collectors of hv-exporter that failed in the last collection (hvtop check libvirt and /json collectors[] say which).',
        triggers=[trig(f'min(/{T}/hv.collectors.failed,10m)>0 and ' + held('hv.collectors.failed', '10m'), 'HV: a collector of hv-exporter keeps failing', 'WARNING', depends=[NODATA],
                       desc='See /json collectors[].error on the host.')]),
    dep('HV: Guests total', 'hv.guests.count', [jp('$.guests.length()')], tags=[('component', 'guests')]),
    dep('HV: Guests running', 'hv.guests.count[running]', [jp("$.guests[?(@.state == 'running')].length()", ZERO)], tags=[('component', 'guests')]),
    dep('HV: Guests paused', 'hv.guests.count[paused]', [jp("$.guests[?(@.state == 'paused')].length()", ZERO)], tags=[('component', 'guests')]),
    dep('HV: Guests crashed', 'hv.guests.count[crashed]', [jp("$.guests[?(@.state == 'crashed')].length()", ZERO)], tags=[('component', 'guests')]),
    dep('HV: Host CPUs', 'hv.host.cpus', [jp('$.host.cpus', DISCARD), hb('1h')], tags=[('component', 'host')]),
    dep('HV: vCPUs of running guests', 'hv.host.guest_vcpus', [jp('$.host.guest_vcpus', DISCARD)], tags=[('component', 'host')]),
    dep('HV: vCPU overcommit', 'hv.host.vcpu.overcommit',
        [js("var h = JSON.parse(value).host;\nif (!h || !h.cpus) { throw 'no host facts'; }\nreturn (h.guest_vcpus || 0) / h.cpus;")],
        value_type='FLOAT', tags=[('component', 'host')], desc='vCPUs of running guests per host CPU.'),
    dep('HV: Memory overcommit', 'hv.host.memory.overcommit',
        [js("var h = JSON.parse(value).host;\nif (!h || !h.memory_total_bytes) { throw 'no host facts'; }\nreturn (h.guest_memory_bytes || 0) / h.memory_total_bytes;")],
        value_type='FLOAT', tags=[('component', 'host')], desc='Memory given to running guests over host memory.',
        triggers=[trig(f'min(/{T}/hv.host.memory.overcommit,15m)>{{$HV.MEMORY.OVERCOMMIT.MAX}} and ' + held('hv.host.memory.overcommit', '15m'), 'HV: guests are given more memory than the host has', 'WARNING', depends=[NODATA])]),
    dep('HV: Discovery data', 'hv.discovery.entities', [js(DISCOVERY_JS), hb('{$HV.DISCOVERY.INTERVAL}')], value_type='TEXT', history='0',
        tags=[('component', 'raw')],
        desc='The entities the discovery rules find (guests, their disks and interfaces, md arrays, storage pools), computed once per snapshot by one JavaScript step; passed on only when it changed or every {$HV.DISCOVERY.INTERVAL}. Every discovery rule is a dependent rule of this item (no agent call of its own).'),
    dep('HV: Migrations running', 'hv.migrations.running',
        [js("var s = JSON.parse(value);\nreturn s.guests.filter(function (g) { return g.job && (g.job.type === 1 || g.job.type === 2) && (g.job.operation === 4 || g.job.operation === 5); }).length;")],
        tags=[('component', 'jobs')]),
]

def gproto(name, key, steps, **kw):
    return dep(name, key, steps, seed='proto/' + key, **kw)

guest_protos = [
    gproto('Guest {#GUEST}: State', 'hv.guest.state[{#KEY}]', [jp("$.guests[?(@.key == '{#KEY}')].state_code.first()", GONE)],
           valuemap='HV guest state', tags=[('component', 'guests'), ('guest', '{#GUEST}')],
           desc='virDomainState of the guest. Every value is kept (no discarding of unchanged values): the "paused for" trigger counts them over its window.',
           triggers=[trig(f'last(/{T}/hv.guest.state[{{#KEY}}])=6', 'Guest {#GUEST} crashed', 'HIGH', seed='proto/crashed', depends=[NODATA, LIBVIRT]),
                     trig(f'count(/{T}/hv.guest.state[{{#KEY}}],{{$HV.GUEST.PAUSED.TIME:"{{#KEY}}"}},"ne",3)=0 and last(/{T}/hv.guest.state[{{#KEY}}])=3 and ' + held('hv.guest.state[{#KEY}]', '{$HV.GUEST.PAUSED.TIME:"{#KEY}"}'),
                          'Guest {#GUEST} has been paused for {$HV.GUEST.PAUSED.TIME:"{#KEY}"}', 'WARNING', seed='proto/paused', depends=[NODATA, LIBVIRT],
                          desc='A guest paused for long is often one libvirt paused on an I/O error (disk full) or a migration that did not finish.')]),
    gproto('Guest {#GUEST}: Persistent', 'hv.guest.persistent[{#KEY}]', [jp("$.guests[?(@.key == '{#KEY}')].persistent.first()", DISCARD), B2D, hb('1h')],
           valuemap='HV yes/no', tags=[('component', 'guests'), ('guest', '{#GUEST}')],
           desc='0 for a transient guest: it vanishes at its next stop (e.g. migrated without --persistent).',
           triggers=[trig(f'last(/{T}/hv.guest.persistent[{{#KEY}}])=0', 'Guest {#GUEST} is transient (not defined on this host)', 'INFO', seed='proto/transient', depends=[NODATA, LIBVIRT])]),
    gproto('Guest {#GUEST}: Not answering libvirt', 'hv.guest.timed_out[{#KEY}]', [jp("$.guests[?(@.key == '{#KEY}')].timed_out.first()", DISCARD), B2D],
           valuemap='HV yes/no', tags=[('component', 'guests'), ('guest', '{#GUEST}')],
           triggers=[trig(f'min(/{T}/hv.guest.timed_out[{{#KEY}}],5m)=1 and ' + held('hv.guest.timed_out[{#KEY}]', '5m'), 'Guest {#GUEST}: libvirt does not answer for it', 'WARNING', seed='proto/timedout', depends=[NODATA, LIBVIRT],
                          desc='Its QEMU monitor or job lock is stuck; its figures are missing.')]),
    gproto('Guest {#GUEST}: vCPUs', 'hv.guest.vcpus[{#KEY}]', [jp("$.guests[?(@.key == '{#KEY}')].vcpu_current.first()", DISCARD), hb('1h')],
           tags=[('component', 'cpu'), ('guest', '{#GUEST}')]),
    gproto('Guest {#GUEST}: CPU utilization', 'hv.guest.cpu.util[{#KEY}]',
           [jp("$.guests[?(@.key == '{#KEY}')].cgroup.cpu_usage_seconds.first()", DISCARD), CPS, mult('100')],
           units='%', value_type='FLOAT', tags=[('component', 'cpu'), ('guest', '{#GUEST}')],
           desc='CPU use in percent of one host CPU (200% = two CPUs busy), from the guest\'s cgroup (a VM: its whole QEMU, vCPUs plus emulator and I/O threads; the figure libvirt reports as cpu_time). No value while a VM is shut off. Its trigger is for containers (which have no vCPUs); a VM\'s is on "vCPU utilization".',
           triggers=[trig(f'min(/{T}/hv.guest.cpu.util[{{#KEY}}],15m)>{{$HV.CONTAINER.CPU.UTIL.MAX:"{{#KEY}}"}} and ' + held('hv.guest.cpu.util[{#KEY}]', '15m'), 'Container {#GUEST}: high CPU use (over {$HV.CONTAINER.CPU.UTIL.MAX:"{#KEY}"}% of one host CPU for 15m)', 'AVERAGE', seed='proto/ctcpu', depends=[NODATA])]),
    gproto('Guest {#GUEST}: vCPU utilization', 'hv.guest.cpu.vcpu_util[{#KEY}]',
           [jp("$.guests[?(@.key == '{#KEY}')].vcpus[*].time_seconds.avg()", DISCARD), CPS, mult('100')],
           units='%', value_type='FLOAT', tags=[('component', 'cpu'), ('guest', '{#GUEST}')],
           desc='How busy the VM\'s vCPUs are, in percent of its vCPUs (100% = every vCPU busy all the time), from the vCPU threads\' time (libvirt vcpu.N.time). The CPU threshold of a VM is relative to its own vCPUs, not to the host\'s CPUs.',
           triggers=[trig(f'min(/{T}/hv.guest.cpu.vcpu_util[{{#KEY}}],15m)>{{$HV.GUEST.CPU.UTIL.MAX:"{{#KEY}}"}} and ' + held('hv.guest.cpu.vcpu_util[{#KEY}]', '15m'), 'Guest {#GUEST}: vCPUs busy (over {$HV.GUEST.CPU.UTIL.MAX:"{#KEY}"}% of its vCPUs for 15m)', 'AVERAGE', seed='proto/cpu', depends=[NODATA, LIBVIRT])]),
    gproto('Guest {#GUEST}: CPU steal', 'hv.guest.cpu.steal[{#KEY}]',
           [jp("$.guests[?(@.key == '{#KEY}')].vcpus[*].delay_seconds.avg()", DISCARD), CPS, mult('100')],
           units='%', value_type='FLOAT', tags=[('component', 'cpu'), ('guest', '{#GUEST}')],
           desc='Percent of the guest\'s vCPU time spent runnable but waiting for a host CPU (steal as the guest sees it).',
           triggers=[trig(f'min(/{T}/hv.guest.cpu.steal[{{#KEY}}],15m)>{{$HV.GUEST.STEAL.MAX:"{{#KEY}}"}} and ' + held('hv.guest.cpu.steal[{#KEY}]', '15m'), 'Guest {#GUEST}: vCPUs wait for host CPUs (steal over {$HV.GUEST.STEAL.MAX:"{#KEY}"}% for 15m)', 'WARNING', seed='proto/steal', depends=[NODATA, LIBVIRT])]),
    gproto('Guest {#GUEST}: Memory', 'hv.guest.memory[{#KEY}]', [jp("$.guests[?(@.key == '{#KEY}')].memory_bytes.first()", DISCARD)],
           units='B', tags=[('component', 'memory'), ('guest', '{#GUEST}')]),
    gproto('Guest {#GUEST}: Memory RSS', 'hv.guest.memory.rss[{#KEY}]',
           [jp("$.guests[?(@.key == '{#KEY}')].balloon.rss_bytes.first()", DISCARD)],
           units='B', tags=[('component', 'memory'), ('guest', '{#GUEST}')], desc='Resident memory of the VM\'s QEMU process (balloon statistics; VMs only).'),
    gproto('Guest {#GUEST}: Memory used (cgroup)', 'hv.guest.memory.cgroup[{#KEY}]',
           [jp("$.guests[?(@.key == '{#KEY}')].cgroup.memory_usage_bytes.first()", DISCARD)],
           units='B', tags=[('component', 'memory'), ('guest', '{#GUEST}')], desc='Host memory charged to the guest\'s cgroup (container or whole QEMU, page cache included).'),
    gproto('Guest {#GUEST}: Memory usable', 'hv.guest.memory.usable[{#KEY}]', [jp("$.guests[?(@.key == '{#KEY}')].balloon.usable_bytes.first()", DISCARD)],
           units='B', tags=[('component', 'memory'), ('guest', '{#GUEST}')], desc='Memory the guest could use without swapping (balloon driver).'),
]
# A container's network: its whole network namespace (/proc/<init>/net/dev), one set per container.
CT_NET = [('Network: bytes received per second', 'hv.guest.ct.net.rx.bytes.rate', 'net_rx_bytes', 'Bps'),
          ('Network: bytes sent per second', 'hv.guest.ct.net.tx.bytes.rate', 'net_tx_bytes', 'Bps'),
          ('Network: packets received per second', 'hv.guest.ct.net.rx.packets.rate', 'net_rx_packets', '!pps'),
          ('Network: packets sent per second', 'hv.guest.ct.net.tx.packets.rate', 'net_tx_packets', '!pps')]
guest_protos += [
    gproto('Guest {#GUEST}: ' + n, k + '[{#KEY}]', [jp(f"$.guests[?(@.key == '{{#KEY}}')].cgroup.{f}.first()", DISCARD), CPS],
           units=u, value_type='FLOAT', tags=[('component', 'network'), ('guest', '{#GUEST}')],
           desc='Traffic of the container\'s network namespace (all its interfaces). Containers only: a VM\'s interfaces have items of their own (interfaces discovery).')
    for n, k, f, u in CT_NET
]
guest_protos += [
    gproto('Guest {#GUEST}: Job progress', 'hv.guest.job.progress[{#KEY}]',
           [jp("$.guests[?(@.key == '{#KEY}')].job.progress_ratio.first()", ZERO), mult('100')],
           units='%', value_type='FLOAT', tags=[('component', 'jobs'), ('guest', '{#GUEST}')], desc='Progress of a running libvirt job (migration, save, dump...); 0 when none runs.'),
    gproto('Guest {#GUEST}: Job elapsed', 'hv.guest.job.elapsed[{#KEY}]',
           [jp("$.guests[?(@.key == '{#KEY}')].job.elapsed_seconds.first()", ZERO)],
           units='s', value_type='FLOAT', tags=[('component', 'jobs'), ('guest', '{#GUEST}')],
           triggers=[trig(f'last(/{T}/hv.guest.job.elapsed[{{#KEY}}])>{{$HV.JOB.ELAPSED.MAX:"{{#KEY}}"}}', 'Guest {#GUEST}: a libvirt job (migration?) runs for over {$HV.JOB.ELAPSED.MAX:"{#KEY}"}s', 'WARNING', seed='proto/jobelapsed', depends=[NODATA, LIBVIRT],
                          desc='hvtop check migrations on the host tells whether it still progresses.')]),
    gproto('Guest {#GUEST}: Processes', 'hv.guest.processes[{#KEY}]', [jp("$.guests[?(@.key == '{#KEY}')].cgroup.processes.first()", DISCARD)],
           tags=[('component', 'processes'), ('guest', '{#GUEST}')], desc='Host processes belonging to the guest (guest mapper).'),
]

def devjp(list_field, ident_macro, fields):
    # One JSONPath per item (no JavaScript: the server's cost stays linear in the guests).
    sel = fields if fields.startswith('[') else '.' + fields
    fn = '.sum()' if fields.startswith('[') else '.first()'
    return jp(f"$.guests[?(@.key == '{{#KEY}}')].{list_field}[?(@.target == '{ident_macro}')]{sel}{fn}", DISCARD)

disk_protos = []
for name, field, key, rate, units in [
    ('read bytes', 'read_bytes', 'hv.guest.disk.read.bytes.rate', True, 'Bps'),
    ('write bytes', 'write_bytes', 'hv.guest.disk.write.bytes.rate', True, 'Bps'),
    ('read requests', 'read_requests', 'hv.guest.disk.read.ops.rate', True, '!ops/s'),
    ('write requests', 'write_requests', 'hv.guest.disk.write.ops.rate', True, '!ops/s'),
    ('capacity', 'capacity_bytes', 'hv.guest.disk.capacity', False, 'B'),
    ('allocation', 'allocation_bytes', 'hv.guest.disk.allocation', False, 'B'),
]:
    steps = [devjp('block_devices', '{#DISK}', field)]
    if rate: steps.append(CPS)
    disk_protos.append(gproto(f'Guest {{#GUEST}} disk {{#DISK}}: {name}' + (' per second' if rate else ''), key + '[{#KEY},{#DISK}]', steps,
                              units=units, value_type='FLOAT' if rate else None, tags=[('component', 'storage'), ('guest', '{#GUEST}'), ('disk', '{#DISK}')]))

net_protos = []
for name, field, key, rate, units in [
    ('bytes received', 'rx_bytes', 'hv.guest.net.rx.bytes.rate', True, 'Bps'),
    ('bytes sent', 'tx_bytes', 'hv.guest.net.tx.bytes.rate', True, 'Bps'),
    ('packets received', 'rx_packets', 'hv.guest.net.rx.packets.rate', True, '!pps'),
    ('packets sent', 'tx_packets', 'hv.guest.net.tx.packets.rate', True, '!pps'),
    ('errors', None, 'hv.guest.net.errors', False, ''),
    ('drops', None, 'hv.guest.net.drops', False, ''),
]:
    expr = field if field else ("['rx_errors','tx_errors']" if name == 'errors' else "['rx_drops','tx_drops']")
    steps = [devjp('interfaces', '{#IFNAME}', expr)]
    if rate: steps.append(CPS)
    trg = None
    if name == 'errors':
        trg = [trig(f'change(/{T}/hv.guest.net.errors[{{#KEY}},{{#IFNAME}}])>0', 'Guest {#GUEST} interface {#IFNAME}: errors are rising', 'WARNING', seed='proto/neterr', depends=[NODATA, LIBVIRT])]
    net_protos.append(gproto(f'Guest {{#GUEST}} interface {{#IFNAME}}: {name}' + (' per second' if rate else ''), key + '[{#KEY},{#IFNAME}]', steps,
                             units=units, value_type='FLOAT' if rate else None, tags=[('component', 'network'), ('guest', '{#GUEST}'), ('interface', '{#IFNAME}')], triggers=trg))

def mdjs(body):
    return js("var s = JSON.parse(value);\nvar a = s.md_arrays.filter(function (x) { return x.device === '{#MDDEV}'; })[0];\nif (!a) { throw 'array {#MDDEV} is not in the snapshot'; }\n" + body)

array_protos = [
    gproto('RAID {#MDDEV}: Missing members', 'hv.md.degraded[{#MDDEV}]',
           [mdjs("if (a.degraded !== undefined) { return a.degraded; }\nif (a.raid_disks !== undefined) { return Math.max(0, a.raid_disks - a.members.filter(function (m) { return m.states.indexOf('in_sync') >= 0; }).length); }\nreturn a.members.filter(function (m) { return m.states.indexOf('faulty') >= 0; }).length;")],
           tags=[('component', 'raid'), ('array', '{#MDDEV}')], desc='Members missing or failed (md/degraded).',
           triggers=[trig(f'last(/{T}/hv.md.degraded[{{#MDDEV}}])>0', 'RAID {#MDDEV} is degraded ({ITEM.LASTVALUE} member(s) missing)', 'HIGH', seed='proto/mddegraded', depends=[NODATA],
                          desc='The array runs without redundancy: replace the failed disk (mdadm --detail /dev/{#MDDEV}).')]),
    gproto('RAID {#MDDEV}: State', 'hv.md.state[{#MDDEV}]', [jp("$.md_arrays[?(@.device == '{#MDDEV}')].array_state.first()"), hb('1h')],
           value_type='CHAR', tags=[('component', 'raid'), ('array', '{#MDDEV}')],
           triggers=[trig(f'find(/{T}/hv.md.state[{{#MDDEV}}],,"regexp","^(inactive|broken|clear|suspended)$")=1', 'RAID {#MDDEV} is not running ({ITEM.LASTVALUE})', 'DISASTER', seed='proto/mdstate', depends=[NODATA])]),
    gproto('RAID {#MDDEV}: Sync progress', 'hv.md.sync.progress[{#MDDEV}]',
           [jp("$.md_arrays[?(@.device == '{#MDDEV}')].sync_completed_ratio.first()", {'error_handler': 'CUSTOM_VALUE', 'error_handler_params': '1'}), mult('100')],
           units='%', value_type='FLOAT', tags=[('component', 'raid'), ('array', '{#MDDEV}')], desc='Progress of a resync/recovery/check/reshape; 100 when none runs.'),
]

POOLCRIT = ('Pool {#POOL}: over {$HV.POOL.PUSED.MAX.CRIT}% used', f'last(/{T}/hv.pool.used.pct[{{#POOLUUID}}])>{{$HV.POOL.PUSED.MAX.CRIT}}')
pool_protos = [
    gproto('Pool {#POOL}: Used', 'hv.pool.used.pct[{#POOLUUID}]', [jp("$.storage_pools[?(@.uuid == '{#POOLUUID}')].used_ratio.first()", DISCARD), mult('100')],
           units='%', value_type='FLOAT', tags=[('component', 'storage'), ('pool', '{#POOL}')],
           triggers=[trig(POOLCRIT[1], POOLCRIT[0], 'HIGH', seed='proto/poolcrit', depends=[NODATA, LIBVIRT]),
                     trig(f'last(/{T}/hv.pool.used.pct[{{#POOLUUID}}])>{{$HV.POOL.PUSED.MAX.WARN}}', 'Pool {#POOL}: over {$HV.POOL.PUSED.MAX.WARN}% used', 'WARNING', seed='proto/poolwarn',
                          depends=[NODATA, LIBVIRT, POOLCRIT])]),
    gproto('Pool {#POOL}: Available', 'hv.pool.available[{#POOLUUID}]', [jp("$.storage_pools[?(@.uuid == '{#POOLUUID}')].available_bytes.first()", DISCARD)],
           units='B', tags=[('component', 'storage'), ('pool', '{#POOL}')]),
    gproto('Pool {#POOL}: Capacity', 'hv.pool.capacity[{#POOLUUID}]', [jp("$.storage_pools[?(@.uuid == '{#POOLUUID}')].capacity_bytes.first()", DISCARD), hb('1h')],
           units='B', tags=[('component', 'storage'), ('pool', '{#POOL}')]),
    gproto('Pool {#POOL}: State', 'hv.pool.state[{#POOLUUID}]', [jp("$.storage_pools[?(@.uuid == '{#POOLUUID}')].state.first()"), hb('1h')],
           valuemap='HV pool state', tags=[('component', 'storage'), ('pool', '{#POOL}')],
           triggers=[trig(f'last(/{T}/hv.pool.state[{{#POOLUUID}}])>=3', 'Pool {#POOL} is degraded or inaccessible', 'HIGH', seed='proto/poolstate', depends=[NODATA, LIBVIRT])]),
]

# Prototype triggers belong under trigger_prototypes.
def fix(protos):
    for p in protos:
        if 'triggers' in p:
            p['trigger_prototypes'] = p.pop('triggers')
    return protos

def rule(name, what, protos, desc, filters=None, overrides=None, graphs=None):
    # A dependent rule of the discovery data item: its list is one JSONPath away, no agent call.
    r = {'uuid': uid('rule', what), 'name': name, 'type': 'DEPENDENT', 'key': f'hv.discovery[{what}]', 'delay': '0',
         'lifetime': '{$HV.DISCOVERY.LIFETIME}', 'description': desc}
    if filters: r['filter'] = filters
    r['item_prototypes'] = fix(protos)
    if graphs: r['graph_prototypes'] = graphs
    r['master_item'] = {'key': 'hv.discovery.entities'}
    r['preprocessing'] = [jp(f'$.{what}')]
    if overrides: r['overrides'] = overrides
    return r

def graph(name, keys, seed):
    colors = ['1A7C11', 'F63100', '2774A4', 'A54F10']
    return {'uuid': uid('graph', seed), 'name': name,
            'graph_items': [dict({'sortorder': str(i)} if i else {}, color=colors[i], item={'host': T, 'key': k}) for i, k in enumerate(keys)]}

# Containers have no vCPU scheduling statistics, no persistence flag, no balloon and no libvirt
# memory figure: their items would stay unsupported or empty forever, so they are not created.
VM_ONLY_NAMES = ['Persistent', 'vCPUs', 'vCPU utilization', 'CPU steal', 'Memory', 'Memory RSS', 'Memory usable']
CT_ONLY_NAMES = [n for n, _, _, _ in CT_NET]
assert all(any(p['name'] == 'Guest {#GUEST}: ' + n for p in guest_protos) for n in VM_ONLY_NAMES + CT_ONLY_NAMES)
def names_re(names):
    return ': (' + '|'.join(n.replace('(', '\\(').replace(')', '\\)') for n in names) + ')$'
guest_graphs = [
    graph('Guest {#GUEST}: CPU utilization', ['hv.guest.cpu.util[{#KEY}]'], 'proto/cpu'),
    graph('Guest {#GUEST}: vCPUs busy and steal', ['hv.guest.cpu.vcpu_util[{#KEY}]', 'hv.guest.cpu.steal[{#KEY}]'], 'proto/vcpu'),
    graph('Guest {#GUEST}: Memory used', ['hv.guest.memory.cgroup[{#KEY}]'], 'proto/memory'),
    graph('Guest {#GUEST}: Network traffic', ['hv.guest.ct.net.rx.bytes.rate[{#KEY}]', 'hv.guest.ct.net.tx.bytes.rate[{#KEY}]'], 'proto/ctnet'),
]
# Each kind gets only what applies to it: an item that can never have a value for a kind would
# stay unsupported or empty forever. An override's item condition matches the item
# prototype's name, not its key; a trigger's its name; a graph's its name.
guest_overrides = [
    {'name': 'Containers: no VM-only items', 'step': '1', 'stop': 'STOP',
     'filter': {'conditions': [{'macro': '{#KIND}', 'value': '^container$', 'formulaid': 'A'}]},
     'operations': [{'operationobject': 'ITEM_PROTOTYPE', 'operator': 'REGEXP', 'value': names_re(VM_ONLY_NAMES), 'discover': 'NO_DISCOVER'},
                    {'operationobject': 'GRAPH_PROTOTYPE', 'operator': 'REGEXP', 'value': 'vCPUs busy', 'discover': 'NO_DISCOVER'}]},
    {'name': 'VMs: no container-only items', 'step': '2', 'stop': 'STOP',
     'filter': {'conditions': [{'macro': '{#KIND}', 'value': '^vm$', 'formulaid': 'A'}]},
     'operations': [{'operationobject': 'ITEM_PROTOTYPE', 'operator': 'REGEXP', 'value': names_re(CT_ONLY_NAMES), 'discover': 'NO_DISCOVER'},
                    {'operationobject': 'TRIGGER_PROTOTYPE', 'operator': 'REGEXP', 'value': '^Container ', 'discover': 'NO_DISCOVER'},
                    {'operationobject': 'GRAPH_PROTOTYPE', 'operator': 'REGEXP', 'value': 'Network traffic', 'discover': 'NO_DISCOVER'}]},
]

def name_filter(a, b):
    # Which guests to discover, by name: {$HV.GUEST.NAME.MATCHES} and not {$HV.GUEST.NAME.NOT_MATCHES}.
    return [{'macro': '{#GUEST}', 'value': '{$HV.GUEST.NAME.MATCHES}', 'formulaid': a},
            {'macro': '{#GUEST}', 'value': '{$HV.GUEST.NAME.NOT_MATCHES}', 'operator': 'NOT_MATCHES_REGEX', 'formulaid': b}]

rules = [
    rule('Guests discovery', 'guests', guest_protos, 'Every guest of the host: libvirt domains (running or not) and containers (as hvtop zabbix discovery guests lists them). Containers get no VM-only items, VMs no container-only ones (overrides).',
         filters={'evaltype': 'AND', 'conditions': name_filter('A', 'B')}, overrides=guest_overrides, graphs=guest_graphs),
    rule('Guest disks discovery', 'disks', disk_protos, 'Every block device of every guest.',
         {'evaltype': 'AND', 'conditions': [{'macro': '{#DEVICE}', 'value': '{$HV.DISK.DEVICE.MATCHES}', 'formulaid': 'A'}] + name_filter('B', 'C')},
         graphs=[graph('Guest {#GUEST} disk {#DISK}: I/O', ['hv.guest.disk.read.bytes.rate[{#KEY},{#DISK}]', 'hv.guest.disk.write.bytes.rate[{#KEY},{#DISK}]'], 'proto/diskio')]),
    rule('Guest interfaces discovery', 'interfaces', net_protos, 'Every network interface (with a host-side device) of every VM; a container\'s traffic is on its guest items.',
         {'evaltype': 'AND', 'conditions': name_filter('A', 'B')},
         graphs=[graph('Guest {#GUEST} interface {#IFNAME}: Traffic', ['hv.guest.net.rx.bytes.rate[{#KEY},{#IFNAME}]', 'hv.guest.net.tx.bytes.rate[{#KEY},{#IFNAME}]'], 'proto/iftraffic')]),
    rule('RAID arrays discovery', 'arrays', array_protos, 'Linux md arrays (external-metadata containers left out).'),
    rule('Storage pools discovery', 'pools', pool_protos, 'libvirt storage pools.',
         graphs=[graph('Pool {#POOL}: Used', ['hv.pool.used.pct[{#POOLUUID}]'], 'proto/poolused')]),
]

def proto_widget(graph_name, x, y, width=12, height=5):
    return {'type': 'GRAPH_PROTOTYPE', 'name': graph_name.split(': ', 1)[-1], 'x': str(x), 'y': str(y), 'width': str(width), 'height': str(height),
            'fields': [{'type': 'INTEGER', 'name': 'columns', 'value': '2'}, {'type': 'INTEGER', 'name': 'rows', 'value': '1'},
                       {'type': 'GRAPH_PROTOTYPE', 'name': 'graphid', 'value': {'host': T, 'name': graph_name}}]}

dashboards = [{'uuid': uid('dashboard', 'guests'), 'name': 'HV: guests', 'pages': [
    {'name': 'CPU and memory', 'widgets': [proto_widget('Guest {#GUEST}: CPU utilization', 0, 0), proto_widget('Guest {#GUEST}: vCPUs busy and steal', 12, 0),
                                          proto_widget('Guest {#GUEST}: Memory used', 0, 5, width=24)]},
    {'name': 'Disks and network', 'widgets': [proto_widget('Guest {#GUEST} disk {#DISK}: I/O', 0, 0), proto_widget('Guest {#GUEST} interface {#IFNAME}: Traffic', 12, 0),
                                             proto_widget('Guest {#GUEST}: Network traffic', 0, 5), proto_widget('Pool {#POOL}: Used', 12, 5)]},
]}]

def vm(name, pairs):
    return {'uuid': uid('valuemap', name), 'name': name, 'mappings': [{'value': str(k), 'newvalue': v} for k, v in pairs]}

template = {
    'uuid': uid('template'), 'template': T, 'name': T,
    'description': ("KVM/QEMU and LXC hypervisor host: guests, vCPU steal, memory, disks, interfaces, RAID arrays, storage pools and "
                    "migrations from hv-exporter, read by the Zabbix agent through hvtop.\n\n"
                    "Setup: run hv-exporter on the host; install hvtop as /usr/local/bin/hvtop (or set HVTOP for the agent); copy "
                    "packaging/zabbix/userparameter_hvexporter.conf to /etc/zabbix/zabbix_agentd.conf.d/ and restart the agent. "
                    "One agent item (hv.snapshot) fetches the whole /json; every other item is a dependent item. See docs/zabbix.md."),
    'groups': [{'name': 'Templates/Virtualization'}],
    'items': items,
    'discovery_rules': rules,
    'tags': [{'tag': 'class', 'value': 'software'}, {'tag': 'target', 'value': 'hvexporter'}],
    'dashboards': dashboards,
    'macros': [
        {'macro': '{$HV.SNAPSHOT.INTERVAL}', 'value': '1m', 'description': 'How often the agent fetches /json.'},
        {'macro': '{$HV.DISCOVERY.INTERVAL}', 'value': '5m'},
        {'macro': '{$HV.DISCOVERY.LIFETIME}', 'value': '7d'},
        {'macro': '{$HV.NODATA.TIME}', 'value': '5m', 'description': 'No snapshot from hv-exporter for this long raises the "no data" problem (at least 30s and a few {$HV.SNAPSHOT.INTERVAL}).'},
        {'macro': '{$HV.GUEST.NAME.MATCHES}', 'value': '.*', 'description': 'Guests to discover (regular expression on the name).'},
        {'macro': '{$HV.GUEST.NAME.NOT_MATCHES}', 'value': 'CHANGE_IF_NEEDED', 'description': 'Guests not to discover (regular expression on the name).'},
        {'macro': '{$HV.DISK.DEVICE.MATCHES}', 'value': '^disk$', 'description': 'Which guest block devices to discover (device type: disk, cdrom, lun).'},
        {'macro': '{$HV.GUEST.CPU.UTIL.MAX}', 'value': '90', 'description': 'A VM\'s vCPUs busy, percent of its own vCPUs. Per guest with context, e.g. {$HV.GUEST.CPU.UTIL.MAX:"<guest key>"} (the UUID; driver:name for a container); so are CONTAINER.CPU.UTIL.MAX, STEAL.MAX, PAUSED.TIME and JOB.ELAPSED.MAX.'},
        {'macro': '{$HV.CONTAINER.CPU.UTIL.MAX}', 'value': '90', 'description': 'A container\'s CPU use, percent of one host CPU (containers have no vCPUs; 200 = two host CPUs). Per container with context.'},
        {'macro': '{$HV.GUEST.STEAL.MAX}', 'value': '20'},
        {'macro': '{$HV.GUEST.PAUSED.TIME}', 'value': '30m'},
        {'macro': '{$HV.JOB.ELAPSED.MAX}', 'value': '3600'},
        {'macro': '{$HV.MEMORY.OVERCOMMIT.MAX}', 'value': '1.2'},
        {'macro': '{$HV.POOL.PUSED.MAX.WARN}', 'value': '80'},
        {'macro': '{$HV.POOL.PUSED.MAX.CRIT}', 'value': '90'},
    ],
    'valuemaps': [
        vm('HV guest state', [(0, 'nostate'), (1, 'running'), (2, 'blocked'), (3, 'paused'), (4, 'shutdown'), (5, 'shutoff'), (6, 'crashed'), (7, 'pmsuspended')]),
        vm('HV pool state', [(0, 'inactive'), (1, 'building'), (2, 'running'), (3, 'degraded'), (4, 'inaccessible')]),
        vm('HV up', [(0, 'down'), (1, 'up')]),
        vm('HV yes/no', [(0, 'no'), (1, 'yes')]),
    ],
}
doc = {'zabbix_export': {'version': '6.0', 'date': '2026-11-22T00:00:00Z',
                         'groups': [{'uuid': uid('group'), 'name': 'Templates/Virtualization'}],
                         'templates': [template]}}
class D(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True
def str_rep(d, s):
    if '\n' in s:
        return d.represent_scalar('tag:yaml.org,2002:str', s, style='|')
    return d.represent_scalar('tag:yaml.org,2002:str', s)
D.add_representer(str, str_rep)
sys.stdout.write(yaml.dump(doc, Dumper=D, sort_keys=False, allow_unicode=True, width=100000, default_flow_style=False, indent=2))
