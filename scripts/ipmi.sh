#!/usr/bin/env bash
# Runs one simulated BMC (OpenIPMI's ipmi_sim, IPMI 2.0 / RMCP+ on UDP 127.0.0.1) per test node,
# for the fencing tests and the failover benchmark. Its chassis power is a real process: "off"
# SIGKILLs it, "on" starts it again, and status says whether it is alive (infra.md §2,
# approach A: ipmi_sim's chassis_control calls DIR/chassis.sh).
#
# Usage:
#   ipmi.sh start DIR NAME [--port P] [--user U] [--password PW | --password-file F] [--stuck-on] [--watch PID [--watch-remove]]
#   ipmi.sh stop DIR [--kill-node]      stop ipmi_sim and the watcher (--kill-node: power off first)
#   ipmi.sh status DIR                  one line: NAME SIMPID ADDRESS up|down on|off normal|stuck-on
#   ipmi.sh tool DIR ARGS...            ipmitool against DIR's BMC, e.g. `tool DIR chassis power status`
#
# `start` prints exactly one line on stdout: the BMC's address, 127.0.0.1:P. Defaults: user
# admin, password secret (or $IPMI_PASSWORD), cipher suite 3 (ipmi_sim 2.0.33 has no SHA-256
# suites). The password never goes on a command line we run: ipmitool gets it with -E through
# IPMI_PASSWORD; --password-file (or IPMI_PASSWORD) keeps it off this script's own too.
#
# The node: the harness writes DIR/node.pid (the node's PID) and may write DIR/node.cmd (a shell
# script that starts the node, detached, and writes its PID to DIR/node.pid) and DIR/off.hook
# (an executable run at power off right after the node is killed, e.g. `libvirt.sh kill-guests
# LVDIR`: the guests die with the machine). The chassis:
#   get power       on while node.pid names a live process (a zombie is dead; a PID reused by
#                   another process since we first saw it is dead too)
#   set power 0     SIGKILL the node (its whole group when it leads one), then off.hook
#   set power 1     when off and node.cmd exists: run it detached (setsid, fds redirected);
#                   the line `on started PID` names the PID node.cmd writes (see below)
#   set reset 1     off, then on
#   set shutdown 1  ("power soft") SIGTERM
# With --stuck-on the BMC acknowledges off, reset and soft but does nothing: a BMC that never
# powers off. Every action appends `<epoch_ms> <action> <result>` to DIR/power.log, e.g.
# `1763712345123 off killed 12345`, `... off stuck`, `... on started 12399`, `... status on`;
# for `off` the time is when the SIGKILL was sent, for `on` when node.cmd was started. Each
# action returns within about 1 s (the off hook is waited for 0.6 s at most, then left to
# finish; node.cmd's PID for 0.5 s): ipmitool retransmits a request unanswered for 1 s, and a
# `chassis power on` whose action took 1.5 s failed ("Unable to set Chassis Power Control"). A
# line is appended whole (one write); a reader still ignores an unterminated last line.
#
# When node.cmd has not written the new PID within those 0.5 s (a loaded machine: the node's
# bash may not even have run yet), the action answers and a detached follower (DIR/await-on.pid)
# appends the `on started PID` line once node.pid names a live new process, or `on launched
# no-pid` after AWAIT_ON_TIMEOUT s. So the `on` line may follow lines written after it (stamped
# with the launch time): a reader that needs it polls for it. Another `on` meanwhile starts no
# second node and logs `on pending`. Power status says off until the PID is there.
#
# `--port 0` (the default) picks the first free UDP port from 29800 up that no other DIR has
# claimed; claims live in $PVC_IPMI_REGISTRY (default /tmp/pvc-ipmi-ports), taken under a lock.
# `--watch PID` starts a watcher that runs `stop DIR` once PID exits (the node is left alone:
# the harness owns it); with --watch-remove it then deletes DIR.
#
# Files in DIR: layout (name=, port=, user=, address=, stuck_on=), password (0600), lan.conf,
# node.emu, chassis.sh, state/ (wiped at start: users changed over IPMI would otherwise win over
# lan.conf), sim.pid, sim.log, power.log, chassis.log, node.seen, node.log, watch.pid, watch.log,
# await-on.pid.
# A PID is only signalled when its command line names DIR, except the node's, which is the
# harness's process: that one is checked against the start time recorded when it was first seen.
#
# Needs ipmi_sim (openipmi) and ipmitool (scripts/install-deps.sh). Environment:
# IPMI_READY_TIMEOUT (s, default 10), IPMI_AWAIT_ON_TIMEOUT (s, default 60), PVC_IPMI_REGISTRY
# (see above).
set -euo pipefail

