#!/usr/bin/env bash
# Runs one root libvirtd (QEMU driver, qemu:///system semantics) per test node, for tests and
# benchmarks. Everything for one instance lives in DIR; several instances run side by side
# because each runs in a private mount namespace whose /etc/libvirt, /run/libvirt,
# /var/lib/libvirt, /var/cache/libvirt and /var/log/libvirt are bind mounts of DIR's own
# directories (infra.md §4b), and each has its own socket, TCP port and migration ports.
#
# Usage:
#   libvirt.sh start DIR NAME [--port P] [--watch PID [--watch-remove]]
#   libvirt.sh stop DIR                 destroy DIR's guests, stop its libvirtd and watcher
#   libvirt.sh status DIR               one line: NAME PID URI TCP_URI up|down GUESTS
#   libvirt.sh uri DIR                  print the unix-socket URI
#   libvirt.sh kill-guests DIR          SIGKILL DIR's qemu processes: simulated power loss
#
# `start` prints exactly one line on stdout: the URI to connect with,
# qemu+unix:///system?socket=DIR/run/libvirt-sock. The daemon also listens on
# qemu+tcp://127.0.0.1:P/system (no auth), which is what a peer-to-peer migration from another
# libvirtd can use, and its qemu takes incoming migration data on ports P+1..P+4 (qemu.conf
# migration_port_min/max), so a migration URI of tcp://127.0.0.1 works without a port.
# Files in DIR: layout (name=, port=, host_uuid=, uri=, tcp_uri=), uri, etc/ (libvirtd.conf,
# qemu.conf), run/, lib/, cache/, log/ (libvirtd.log, qemu/NAME.log), libvirtd.pid,
# reaper.pid (tini, libvirtd's parent), mntns (the daemon's mount namespace) and watch.pid
# when --watch is used.
#
# host_uuid is random per start: live migration refuses two daemons with the same host UUID
# ("Attempt to migrate guest to the same host"). NAME only labels the instance.
#
# `--port 0` (the default) picks the first base from 29700, 29710, ... whose five ports are
# free and not claimed by another DIR; claims live in $PVC_LIBVIRT_REGISTRY (default
# /tmp/pvc-libvirt-ports), taken under a lock. `--watch PID` starts a watcher that runs
# `stop DIR` once PID exits; with --watch-remove it then deletes DIR.
#
# Liveness: a zombie counts as dead, and a PID is only signalled when its command line names
# DIR (libvirtd is started with -f DIR/etc/libvirtd.conf for that reason) or, for qemu, when it
# is in this daemon's mount namespace and its PID file is under DIR/run/qemu. qemu outlives
# libvirtd, so `stop` destroys the guests through libvirt first and kills leftovers after.
#
# The QEMU capabilities cache is copied from $PVC_LIBVIRT_CACHE (default
# /tmp/pvc-libvirt-cache) when present and saved there after the first start: a cold start
# probes QEMU for about 8 s, a warm one takes about 0.2 s.
#
# Needs root, libvirt-daemon, libvirt-daemon-driver-qemu, libvirt-clients, qemu-system-x86 and
# the libvirt-qemu user (scripts/install-deps.sh). Environment: LV_READY_TIMEOUT (s, default 60).
set -euo pipefail

