# Shell functions the service scripts (zookeeper.sh, netns.sh, libvirt.sh) share. Sourced after
# the script sets PROG (its name, for messages) and, where `ours` is used, DIR (the instance's
# directory: a PID is only ours when its command line names DIR — PID reuse).
# shellcheck shell=bash

# Messages go to stderr; a closed stderr (a caller gone) must not turn into a failure.
die() { echo "$PROG: $*" >&2 || true; exit 1; }

note() { echo "$PROG: $*" >&2 || true; }

now_ms() {
    local us=${EPOCHREALTIME//[!0-9]/}
    echo $((10#$us / 1000))
}

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

# The one-letter state of PID (R, S, T, Z, ...), empty when it does not exist.
proc_state() {
    local key value _rest
    while read -r key value _rest; do
        if [[ "$key" == "State:" ]]; then
            echo "$value"
            return 0
        fi
    done 2>/dev/null <"/proc/$1/status" || true
}

# Alive means it exists and is neither a zombie nor dead-but-not-reaped (PID 1 on the test
# machines reaps orphans lazily).
alive() {
    local state
    state=$(proc_state "$1")
    [[ -n "$state" && "$state" != "Z" && "$state" != "X" ]]
}

# Whether PID's command line names DIR (DIR itself or a path under it).
ours() {
    local pid=$1 arg
    local -a args=()
    mapfile -d '' -t args 2>/dev/null <"/proc/$pid/cmdline" || return 1
    for arg in "${args[@]}"; do
        if [[ "$arg" == "$DIR" || "$arg" == *"$DIR/"* ]]; then
            return 0
        fi
    done
    return 1
}

# Field 22 of /proc/PID/stat (start time in clock ticks), to tell a PID from a later reuse.
proc_starttime() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    local -a fields
    read -r -a fields <<<"$stat"
    echo "${fields[19]}"
}

# The PID in FILE if that process is alive and ours.
live_pid_from() {
    local file=$1 pid
    [[ -f "$file" ]] || return 1
    pid=$(<"$file") || return 1
    is_uint "$pid" || return 1
    alive "$pid" && ours "$pid" || return 1
    echo "$pid"
}

# DIR (resolved, physical) for `set_dir PATH create|existing`.
set_dir() {
    [[ -n "${1:-}" ]] || usage
    if [[ "$2" == "create" ]]; then
        mkdir -p -- "$1" || die "cannot create directory $1"
    fi
    [[ -d "$1" ]] || die "no such directory: $1"
    DIR=$(cd -- "$1" && pwd -P)
}

# The value of KEY in DIR/layout (lines key=value).
layout_value() {
    local key value
    [[ -f "$DIR/layout" ]] || return 1
    while IFS='=' read -r key value; do
        if [[ "$key" == "$1" ]]; then
            echo "$value"
            return 0
        fi
    done <"$DIR/layout"
    return 1
}

# Closes every descriptor above 2 this shell inherited, so a long-lived child started from here
# holds no caller's pipe or lock open.
close_inherited_fds() {
    local fd
    for fd in "/proc/$BASHPID/fd"/*; do
        fd=${fd##*/}
        # Not bash's own fd on this script (255), and no other redirection on this exec: an
        # `exec` redirection is permanent, `2>/dev/null` here would silence the script.
        if is_uint "$fd" && ((fd > 2 && fd != 255)); then
            exec {fd}>&-
        fi
    done
}

# Waits up to SECONDS for every PID to be dead (gone or a zombie); prints the ones still alive
# and fails when the time is up.
wait_dead() {
    local deadline=$(($(now_ms) + $1 * 1000)) pid left
    shift
    while :; do
        left=()
        for pid in "$@"; do alive "$pid" && left+=("$pid"); done
        ((${#left[@]} == 0)) && return 0
        (($(now_ms) < deadline)) || { echo "${left[*]}"; return 1; }
        sleep 0.05
    done
}