PROG=${0##*/}
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/${BASH_SOURCE[0]##*/}
readonly PROG SELF
# shellcheck source-path=SCRIPTDIR source=lib/processes.sh
source "${SELF%/*}/lib/processes.sh"
# shellcheck source-path=SCRIPTDIR source=lib/port-registry.sh
source "${SELF%/*}/lib/port-registry.sh"

readonly AUTO_FIRST=29800 AUTO_LAST=29999
readonly READY_TIMEOUT=${IPMI_READY_TIMEOUT:-10}
readonly AWAIT_ON_TIMEOUT=${IPMI_AWAIT_ON_TIMEOUT:-60}
readonly STOP_TIMEOUT=5
readonly REGISTRY=${PVC_IPMI_REGISTRY:-/tmp/pvc-ipmi-ports} REGISTRY_VARIABLE=PVC_IPMI_REGISTRY
readonly CLAIM_PIDFILES=(sim.pid watch.pid)
# Bounds inside a chassis action: the whole action must answer ipmi_sim well under the 1 s after
# which ipmitool retransmits (and the action would run twice). The wait for the hook and the wait
# for the killed node to die are never both long in practice: SIGKILL takes effect in
# milliseconds. Starting the node only waits for node.cmd to write its PID, and leaves the rest of
# that wait to a follower (__await-on).
readonly HOOK_WAIT_MS=600 DEATH_WAIT_MS=300 START_WAIT_MS=500

# See zookeeper.sh: long-lived children start with default signal dispositions and no mask.
CLEAN_SIGNALS=(env)
if env --default-signal true 2>/dev/null; then CLEAN_SIGNALS=(env --default-signal); fi

DIR=""

trap '' PIPE

usage() {
    sed -n '8,12p' "$SELF" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# ---------------------------------------------------------------------------------------------
# Directory, layout, port claims

sim_pid() { live_pid_from "$DIR/sim.pid"; }

port_in_use() {
    [[ -n "$(ss -Hlun "sport = :$1" 2>/dev/null)" ]]
}

port_free() {
    claim_free "$1" && ! port_in_use "$1"
}

# ---------------------------------------------------------------------------------------------
# The chassis (runs inside ipmi_sim's popen: stdout is ipmi_sim's pipe, answer fast)

# The node's PID when it is alive and is still the process first seen under that PID: the node
# is the harness's process (its command line need not name DIR), so PID reuse is caught by its
# start time, recorded in node.seen the first time each PID is looked at.
node_pid() {
    local pid st seen_pid seen_st
    [[ -f "$DIR/node.pid" ]] || return 1
    read -r pid _ <"$DIR/node.pid" 2>/dev/null || return 1
    is_uint "$pid" && alive "$pid" || return 1
    st=$(proc_starttime "$pid") || return 1
    seen_pid="" seen_st=""
    read -r seen_pid seen_st <"$DIR/node.seen" 2>/dev/null || true
    if [[ "$seen_pid" == "$pid" ]]; then
        [[ "$seen_st" == "$st" ]] || return 1
    else
        echo "$pid $st" >"$DIR/node.seen"
    fi
    echo "$pid"
}

# One line, one write(2) on an O_APPEND descriptor: lines from concurrent writers (the chassis,
# a follower) never interleave.
power_log() { printf '%s %s %s\n' "$1" "$2" "$3" >>"$DIR/power.log"; }

# The follower's PID while it still waits for a node.cmd to write its PID (await-on.pid holds
# "PID STARTTIME": the PID alone could have been reused since).
await_pid() {
    local pid st
    read -r pid st <"$DIR/await-on.pid" 2>/dev/null || return 1
    is_uint "$pid" && alive "$pid" || return 1
    [[ "$(proc_starttime "$pid" || true)" == "$st" ]] || return 1
    echo "$pid"
}

# Waits up to MS for PID to be dead (gone or a zombie).
wait_gone_ms() {
    local pid=$1 deadline=$(($(now_ms) + $2))
    while alive "$pid"; do
        (($(now_ms) < deadline)) || return 1
        sleep 0.01
    done
}

# Off: SIGKILL the node, then the hook (guests die with the machine). Prints "<ms> <result>", ms
# being when the SIGKILL was sent (the moment the machine lost power, for the benchmark's
# timeline).
power_off() {
    local pid pgid stat sent result
    # The node first: a daemon that outlived its guests by a moment would see them die and start
    # them again (a crash restart) before its own SIGKILL landed.
    if pid=$(node_pid); then
        stat=$(cat "/proc/$pid/stat" 2>/dev/null) || stat=""
        stat=${stat##*) }
        read -r _ _ pgid _ <<<"$stat"
        if [[ "$pgid" == "$pid" ]]; then
            kill -KILL -- "-$pid" 2>/dev/null || true
        fi
        kill -KILL "$pid" 2>/dev/null || true
        sent=$(now_ms)
        if wait_gone_ms "$pid" "$DEATH_WAIT_MS"; then
            result="$sent killed $pid"
        else
            result="$sent killed $pid still-alive"
        fi
    else
        result="$(now_ms) none"
    fi
    if [[ -x "$DIR/off.hook" ]]; then
        # Waited for up to HOOK_WAIT_MS, never killed: on a loaded machine the hook may not even
        # have started by then, and a machine whose power is off must not keep its guests.
        local hook deadline
        "$DIR/off.hook" </dev/null >>"$DIR/chassis.log" 2>&1 {CHASSIS_FD}>&- &
        hook=$!
        deadline=$(($(now_ms) + HOOK_WAIT_MS))
        while alive "$hook" && (($(now_ms) < deadline)); do sleep 0.01; done
        if alive "$hook"; then
            echo "$(now_ms) off.hook still running after $HOOK_WAIT_MS ms; left to finish" >>"$DIR/chassis.log"
        fi
    fi
    echo "$result"
}

# On: start node.cmd detached when the node is off. Prints "<ms> <result>" for the log, or
# nothing when the new PID is not there yet: then a follower logs `<ms> ACTION [PREFIX ]started
# PID` later (ACTION and PREFIX are this action's: `on`, or `reset` and `on`).
power_on() {
    local action=$1 prefix=${2:-} pid deadline launched
    if pid=$(node_pid); then
        echo "$(now_ms) already $pid"
        return 0
    fi
    if pid=$(await_pid); then
        # An earlier `on` is still waiting for its node's PID: no second node.
        echo "$(now_ms) pending"
        return 0
    fi
    if [[ ! -f "$DIR/node.cmd" ]]; then
        echo "$(now_ms) no-node-cmd"
        return 0
    fi
    # setsid and every fd redirected: popen (ipmi_sim) waits for EOF on the pipe this script
    # writes to, and the node must not hold it (nor ipmi_sim's socket: see close_inherited_fds).
    # (This runs in a command substitution, so the cd stays here; a backgrounded `cd && cmd`
    # would be a subshell waiting for the node while holding that substitution's pipe.)
    cd "$DIR"
    launched=$(now_ms)
    setsid "${CLEAN_SIGNALS[@]}" bash "$DIR/node.cmd" </dev/null >>"$DIR/node.log" 2>&1 {CHASSIS_FD}>&- &
    deadline=$((launched + START_WAIT_MS))
    until pid=$(node_pid); do
        if (($(now_ms) >= deadline)); then
            # ipmi_sim must have its answer now; the line waits for the PID, not the other way
            # round (a PID-less `on` line would be a lie about a node that is merely slow).
            # setsid does not fork here (the job is no group leader), so $! is the follower.
            setsid "${CLEAN_SIGNALS[@]}" bash "$SELF" __await-on "$DIR" "$launched" "$action" "$prefix" \
                </dev/null >>"$DIR/chassis.log" 2>&1 {CHASSIS_FD}>&- &
            pid=$!
            echo "$pid $(proc_starttime "$pid" || echo gone)" >"$DIR/await-on.pid"
            return 0
        fi
        sleep 0.01
    done
    echo "$launched started $pid"
}

# The follower (detached from ipmi_sim): waits up to AWAIT_ON_TIMEOUT s for node.cmd to write a
# live PID, then appends the `on` line the chassis action could not.
cmd_await_on() {
    set_dir "$1" existing
    local launched=$2 action=$3 prefix=${4:-} deadline pid result owner=""
    deadline=$(($(now_ms) + AWAIT_ON_TIMEOUT * 1000))
    until pid=$(node_pid); do
        if (($(now_ms) >= deadline)); then
            pid=""
            break
        fi
        sleep 0.02
    done
    if [[ -n "$pid" ]]; then result="started $pid"; else result="launched no-pid"; fi
    power_log "$launched" "$action" "${prefix:+$prefix }$result"
    read -r owner _ <"$DIR/await-on.pid" 2>/dev/null || true
    if [[ "$owner" == "$$" ]]; then rm -f -- "$DIR/await-on.pid"; fi
}

cmd_chassis() {
    set_dir "$1" existing
    shift
    local verb=${1:-} item=${2:-} value=${3:-} stuck result pid
    stuck=$(layout_value stuck_on 2>/dev/null || echo 0)
    # One action at a time, whoever asks (ipmi_sim, or `stop --kill-node`).
    exec {CHASSIS_FD}>>"$DIR/chassis.lock"
    flock -w 2 "$CHASSIS_FD" || true
    case "$verb $item" in
        "get "*)
            # ipmi_sim may ask for several values at once (`get power boot`); answer power only.
            shift
            for item in "$@"; do
                if [[ "$item" == power ]]; then
                    if node_pid >/dev/null; then result=on; echo "power:1"; else result=off; echo "power:0"; fi
                    power_log "$(now_ms)" status "$result"
                fi
            done
            ;;
        "set power")
            if [[ "$value" == 0 ]]; then
                if ((stuck)); then power_log "$(now_ms)" off stuck; return 0; fi
                result=$(power_off)
                power_log "${result%% *}" off "${result#* }"
            else
                result=$(power_on on)
                if [[ -n "$result" ]]; then power_log "${result%% *}" on "${result#* }"; fi
            fi
            ;;
        "set reset")
            if ((stuck)); then power_log "$(now_ms)" reset stuck; return 0; fi
            result=$(power_off)
            power_log "${result%% *}" reset "off ${result#* }"
            result=$(power_on reset on)
            if [[ -n "$result" ]]; then power_log "${result%% *}" reset "on ${result#* }"; fi
            ;;
        "set shutdown")
            if ((stuck)); then power_log "$(now_ms)" soft stuck; return 0; fi
            if pid=$(node_pid); then
                kill -TERM "$pid" 2>/dev/null || true
                power_log "$(now_ms)" soft "term $pid"
            else
                power_log "$(now_ms)" soft none
            fi
            ;;
        *)
            echo "$(now_ms) ignored: $*" >>"$DIR/chassis.log"
            ;;
    esac
}

