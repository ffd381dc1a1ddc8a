#!/usr/bin/env bash
# Prove the alert rules and dashboards against a real Prometheus scraping a running hv-exporter.
#
#   scripts/prometheus-check.sh [options] [EXPORTER_ADDR] [-- CHECKER_ARGS...]
#
#   EXPORTER_ADDR          host:port of a running hv-exporter (default 127.0.0.1:9974)
#   --port N               Prometheus listen port on 127.0.0.1 (default: a free port)
#   --samples N            scrapes to wait for before checking (default 12, i.e. ~24 s)
#   --scrape-interval D    Prometheus scrape and rule evaluation interval (default 2s; the scrape
#                          timeout is the same). Raise it when the exporter needs longer per
#                          scrape (a debug build on a loaded machine)
#   --wait SECONDS         bound for every wait (default 90)
#   --md-fixture DIR       also start a second hv-exporter reading DIR/proc and DIR/sys (an md
#                          fixture tree such as Tests/HVSystemTests/Fixtures/md/recovering) with
#                          every collector but md disabled, scraped as a second target: the RAID
#                          panels get data on a host without md arrays
#   --exporter-bin PATH    hv-exporter binary for --md-fixture (default: hv-exporter in PATH,
#                          else the newest .build*/debug/hv-exporter of this repository)
#   --migrate              lab only: also prove the event-only migration panels. Creates a small
#                          transient guest (.lab kernel/initrd, no disk, no NIC), live-migrates it
#                          at 2 MiB/s to the lab's peer libvirtd (scripts/lab/peer-up.sh, started
#                          if needed), runs the checker on the jobs dashboard with
#                          --expect-event migration while it runs and with --expect-event
#                          migration-done after it finished, then destroys the guest
#   --pool                 also prove the storage pool panels: creates a transient libvirt dir pool
#                          in the temporary directory, checks the storage and host dashboards with
#                          --expect-event pool, destroys the pool
#   --keep                 keep the temporary directory (config, TSDB, logs) for inspection
#   CHECKER_ARGS           passed to scripts/check-dashboards.py (e.g. --expect-event migration,
#                          --var guest=vm1, -v)
#
# Steps (each one's failure makes the exit status 1; the others still run):
#   1. promtool check rules alerts/*.rules.yml
#   2. promtool test rules alerts/tests/*.yml
#   3. start Prometheus (2 s scrape and rule evaluation interval, rules loaded) on a temporary
#      TSDB, wait until the exporter target has N samples and the rules were evaluated
#   4. scripts/check-dashboards.py against it: every dashboard query parses and returns data
#      (or is a documented pending family / event-only query)
#   5. /api/v1/rules: every rule loaded and evaluated without error (health "ok")
#   6. with --migrate: the migration panels during and after a real live migration;
#      with --pool: the storage pool panels with a real (transient) pool
#   7. stop Prometheus (and the fixture exporter), remove the temporary directory
set -u -o pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
exporter="127.0.0.1:9974"
port=""
samples=12
interval=2s
wait_s=90
md_fixture=""
exporter_bin=""
keep=0
migrate=0
pool=0
checker_args=()

die() { echo "prometheus-check: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --port) port="${2:?}"; shift 2 ;;
        --port=*) port="${1#*=}"; shift ;;
        --samples) samples="${2:?}"; shift 2 ;;
        --samples=*) samples="${1#*=}"; shift ;;
        --wait) wait_s="${2:?}"; shift 2 ;;
        --scrape-interval) interval="${2:?}"; shift 2 ;;
        --scrape-interval=*) interval="${1#*=}"; shift ;;
        --wait=*) wait_s="${1#*=}"; shift ;;
        --md-fixture) md_fixture="${2:?}"; shift 2 ;;
        --md-fixture=*) md_fixture="${1#*=}"; shift ;;
        --exporter-bin) exporter_bin="${2:?}"; shift 2 ;;
        --exporter-bin=*) exporter_bin="${1#*=}"; shift ;;
        --keep) keep=1; shift ;;
        --migrate) migrate=1; shift ;;
        --pool) pool=1; shift ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        --) shift; checker_args=("$@"); break ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) exporter="$1"; shift ;;
    esac
done

[[ "$interval" =~ ^[0-9]+(ms|s|m)$ ]] || die "--scrape-interval $interval: use e.g. 2s, 5s, 500ms"
for tool in prometheus promtool python3 curl; do
    command -v "$tool" >/dev/null || die "$tool not found in PATH"
done
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
[ -n "$port" ] || port="$(free_port)"

failures=()
step() { echo; echo "=== $*"; }
fail() { echo "FAIL: $*"; failures+=("$*"); }

