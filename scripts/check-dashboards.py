#!/usr/bin/env python3
"""Run every query of the hvexporter Grafana dashboards against a real Prometheus.

    scripts/check-dashboards.py [options] http://127.0.0.1:9090

For each dashboard in dashboards/*.json this script
  - checks its structure: a `datasource` variable of type prometheus, every panel and target
    using `${datasource}`, no hard-coded instance in any query, unique panel ids, a uid;
  - runs its templating queries (label_values(...), query_result(...)) through the HTTP API,
    in order, and picks a value for each variable (the candidate for which most panel queries
    return data, unless --var NAME=VALUE says otherwise);
  - substitutes the template variables ($instance, ${guest}, [[x]], ${x:regex}, and Grafana's
    $__rate_interval, $__interval, $__range ...) and runs every panel target: instant targets
    with /api/v1/query, range targets with /api/v1/query_range over the last --range;
  - reports, per query, one of:
      ERROR     Prometheus rejected it (parse or execution error)          -> failure
      DATA      it returned data
      DATA*     it returned data, but a family it names has no series at all (e.g. a
                `... or vector(0)` fallback, or the libvirt half of a VM/container union);
                the missing families are listed (pending ones are marked)
      PENDING   empty, and it needs a family the exporter does not serve yet (PENDING_FAMILIES)
      EVENT     empty, and the query is listed in EVENT_ONLY: it only has data during an event
                (a migration, a RAID rebuild...), with the reason
      EMPTY     empty with no excuse                                        -> failure
      UNKNOWN   names a family the exporter does not serve and that is not pending: a typo
                or a renamed family                                         -> failure
    An EVENT query becomes mandatory with --expect-event GROUP (e.g. while a migration runs).

Exit status: 0 when nothing failed, 1 when some query failed, 2 on usage or connection errors.
Python 3 standard library only.
"""
import argparse
import glob
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# ----------------------------------------------------------------------------------------
# Families agreed on but not (yet) served by the exporter, with the reason. A query that is
# empty because of one of these is reported PENDING, not failed. When a family starts to
# return data the report says so: remove it from this list then.
# ----------------------------------------------------------------------------------------
PENDING_FAMILIES = {
    # "hv_example_family": "why it is not served yet",
}

# ----------------------------------------------------------------------------------------
# Queries that only return data during an event, or on hosts that have the thing. Key:
# (dashboard uid, panel title) for all of a panel's queries, or (uid, title, refId) for one
# (it wins over the panel's entry); value: (event group, reason). --expect-event GROUP makes the
# group's queries mandatory (e.g. run with --expect-event migration while a migration runs).
# ----------------------------------------------------------------------------------------
_MIG = ("migration", "only while a domain job (migration, save, dump, snapshot, backup) runs")
_BOUNDED = ("bounded-job", "only for bounded jobs (save, dump...) that know their remaining time; "
                           "a live migration is unbounded")
_DONE = ("migration-done", "only after a domain job finished since the exporter started")
_DISK = ("storage-migration", "only during a migration with --copy-storage-all/-inc")
_AUTOCONV = ("auto-converge", "only during a migration with --auto-converge that throttles the guest")
_BLK = ("block-job", "only while a block job (blockcopy, blockcommit, blockpull) runs")
_SYNC = ("raid-sync", "only while an md array resyncs, recovers, checks or reshapes")
_RAID = ("raid", "only on hosts with md arrays (the lab has no md driver: prometheus-check.sh "
                 "--md-fixture adds an exporter reading a fixture tree)")
_POOL = ("pool", "only on hosts with libvirt storage pools")
_RAIDCTL = ("raid-controller", "only on hosts with a hardware RAID controller tool (storcli/perccli, "
                               "ssacli, arcconf)")
