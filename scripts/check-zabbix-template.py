#!/usr/bin/env python3
"""Runs every preprocessing step of the Zabbix template (the JSONPath subset it uses: filters,
[*], bracket names, first/length/sum/avg/min/max; its
JavaScript under node, multipliers, bool-to-decimal) against a real /json and the discovery
output of hvtop, for every discovered entity; the discovery data item's JavaScript must find
the same entities as hvtop's discovery. Exit 1 when a step fails where it has no error
handler.

    python3 scripts/check-zabbix-template.py packaging/zabbix/template_hvexporter.yaml \
        .build/debug/hvtop http://127.0.0.1:9974

Needs python3-yaml and node."""
import json, re, subprocess, sys, yaml

tpl_path, hvtop, url = sys.argv[1], sys.argv[2], sys.argv[3]
snap_text = subprocess.run([hvtop, 'zabbix', 'get', 'hv.snapshot', '--url', url], capture_output=True, text=True, check=True).stdout
snap = json.loads(snap_text)
t = yaml.safe_load(open(tpl_path))['zabbix_export']['templates'][0]
macros = {m['macro']: m['value'] for m in t['macros']}

def jsonpath(doc, path):
    assert path.startswith('$'), path
    cur = [doc]
    rest = path[1:]
    first = False
    while rest:
        m = re.match(r"\.first\(\)", rest)
        if m:
            first = True; rest = rest[m.end():]; continue
        m = re.match(r"\.length\(\)", rest)
        if m:
            return len(cur[0]) if len(cur) == 1 and isinstance(cur[0], list) else len(cur)
        m = re.match(r"\.(sum|avg|min|max)\(\)", rest)
        if m:
            nums = [x for c in cur for x in (c if isinstance(c, list) else [c]) if isinstance(x, (int, float))]
            if not nums: raise LookupError('no values for ' + m.group(1) + ' in ' + path)
            f = {'sum': sum, 'min': min, 'max': max, 'avg': lambda xs: sum(xs) / len(xs)}[m.group(1)]
            return f(nums)
        m = re.match(r"\[\*\]", rest)
        if m:
            cur = [e for c in cur for e in (c if isinstance(c, list) else [])]; rest = rest[m.end():]; continue
        m = re.match(r"\[('\w+'(?:,'\w+')*)\]", rest)
        if m:
            names = [n.strip("'") for n in m.group(1).split(',')]
            cur = [c[n] for c in cur if isinstance(c, dict) for n in names if n in c]; rest = rest[m.end():]; continue
        m = re.match(r"\[\?\(@\.(\w+) == (?:'([^']*)'|(true|false))\)\]", rest)
        if m:
            k, v = m.group(1), m.group(2) if m.group(2) is not None else m.group(3)
            nxt = []
            for c in cur:
                for e in (c if isinstance(c, list) else []):
                    if isinstance(e, dict) and (json.dumps(e.get(k)) if isinstance(e.get(k), bool) else str(e.get(k))) == v: nxt.append(e)
            cur = nxt; rest = rest[m.end():]; continue
        m = re.match(r"\.(\w+)", rest)
        if m:
            k = m.group(1)
            cur = [c[k] for c in cur if isinstance(c, dict) and k in c]
            rest = rest[m.end():]; continue
        raise ValueError('unsupported path ' + path)
    if not cur: raise LookupError('no match for ' + path)
    if first or len(cur) == 1: return cur[0]
    return cur

def run_js(code, value):
    prog = "var f = function (value) {\n" + code + "\n};\ntry { var r = f(require('fs').readFileSync(0, 'utf8')); process.stdout.write(JSON.stringify({ok: r})); } catch (e) { process.stdout.write(JSON.stringify({err: String(e)})); }"
    out = subprocess.run(['node', '-e', prog], input=value, capture_output=True, text=True).stdout
    r = json.loads(out)
    if 'err' in r: raise LookupError(r['err'])
    return r['ok']

def run_steps(steps, subst):
    value = snap_text
    for st in steps:
        p = [subst(x) for x in st.get('parameters', [])]
        try:
            if st['type'] == 'JSONPATH':
                v = jsonpath(json.loads(value), p[0])
                value = json.dumps(v) if isinstance(v, (dict, list)) else (('true' if v else 'false') if isinstance(v, bool) else str(v))
            elif st['type'] == 'JAVASCRIPT':
                value = str(run_js(p[0], value))
            elif st['type'] == 'BOOL_TO_DECIMAL':
                value = {'true': '1', 'false': '0'}.get(value.lower(), value)
            elif st['type'] == 'MULTIPLIER':
                value = str(float(value) * float(p[0]))
            elif st['type'] == 'CHECK_REGEX_ERROR':
                if re.search(p[0], value): raise LookupError('error text: ' + value[:200])
            elif st['type'] in ('CHANGE_PER_SECOND', 'DISCARD_UNCHANGED_HEARTBEAT'):
                pass  # needs two values; the step before it is what we check
            else:
                raise ValueError('step ' + st['type'])
        except LookupError as e:
            h = st.get('error_handler')
            if h == 'DISCARD_VALUE': return '(discarded: %s)' % e
            if h == 'CUSTOM_VALUE': value = st.get('error_handler_params', ''); continue
            if h == 'CUSTOM_ERROR': return 'ERROR (custom): %s' % st.get('error_handler_params', '')
            return 'ERROR: %s' % e
    return value

errors = 0
for it in t['items']:
    if it.get('type') != 'DEPENDENT': continue
    v = run_steps(it['preprocessing'], lambda s: s)
    errors += v.startswith('ERROR')
    print('%-32s %s' % (it['key'], v))
# Discovery rules are dependent rules of the discovery data item: its JavaScript must find
# exactly the entities hvtop's own discovery lists.
data_item = next(i for i in t['items'] if i['key'] == 'hv.discovery.entities')
data = run_steps(data_item['preprocessing'], lambda s: s)
for r in t['discovery_rules']:
    what = re.match(r'hv\.discovery\[(\w+)\]', r['key']).group(1)
    ents = json.loads(subprocess.run([hvtop, 'zabbix', 'discovery', what, '--url', url], capture_output=True, text=True, check=True).stdout)
    assert r.get('master_item', {}).get('key') == 'hv.discovery.entities', r['key'] + ' is not a dependent rule of hv.discovery.entities'
    from_template = jsonpath(json.loads(data), r['preprocessing'][0]['parameters'][0])
    canon = lambda xs: sorted(json.dumps(x, sort_keys=True) for x in xs)
    if canon(from_template) != canon(ents):
        errors += 1
        print('ERROR: %s: the template finds %s, hvtop %s' % (r['key'], canon(from_template), canon(ents)))
    print('== %s: %d entities' % (r['key'], len(ents)))
    for e in ents:
        def subst(s, e=e):
            for k, v in e.items(): s = s.replace(k, v)
            return s
        if 'filter' in r:
            c = r['filter']['conditions'][0]
            if not re.search(macros.get(c['value'], c['value']), e.get(c['macro'], '')): continue
        for p in r['item_prototypes']:
            v = run_steps(p['preprocessing'], subst)
            errors += v.startswith('ERROR')
            print('  %-58s %s' % (subst(p['key'])[:58], v[:60]))
print('errors:', errors)
sys.exit(1 if errors else 0)