PROG=${0##*/}
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/${BASH_SOURCE[0]##*/}
readonly PROG SELF
# shellcheck source-path=SCRIPTDIR source=lib/processes.sh
source "${SELF%/*}/lib/processes.sh"
# shellcheck source-path=SCRIPTDIR source=lib/port-registry.sh
source "${SELF%/*}/lib/port-registry.sh"

readonly AUTO_FIRST=29700 AUTO_STEP=10 AUTO_LAST=29990 MIGRATION_PORTS=4
readonly READY_TIMEOUT=${LV_READY_TIMEOUT:-60}
readonly STOP_TIMEOUT=10
readonly REGISTRY=${PVC_LIBVIRT_REGISTRY:-/tmp/pvc-libvirt-ports} REGISTRY_VARIABLE=PVC_LIBVIRT_REGISTRY
readonly CLAIM_PIDFILES=(libvirtd.pid watch.pid)
readonly CACHE_TEMPLATE=${PVC_LIBVIRT_CACHE:-/tmp/pvc-libvirt-cache}
readonly MOUNTS="etc:/etc/libvirt run:/run/libvirt lib:/var/lib/libvirt cache:/var/cache/libvirt log:/var/log/libvirt"

# See zookeeper.sh: long-lived children start with default signal dispositions and no mask.
CLEAN_SIGNALS=(env)
if env --default-signal true 2>/dev/null; then CLEAN_SIGNALS=(env --default-signal); fi

DIR=""

trap '' PIPE

usage() {
    sed -n '8,13p' "$SELF" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# ---------------------------------------------------------------------------------------------
# Processes (the shared helpers are in lib/processes.sh)

# DIR/libvirtd.pid is the copy made once libvirtd is up; a stop right after a failed start
# still finds libvirtd through its own PID file.
daemon_pid() { live_pid_from "$DIR/libvirtd.pid" || live_pid_from "$DIR/run/libvirtd.pid"; }

# qemu processes of this daemon: named by a PID file under DIR/run/qemu (libvirt writes one per
# guest there, through the bind mount) and still in the daemon's mount namespace.
guest_pids() {
    local ns file pid comm
    ns=$(cat "$DIR/mntns" 2>/dev/null) || return 0
    [[ -n "$ns" ]] || return 0
    for file in "$DIR"/run/qemu/*.pid; do
        [[ -f "$file" ]] || continue
        pid=$(<"$file") || continue
        if ! is_uint "$pid" || ! alive "$pid"; then continue; fi
        comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
        [[ "$comm" == qemu* ]] || continue
        [[ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null || true)" == "$ns" ]] || continue
        echo "$pid"
    done
}

port_in_use() {
    [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]
}

# ---------------------------------------------------------------------------------------------
# Instance directory, layout and port claims

base_free() {
    local base=$1 port
    claim_free "$base" || return 1
    for ((port = base; port <= base + MIGRATION_PORTS; port++)); do
        port_in_use "$port" && return 1
    done
    return 0
}

# ---------------------------------------------------------------------------------------------
# Config and launch

write_config() {
    local name=$1 port=$2 uuid=$3
    mkdir -p "$DIR"/{etc,run,lib,cache,log}
    cat >"$DIR/etc/libvirtd.conf" <<EOF
# Written by $PROG for instance $name.
host_uuid = "$uuid"
unix_sock_dir = "$DIR/run"
unix_sock_group = "root"
unix_sock_ro_perms = "0700"
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
listen_tcp = 1
listen_tls = 0
tcp_port = "$port"
listen_addr = "127.0.0.1"
auth_tcp = "none"
log_outputs = "3:file:$DIR/log/libvirtd.log"
EOF
    # Guests run as root without cgroups, security labels or per-guest /dev namespaces: none of
    # them work (or matter) in a mount namespace on a host without systemd. stdio_handler=file
    # avoids needing virtlogd.
    cat >"$DIR/etc/qemu.conf" <<EOF
# Written by $PROG for instance $name.
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
migration_port_min = $((port + 1))
migration_port_max = $((port + MIGRATION_PORTS))
EOF
}

restore_cache() {
    if [[ -d "$CACHE_TEMPLATE/qemu/capabilities" && ! -d "$DIR/cache/qemu/capabilities" ]]; then
        mkdir -p "$DIR/cache/qemu"
        cp -a "$CACHE_TEMPLATE/qemu/capabilities" "$DIR/cache/qemu/" 2>/dev/null || true
    fi
}

save_cache() {
    [[ -d "$DIR/cache/qemu/capabilities" ]] || return 0
    [[ -d "$CACHE_TEMPLATE/qemu/capabilities" ]] && return 0
    local tmp
    mkdir -p "$CACHE_TEMPLATE" 2>/dev/null || return 0
    tmp=$(mktemp -d "$CACHE_TEMPLATE/.new-XXXXXX" 2>/dev/null) || return 0
    mkdir -p "$tmp/qemu"
    if cp -a "$DIR/cache/qemu/capabilities" "$tmp/qemu/" 2>/dev/null \
        && mv -T "$tmp/qemu" "$CACHE_TEMPLATE/qemu" 2>/dev/null; then
        rmdir "$tmp" 2>/dev/null || true
    else
        rm -rf -- "$tmp"
    fi
}

# The launcher shell unshares the mount namespace, bind-mounts DIR's directories over the fixed
# paths, records its own PID (reaper.pid) and execs `tini -s`, which runs libvirtd as its child.
# tini is a child subreaper: qemu daemonizes, so its parent would otherwise be PID 1, which on
# the test machines reaps orphans lazily, and libvirt waits for a killed qemu's zombie to go
# (1.2-1.6 s per destroy or migration instead of milliseconds). libvirtd writes its own PID
# file (-p) and that is copied to DIR/libvirtd.pid.
launch() {
    local reaperf=$DIR/reaper.pid binds="" entry sub target
    local -a reaper=()
    for entry in $MOUNTS; do
        sub=${entry%%:*}
        target=${entry#*:}
        [[ -d "$target" ]] || die "mount point $target missing: run scripts/install-deps.sh"
        binds+="mount --bind '$DIR/$sub' '$target' && "
    done
    if command -v tini >/dev/null 2>&1; then
        reaper=(tini -s -g --)
    else
        note "tini not found (scripts/install-deps.sh installs it): every qemu stop will wait for PID 1 to reap it"
    fi
    rm -f -- "$reaperf" "$DIR/libvirtd.pid" "$DIR/run/libvirtd.pid" "$DIR/mntns"
    echo "=== $(date '+%F %T') starting libvirtd" >>"$DIR/log/launch.log"
    # shellcheck disable=SC2016 # $$ and $1 belong to the inner sh
    setsid "${CLEAN_SIGNALS[@]}" unshare -m --propagation private \
        sh -c "${binds}"'echo $$ >"$1" && shift && exec "$@"' \
        lv-launch "$reaperf" "${reaper[@]}" /usr/sbin/libvirtd --listen --timeout 0 \
        -f "$DIR/etc/libvirtd.conf" -p "$DIR/run/libvirtd.pid" \
        </dev/null >>"$DIR/log/launch.log" 2>&1 &
    local deadline=$(($(now_ms) + 10000)) pid
    while :; do
        if [[ -s "$DIR/run/libvirtd.pid" ]]; then
            cp -- "$DIR/run/libvirtd.pid" "$DIR/libvirtd.pid.new" && mv -f -- "$DIR/libvirtd.pid.new" "$DIR/libvirtd.pid"
            if pid=$(daemon_pid); then
                readlink "/proc/$pid/ns/mnt" >"$DIR/mntns" 2>/dev/null || true
                return 0
            fi
        fi
        # The launcher may not have written reaper.pid yet: only a recorded, dead reaper counts.
        # Dead means gone or a zombie, not "no longer names DIR": while the launcher execs tini
        # its /proc/PID/cmdline reads empty for a moment, which once failed a start in CI. The
        # PID was written a moment ago by our own child, so it cannot have been reused.
        if { [[ -s "$reaperf" ]] && ! alive "$(<"$reaperf")"; } || (($(now_ms) >= deadline)); then
            note "libvirtd did not start; $DIR/log/launch.log:"
            tail -5 "$DIR/log/launch.log" >&2 || true
            return 1
        fi
        sleep 0.02
    done
}

wait_ready() {
    local uri=$1 pid deadline
    deadline=$(($(now_ms) + READY_TIMEOUT * 1000))
    while :; do
        pid=$(daemon_pid) || { note "libvirtd exited during startup; log tail:"; tail -5 "$DIR/log/libvirtd.log" >&2 2>/dev/null || true; tail -5 "$DIR/log/launch.log" >&2 || true; return 1; }
        # The socket is ours only while our PID lives (checked above): no stray daemon answers.
        if [[ -S "$DIR/run/libvirt-sock" ]] && timeout 10 virsh -q -c "$uri" version >/dev/null 2>&1; then
            return 0
        fi
        (($(now_ms) < deadline)) || { note "libvirtd (pid $pid) not ready after $READY_TIMEOUT s"; return 1; }
        sleep 0.1
    done
}

start_watcher() {
    local owner=$1 remove=$2 st
    st=$(proc_starttime "$owner") || return 1
    setsid "${CLEAN_SIGNALS[@]}" bash "$SELF" __watch "$DIR" "$owner" "$st" "$remove" \
        </dev/null >>"$DIR/log/watch.log" 2>&1 &
    local deadline=$(($(now_ms) + 5000))
    until live_pid_from "$DIR/watch.pid" >/dev/null; do
        (($(now_ms) < deadline)) || { note "watcher did not start"; return 1; }
        sleep 0.02
    done
}

cmd_start() {
    local dir=${1:-} name=${2:-} port=0 watch="" watch_remove=0
    [[ -n "$dir" && -n "$name" ]] || usage
    shift 2
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --port) port=${2:-}; shift 2 || usage ;;
            --watch) watch=${2:-}; shift 2 || usage ;;
            --watch-remove) watch_remove=1; shift ;;
            *) die "start: unknown option '$1'" ;;
        esac
    done
    [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "NAME must be letters, digits, '.', '_' or '-', got '$name'"
    is_uint "$port" || die "--port must be a number, got '$port'"
    if [[ -n "$watch" ]] && { ! is_uint "$watch" || ! alive "$watch"; }; then
        die "--watch needs the PID of a running process, got '$watch'"
    fi
    if ((watch_remove)) && [[ -z "$watch" ]]; then die "--watch-remove needs --watch PID"; fi
    (($(id -u) == 0)) || die "a system libvirtd in its own mount namespace needs root"
    [[ -x /usr/sbin/libvirtd ]] || die "/usr/sbin/libvirtd not found: run scripts/install-deps.sh"
    command -v virsh >/dev/null 2>&1 || die "virsh not found: run scripts/install-deps.sh"
    command -v qemu-system-x86_64 >/dev/null 2>&1 || die "qemu-system-x86_64 not found: run scripts/install-deps.sh"
    getent passwd libvirt-qemu >/dev/null || die "user libvirt-qemu missing: run scripts/install-deps.sh"

    set_dir "$dir" create
    local pid
    if pid=$(daemon_pid); then die "$DIR already runs libvirtd (pid $pid); run '$PROG stop $DIR' first"; fi
    # Unix socket paths are limited to 107 bytes.
    ((${#DIR} + 17 <= 107)) || die "DIR is too long for a unix socket path: $DIR"

    lock_registry
    if ((port == 0)); then
        local b
        for ((b = AUTO_FIRST; b <= AUTO_LAST; b += AUTO_STEP)); do
            if base_free "$b"; then port=$b; break; fi
        done
        ((port != 0)) || { unlock_registry; die "no free port range between $AUTO_FIRST and $AUTO_LAST"; }
    elif ! base_free "$port"; then
        unlock_registry
        die "ports $port..$((port + MIGRATION_PORTS)) are in use or claimed"
    fi
    local uuid uri tcp_uri
    uuid=$(cat /proc/sys/kernel/random/uuid)
    uri="qemu+unix:///system?socket=$DIR/run/libvirt-sock"
    tcp_uri="qemu+tcp://127.0.0.1:$port/system"
    printf 'name=%s\nport=%s\nhost_uuid=%s\nuri=%s\ntcp_uri=%s\n' "$name" "$port" "$uuid" "$uri" "$tcp_uri" >"$DIR/layout"
    echo "$DIR" >"$REGISTRY/$port"
    unlock_registry

    rm -rf -- "${DIR:?}/run" "${DIR:?}/lib"
    write_config "$name" "$port" "$uuid"
    restore_cache
    local started
    started=$(now_ms)
    launch || { do_stop || true; die "start failed; stopped what was started in $DIR"; }
    if ! wait_ready "$uri"; then
        do_stop || true
        die "start failed; stopped what was started in $DIR"
    fi
    save_cache
    if [[ -n "$watch" ]] && ! start_watcher "$watch" "$watch_remove"; then
        do_stop || true
        die "start failed; stopped what was started in $DIR"
    fi
    echo "$uri" >"$DIR/uri"
    note "READY libvirtd $name (pid $(daemon_pid || echo '?'), port $port) in $(($(now_ms) - started)) ms"
    echo "$uri"
}

do_stop() {
    local pid uri guest left
    local -a guests=()
    uri=$(layout_value uri 2>/dev/null || true)
    if pid=$(daemon_pid) && [[ -n "$uri" ]]; then
        # Through libvirt first, so it records the guests as stopped.
        for guest in $(timeout 10 virsh -q -c "$uri" list --name 2>/dev/null || true); do
            timeout 10 virsh -q -c "$uri" destroy "$guest" >/dev/null 2>&1 || true
        done
    fi
    mapfile -t guests < <(guest_pids)
    if ((${#guests[@]} > 0)); then
        note "killing leftover qemu: ${guests[*]}"
        kill -KILL "${guests[@]}" 2>/dev/null || true
        wait_dead 5 "${guests[@]}" >/dev/null || note "qemu survived SIGKILL: ${guests[*]}"
    fi
    local -a targets=()
    if pid=$(daemon_pid); then targets+=("$pid"); fi
    if pid=$(live_pid_from "$DIR/reaper.pid"); then targets+=("$pid"); fi
    if pid=$(live_pid_from "$DIR/watch.pid") && ((pid != $$)); then targets+=("$pid"); fi
    if ((${#targets[@]} > 0)); then
        kill -TERM "${targets[@]}" 2>/dev/null || true
        if left=$(wait_dead "$STOP_TIMEOUT" "${targets[@]}"); then :; else
            note "still alive after ${STOP_TIMEOUT} s, sending SIGKILL: $left"
            # shellcheck disable=SC2086 # a list of PIDs
            kill -KILL $left 2>/dev/null || true
            # shellcheck disable=SC2086
            wait_dead 5 $left >/dev/null || die "processes survived SIGKILL: $left"
        fi
    fi
    rm -f -- "$DIR/libvirtd.pid" "$DIR/reaper.pid" "$DIR/watch.pid"
    release_claim
}

cmd_stop() {
    [[ $# -eq 1 ]] || usage
    [[ -d "$1" ]] || { note "no such directory: $1 (nothing to stop)"; return 0; }
    set_dir "$1" existing
    do_stop
}

cmd_status() {
    [[ $# -eq 1 ]] || usage
    set_dir "$1" existing
    local name uri tcp pid state=down guest_count=0
    name=$(layout_value name) || die "$DIR has no layout: was it started with '$PROG start'?"
    uri=$(layout_value uri || true)
    tcp=$(layout_value tcp_uri || true)
    if pid=$(daemon_pid); then
        state=up
        guest_count=$(guest_pids | wc -l)
    else
        pid="-"
    fi
    echo "$name $pid $uri $tcp $state $guest_count"
}

cmd_uri() {
    [[ $# -eq 1 ]] || usage
    set_dir "$1" existing
    layout_value uri || die "$DIR has no layout"
}

# What a machine losing power does to its guests: no destroy through libvirt (which may be
# killed along with them), just SIGKILL. Prints the PIDs killed, one a line. Quick, because
# ipmi.sh's power off runs it inside a BMC request that must be answered in well under 1 s: it
# waits at most 0.4 s for the guests to die.
cmd_kill_guests() {
    [[ $# -eq 1 ]] || usage
    set_dir "$1" existing
    local pid deadline
    local -a guests=()
    mapfile -t guests < <(guest_pids)
    ((${#guests[@]} > 0)) || return 0
    kill -KILL "${guests[@]}" 2>/dev/null || true
    printf '%s\n' "${guests[@]}"
    deadline=$(($(now_ms) + 400))
    for pid in "${guests[@]}"; do
        while alive "$pid" && (($(now_ms) < deadline)); do sleep 0.01; done
    done
}

cmd_watch() {
    set_dir "$1" existing
    local owner=$2 st=$3 remove=${4:-0}
    echo $$ >"$DIR/watch.pid"
    while alive "$owner" && [[ "$(proc_starttime "$owner" || true)" == "$st" ]]; do
        sleep 1
    done
    note "owner $owner exited; stopping $DIR"
    do_stop
    if ((remove)) && [[ -f "$DIR/layout" ]]; then
        rm -rf -- "$DIR"
    fi
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
    uri) cmd_uri "$@" ;;
    kill-guests) cmd_kill_guests "$@" ;;
    __watch) cmd_watch "$@" ;;
    -h | --help | help) usage ;;
    *) note "unknown command '$command'"; usage ;;
esac
