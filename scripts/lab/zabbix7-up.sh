#!/usr/bin/env bash
# A real Zabbix 7.0 (Debian 13's packages) next to the lab's 6.0 (zabbix-up.sh), for
# IntegrationTests ZabbixServerTests: Debian 12 packages only 6.0, so 7.0 runs in a chroot, a
# copy of the cached minimal trixie root (scripts/debian-root.sh) with PostgreSQL, the server
# and the frontend installed. The chroot shares the host's network namespace, so the 7.0 server
# polls an agent on 127.0.0.1 like the 6.0 one. Idempotent: what already runs (and answers) is
# left alone; the root persists, so the packages are installed once per machine.
#
#   root      $LAB_ZABBIX7_ROOT (/var/lib/hvexporter-lab/zabbix7-root); config and logs in
#             its /run/hv-lab-zabbix7
#   server    127.0.0.1:$LAB_ZABBIX7_SERVER_PORT (10161)
#   API       http://127.0.0.1:$LAB_ZABBIX7_WEB_PORT/api_jsonrpc.php (10190), Admin / zabbix
#   database  the chroot's own PostgreSQL cluster "main" on 127.0.0.1:$LAB_ZABBIX7_DB_PORT
#             (5433), database and role "zabbix" (password "zabbix")
#
# Nothing of the host's 6.0 (ports 10151/10180, PostgreSQL 15/main on 5432) is touched.
# scripts/lab/zabbix7-down.sh stops it and unmounts; --purge there also deletes the root.
source "$(dirname "$0")/lib.sh"

Z7_ROOT=$LAB_ZABBIX7_ROOT # ports and root: lib.sh
Z7_SERVER_PORT=$LAB_ZABBIX7_SERVER_PORT
Z7_WEB_PORT=$LAB_ZABBIX7_WEB_PORT
Z7_DB_PORT=$LAB_ZABBIX7_DB_PORT
Z7_RUN=/run/hv-lab-zabbix7 # inside the root
PKGS=(postgresql zabbix-server-pgsql zabbix-frontend-php php-pgsql php-cli)

# A command in the root, with a clean environment (the host's PATH and locale do not apply).
in_root() { chroot "$Z7_ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
# Is this pid a live $2 (comm) running inside the root (not the host's 6.0 of the same name)?
z7_pid_is() { lab_pid_is "$1" "$2" && [[ "$(readlink "/proc/$1/root" 2>/dev/null)" == "$Z7_ROOT" ]]; }

# --- the root: a copy of the cached trixie root with the packages (made once) ------------
if [[ ! -x "$Z7_ROOT/usr/sbin/zabbix_server" || ! -e "$Z7_ROOT/.hv-lab-ready" ]]; then
  cache=$("$LAB_ROOT/scripts/debian-root.sh" trixie)
  lab_log "creating $Z7_ROOT from $cache (apt-get install ${PKGS[*]}: a few minutes)"
  "$LAB_SCRIPTS/zabbix7-down.sh" 9>&- # a half-made root may still have mounts
  rm -rf "$Z7_ROOT"
  mkdir -p "$(dirname "$Z7_ROOT")"
  (flock 8 && cp -a "$cache" "$Z7_ROOT") 8>"$cache.lock"
fi
cp /etc/resolv.conf "$Z7_ROOT/etc/resolv.conf"
# /proc, /sys, /dev (PostgreSQL's dynamic shared memory in /dev/shm); kept until zabbix7-down.sh.
for m in proc sys dev dev/pts dev/shm; do
  mountpoint -q "$Z7_ROOT/$m" && continue
  mkdir -p "$Z7_ROOT/$m"
  case $m in
    proc) mount -t proc proc "$Z7_ROOT/proc" ;;
    sys) mount -t sysfs sysfs "$Z7_ROOT/sys" ;;
    *) mount --bind "/$m" "$Z7_ROOT/$m" ;;
  esac
done
if [[ ! -e "$Z7_ROOT/.hv-lab-ready" ]]; then
  # Package scripts must start nothing (policy-rc.d), and PostgreSQL's cluster must not be
  # made on the host's port 5432 (its postinst makes "main" on the first port its own
  # clusters leave free): createcluster.conf says the port before the packages come.
  printf '#!/bin/sh\nexit 101\n' >"$Z7_ROOT/usr/sbin/policy-rc.d"
  chmod +x "$Z7_ROOT/usr/sbin/policy-rc.d"
  mkdir -p "$Z7_ROOT/etc/postgresql-common"
  printf '# written by scripts/lab/zabbix7-up.sh\ncreate_main_cluster = true\nport = %s\n' "$Z7_DB_PORT" \
    >"$Z7_ROOT/etc/postgresql-common/createcluster.conf"
  install_pkgs() {
    in_root DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Use-Pty=0 --no-install-recommends \
      -o Dpkg::Options::=--force-confold "${PKGS[@]}"
  }
  if ! install_pkgs >"$Z7_ROOT/var/log/hv-lab-install.log" 2>&1; then
    for attempt in 1 2 3; do
      lab_log "apt-get in $Z7_ROOT: update and install (attempt $attempt)"
      if in_root apt-get update -qq && install_pkgs >"$Z7_ROOT/var/log/hv-lab-install.log" 2>&1; then break; fi
      (( attempt == 3 )) && { tail -20 "$Z7_ROOT/var/log/hv-lab-install.log" >&2; lab_die "apt-get install ${PKGS[*]} failed in $Z7_ROOT"; }
      sleep $((attempt * 10))
    done
  fi
  in_root apt-get clean
  touch "$Z7_ROOT/.hv-lab-ready"