# ---------------------------------------------------------------------------------------------
# Config and launch

write_config() {
    local name=$1 port=$2 user=$3 password=$4
    rm -rf -- "${DIR:?}/state"
    mkdir -p "$DIR/state"
    (
        umask 077
        printf '%s\n' "$password" >"$DIR/password"
        cat >"$DIR/lan.conf" <<EOF
# Written by $PROG for instance $name.
name "$name"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 $port
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "$DIR/chassis.sh $DIR"
  user 2 true  "$user" "$password" admin 10 md5 straight
EOF
    )
    cat >"$DIR/node.emu" <<'EOF'
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02
mc_enable 0x20
EOF
    # The chassis logic lives in this script (one place to read and fix); ipmi_sim runs this.
    cat >"$DIR/chassis.sh" <<EOF
#!/bin/bash
# Written by $PROG: ipmi_sim's chassis_control for instance $name (see $SELF).
exec /bin/bash '$SELF' __chassis "\$@"
EOF
    chmod 755 "$DIR/chassis.sh"
}

ipmitool_args() {
    local port user
    port=$(layout_value port) || die "$DIR has no layout: was it started with '$PROG start'?"
    user=$(layout_value user) || die "$DIR has no layout"
    echo "-I lanplus -H 127.0.0.1 -p $port -U $user -E -C 3 -R 1 -N 1"
}