tmp="$(mktemp -d /tmp/hv-promcheck.XXXXXX)"
prom_pid=""
fixture_pid=""
mig_dom=""
mig_pid=""
pool_name=""
peer_uri="qemu+tcp://10.98.0.2/system"
cleanup() {
    local pid
    if [ -n "$pool_name" ]; then
        timeout 20 virsh -q -c qemu:///system pool-destroy "$pool_name" >/dev/null 2>&1
        pool_name=""
    fi
    if [ -n "$mig_dom" ]; then
        [ -n "$mig_pid" ] && kill "$mig_pid" 2>/dev/null
        timeout 20 virsh -q -c qemu:///system destroy "$mig_dom" >/dev/null 2>&1
        timeout 20 virsh -q -c "$peer_uri" destroy "$mig_dom" >/dev/null 2>&1
        mig_dom=""; mig_pid=""
    fi
    for pid in $prom_pid $fixture_pid; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
            kill -KILL "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
        fi
    done
    prom_pid=""; fixture_pid=""
    if [ "$keep" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for SECONDS CMD...: run CMD every 0.5 s until it succeeds or SECONDS pass
wait_for() {
    local deadline=$(( $(date +%s) + $1 )); shift
    until "$@"; do
        [ "$(date +%s)" -ge "$deadline" ] && return 1
        sleep 0.5
    done
}

# ---------------------------------------------------------------------------------------
step "1. promtool check rules"
rule_files=("$repo"/alerts/*.rules.yml)
promtool check rules "${rule_files[@]}" || fail "promtool check rules"

step "2. promtool test rules"
(cd "$repo/alerts/tests" && promtool test rules ./*.yml) || fail "promtool test rules"

# ---------------------------------------------------------------------------------------
step "3. Prometheus scraping $exporter"
curl -sf -m 10 -o /dev/null "http://$exporter/metrics" \
    || { fail "hv-exporter does not answer on http://$exporter/metrics"; }
if curl -s -m 2 -o /dev/null "http://127.0.0.1:$port/"; then
    die "something already listens on 127.0.0.1:$port (use --port)"
fi

targets="'$exporter'"
if [ -n "$md_fixture" ]; then
    [ -d "$md_fixture/proc" ] && [ -d "$md_fixture/sys" ] || die "--md-fixture $md_fixture has no proc/ and sys/"
    if [ -z "$exporter_bin" ]; then
        exporter_bin="$(command -v hv-exporter || ls -t "$repo"/.build*/debug/hv-exporter 2>/dev/null | head -1)"
    fi
    [ -x "$exporter_bin" ] || die "no hv-exporter binary for --md-fixture (use --exporter-bin)"
    fport="$(free_port)"
    # every collector but the md one off: the fixture host has no libvirt guests of its own
    collectors="$("$exporter_bin" --help 2>&1 | sed -n 's/^ *\([a-z0-9_]*\) *\[\(on \|off\)\].*/\1/p')"
    md_collector="$(echo "$collectors" | grep -E -x 'mdraid|md' | head -1)"
    if [ -z "$md_collector" ]; then
        fail "$exporter_bin has no md RAID collector: --md-fixture ignored"
    else
        no_flags=()
        for c in $collectors; do [ "$c" = "$md_collector" ] || no_flags+=("--no-collector.$c"); done
        "$exporter_bin" --web.listen-address="127.0.0.1:$fport" "--collector.$md_collector" "${no_flags[@]}" \
            --path.procfs="$md_fixture/proc" --path.sysfs="$md_fixture/sys" \
            >"$tmp/fixture-exporter.log" 2>&1 &
        fixture_pid=$!
        if wait_for 20 curl -sf -m 2 -o /dev/null "http://127.0.0.1:$fport/metrics"; then
            targets="$targets, '127.0.0.1:$fport'"
            echo "fixture exporter for $md_fixture on 127.0.0.1:$fport (pid $fixture_pid)"
        else
            fail "fixture exporter did not start (log: $(tail -3 "$tmp/fixture-exporter.log"))"
        fi
    fi
fi

cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: $interval
  scrape_timeout: $interval
  evaluation_interval: $interval
rule_files:
$(for f in "${rule_files[@]}"; do echo "  - '$f'"; done)
scrape_configs:
  - job_name: hvexporter
    static_configs:
      - targets: [$targets]
EOF
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
    --web.listen-address="127.0.0.1:$port" --log.level=warn >"$tmp/prometheus.log" 2>&1 &
prom_pid=$!
prom="http://127.0.0.1:$port"
echo "prometheus pid $prom_pid on $prom, data in $tmp"

# q EXPR: print the first value of an instant query (empty when none)
q() {
    curl -sf -m 5 --get "$prom/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null
}
has_series() { [ -n "$(q "$1")" ]; }
enough_samples() {
    local n
    n="$(q "min(count_over_time(up{job=\"hvexporter\"}[5m]))")"
    [ -n "$n" ] && [ "${n%.*}" -ge "$samples" ]
}
rules_evaluated() {
    curl -sf -m 5 "$prom/api/v1/rules" | python3 -c '
import json, sys
g = json.load(sys.stdin)["data"]["groups"]
sys.exit(0 if g and all(x.get("lastEvaluation", "0001").startswith("20") for x in g) else 1)'
}

prom_ok=1
if ! wait_for "$wait_s" curl -sf -m 2 -o /dev/null "$prom/-/ready"; then
    fail "Prometheus not ready after ${wait_s}s: $(tail -5 "$tmp/prometheus.log")"
    prom_ok=0
elif ! wait_for "$wait_s" enough_samples; then
    fail "no $samples samples of up{job=\"hvexporter\"} after ${wait_s}s (target health: $(q 'up'))"
    prom_ok=0
elif ! wait_for "$wait_s" rules_evaluated; then
    fail "rule groups not evaluated after ${wait_s}s"
    prom_ok=0
fi
if [ "$prom_ok" = 1 ]; then
    echo "targets up: $(q 'sum(up{job="hvexporter"})') of $(q 'count(up{job="hvexporter"})'), samples per target: $(q 'min(count_over_time(up{job="hvexporter"}[5m]))')"
    [ "$(q 'min(up{job="hvexporter"})')" = "1" ] || fail "a scrape target is down"
    scrape_health() {
        local failed
        failed="$(q 'sum(count_over_time((up{job="hvexporter"} == 0)[10m:]))')"
        echo "scrape duration max $(q 'max(max_over_time(scrape_duration_seconds{job="hvexporter"}[10m]))') s (timeout $interval), failed scrapes: ${failed:-0}"
        [ -z "$failed" ] || echo "hint: some scrapes timed out (instant panels read empty right after one): raise --scrape-interval"
    }
    scrape_health

    # -----------------------------------------------------------------------------------
    step "4. dashboard queries"
    python3 "$here/check-dashboards.py" "$prom" "${checker_args[@]}" || fail "dashboard queries"

    # -----------------------------------------------------------------------------------
    step "5. rule health in Prometheus"
    curl -sf -m 5 "$prom/api/v1/rules" >"$tmp/rules.json" || fail "GET /api/v1/rules"
    python3 - "$tmp/rules.json" <<'EOF' || fail "rule evaluation errors"
import json, sys
groups = json.load(open(sys.argv[1]))["data"]["groups"]
bad, n, active = [], 0, []
for g in groups:
    for r in g["rules"]:
        n += 1
        if r.get("health") != "ok":
            bad.append(f'{g["name"]}/{r["name"]}: health {r.get("health")}: {r.get("lastError", "")}')
        for a in r.get("alerts", []):
            lbl = ",".join(f'{k}={v}' for k, v in sorted(a["labels"].items())
                           if k not in ("alertname", "job", "severity"))
            active.append(f'  {a["state"]:8} {r["name"]} {{{lbl}}}')
print(f"{len(groups)} groups, {n} rules loaded; {n - len(bad)} healthy")
for b in bad:
    print("  ERROR " + b)
if active:
    print("alerts pending/firing on this host right now:")
    print("\n".join(active))
sys.exit(1 if bad or n == 0 else 0)
EOF
fi

# ---------------------------------------------------------------------------------------
jobs_dash="$repo/dashboards/hvexporter-migrations-jobs.json"
if [ "$migrate" = 1 ] && [ "$prom_ok" = 1 ]; then
    step "6. migration panels during and after a live migration"
    mig_ok=1
    if [ ! -r "$repo/.lab/state.env" ]; then
        fail "--migrate needs the lab (scripts/lab/up.sh): no .lab/state.env"; mig_ok=0
    else
        # shellcheck disable=SC1091
        source "$repo/.lab/state.env"
        if ! timeout 15 virsh -q -c "$peer_uri" version >/dev/null 2>&1; then
            "$repo/scripts/lab/peer-up.sh" || { fail "peer libvirtd (scripts/lab/peer-up.sh)"; mig_ok=0; }
        fi
    fi
    if [ "$mig_ok" = 1 ]; then
        mig_dom="hvcheck-mig-$$"
        cat >"$tmp/mig.xml" <<XML
<domain type='qemu'>
  <name>$mig_dom</name>
  <title>scripts/prometheus-check.sh --migrate (transient, destroyed by the check)</title>
  <memory unit='MiB'>192</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$LAB_KERNEL</kernel>
    <initrd>$LAB_INITRD</initrd>
    <cmdline>console=ttyS0 loglevel=4 panic=-1 hv.name=$mig_dom hv.sleep=1</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='pty'><target port='0'/></serial>
    <memballoon model='virtio'><stats period='2'/></memballoon>
  </devices>
</domain>
XML
        if ! virsh -q -c qemu:///system create "$tmp/mig.xml" >/dev/null; then
            fail "cannot create the migration guest"; mig_dom=""
        elif ! wait_for 60 has_series "hv_guest_info{guest=\"$mig_dom\", state=\"running\"}"; then
            fail "Prometheus never saw $mig_dom running"
        else
            sleep 5   # let the guest boot: its memory is what the migration moves
            virsh -c qemu:///system migrate --live --unsafe --bandwidth 2 "$mig_dom" "$peer_uri" \
                --migrateuri tcp://10.98.0.2 >"$tmp/migrate.log" 2>&1 &
            mig_pid=$!
            if ! wait_for 60 has_series "libvirt_domain_job_operation{domain=\"$mig_dom\"} == 5"; then
                fail "no outgoing job of $mig_dom in Prometheus (migrate: $(cat "$tmp/migrate.log"))"
            else
                sleep 8   # a few samples of the running job for the range panels
                echo "-- while $mig_dom migrates (progress $(q "hv_domain_job_progress_ratio{domain=\"$mig_dom\"}")):"
                python3 "$here/check-dashboards.py" "$prom" "$jobs_dash" --var "instance=$exporter" \
                    --range 2m --expect-event migration -q || fail "migration panels while a migration runs"
            fi
            # finish quickly, then check the retained last job
            virsh -q -c qemu:///system migrate-setspeed "$mig_dom" 1000 >/dev/null 2>&1
            if ! wait_for 120 bash -c "! kill -0 $mig_pid 2>/dev/null"; then
                fail "migration of $mig_dom did not end within 120 s"
            else
                wait "$mig_pid"; rc=$?; mig_pid=""
                [ "$rc" = 0 ] || fail "virsh migrate failed: $(cat "$tmp/migrate.log")"
                if ! wait_for 30 has_series "hv_domain_last_job_info{domain=\"$mig_dom\"}"; then
                    fail "no last job of $mig_dom in Prometheus after the migration"
                else
                    echo "-- after the migration (last job: $(curl -sf --get "$prom/api/v1/query" --data-urlencode "query=hv_domain_last_job_info{domain=\"$mig_dom\"}" | python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["metric"].get("operation"), r[0]["metric"].get("outcome")) if r else print("?")')):"
                    python3 "$here/check-dashboards.py" "$prom" "$jobs_dash" --var "instance=$exporter" \
                        --range 2m --expect-event migration-done -q || fail "migration panels after a migration"
                fi
            fi
        fi
    fi
fi

# ---------------------------------------------------------------------------------------
if [ "$pool" = 1 ] && [ "$prom_ok" = 1 ]; then
    step "6b. storage pool panels with a real pool"
    pool_name="hvcheck-pool-$$"
    mkdir -p "$tmp/pool"
    if ! virsh -q -c qemu:///system pool-create-as "$pool_name" dir --target "$tmp/pool" >/dev/null; then
        fail "cannot create the transient dir pool $pool_name"; pool_name=""
    elif ! wait_for 60 has_series "count_over_time(libvirt_storage_pool_state{pool=\"$pool_name\"}[5m]) >= 3"; then
        fail "Prometheus never got 3 samples of pool $pool_name"
    else
        python3 "$here/check-dashboards.py" "$prom" "$repo/dashboards/hvexporter-storage-raid.json" \
            "$repo/dashboards/hvexporter-host-overview.json" --var "instance=$exporter" \
            --range 2m --expect-event pool -q || fail "pool panels with a pool"
    fi
    [ -z "$pool_name" ] || virsh -q -c qemu:///system pool-destroy "$pool_name" >/dev/null 2>&1
    pool_name=""
fi

[ "$prom_ok" = 1 ] && scrape_health

# ---------------------------------------------------------------------------------------
step "7. teardown"
cleanup
trap - EXIT
echo
if [ ${#failures[@]} -eq 0 ]; then
    echo "prometheus-check: OK"
    exit 0
fi
echo "prometheus-check: ${#failures[@]} failure(s):"
printf '  - %s\n' "${failures[@]}"
exit 1
