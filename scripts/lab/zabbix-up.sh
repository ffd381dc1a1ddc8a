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
ZBX_DB_PASSWORD=zabbix
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
if [[ "$(pgsql -c "select 1 from pg_roles where rolname = 'zabbix'")" != 1 ]]; then
  pgsql -c "create role zabbix login password '$ZBX_DB_PASSWORD'" >/dev/null
fi
if [[ "$(pgsql -c "select 1 from pg_database where datname = 'zabbix'")" != 1 ]]; then
  pgsql -c "create database zabbix owner zabbix encoding 'UTF8' template template0" >/dev/null
fi
zpsql() { PGPASSWORD=$ZBX_DB_PASSWORD psql -qtAX -h 127.0.0.1 -U zabbix zabbix "$@"; }
if [[ "$(zpsql -c "select count(*) from information_schema.tables where table_name = 'users'")" != 1 ]]; then
  lab_log "loading the Zabbix schema (about a minute)"
  for f in schema images data; do
    zcat "/usr/share/zabbix-server-pgsql/$f.sql.gz" | zpsql -v ON_ERROR_STOP=1 >/dev/null
  done
fi

# --- server ----------------------------------------------------------------------------
cat >"$ZBX_RUN/zabbix_server.conf" <<EOF
# written by scripts/lab/zabbix-up.sh
ListenIP=127.0.0.1
ListenPort=$ZBX_SERVER_PORT
SourceIP=127.0.0.1
LogFile=$ZBX_RUN/zabbix_server.log
LogFileSize=0
PidFile=$ZBX_RUN/zabbix_server.pid
SocketDir=$ZBX_RUN
DBHost=127.0.0.1
DBName=zabbix
DBUser=zabbix
DBPassword=$ZBX_DB_PASSWORD
# Short intervals: the tests wait for new hosts and items, not for the defaults (60 s).
CacheUpdateFrequency=10
StartPollers=2
StartPollersUnreachable=1
StartTrappers=2
StartPingers=0
StartDiscoverers=1
StartHTTPPollers=0
StartPreprocessors=2
StartTimers=1
StartEscalators=1
StartAlerters=1
UnreachablePeriod=10
UnavailableDelay=10
UnreachableDelay=5
Timeout=10
HousekeepingFrequency=0
EOF
server_pid=$(cat "$ZBX_RUN/zabbix_server.pid" 2>/dev/null || true)
if ! lab_pid_is "$server_pid" zabbix_server; then
  lab_log "starting zabbix_server on 127.0.0.1:$ZBX_SERVER_PORT"
  zabbix_server -c "$ZBX_RUN/zabbix_server.conf" 9>&-
  lab_wait 60 "zabbix_server running" test -s "$ZBX_RUN/zabbix_server.pid"
fi

# --- frontend (its JSON-RPC API) ---------------------------------------------------------
cat >/etc/zabbix/zabbix.conf.php <<EOF
<?php
// written by scripts/lab/zabbix-up.sh (hvexporter lab)
\$DB['TYPE']     = 'POSTGRESQL';
\$DB['SERVER']   = '127.0.0.1';
\$DB['PORT']     = '5432';
\$DB['DATABASE'] = 'zabbix';
\$DB['USER']     = 'zabbix';
\$DB['PASSWORD'] = '$ZBX_DB_PASSWORD';
\$DB['SCHEMA']   = '';
\$DB['ENCRYPTION'] = false;
\$DB['KEY_FILE'] = '';
\$DB['CERT_FILE'] = '';
\$DB['CA_FILE'] = '';
\$DB['VERIFY_HOST'] = false;
\$DB['CIPHER_LIST'] = '';
\$DB['VAULT_URL'] = '';
\$DB['VAULT_DB_PATH'] = '';
\$DB['VAULT_TOKEN'] = '';
\$DB['DOUBLE_IEEE754'] = true;
\$ZBX_SERVER      = '127.0.0.1';
\$ZBX_SERVER_PORT = '$ZBX_SERVER_PORT';
\$ZBX_SERVER_NAME = 'hvexporter lab';
\$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
EOF
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