fi
ZBX_VERSION=$(in_root zabbix_server -V | head -1 | awk '{print $NF}')
[[ "$ZBX_VERSION" == 7.0.* ]] || lab_die "$Z7_ROOT has Zabbix $ZBX_VERSION, not 7.0"
install -d -m 0755 "$Z7_ROOT$Z7_RUN"
in_root chown zabbix:zabbix "$Z7_RUN"

# --- PostgreSQL (the root's own cluster) -------------------------------------------------
pg=$(in_root pg_lsclusters -h | awk '$2 == "main" { print $1, $3, $4; exit }')
read -r PG_VERSION pg_port pg_status <<<"$pg"
[[ -n "$PG_VERSION" ]] || lab_die "no PostgreSQL cluster in $Z7_ROOT"
[[ "$pg_port" == "$Z7_DB_PORT" ]] || lab_die "the root's PostgreSQL cluster listens on $pg_port, not $Z7_DB_PORT"
if [[ "$pg_status" != online ]]; then
  lab_log "starting PostgreSQL $PG_VERSION/main in the root on 127.0.0.1:$Z7_DB_PORT"
  sed -i "s/^#\?listen_addresses = .*/listen_addresses = '127.0.0.1'/" "$Z7_ROOT/etc/postgresql/$PG_VERSION/main/postgresql.conf"
  in_root pg_ctlcluster "$PG_VERSION" main start 9>&-
fi
pgsql() { in_root runuser -u postgres -- psql -p "$Z7_DB_PORT" -qtAX "$@"; }
lab_wait 60 "PostgreSQL answering in $Z7_ROOT" pgsql -c 'select 1'
zpsql() { in_root env PGPASSWORD=$LAB_ZABBIX_DB_PASSWORD psql -qtAX -h 127.0.0.1 -p "$Z7_DB_PORT" -U zabbix zabbix "$@"; }
# The schema files are read on the host side (zcat), from the root's package.
lab_zabbix_database pgsql zpsql "$Z7_ROOT/usr/share/zabbix-server-pgsql"

# --- server ----------------------------------------------------------------------------
# StartAgentPollers: 7.0's asynchronous agent pollers (6.0 does not know the parameter).
lab_zabbix_server_conf scripts/lab/zabbix7-up.sh "$Z7_RUN" "$Z7_SERVER_PORT" "$Z7_DB_PORT" StartAgentPollers=1 \
  >"$Z7_ROOT$Z7_RUN/zabbix_server.conf"
server_pid=$(cat "$Z7_ROOT$Z7_RUN/zabbix_server.pid" 2>/dev/null || true)
if ! z7_pid_is "$server_pid" zabbix_server; then
  rm -f "$Z7_ROOT$Z7_RUN/zabbix_server.pid"
  lab_log "starting zabbix_server $ZBX_VERSION on 127.0.0.1:$Z7_SERVER_PORT"
  in_root zabbix_server -c "$Z7_RUN/zabbix_server.conf" 9>&-
  lab_wait 60 "zabbix_server 7.0 running" test -s "$Z7_ROOT$Z7_RUN/zabbix_server.pid"
fi

# --- frontend (its JSON-RPC API) ---------------------------------------------------------
conf=$Z7_ROOT/etc/zabbix/zabbix.conf.php # Debian's frontend reads it there (CConfigFile.php)
lab_zabbix_frontend_conf scripts/lab/zabbix7-up.sh "hvexporter lab 7.0" "$Z7_DB_PORT" "$Z7_SERVER_PORT" \
  "\$DB['VAULT'] = '';" "\$DB['VAULT_PREFIX'] = '';" "\$DB['VAULT_CERT_FILE'] = '';" \
  "\$DB['VAULT_KEY_FILE'] = '';" "\$DB['VAULT_CACHE'] = false;" >"$conf"
chmod 0644 "$conf"
api_answers() {
  curl -sf -m 10 -H 'Content-Type: application/json-rpc' \
    -d '{"jsonrpc":"2.0","method":"apiinfo.version","params":{},"id":1}' \
    "http://127.0.0.1:$Z7_WEB_PORT/api_jsonrpc.php" | grep -q '"result":"7\.0'
}
web_pid=$(cat "$Z7_ROOT$Z7_RUN/php.pid" 2>/dev/null || true)
if ! z7_pid_is "$web_pid" php || ! api_answers; then
  z7_pid_is "$web_pid" php && kill "$web_pid"
  lab_log "starting the Zabbix 7.0 frontend (php -S 127.0.0.1:$Z7_WEB_PORT in the root)"
  # chroot execs env, env execs php: $! is php's pid.
  PHP_CLI_SERVER_WORKERS=4 setsid chroot "$Z7_ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    PHP_CLI_SERVER_WORKERS=4 php -d memory_limit=512M -d max_execution_time=300 -d post_max_size=64M \
    -S "127.0.0.1:$Z7_WEB_PORT" -t /usr/share/zabbix \
    </dev/null >"$Z7_ROOT$Z7_RUN/php.log" 2>&1 9>&- &
  echo $! >"$Z7_ROOT$Z7_RUN/php.pid"
  lab_wait 60 "Zabbix 7.0 API answering on 127.0.0.1:$Z7_WEB_PORT" api_answers
fi
lab_log "Zabbix $ZBX_VERSION up: API http://127.0.0.1:$Z7_WEB_PORT/api_jsonrpc.php, server 127.0.0.1:$Z7_SERVER_PORT (root $Z7_ROOT)"