launch() {
    rm -f -- "$DIR/sim.pid"
    echo "=== $(date '+%F %T') starting ipmi_sim" >>"$DIR/sim.log"
    # -n: no console on stdin (it would read commands from it). The password stays out of the
    # BMC's environment (the node inherits it through chassis.sh otherwise).
    setsid "${CLEAN_SIGNALS[@]}" -u IPMI_PASSWORD ipmi_sim -c "$DIR/lan.conf" -f "$DIR/node.emu" -s "$DIR/state" -n \
        </dev/null >>"$DIR/sim.log" 2>&1 &
    echo $! >"$DIR/sim.pid"
}

wait_ready() {
    local port=$1 password=$2 pid deadline
    local -a args
    read -r -a args <<<"$(ipmitool_args)"
    deadline=$(($(now_ms) + READY_TIMEOUT * 1000))
    # The PID launch just wrote is ours: during startup it is judged by being alive only. Its
    # command line reads empty for a moment while setsid execs ipmi_sim, so `ours` (sim_pid) would
    # call a starting BMC dead on a loaded machine.
    pid=$(<"$DIR/sim.pid")
    while :; do
        alive "$pid" || { note "ipmi_sim exited during startup; $DIR/sim.log:"; tail -5 "$DIR/sim.log" >&2 || true; return 1; }
        # Only ask once the socket is bound: an unanswered ipmitool costs 2 s.
        if port_in_use "$port" \
            && IPMI_PASSWORD=$password timeout 5 ipmitool "${args[@]}" chassis power status >/dev/null 2>>"$DIR/sim.log"; then
            return 0
        fi
        (($(now_ms) < deadline)) || { note "ipmi_sim (pid $pid) not answering after $READY_TIMEOUT s"; return 1; }
        sleep 0.02
    done
}