_RAIDCTL_REBUILD = ("raid-controller-rebuild", "only while a controller's logical drive rebuilds")
_BTRFS = ("btrfs", "only on hosts with a mounted btrfs filesystem (the lab's: scripts/lab/btrfs-up.sh)")
_LXD = ("lxd", "only on hosts running LXD (the lab has it unless LAB_WITH_LXD=0)")
_SPLIT = ("incident", "only while the same guest UUID runs on two hosts (split brain)")
_SMART = ("smart", "only on hosts with disks smartctl can read (the lab's virtio disk is unsupported)")
_DRBD = ("drbd", "only on hosts with DRBD loaded")
_DRBD_SYNC = ("drbd-sync", "only while a DRBD resync runs")
_MPATH = ("multipath", "only on hosts with dm-multipath maps (dm_multipath loaded, multipathd running)")
_ZFS = ("zfs", "only on hosts with ZFS pools")
_ZFS_SCAN = ("zfs-scan", "only while a ZFS scrub or resilver runs")
_ZFS_BAD = ("zfs-fault", "only while a ZFS vdev is not ONLINE or has errors")
_GSTORE = ("guest-storage", "only while a guest disk sits on degraded or failed storage (prometheus-check.sh "
                            "--md-fixture has no guests; a degraded md array or btrfs under a guest's disk)")
EVENT_ONLY = {
    ("hvexporter-storage", "Reallocated, pending and uncorrectable sectors"): _SMART,
    ("hvexporter-storage", "Disk temperature"): _SMART,
    ("hvexporter-storage", "SSD endurance used and NVMe spare"): _SMART,
    ("hvexporter-storage", "NVMe critical warning and media errors"): _SMART,
    ("hvexporter-storage", "Uncorrectable and interface CRC errors per day"): _SMART,
    ("hvexporter-storage", "btrfs filesystems and devices"): _BTRFS,
    ("hvexporter-storage", "btrfs device errors"): _BTRFS,
    ("hvexporter-storage", "btrfs allocation used"): _BTRFS,
    ("hvexporter-storage", "btrfs raw space per device"): _BTRFS,
    ("hvexporter-storage", "LXD pools"): _LXD,
    ("hvexporter-storage", "Guests on degraded storage"): _GSTORE,
    ("hvexporter-storage", "LXD pool usage"): _LXD,
    ("hvexporter-storage", "LXD pool free space"): _LXD,
    ("hvexporter-storage", "DRBD volumes"): _DRBD,
    ("hvexporter-storage", "DRBD out of sync"): _DRBD,
    ("hvexporter-storage", "DRBD resync progress"): _DRBD_SYNC,
    ("hvexporter-storage", "DRBD resync speed"): _DRBD_SYNC,
    ("hvexporter-storage", "Multipath maps"): _MPATH,
    ("hvexporter-storage", "Multipath paths by state"): _MPATH,
    ("hvexporter-storage", "ZFS pools"): _ZFS,
    ("hvexporter-storage", "ZFS pool usage"): _ZFS,
    ("hvexporter-storage", "Days since the last scrub"): _ZFS,
    ("hvexporter-storage", "ZFS scrub and resilver progress"): _ZFS_SCAN,
    ("hvexporter-storage", "ZFS vdev errors"): _ZFS_BAD,
    ("hvexporter-storage", "ZFS vdevs not ONLINE"): _ZFS_BAD,
    ("hvexporter-host", "RAID sync progress"): _SYNC,
    ("hvexporter-host", "Storage pool usage"): _POOL,
    ("hvexporter-storage", "Pools"): _POOL,
    ("hvexporter-storage", "Pool usage"): _POOL,
    ("hvexporter-storage", "Pool free space"): _POOL,
    ("hvexporter-storage", "Pool free space in 24h (6h trend)"): _POOL,
    ("hvexporter-storage", "Pool state"): _POOL,
    ("hvexporter-storage", "Volumes per pool"): _POOL,
    ("hvexporter-storage", "Pools timing out"): _POOL,
    ("hvexporter-storage", "Arrays"): _RAID,
    ("hvexporter-storage", "Member disks"): _RAID,
    ("hvexporter-storage", "Disks by state"): _RAID,
    ("hvexporter-storage", "Sync action"): _RAID,
    ("hvexporter-storage", "Member read errors"): _RAID,
    ("hvexporter-storage", "Arrays the exporter cannot read"): _RAID,
    ("hvexporter-storage", "Sync progress"): _SYNC,
    ("hvexporter-storage", "Sync speed"): _SYNC,
    ("hvexporter-storage", "Sync time remaining"): _SYNC,
    ("hvexporter-storage", "Sync waiting"): ("raid-sync", "only while a resync waits (delayed or pending)"),
    ("hvexporter-storage", "Controllers"): _RAIDCTL,
    ("hvexporter-storage", "Logical drives"): _RAIDCTL,
    ("hvexporter-storage", "Physical drives"): _RAIDCTL,
    ("hvexporter-storage", "Drive media and other errors"): _RAIDCTL,
    ("hvexporter-storage", "Controller tool runs"): _RAIDCTL,
    ("hvexporter-storage", "Rebuild progress"): _RAIDCTL_REBUILD,
    ("hvexporter-jobs", "Current jobs"): _MIG,
    ("hvexporter-jobs", "Job progress"): _MIG,
    ("hvexporter-jobs", "Data processed / remaining"): _MIG,
    ("hvexporter-jobs", "Memory: transfer rate vs dirty rate"): _MIG,
    ("hvexporter-jobs", "Memory processed / remaining"): _MIG,
    ("hvexporter-jobs", "Pre-copy iteration"): _MIG,
    ("hvexporter-jobs", "Elapsed and remaining time"): _MIG,
    ("hvexporter-jobs", "Elapsed and remaining time", "B"): _BOUNDED,
    ("hvexporter-jobs", "Current jobs", "D"): _BOUNDED,
    ("hvexporter-jobs", "Expected downtime"): _MIG,
    ("hvexporter-jobs", "Auto-converge CPU throttle"): _AUTOCONV,
    ("hvexporter-jobs", "Disk copy (non-shared storage)"): _DISK,
    ("hvexporter-jobs", "Block job progress"): _BLK,
    ("hvexporter-jobs", "Block job bytes"): _BLK,
    ("hvexporter-jobs", "Last job per domain"): _DONE,
    ("hvexporter-jobs", "Migration downtime"): ("migration-done", "only after a live migration finished since the exporter started"),
    ("hvexporter-jobs", "Last job duration"): _DONE,
    ("hvexporter-jobs", "Guests running on more than one host (fleet)"): _SPLIT,
    ("hvexporter-guest", "Memory on the host", "D"):
        ("memory-limit", "only for guests whose cgroup has a memory limit (absent when unlimited)"),
}

