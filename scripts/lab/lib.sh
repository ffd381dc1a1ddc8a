# shellcheck shell=bash
# Shared helpers and constants for the lab scripts in scripts/lab/.
# Sourced, never run. Every script does:
#   source "$(dirname "$0")/lib.sh"
# which cds to the repository root, so all paths below are relative to it.

set -euo pipefail

LAB_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$LAB_SCRIPTS/../.."
LAB_ROOT=$(pwd)

# --- fixed names and addresses (integration tests rely on these) ---------------
LAB_URI="qemu:///system"
LAB_DIR=".lab"                     # gitignored
LAB_IMAGE_DIR="$LAB_DIR/image"
LAB_DISK_DIR="$LAB_DIR/disks"
LAB_CONSOLE_DIR="$LAB_DIR/console"
LAB_XML_DIR="$LAB_DIR/xml"
LAB_STATE="$LAB_DIR/state.env"

LAB_BRIDGE="hvbr0"
LAB_BRIDGE_IP="10.99.0.254"        # root namespace address on the bridge (for debugging)
LAB_NETNS="hvpeer"
LAB_PEER_IP="10.99.0.1"            # the only host guests and containers talk to
LAB_PREFIX=24
LAB_VETH_BR="hvpeer-br"            # veth end on the bridge (root namespace)
LAB_VETH_NS="hvpeer-ns"            # veth end inside $LAB_NETNS

LAB_LXC_NAME="hv-ct1"
LAB_LXC_IP="10.99.0.21"

# The weird guest name. libvirt accepts a double quote, a backslash, a space and
# non-ASCII letters in a QEMU domain name (it only rejects '/'); checked with
# libvirt 9.0 on Debian 12.
LAB_WEIRD_NAME='we"ird\ name ü'

# Guest table: KEY|name|file-slug|ip|vcpus|wanted-state
#   wanted-state: running | paused | shutoff | transient
# KEY is the suffix of the state-file variables (LAB_GUEST_<KEY>, LAB_PID_<KEY>, ...).
# file-slug names the disk/console/xml files (the weird name makes a bad file name).
LAB_GUESTS=(
  "RUN1|hv-run1|hv-run1|10.99.0.11|1|running"
  "RUN2|hv-run2|hv-run2|10.99.0.12|2|running"
  "PAUSED|hv-paused|hv-paused|10.99.0.13|1|paused"
  "OFF|hv-off|hv-off|10.99.0.14|1|shutoff"
  "TRANSIENT|hv-transient|hv-transient|10.99.0.15|1|transient"
  "WEIRD|$LAB_WEIRD_NAME|hv-weird|10.99.0.16|1|paused"
)

# Zabbix servers for IntegrationTests/ZabbixServerTests, all on 127.0.0.1 (environment
# overrides): Debian 12's 6.0 (zabbix-up.sh) and Debian 13's 7.0 in a chroot (zabbix7-up.sh,
# its own PostgreSQL cluster). The agent ports are where the test starts its zabbix_agentd.
LAB_ZABBIX_SERVER_PORT=${LAB_ZABBIX_SERVER_PORT:-10151}
LAB_ZABBIX_WEB_PORT=${LAB_ZABBIX_WEB_PORT:-10180}
LAB_ZABBIX_AGENT_PORT=${LAB_ZABBIX_AGENT_PORT:-10150}
LAB_ZABBIX7_ROOT=${LAB_ZABBIX7_ROOT:-/var/lib/hvexporter-lab/zabbix7-root}
LAB_ZABBIX7_SERVER_PORT=${LAB_ZABBIX7_SERVER_PORT:-10161}
LAB_ZABBIX7_WEB_PORT=${LAB_ZABBIX7_WEB_PORT:-10190}
LAB_ZABBIX7_AGENT_PORT=${LAB_ZABBIX7_AGENT_PORT:-10160}
LAB_ZABBIX7_DB_PORT=${LAB_ZABBIX7_DB_PORT:-5433}

# MAC address of a lab guest/container, derived from its IP (52:54:00:99:00:<last octet>).
lab_mac() { printf '52:54:00:99:00:%02x' "${1##*.}"; }

