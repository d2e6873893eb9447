#!/usr/bin/env bash
# Runs a single-host Ceph Pacific (1 mon, 1 mgr, 1 OSD) entirely under DIR, for the CephStorage
# tests and benchmarks: no systemd, no /etc/ceph, nothing outside DIR but the port claims.
# Recipe, ceph.conf and pitfalls: ../shared/reference/infra.md §3.
#
# Usage:
#   ceph.sh start DIR [--objectstore bluestore|memstore] [--watch PID]
#   ceph.sh stop DIR                    SIGTERM osd, mgr, mon (bounded), then SIGKILL; releases the ports
#   ceph.sh status DIR                  one line per daemon: NAME PID STATE RSS_KB, then the start figures
#   ceph.sh pause DIR                   SIGSTOP the mon and the OSD ("Ceph unreachable" for clients)
#   ceph.sh resume DIR                  SIGCONT them
#
# `start` prints exactly one line on stdout: DIR/ceph.conf (clients: `rbd -c DIR/ceph.conf ...`,
# the admin keyring is DIR/keyring). It returns once HEALTH_OK, every PG is active+clean and pool
# `rbd` exists and is initialised (bounded by CEPH_READY_TIMEOUT, default 90 s). `start` on a
# DIR that was started before and stopped is a restart that keeps the data (bluestore; a
# memstore OSD loses its data on exit, so a memstore DIR is wiped and made anew).
#
# Ports: the mon listens on 127.0.0.1:P (msgr v1) and P+1 (v2); `start` picks the first free
# pair from 26700 up that no other DIR has claimed, in $PVC_CEPH_REGISTRY (default
# /tmp/pvc-ceph-ports), so several test processes can each run a cluster. The mgr and the OSD
# take free ports between 6800 and 7300 (Ceph itself skips ports in use).
#
# Client addresses (verified on 16.2.15): every client on this host presents 127.0.0.1, whatever
# its `public addr` (with or without `ms bind before connect = true`). A client
# messenger never binds to public_addr: it learns its own address from what the mon sees on the
# first connection, which is unbound, and the kernel picks 127.0.0.1 as the source for any
# 127.x destination (the local route's src). ms_bind_before_connect then binds the OSD
# connections to that learned 127.0.0.1. So `rbd lock ls` shows 127.0.0.1:0/NONCE for every
# client here. What would work: a first connection really from ADDR (clients in network
# namespaces, scripts/netns.sh, with the mon on the bridge address), or a mon per address plus
# `ip route add local ADDR dev lo src ADDR table local`; public_bind_addr=0.0.0.0 is ignored.
#
# `--watch PID` starts a watcher that runs `stop DIR` once PID exits (a crashed test process).
# Files in DIR: layout (port=, port=, objectstore=, fsid=), ceph.conf, keyring (client.admin),
# mon.a/ mgr.x/ osd.0/ (data), log/ (Ceph's logs: ceph-mon.a.log, ceph-mgr.x.log,
# ceph-osd.0.log; launch.log: the daemons' stderr), pids/ (mon.pid mgr.pid osd.pid watch.pid),
# started (the last start's figures), run/ (admin sockets).
# A PID is only signalled when its command line names DIR.
set -euo pipefail