BUILTINS = {
    "__rate_interval": "1m", "__interval": "15s", "__interval_ms": "15000",
    "__range": "1h", "__range_s": "3600", "__range_ms": "3600000",
    "__auto_interval": "15s", "__dashboard": "dashboard", "__org": "1", "__user": "checker",
}

FAMILY_RE = re.compile(r'\b((?:hv|libvirt|process)_[A-Za-z0-9_]+)\b|\b(up)\s*\{')
STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
VAR_RE = re.compile(r'\$\{(\w+)(?::(\w+))?\}|\[\[(\w+)(?::(\w+))?\]\]|\$(\w+)')
HARDCODED_INSTANCE_RE = re.compile(r'\binstance\s*(=~|!~|=|!=)\s*"(?!\$)[^"]+"')


class Prom:
    def __init__(self, url, timeout):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def get(self, path, params):
        q = urllib.parse.urlencode(params, doseq=True)
        req = urllib.request.Request(f"{self.url}{path}?{q}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return json.load(r)
        except urllib.error.HTTPError as e:  # 400/422 carry a JSON error body
            try:
                return json.load(e)
            except Exception:
                return {"status": "error", "errorType": f"http {e.code}", "error": str(e)}

    def query(self, expr, at):
        return self.get("/api/v1/query", {"query": expr, "time": f"{at:.3f}"})

    def query_range(self, expr, start, end, step):
        return self.get("/api/v1/query_range", {"query": expr, "start": f"{start:.3f}",
                                                "end": f"{end:.3f}", "step": f"{step:g}"})


def families(expr):
    """Metric family names a PromQL expression names (strings removed first)."""
    bare = STRING_RE.sub('""', expr)
    out = []
    for m in FAMILY_RE.finditer(bare):
        name = m.group(1) or m.group(2)
        if name not in out:
            out.append(name)
    return out


def regex_escape(v):
    return re.sub(r'([\\.^$*+?()\[\]{}|])', r'\\\1', v)


def promql_string_escape(v):
    return v.replace("\\", "\\\\").replace('"', '\\"')


def substitute(expr, values):
    """Replace template variables the way Grafana would, escaping for the context."""
    def repl(m):
        name = m.group(1) or m.group(3) or m.group(5)
        fmt = m.group(2) or m.group(4)
        if name in BUILTINS:
            return BUILTINS[name]
        if name not in values:
            return m.group(0)
        val = values[name]
        before = expr[:m.start()]
        # inside a regex matcher's string: =~"... or !~"...
        in_regex = re.search(r'[=!]~\s*"[^"]*$', before) is not None
        if fmt == "regex" or in_regex:
            return promql_string_escape(regex_escape(val))
        if fmt == "raw":
            return val
        return promql_string_escape(val)
    return VAR_RE.sub(repl, expr)


def var_query(v):
    q = v.get("query")
    return q.get("query", "") if isinstance(q, dict) else (q or v.get("definition", ""))


def referenced_vars(expr, names):
    out = set()
    for m in VAR_RE.finditer(expr):
        n = m.group(1) or m.group(3) or m.group(5)
        if n in names:
            out.add(n)
    return out


def walk_panels(panels):
    for p in panels:
        yield p
        for sub in p.get("panels", []) or []:
            yield sub


def has_data(resp):
    """(True, all_nan) when a successful response has at least one sample."""
    data = resp.get("data", {})
    rtype, result = data.get("resultType"), data.get("result")
    if rtype in ("scalar", "string"):
        return True, False
    if not result:
        return False, False
    vals = []
    for s in result:
        if "value" in s:
            vals.append(s["value"][1])
        vals.extend(v[1] for v in s.get("values", []))
    return True, bool(vals) and all(v in ("NaN", "+Inf", "-Inf") for v in vals)


class Checker:
    def __init__(self, args):
        self.args = args
        self.prom = Prom(args.prometheus, args.timeout)
        self.now = args.time or time.time()
        self.range_s = parse_duration(args.range)
        self.step = max(2.0, self.range_s / 120)
        self.failures = 0
        self.counts = {}
        self.known = set()
        self.rows = []
        self.var_cache = {}
        self.score_cache = {}

    # ------------------------------------------------------------------
    def run_target(self, expr, instant):
        if instant:
            return self.prom.query(expr, self.now)
        return self.prom.query_range(expr, self.now - self.range_s, self.now, self.step)

    def label_values(self, query):
        """Evaluate a Grafana Prometheus variable query; returns (status, values, detail)."""
        q = query.strip()
        m = re.fullmatch(r'label_values\(\s*(.+?)\s*,\s*(\w+)\s*\)', q, re.S)
        if m:
            sel, label = m.group(1), m.group(2)
            r = self.prom.get("/api/v1/series", {"match[]": sel,
                                                  "start": f"{self.now - self.range_s:.3f}",
                                                  "end": f"{self.now:.3f}"})
            if r.get("status") != "success":
                return "ERROR", [], r.get("error", "")
            vals = sorted({s[label] for s in r["data"] if label in s})
            return ("DATA" if vals else "EMPTY"), vals, f"series {sel}"
        m = re.fullmatch(r'label_values\(\s*(\w+)\s*\)', q)
        if m:
            r = self.prom.get(f"/api/v1/label/{m.group(1)}/values", {})
            if r.get("status") != "success":
                return "ERROR", [], r.get("error", "")
            return ("DATA" if r["data"] else "EMPTY"), sorted(r["data"]), "label values"
        m = re.fullmatch(r'query_result\(\s*(.+)\s*\)', q, re.S)
        if m:
            r = self.prom.query(m.group(1), self.now)
            if r.get("status") != "success":
                return "ERROR", [], r.get("error", "")
            vals = [json.dumps(s.get("metric", {})) for s in r["data"]["result"]]
            return ("DATA" if vals else "EMPTY"), vals, "query_result"
        return "ERROR", [], f"unsupported variable query: {q}"

    # ------------------------------------------------------------------
    def classify(self, uid, title, ref, expr, resp, binding_note=""):
        fams = families(expr)
        missing = [f for f in fams if f not in self.known]
        if resp.get("status") != "success":
            return "ERROR", f"{resp.get('errorType', '')}: {resp.get('error', '')}"
        ok, all_nan = has_data(resp)
        if ok:
            if missing:
                tags = [f + (" (pending)" if f in PENDING_FAMILIES else "") for f in missing]
                return "DATA*", f"{binding_note}no series of: {', '.join(tags)}".strip()
            return "DATA", (binding_note + ("all values NaN (idle)" if all_nan else "")).strip(" :")
        unknown = [f for f in missing if f not in PENDING_FAMILIES]
        ev = EVENT_ONLY.get((uid, title, ref)) or EVENT_ONLY.get((uid, title))
        if unknown and not ev:
            return "UNKNOWN", "no such family in Prometheus: " + ", ".join(unknown)
        pend = [f for f in missing if f in PENDING_FAMILIES]
        if pend:
            return "PENDING", ", ".join(sorted({PENDING_FAMILIES[f] for f in pend})) + \
                f" ({', '.join(pend)})"
        if ev and ev[0] in self.args.expect_event:
            return "EMPTY", f"event '{ev[0]}' expected now: {ev[1]}"
        if ev:
            return "EVENT", f"[{ev[0]}] {ev[1]}"
        return "EMPTY", "no series"

    def report(self, status, where, detail, expr):
        self.counts[status] = self.counts.get(status, 0) + 1
        failed = status in ("ERROR", "EMPTY", "UNKNOWN", "STRUCT")
        if failed:
            self.failures += 1
        self.rows.append({"status": status, "where": where, "detail": detail, "expr": expr})
        if self.args.json:
            return
        if failed or self.args.verbose or status != "DATA":
            print(f"{status:8} {where}" + (f"  -- {detail}" if detail else ""))
            if expr and (failed or self.args.verbose > 1):
                print(f"         {expr}")
        elif not self.args.quiet:
            print(f"{status:8} {where}" + (f"  -- {detail}" if detail else ""))

    # ------------------------------------------------------------------
    def structure(self, path, dash):
        uid = dash.get("uid") or os.path.basename(path)
        errs = []
        if not dash.get("uid"):
            errs.append("no uid")
        if not dash.get("title"):
            errs.append("no title")
        tvars = dash.get("templating", {}).get("list", [])
        dsv = [v for v in tvars if v.get("type") == "datasource"]
        if not dsv or dsv[0].get("query") != "prometheus" or dsv[0].get("name") != "datasource":
            errs.append("no `datasource` variable of type datasource/prometheus")
        ids = []
        for p in walk_panels(dash.get("panels", [])):
            if p.get("type") in ("row", "text"):
                continue
            ids.append(p.get("id"))
            ds = p.get("datasource") or {}
            if ds.get("uid") != "${datasource}":
                errs.append(f"panel '{p.get('title')}' datasource is not ${{datasource}}: {ds}")
            for t in p.get("targets", []):
                tds = t.get("datasource") or ds
                if tds.get("uid") != "${datasource}":
                    errs.append(f"panel '{p.get('title')}' target {t.get('refId')} datasource: {tds}")
                if HARDCODED_INSTANCE_RE.search(t.get("expr", "")):
                    errs.append(f"panel '{p.get('title')}' target {t.get('refId')} hard-codes an instance")
        if len(ids) != len(set(ids)):
            errs.append("duplicate panel ids")
        titles = [p.get("title") for p in walk_panels(dash.get("panels", [])) if p.get("type") != "row"]
        dups = sorted({t for t in titles if titles.count(t) > 1})
        if dups:
            errs.append(f"duplicate panel titles (EVENT_ONLY needs them unique): {dups}")
        for v in tvars:
            if v.get("type") == "query" and (v.get("datasource") or {}).get("uid") != "${datasource}":
                errs.append(f"variable {v.get('name')} does not use ${{datasource}}")
        for e in errs:
            self.report("STRUCT", f"{uid}", e, "")
        return uid

    def check_dashboard(self, path):
        with open(path, encoding="utf-8") as f:
            dash = json.load(f)
        uid = self.structure(path, dash)
        if not self.args.json:
            print(f"\n== {os.path.basename(path)}: {dash.get('title')} (uid {uid})")
        tvars = dash.get("templating", {}).get("list", [])
        var_names = {v["name"] for v in tvars}
        targets = []  # (title, refId, raw expr, instant)
        for p in walk_panels(dash.get("panels", [])):
            for t in p.get("targets", []) or []:
                if t.get("expr"):
                    targets.append((p.get("title", ""), t.get("refId", ""), t["expr"],
                                    bool(t.get("instant")) and not t.get("range")))

        values = {}
        qvars = []
        for v in tvars:
            name = v["name"]
            if v.get("type") == "datasource":
                values[name] = "prometheus"
            elif v.get("type") in ("constant", "custom"):
                values[name] = str(v.get("query", "")).split(",")[0].strip()
            elif v.get("type") == "query":
                qvars.append(v)
        # pick the combination of variable values under which most queries return data
        values, _ = self.resolve(qvars, 0, values, targets)
        candidates = {}
        for v in qvars:  # report each variable query under the chosen values of the others
            name = v["name"]
            qs = substitute(var_query(v), values)
            status, vals, detail = self.var_values(v, values)
            self.report(status, f"{uid} / variable ${name}",
                        f"{len(vals)} value(s)" + (f": {', '.join(vals[:5])}" if vals else "")
                        + ("" if status == "DATA" else f" {detail}"), qs)
            candidates[name] = [values[name]] + [x for x in vals if x != values[name]]
        if not self.args.json:
            shown = {k: v for k, v in values.items() if k != "datasource"}
            print(f"   variables: {shown}")

        for title, ref, raw, instant in targets:
            where = f"{uid} / {title} [{ref}]"
            expr = substitute(raw, values)
            resp = self.run_target(expr, instant)
            status, detail = self.classify(uid, title, ref, expr, resp)
            if status in ("EMPTY", "PENDING", "EVENT", "UNKNOWN") and resp.get("status") == "success":
                # another value of a variable the query uses may have data (e.g. a container
                # for container-only panels, the fixture exporter for RAID panels)
                alt = self.try_alternatives(raw, values, candidates, var_names, instant, qvars)
                if alt:
                    expr, binding = alt
                    resp = self.run_target(expr, instant)
                    status, detail = self.classify(uid, title, ref, expr, resp, binding + ": ")
            self.report(status, where, detail, expr)

    def var_values(self, v, values):
        """(status, values, detail) of a query variable under the given values of the others."""
        qs = substitute(var_query(v), values)
        key = (v["name"], qs)
        if key not in self.var_cache:
            status, vals, detail = self.label_values(qs)
            if v.get("regex"):
                rx = re.compile(v["regex"].strip("/"))
                vals = [x for x in vals if rx.search(x)]
            self.var_cache[key] = (status, vals, detail)
        return self.var_cache[key]

    def resolve(self, qvars, i, values, targets):
        """Try the values of variable i (and, recursively, of the later ones); return the
        variable values under which most targets have data, and that count."""
        if i == len(qvars):
            return dict(values), self.score(values, targets)
        v = qvars[i]
        name = v["name"]
        if self.args.var.get(name) is not None:
            return self.resolve(qvars, i + 1, dict(values, **{name: self.args.var[name]}), targets)
        _, vals, _ = self.var_values(v, values)
        if not vals:
            return self.resolve(qvars, i + 1, dict(values, **{name: ""}), targets)
        best = None
        for cand in vals[: self.args.max_candidates]:
            got = self.resolve(qvars, i + 1, dict(values, **{name: cand}), targets)
            if best is None or got[1] > best[1]:
                best = got
        return best

    def score(self, values, targets):
        n = 0
        for _, _, raw, inst in targets:
            expr = substitute(raw, values)
            key = (expr, inst)
            if key not in self.score_cache:
                r = self.run_target(expr, inst)
                self.score_cache[key] = r.get("status") == "success" and has_data(r)[0]
            n += self.score_cache[key]
        return n

    def try_alternatives(self, raw, values, candidates, var_names, instant, qvars=()):
        used = [n for n in referenced_vars(raw, var_names) if len(candidates.get(n, [])) > 1]
        for n in used:
            for cand in candidates[n][1: self.args.max_candidates]:
                for vv, follow in self.followers(dict(values, **{n: cand}), {n}, qvars):
                    expr = substitute(raw, vv)
                    r = self.run_target(expr, instant)
                    if r.get("status") == "success" and has_data(r)[0]:
                        return expr, f"with {n}={cand}" + "".join(f", {k}={v}" for k, v in follow)
        return None

    def followers(self, values, changed, qvars):
        """The bindings to try after the variables in `changed` took new values: variables
        whose query uses one of them (the guest's driver) take each of their values in turn."""
        for i, v in enumerate(qvars):
            if v["name"] not in changed and referenced_vars(var_query(v), changed):
                _, vals, _ = self.var_values(v, values)
                vals = sorted(vals, key=lambda x: x != values.get(v["name"]))[: self.args.max_candidates]
                for x in vals:
                    for vv, follow in self.followers(dict(values, **{v["name"]: x}), changed | {v["name"]}, qvars):
                        yield vv, [(v["name"], x)] + follow
                return
        yield values, []

    # ------------------------------------------------------------------
    def main(self, paths):
        r = self.prom.get("/api/v1/label/__name__/values", {})
        if r.get("status") != "success":
            print(f"cannot list metric names from {self.args.prometheus}: {r}", file=sys.stderr)
            return 2
        self.known = set(r["data"])
        for p in paths:
            self.check_dashboard(p)
        # stale list entries
        for key in EVENT_ONLY:
            if key[0] in self.dash_uids and tuple(key[:2]) not in self.all_titles:
                self.report("STRUCT", f"{key[0]} / {key[1]}", "EVENT_ONLY entry names no panel", "")
        served_pending = sorted(f for f in PENDING_FAMILIES if f in self.known)
        if self.args.json:
            print(json.dumps({"results": self.rows, "counts": self.counts,
                              "pending_families_now_served": served_pending}, indent=2))
        else:
            print("\nsummary: " + ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items())))
            missing_pending = sorted(f for f in PENDING_FAMILIES if f not in self.known)
            print(f"pending families not served yet: {len(missing_pending)}")
            if served_pending:
                print("pending families that ARE served now (remove them from PENDING_FAMILIES): "
                      + ", ".join(served_pending))
            print("FAILED" if self.failures else "OK")
        return 1 if self.failures else 0


