#!/usr/bin/env bash
# A real Zabbix 6.0 (Debian 12's packages) for the Zabbix tests (IntegrationTests
# ZabbixServerTests): PostgreSQL, zabbix_server and the frontend's JSON-RPC API on
# 127.0.0.1 only. Idempotent: what already runs (and answers) is left alone.
#
#   server    127.0.0.1:$LAB_ZABBIX_SERVER_PORT (10151), config and logs in /run/hv-lab-zabbix
#   API       http://127.0.0.1:$LAB_ZABBIX_WEB_PORT/api_jsonrpc.php (10180), Admin / zabbix
#   database  PostgreSQL 15 "main" cluster, database and role "zabbix" (password "zabbix")
#
# The agent is not started here: the test starts its own hv-exporter and a zabbix_agentd
# (port 10150) with packaging/zabbix/userparameter_hvexporter.conf, so it can stop and
# restart the exporter. No systemd here (lab.md): every daemon is started by hand.
source "$(dirname "$0")/lib.sh"

ZBX_RUN=/run/hv-lab-zabbix
ZBX_SERVER_PORT=${LAB_ZABBIX_SERVER_PORT:-10151}
ZBX_WEB_PORT=${LAB_ZABBIX_WEB_PORT:-10180}
PG_VERSION=15

# --- packages (apt retried: a mirror hiccup must not fail the lab) -------------------
PKGS=(postgresql zabbix-server-pgsql zabbix-frontend-php php-pgsql php-cli zabbix-agent)
for attempt in 1 2 3; do
  if (lab_apt_install "${PKGS[@]}"); then break; fi
  (( attempt == 3 )) && lab_die "could not install ${PKGS[*]} after 3 attempts"
  lab_log "apt-get failed (attempt $attempt), retrying in $((attempt * 10)) s"
  sleep $((attempt * 10))
  apt-get update -qq || true
done
# zabbix-frontend-php pulls in apache2; its package scripts must not leave it running here
# (lab_apt_install blocks service starts with policy-rc.d; nothing else needs apache).

install -d -m 0755 -o zabbix -g zabbix "$ZBX_RUN"

# --- PostgreSQL ----------------------------------------------------------------------
if ! pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
  if ! pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" '$1 == v && $2 == "main"' | grep -q .; then
    pg_createcluster "$PG_VERSION" main >/dev/null
  fi
  lab_log "starting PostgreSQL $PG_VERSION/main"
  pg_ctlcluster "$PG_VERSION" main start
fi
lab_wait 60 "PostgreSQL answering" runuser -u postgres -- psql -qtAc 'select 1'
pgsql() { runuser -u postgres -- psql -qtAX "$@"; }
zpsql() { PGPASSWORD=$LAB_ZABBIX_DB_PASSWORD psql -qtAX -h 127.0.0.1 -U zabbix zabbix "$@"; }
lab_zabbix_database pgsql zpsql /usr/share/zabbix-server-pgsql

# --- server ----------------------------------------------------------------------------
lab_zabbix_server_conf scripts/lab/zabbix-up.sh "$ZBX_RUN" "$ZBX_SERVER_PORT" 5432 >"$ZBX_RUN/zabbix_server.conf"
server_pid=$(cat "$ZBX_RUN/zabbix_server.pid" 2>/dev/null || true)
if ! lab_pid_is "$server_pid" zabbix_server; then
  lab_log "starting zabbix_server on 127.0.0.1:$ZBX_SERVER_PORT"
  zabbix_server -c "$ZBX_RUN/zabbix_server.conf" 9>&-
  lab_wait 60 "zabbix_server running" test -s "$ZBX_RUN/zabbix_server.pid"
fi

# --- frontend (its JSON-RPC API) ---------------------------------------------------------
lab_zabbix_frontend_conf scripts/lab/zabbix-up.sh "hvexporter lab" 5432 "$ZBX_SERVER_PORT" >/etc/zabbix/zabbix.conf.php
chmod 0644 /etc/zabbix/zabbix.conf.php
api_answers() {
  curl -sf -m 10 -H 'Content-Type: application/json-rpc' \
    -d '{"jsonrpc":"2.0","method":"apiinfo.version","params":{},"id":1}' \
    "http://127.0.0.1:$ZBX_WEB_PORT/api_jsonrpc.php" | grep -q '"result"'
}
web_pid=$(cat "$ZBX_RUN/php.pid" 2>/dev/null || true)
if ! lab_pid_is "$web_pid" php || ! api_answers; then
  [[ -n "$web_pid" ]] && lab_pid_is "$web_pid" php && kill "$web_pid"
  lab_log "starting the Zabbix frontend (php -S 127.0.0.1:$ZBX_WEB_PORT)"
  PHP_CLI_SERVER_WORKERS=4 setsid php -d memory_limit=512M -d max_execution_time=300 \
    -d post_max_size=64M -S "127.0.0.1:$ZBX_WEB_PORT" -t /usr/share/zabbix \
    </dev/null >"$ZBX_RUN/php.log" 2>&1 9>&- &
  echo $! >"$ZBX_RUN/php.pid"
  lab_wait 60 "Zabbix API answering on 127.0.0.1:$ZBX_WEB_PORT" api_answers
fi
lab_log "Zabbix $(zabbix_server -V | head -1 | awk '{print $NF}') up: API http://127.0.0.1:$ZBX_WEB_PORT/api_jsonrpc.php, server 127.0.0.1:$ZBX_SERVER_PORT"