# Serialize up.sh/down.sh runs (parallel test jobs may both call up.sh).
# Only the top-level scripts take the lock; the step scripts they run do not.
# Trap: every child inherits fd 9, and a daemon started below (virtlogd keeps
# its fds) would then hold the lock forever; so up.sh and down.sh run their
# steps with "9>&-".
lab_lock() {
  mkdir -p "$LAB_DIR"
  exec 9>"$LAB_DIR/.lock"
  flock -w 600 9 || lab_die "another lab up/down run holds $LAB_DIR/.lock for 600 s"
}

# --- logging -------------------------------------------------------------------
lab_log()  { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
lab_die()  { printf '[lab %s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

# virsh on the system URI, never hanging forever (a stuck libvirtd must not hang CI).
lab_virsh() { timeout 60 virsh -q -c "$LAB_URI" "$@"; }

# lab_wait SECONDS DESCRIPTION COMMAND...: poll COMMAND every 0.5 s until it
# succeeds; on timeout print DESCRIPTION and fail.
lab_wait() {
  local secs=$1 what=$2; shift 2
  command -v "$1" >/dev/null || lab_die "lab_wait: no such command: $1"
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS >= deadline )); then
      lab_die "timed out after ${secs}s waiting for: $what"
    fi
    sleep 0.5
  done
}

# Is a process with this pid alive and named $2 (comm)?
lab_pid_is() {
  local pid=$1 comm=$2
  [[ -n "$pid" && -r "/proc/$pid/comm" ]] && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$comm" ]]
}