start_watcher() {
    local owner=$1 remove=$2 st
    st=$(proc_starttime "$owner") || return 1
    setsid "${CLEAN_SIGNALS[@]}" bash "$SELF" __watch "$DIR" "$owner" "$st" "$remove" \
        </dev/null >>"$DIR/watch.log" 2>&1 &
    local deadline=$(($(now_ms) + 5000))
    until live_pid_from "$DIR/watch.pid" >/dev/null; do
        (($(now_ms) < deadline)) || { note "watcher did not start"; return 1; }
        sleep 0.02
    done
}

cmd_start() {
    local dir=${1:-} name=${2:-} port=0 user=admin password=${IPMI_PASSWORD:-secret} stuck=0 watch="" watch_remove=0
    [[ -n "$dir" && -n "$name" ]] || usage
    shift 2
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --port) port=${2:-}; shift 2 || usage ;;
            --user) user=${2:-}; shift 2 || usage ;;
            --password) password=${2:-}; shift 2 || usage ;;
            --password-file)
                [[ -r "${2:-}" ]] || die "--password-file: cannot read '${2:-}'"
                password=$(<"$2")
                shift 2
                ;;
            --stuck-on) stuck=1; shift ;;
            --watch) watch=${2:-}; shift 2 || usage ;;
            --watch-remove) watch_remove=1; shift ;;
            *) die "start: unknown option '$1'" ;;
        esac
    done
    [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "NAME must be letters, digits, '.', '_' or '-', got '$name'"
    if ! is_uint "$port" || ((port > 65535)); then die "--port must be a number up to 65535, got '$port'"; fi
    # IPMI 2.0 limits: user names 16 bytes, passwords 20; lan.conf quotes them, so no quotes,
    # backslashes or blanks.
    [[ "$user" =~ ^[A-Za-z0-9._-]{1,16}$ ]] || die "--user must be 1-16 of letters, digits, '.', '_', '-'"
    [[ "$password" =~ ^[[:graph:]]{1,20}$ && "$password" != *[\"\\]* ]] || die "the password must be 1-20 printable characters without blanks, quotes or backslashes"
    if [[ -n "$watch" ]] && { ! is_uint "$watch" || ! alive "$watch"; }; then
        die "--watch needs the PID of a running process, got '$watch'"
    fi
    if ((watch_remove)) && [[ -z "$watch" ]]; then die "--watch-remove needs --watch PID"; fi
    command -v ipmi_sim >/dev/null 2>&1 || die "ipmi_sim not found: run scripts/install-deps.sh (package openipmi)"
    command -v ipmitool >/dev/null 2>&1 || die "ipmitool not found: run scripts/install-deps.sh"

    set_dir "$dir" create
    local pid
    if pid=$(sim_pid); then die "$DIR already runs ipmi_sim (pid $pid); run '$PROG stop $DIR' first"; fi

    lock_registry
    if ((port == 0)); then
        local p
        for ((p = AUTO_FIRST; p <= AUTO_LAST; p++)); do
            if port_free "$p"; then port=$p; break; fi
        done
        ((port != 0)) || { unlock_registry; die "no free UDP port between $AUTO_FIRST and $AUTO_LAST"; }
    elif ! port_free "$port"; then
        unlock_registry
        die "UDP port $port is in use or claimed"
    fi
    printf 'name=%s\nport=%s\nuser=%s\naddress=127.0.0.1:%s\nstuck_on=%s\n' \
        "$name" "$port" "$user" "$port" "$stuck" >"$DIR/layout"
    echo "$DIR" >"$REGISTRY/$port"
    unlock_registry

    write_config "$name" "$port" "$user" "$password"
    local started
    started=$(now_ms)
    launch
    if ! wait_ready "$port" "$password"; then
        do_stop || true
        die "start failed; stopped what was started in $DIR"
    fi
    if [[ -n "$watch" ]] && ! start_watcher "$watch" "$watch_remove"; then
        do_stop || true
        die "start failed; stopped what was started in $DIR"
    fi
    note "READY ipmi_sim $name (pid $(sim_pid || echo '?'), udp port $port$( ((stuck)) && echo ', stuck on' )) in $(($(now_ms) - started)) ms"
    echo "127.0.0.1:$port"
}

do_stop() {
    local pid left
    local -a targets=()
    if pid=$(sim_pid); then targets+=("$pid"); fi
    if pid=$(live_pid_from "$DIR/watch.pid") && ((pid != $$)); then targets+=("$pid"); fi
    if pid=$(await_pid); then targets+=("$pid"); fi
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
    rm -f -- "$DIR/sim.pid" "$DIR/watch.pid" "$DIR/await-on.pid"
    release_claim
}

cmd_stop() {
    local dir=${1:-} kill_node=0 result
    [[ -n "$dir" ]] || usage
    shift
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --kill-node) kill_node=1; shift ;;
            *) die "stop: unknown option '$1'" ;;
        esac
    done
    [[ -d "$dir" ]] || { note "no such directory: $dir (nothing to stop)"; return 0; }
    set_dir "$dir" existing
    if ((kill_node)); then
        # Cleanup, not a test of the BMC: stuck-on does not apply.
        exec {CHASSIS_FD}>>"$DIR/chassis.lock"
        flock -w 2 "$CHASSIS_FD" || true
        result=$(power_off)
        power_log "${result%% *}" stop-off "${result#* }"
        exec {CHASSIS_FD}>&-
    fi
    do_stop
}

cmd_status() {
    [[ $# -eq 1 ]] || usage
    set_dir "$1" existing
    local name address stuck pid state=down power=off
    name=$(layout_value name) || die "$DIR has no layout: was it started with '$PROG start'?"
    address=$(layout_value address || true)
    stuck=$(layout_value stuck_on || echo 0)
    if pid=$(sim_pid); then state=up; else pid="-"; fi
    if node_pid >/dev/null; then power=on; fi
    echo "$name $pid $address $state $power $( ((stuck)) && echo stuck-on || echo normal)"
}

cmd_tool() {
    [[ $# -ge 1 ]] || usage
    set_dir "$1" existing
    shift
    local -a args
    read -r -a args <<<"$(ipmitool_args)"
    [[ -r "$DIR/password" ]] || die "$DIR/password missing"
    IPMI_PASSWORD=$(<"$DIR/password") exec ipmitool "${args[@]}" "$@"
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
    # The chassis runs inside ipmi_sim: whatever it starts must not inherit ipmi_sim's socket.
    start | __watch | __chassis | __await-on) close_inherited_fds ;;
esac
case "$command" in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    tool) cmd_tool "$@" ;;
    __chassis) cmd_chassis "$@" ;;
    __watch) cmd_watch "$@" ;;
    __await-on) cmd_await_on "$@" ;;
    -h | --help | help) usage ;;
    *) note "unknown command '$command'"; usage ;;
esac