def parse_duration(s):
    m = re.fullmatch(r'(\d+(?:\.\d+)?)([smhd])', s)
    if not m:
        raise argparse.ArgumentTypeError(f"bad duration {s!r}")
    return float(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 2)[2])
    ap.add_argument("prometheus", help="Prometheus base URL, e.g. http://127.0.0.1:9090")
    ap.add_argument("dashboards", nargs="*",
                    help="dashboard files (default: dashboards/*.json of this repository)")
    ap.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                    help="force a template variable's value (repeatable)")
    ap.add_argument("--expect-event", action="append", default=[], metavar="GROUP",
                    help="an event is happening now: EVENT queries of GROUP must return data "
                         "(groups: " + ", ".join(sorted({g for g, _ in EVENT_ONLY.values()})) + ")")
    ap.add_argument("--range", default="10m", help="window of range queries (default 10m)")
    ap.add_argument("--time", type=float, help="evaluation time, unix seconds (default now)")
    ap.add_argument("--timeout", type=float, default=15, help="HTTP timeout, seconds")
    ap.add_argument("--max-candidates", type=int, default=8,
                    help="values tried per variable when choosing them (default 8)")
    ap.add_argument("-v", "--verbose", action="count", default=0,
                    help="print every query's details (-vv: and the substituted PromQL)")
    ap.add_argument("-q", "--quiet", action="store_true", help="do not list DATA queries")
    ap.add_argument("--json", action="store_true", help="machine-readable report")
    args = ap.parse_args()
    try:
        parse_duration(args.range)
    except argparse.ArgumentTypeError as e:
        ap.error(str(e))
    var = {}
    for kv in args.var:
        if "=" not in kv:
            ap.error(f"--var needs NAME=VALUE: {kv}")
        k, v = kv.split("=", 1)
        var[k] = v
    args.var = var
    paths = args.dashboards or sorted(glob.glob(os.path.join(here, "..", "dashboards", "*.json")))
    if not paths:
        ap.error("no dashboards found")
    c = Checker(args)
    c.dash_uids, c.all_titles = set(), set()
    for p in paths:
        with open(p, encoding="utf-8") as f:
            d = json.load(f)
        c.dash_uids.add(d.get("uid"))
        for pn in walk_panels(d.get("panels", [])):
            c.all_titles.add((d.get("uid"), pn.get("title")))
    try:
        return c.main(paths)
    except urllib.error.URLError as e:
        print(f"cannot reach Prometheus at {args.prometheus}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