# Quote a value for a POSIX shell KEY='value' line: single quotes, with each
# embedded ' written as '\''. Readers that do not want to run a shell can parse
# it by stripping the outer quotes and replacing '\'' with '.
lab_shquote() {
  local s=${1//\'/\'\\\'\'}
  printf "'%s'" "$s"
}

# Trap: bash 5.2 (Debian 12) enables patsub_replacement, where "&" in the
# replacement of ${var//pat/rep} means "the matched text": "&quot;" would turn
# '"' into '"quot;'. Switch it off so the escapes below are literal.
shopt -u patsub_replacement 2>/dev/null || true

# XML-escape a string for element text and attribute values.
lab_xml_escape() {
  local s=$1
  s=${s//&/&amp;}; s=${s//</&lt;}; s=${s//>/&gt;}; s=${s//\"/&quot;}; s=${s//\'/&apos;}
  printf '%s' "$s"
}

# apt-get install only the packages that are missing; apt-get update at most once.
LAB_APT_UPDATED=0
lab_apt_install() {
  local missing=() p
  for p in "$@"; do
    if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
      missing+=("$p")
    fi
  done
  (( ${#missing[@]} == 0 )) && return 0
  lab_log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if (( LAB_APT_UPDATED == 0 )); then
    apt-get update -qq
    LAB_APT_UPDATED=1
  fi
  # Package scripts must not start daemons (prometheus on :9090, zabbix-agent,
  # lxc-net's lxcbr0) behind the tests' back: if the machine has no
  # policy-rc.d, put a temporary "exit 101" one in place while installing.
  local own_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    own_policy=1
  fi
  local rc=0
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
  (( own_policy )) && rm -f /usr/sbin/policy-rc.d
  (( rc == 0 )) || lab_die "apt-get install failed for: ${missing[*]}"
}

[[ $EUID -eq 0 ]] || lab_die "the lab scripts must run as root"

# lab_remove_stale_lxc_cgroups NAME: rmdir the empty cgroups LXC (and LXD, through
# liblxc) left for NAME
# (lxc.payload.NAME, lxc.monitor.NAME and their "-N" twins) in every hierarchy.
# A cgroup that still holds a process is kept and named, so the start below fails
# with a reason rather than with a renamed cgroup.
lab_remove_stale_lxc_cgroups() {
  local name=$1 root dir
  for root in /sys/fs/cgroup /sys/fs/cgroup/*; do
    [[ -d "$root" ]] || continue
    for dir in "$root"/lxc.payload."$name" "$root"/lxc.payload."$name"-[0-9]* \
               "$root"/lxc.monitor."$name" "$root"/lxc.monitor."$name"-[0-9]*; do
      [[ -d "$dir" ]] || continue
      if find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null | grep -q .; then
        lab_log "cgroup $dir still holds processes: left alone"
        continue
      fi
      find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null || true
      [[ -d "$dir" ]] && lab_log "could not remove stale cgroup $dir" || lab_log "removed stale cgroup $dir"
    done
  done
}

# --- Zabbix (zabbix-up.sh: 6.0 on the host; zabbix7-up.sh: 7.0 in a chroot) ----------------
# Database "zabbix", role "zabbix" with this password, in both.
LAB_ZABBIX_DB_PASSWORD=zabbix

# lab_zabbix_database ADMIN_PSQL ZABBIX_PSQL SCHEMA_DIR: the role, the database and the schema
# (schema, images, data from SCHEMA_DIR/*.sql.gz), each made only when missing. ADMIN_PSQL and
# ZABBIX_PSQL name commands (functions) that run `psql -qtAX` as postgres and as zabbix.
lab_zabbix_database() {
  local admin=$1 zabbix=$2 schema_dir=$3 f
  if [[ "$($admin -c "select 1 from pg_roles where rolname = 'zabbix'")" != 1 ]]; then
    $admin -c "create role zabbix login password '$LAB_ZABBIX_DB_PASSWORD'" >/dev/null
  fi
  if [[ "$($admin -c "select 1 from pg_database where datname = 'zabbix'")" != 1 ]]; then
    $admin -c "create database zabbix owner zabbix encoding 'UTF8' template template0" >/dev/null
  fi
  if [[ "$($zabbix -c "select count(*) from information_schema.tables where table_name = 'users'")" != 1 ]]; then
    lab_log "loading the Zabbix schema from $schema_dir (about a minute)"
    for f in schema images data; do
      zcat "$schema_dir/$f.sql.gz" | $zabbix -v ON_ERROR_STOP=1 >/dev/null
    done
  fi
}

# lab_zabbix_server_conf WRITER RUN_DIR SERVER_PORT DB_PORT [EXTRA_LINE...]: on stdout, a
# zabbix_server.conf for the lab: 127.0.0.1 only, logs and pid in RUN_DIR, short intervals
# (the tests wait for new hosts and items, not for the defaults of 60 s). EXTRA_LINEs are
# parameters only one version knows (a parameter unknown to a server stops it).
lab_zabbix_server_conf() {
  local writer=$1 run=$2 port=$3 db_port=$4
  shift 4
  cat <<EOF
# written by $writer
ListenIP=127.0.0.1
ListenPort=$port
SourceIP=127.0.0.1
LogFile=$run/zabbix_server.log
LogFileSize=0
PidFile=$run/zabbix_server.pid
SocketDir=$run
DBHost=127.0.0.1
DBPort=$db_port
DBName=zabbix
DBUser=zabbix
DBPassword=$LAB_ZABBIX_DB_PASSWORD
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
  [[ $# -eq 0 ]] || printf '%s\n' "$@"
}

# lab_zabbix_frontend_conf WRITER NAME DB_PORT SERVER_PORT [EXTRA_PHP_LINE...]: on stdout, the
# frontend's zabbix.conf.php for the lab's database and server (Admin / zabbix).
lab_zabbix_frontend_conf() {
  local writer=$1 name=$2 db_port=$3 server_port=$4
  shift 4
  cat <<EOF
<?php
// written by $writer (hvexporter lab)
\$DB['TYPE']     = 'POSTGRESQL';
\$DB['SERVER']   = '127.0.0.1';
\$DB['PORT']     = '$db_port';
\$DB['DATABASE'] = 'zabbix';
\$DB['USER']     = 'zabbix';
\$DB['PASSWORD'] = '$LAB_ZABBIX_DB_PASSWORD';
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
\$ZBX_SERVER_PORT = '$server_port';
\$ZBX_SERVER_NAME = '$name';
\$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
EOF
  [[ $# -eq 0 ]] || printf '%s\n' "$@"
}