PROG=${0##*/}
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/${BASH_SOURCE[0]##*/}
readonly PROG SELF
# shellcheck source-path=SCRIPTDIR source=lib/processes.sh
source "${SELF%/*}/lib/processes.sh"
# shellcheck source-path=SCRIPTDIR source=lib/port-registry.sh
source "${SELF%/*}/lib/port-registry.sh"

readonly AUTO_FIRST=26700 AUTO_LAST=26898
readonly READY_TIMEOUT=${CEPH_READY_TIMEOUT:-90}
readonly STOP_TIMEOUT=10
readonly REGISTRY=${PVC_CEPH_REGISTRY:-/tmp/pvc-ceph-ports} REGISTRY_VARIABLE=PVC_CEPH_REGISTRY
readonly CLAIM_PIDFILES=(pids/mon.pid pids/watch.pid)
# Every CLI call against the cluster is bounded: a mon that is not up yet would hang it.
readonly CLI_TIMEOUT=15
readonly DAEMONS=(osd mgr mon)

# See zookeeper.sh: long-lived children start with default signal dispositions and no mask.
CLEAN_SIGNALS=(env)
if env --default-signal true 2>/dev/null; then CLEAN_SIGNALS=(env --default-signal); fi

DIR=""

trap '' PIPE

usage() {
    sed -n '6,11p' "$SELF" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# ---------------------------------------------------------------------------------------------
# Helpers

daemon_pid() { live_pid_from "$DIR/pids/$1.pid"; }

port_in_use() {
    [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]
}

port_free() {
    claim_free "$1" && ! port_in_use "$1"
}

conf() { echo "$DIR/ceph.conf"; }

# The ceph CLI against DIR's cluster, bounded.
ceph_cli() {
    timeout -k 2 "$CLI_TIMEOUT" ceph -c "$(conf)" --connect-timeout 10 "$@"
}

rbd_cli() {
    timeout -k 2 "$CLI_TIMEOUT" rbd -c "$(conf)" "$@"
}

log_tails() {
    local f
    for f in "$DIR"/log/ceph-*.log "$DIR/log/launch.log"; do
        [[ -f "$f" ]] || continue
        echo "---- last lines of $f ----" >&2
        tail -n 15 -- "$f" >&2 || true
    done
}

# Starts a daemon in its own session; the launcher writes its own PID and execs the daemon, so
# the PID file names the daemon itself.
launch() {
    local name=$1 pidf=$DIR/pids/$1.pid deadline pid
    shift
    rm -f -- "$pidf"
    echo "=== $(date '+%F %T') starting $name: $*" >>"$DIR/log/launch.log"
    # shellcheck disable=SC2016 # $$ and $1 belong to the inner sh
    setsid "${CLEAN_SIGNALS[@]}" sh -c 'echo $$ >"$1"; shift; exec "$@"' ceph-launch "$pidf" \
        "$@" </dev/null >>"$DIR/log/launch.log" 2>&1 &
    deadline=$(($(now_ms) + 5000))
    while :; do
        if [[ -s "$pidf" ]]; then
            pid=$(<"$pidf")
            is_uint "$pid" && return 0
        fi
        (($(now_ms) < deadline)) || { note "$name: no PID file after 5 s"; return 1; }
        sleep 0.02
    done
}

# Polls CONDITION (a function) until it succeeds or the start deadline passes.
wait_for() {
    local what=$1
    shift
    while ! "$@"; do
        if (($(now_ms) >= START_DEADLINE)); then
            note "timed out after ${READY_TIMEOUT} s waiting for $what"
            return 1
        fi
        local d
        # Judged by being alive only: the PIDs were written just now by our own launchers, and a
        # command line reads empty for a moment while the launcher execs the daemon (`ours` would
        # then call a starting daemon dead on a loaded machine).
        for d in mon mgr osd; do
            if [[ -s "$DIR/pids/$d.pid" ]] && ! alive "$(<"$DIR/pids/$d.pid")"; then
                note "ceph-$d exited while waiting for $what"
                return 1
            fi
        done
        sleep 0.2
    done
}

mon_up() { ceph_cli mon stat >/dev/null 2>&1; }

osd_up() {
    local out
    out=$(ceph_cli osd stat -f json 2>/dev/null) || return 1
    [[ "$out" =~ \"num_up_osds\":1[,}] && "$out" =~ \"num_in_osds\":1[,}] ]]
}

mgr_available() {
    local out
    out=$(ceph_cli mgr stat -f json 2>/dev/null) || return 1
    [[ "$out" =~ \"available\":true ]]
}

rbd_pool_exists() {
    local out
    out=$(ceph_cli osd pool ls 2>/dev/null) || return 1
    grep -qx rbd <<<"$out"
}

cluster_ready() {
    local health pgs
    health=$(ceph_cli health 2>/dev/null) || return 1
    [[ "$health" == HEALTH_OK* ]] || return 1
    pgs=$(ceph_cli pg stat 2>/dev/null) || return 1
    # "8 pgs: 8 active+clean; ..." : every PG counted is active+clean.
    [[ "$pgs" =~ ^([0-9]+)\ pgs:\ ([0-9]+)\ active\+clean\; ]] || return 1
    [[ "${BASH_REMATCH[1]}" == "${BASH_REMATCH[2]}" && "${BASH_REMATCH[1]}" != 0 ]] || return 1
    rbd_pool_exists
}

# ---------------------------------------------------------------------------------------------
# Configuration

write_conf() {
    local fsid=$1 v1=$2 v2=$3 store=$4
    cat >"$DIR/ceph.conf" <<EOF
# Written by scripts/ceph.sh; see docs infra.md §3.
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$v2,v1:127.0.0.1:$v1]
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv4 = true
ms bind ipv6 = false
ms bind port min = 6800
ms bind port max = 7300
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
run dir = $DIR/run
pid file =
log file = $DIR/log/\$cluster-\$name.log
log to stderr = false
err to stderr = true
crash dir = $DIR/crash
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 2
mon data avail crit = 1
mon osd down out interval = 0
mon warn on osd down out interval zero = false
mgr initial modules = status
osd objectstore = $store
memstore device bytes = 1073741824
bluestore block create = true
bluestore block size = 4294967296
osd memory target = 536870912
bluestore cache autotune = false
bluestore cache size = 67108864
osd op num shards = 1
osd op num threads per shard = 2
osd heartbeat grace = 5
osd heartbeat interval = 1
mon osd report timeout = 15
osd mon report interval = 1
mgr stats period = 1
mgr tick period = 1
paxos propose interval = 0.2

[client]
keyring = $DIR/keyring
# Concurrent CLI clients would collide on one admin socket name.
admin socket =
log file =

[mon]
admin socket = $DIR/run/\$cluster-\$name.asok
mon data = $DIR/mon.\$id
keyring = $DIR/mon.\$id/keyring

[mgr]
admin socket = $DIR/run/\$cluster-\$name.asok
mgr data = $DIR/mgr.\$id
keyring = $DIR/mgr.\$id/keyring
mgr disabled modules = alerts,influx,insights,iostat,localpool,mirroring,nfs,osd_perf_query,osd_support,prometheus,restful,selftest,snap_schedule,stats,telegraf,test_orchestrator,zabbix

[osd]
admin socket = $DIR/run/\$cluster-\$name.asok
osd data = $DIR/osd.\$id
keyring = $DIR/osd.\$id/keyring
EOF
}

# ---------------------------------------------------------------------------------------------
# Commands

# Claims the mon's port pair: PREFERRED (a restart keeps its ports when it can, so clients'
# configs stay valid) or the first free pair. Prints the v1 port.
claim_ports() {
    local v1=0 preferred=$1 p
    lock_registry
    if ((preferred != 0)) && port_free "$preferred" && port_free "$((preferred + 1))"; then
        v1=$preferred
    fi
    if ((v1 == 0)); then
        for ((p = AUTO_FIRST; p <= AUTO_LAST; p += 2)); do
            if port_free "$p" && port_free "$((p + 1))"; then v1=$p; break; fi
        done
        ((v1 != 0)) || { unlock_registry; die "no free port pair between $AUTO_FIRST and $AUTO_LAST"; }
    fi
    echo "$DIR" >"$REGISTRY/$v1"
    echo "$DIR" >"$REGISTRY/$((v1 + 1))"
    # The layout is written under the lock: a claim only stands while the layout names it.
    if [[ -f "$DIR/layout" ]]; then
        sed -i -e '/^port=/d' "$DIR/layout"
    fi
    printf 'port=%s\nport=%s\n' "$v1" "$((v1 + 1))" >>"$DIR/layout"
    unlock_registry
    echo "$v1"
}

# First start: keys, monmap, mon mkfs, mgr key, OSD mkfs and key, pool rbd.
make_cluster() {
    local store=$1 v1=$2 v2=$3 fsid uuid id
    fsid=$(uuidgen)
    rm -rf -- "$DIR/mon.a" "$DIR/mgr.x" "$DIR/osd.0" "$DIR/run" "$DIR/crash" "$DIR/pids"
    mkdir -p "$DIR"/{run,log,crash,pids,mon.a,mgr.x,osd.0}
    printf 'objectstore=%s\nfsid=%s\n' "$store" "$fsid" >>"$DIR/layout"
    write_conf "$fsid" "$v1" "$v2" "$store"
    ceph-authtool --create-keyring "$DIR/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
    ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n client.admin \
        --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
    ceph-authtool "$DIR/mon.keyring" --import-keyring "$DIR/keyring" >/dev/null
    monmaptool --create --addv a "[v2:127.0.0.1:$v2,v1:127.0.0.1:$v1]" --fsid "$fsid" "$DIR/monmap" >/dev/null
    ceph-mon -c "$(conf)" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/mon.keyring" \
        >>"$DIR/log/launch.log" 2>&1 || { log_tails; return 1; }
    launch mon ceph-mon -c "$(conf)" -i a -f || return 1
    wait_for "the mon" mon_up || return 1
    ceph_cli auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' mds 'allow *' \
        -o "$DIR/mgr.x/keyring" >/dev/null 2>&1 || { note "cannot create the mgr key"; return 1; }
    launch mgr ceph-mgr -c "$(conf)" -i x -f || return 1
    uuid=$(uuidgen)
    id=$(ceph_cli osd new "$uuid" 2>>"$DIR/log/launch.log") || { note "osd new failed"; return 1; }
    [[ "$id" == 0 ]] || { note "expected OSD id 0, got '$id'"; return 1; }
    ceph-osd -c "$(conf)" -i 0 --mkfs --mkkey --osd-uuid "$uuid" --no-mon-config \
        >>"$DIR/log/launch.log" 2>&1 || { note "ceph-osd --mkfs failed"; log_tails; return 1; }
    ceph_cli auth add osd.0 osd 'allow *' mon 'allow profile osd' mgr 'allow profile osd' \
        -i "$DIR/osd.0/keyring" >/dev/null 2>&1 || { note "cannot add the OSD key"; return 1; }
    launch osd ceph-osd -c "$(conf)" -i 0 -f || return 1
    wait_for "the OSD to be up" osd_up || return 1
    ceph_cli osd pool create rbd 8 8 >/dev/null 2>&1 || { note "cannot create pool rbd"; return 1; }
    rbd_cli pool init rbd >/dev/null 2>&1 || { note "rbd pool init failed"; return 1; }
}

# Restart on an existing bluestore DIR: the same fsid, keys and data; only the ports may move.
restart_cluster() {
    local store=$1 v1=$2 v2=$3 fsid
    fsid=$(layout_value fsid) || die "$DIR/layout has no fsid"
    mkdir -p "$DIR"/{run,log,crash,pids}
    write_conf "$fsid" "$v1" "$v2" "$store"
    # The mon's address lives in its monmap: rewrite it when the ports moved.
    local map=$DIR/monmap.current
    ceph-mon -c "$(conf)" -i a --extract-monmap "$map" >>"$DIR/log/launch.log" 2>&1 || return 1
    monmaptool --rm a "$map" >/dev/null && monmaptool --addv a "[v2:127.0.0.1:$v2,v1:127.0.0.1:$v1]" "$map" >/dev/null
    ceph-mon -c "$(conf)" -i a --inject-monmap "$map" >>"$DIR/log/launch.log" 2>&1 || return 1
    launch mon ceph-mon -c "$(conf)" -i a -f || return 1
    wait_for "the mon" mon_up || return 1
    launch mgr ceph-mgr -c "$(conf)" -i x -f || return 1
    launch osd ceph-osd -c "$(conf)" -i 0 -f || return 1
    wait_for "the OSD to be up" osd_up || return 1
}

cmd_start() {
    local dir=${1:-} store=bluestore watch="" d pid previous="" v1 started
    [[ -n "$dir" ]] || usage
    shift
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --objectstore) store=${2:-}; shift 2 || usage ;;
            --watch) watch=${2:-}; shift 2 || usage ;;
            *) die "start: unknown option '$1'" ;;
        esac
    done
    [[ "$store" == bluestore || "$store" == memstore ]] || die "--objectstore must be bluestore or memstore, got '$store'"
    if [[ -n "$watch" ]] && { ! is_uint "$watch" || ! alive "$watch"; }; then
        die "--watch needs the PID of a running process, got '$watch'"
    fi
    local tool
    for tool in ceph-mon ceph-mgr ceph-osd ceph ceph-authtool monmaptool rbd uuidgen; do
        command -v "$tool" >/dev/null 2>&1 || die "$tool not found: run scripts/install-deps.sh"
    done
    set_dir "$dir" create
    for d in "${DAEMONS[@]}"; do
        if pid=$(daemon_pid "$d"); then die "$DIR already runs ceph-$d (pid $pid); run '$PROG stop $DIR' first"; fi
    done
    # A restart keeps the data of a bluestore OSD; anything else starts afresh.
    if [[ -f "$DIR/layout" && -d "$DIR/osd.0" && -f "$DIR/keyring" ]]; then
        previous=$(layout_value objectstore || true)
    fi
    local preferred=0
    if [[ "$previous" != "$store" || "$store" == memstore ]]; then
        previous=""
        rm -f -- "$DIR/layout"
    else
        preferred=$(layout_value port || echo 0)
    fi
    started=$(now_ms)
    START_DEADLINE=$((started + READY_TIMEOUT * 1000))
    v1=$(claim_ports "$preferred")
    mkdir -p "$DIR/log"
    if [[ -n "$previous" ]]; then
        restart_cluster "$store" "$v1" "$((v1 + 1))" || { log_tails; do_stop || true; die "restart failed; stopped what was started in $DIR"; }
    else
        make_cluster "$store" "$v1" "$((v1 + 1))" || { log_tails; do_stop || true; die "start failed; stopped what was started in $DIR"; }
    fi
    if ! wait_for "HEALTH_OK, all PGs active+clean and pool rbd" cluster_ready; then
        log_tails
        ceph_cli status >&2 2>&1 || true
        do_stop || true
        die "start failed; stopped what was started in $DIR"
    fi
    if [[ -n "$watch" ]]; then
        setsid "${CLEAN_SIGNALS[@]}" bash "$SELF" __watch "$DIR" "$watch" "$(proc_starttime "$watch")" \
            </dev/null >>"$DIR/log/watch.log" 2>&1 &
    fi
    local ms=$(($(now_ms) - started))
    printf 'ready_ms=%s\nmode=%s\nobjectstore=%s\nat=%s\n' "$ms" "$([[ -n "$previous" ]] && echo restart || echo new)" \
        "$store" "$(date '+%F %T')" >"$DIR/started"
    note "READY ceph ($store, $([[ -n "$previous" ]] && echo 'restart, data kept' || echo new), mon 127.0.0.1:$v1/v2 $((v1 + 1)), pids mon $(daemon_pid mon || echo '?') mgr $(daemon_pid mgr || echo '?') osd $(daemon_pid osd || echo '?')) in $ms ms; logs in $DIR/log"
    conf
}

# SIGTERM the osd, then the mgr, then the mon (a paused daemon gets SIGCONT, or it would never
# see the SIGTERM), each bounded, then SIGKILL.
do_stop() {
    local d pid left
    for d in "${DAEMONS[@]}"; do
        pid=$(daemon_pid "$d") || continue
        kill -CONT "$pid" 2>/dev/null || true
        kill -TERM "$pid" 2>/dev/null || true
        if ! left=$(wait_dead "$STOP_TIMEOUT" "$pid"); then
            note "ceph-$d still alive after ${STOP_TIMEOUT} s, sending SIGKILL: $left"
            kill -KILL "$pid" 2>/dev/null || true
            wait_dead 5 "$pid" >/dev/null || die "ceph-$d survived SIGKILL: $pid"
        fi
    done
    if pid=$(live_pid_from "$DIR/pids/watch.pid") && ((pid != $$)); then
        kill -TERM "$pid" 2>/dev/null || true
    fi
    rm -f -- "$DIR"/pids/{mon,mgr,osd,watch}.pid
    release_claim
}

cmd_stop() {
    [[ $# -eq 1 ]] || usage
    [[ -d "$1" ]] || { note "no such directory: $1 (nothing to stop)"; return 0; }
    set_dir "$1" existing
    do_stop
}

cmd_signal() {
    local signal=$1 d pid
    [[ $# -eq 2 ]] || usage
    set_dir "$2" existing
    for d in mon osd; do
        pid=$(daemon_pid "$d") || die "ceph-$d is not running in $DIR"
        kill "-$signal" "$pid"
    done
}

rss_kb() {
    local key value _unit
    while read -r key value _unit; do
        if [[ "$key" == "VmRSS:" ]]; then echo "$value"; return 0; fi
    done <"/proc/$1/status" 2>/dev/null || true
    echo 0
}

cmd_status() {
    [[ $# -eq 1 ]] || usage
    set_dir "$1" existing
    [[ -f "$DIR/layout" ]] || die "$DIR has no layout: was it started with '$PROG start'?"
    local d pid state total=0 rss
    for d in mon mgr osd; do
        if pid=$(daemon_pid "$d"); then
            state=up
            [[ "$(proc_state "$pid")" == T ]] && state=paused
            rss=$(rss_kb "$pid")
        else
            pid="-" state=down rss=0
        fi
        total=$((total + rss))
        echo "$d $pid $state ${rss}kB"
    done
    local ms mode store at
    ms=$(grep -m1 '^ready_ms=' "$DIR/started" 2>/dev/null | cut -d= -f2 || true)
    mode=$(grep -m1 '^mode=' "$DIR/started" 2>/dev/null | cut -d= -f2 || true)
    store=$(layout_value objectstore || true)
    at=$(grep -m1 '^at=' "$DIR/started" 2>/dev/null | cut -d= -f2- || true)
    echo "total ${total}kB; objectstore ${store:-?}; last start ($mode at ${at:-?}) ready in ${ms:-?} ms; conf $DIR/ceph.conf; logs $DIR/log"
}

cmd_watch() {
    set_dir "$1" existing
    local owner=$2 st=$3
    echo $$ >"$DIR/pids/watch.pid"
    while alive "$owner" && [[ "$(proc_starttime "$owner" || true)" == "$st" ]]; do
        sleep 1
    done
    note "owner $owner exited; stopping $DIR"
    do_stop
}

[[ $# -ge 1 ]] || usage
command=$1
shift
case "$command" in
    start | __watch) close_inherited_fds ;;
esac
case "$command" in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    pause) cmd_signal STOP "$@" ;;
    resume) cmd_signal CONT "$@" ;;
    __watch) cmd_watch "$@" ;;
    -h | --help | help) usage ;;
    *) note "unknown command '$command'"; usage ;;
esac
