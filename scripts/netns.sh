#!/usr/bin/env bash
# Builds a small test network out of network namespaces, for tests that need several "hosts"
# on one Ethernet segment (floating addresses, gratuitous ARP, daemons that must not share a
# network stack). Needs root. Everything one network made is recorded in DIR, so `down DIR`
# removes exactly that, and several networks (parallel test runs) can exist side by side.
#
# Usage:
#   netns.sh up DIR N [--subnet A.B.C] [--names NAME1,NAME2,...] [--watch PID]
#   netns.sh down DIR                   remove everything DIR records (idempotent)
#   netns.sh serve DIR I PORT           TCP listener in namespace I answering its node name
#   netns.sh exec DIR I COMMAND [ARG]   run COMMAND inside namespace I (1-based)
#   netns.sh info DIR                   print the layout (as `up` does)
#
# `up` makes a bridge on the host with address A.B.C.1/24 and N namespaces, each with lo up,
# eth0 (a veth whose other end is in the bridge) at A.B.C.(10+I)/24 and a default route via
# A.B.C.1. Addresses A.B.C.100 and above are never given out: use them for floating addresses.
# Without --subnet, A.B.C is 10.251.T where T is the network's tag (below). Node I's name is
# the I-th of --names, or hvI; `serve` answers each connection with it ("hv2\n") and closes.
#
# Names: each network takes a tag T (1..254), claimed under a lock in $PVC_NETNS_REGISTRY
# (default /tmp/pvc-netns) so that networks made at the same moment never collide; a tag whose
# bridge or namespaces still exist (a crashed run that never ran `down`) is skipped. Bridge
# pvcTbr, namespaces pvcTnI, host-side veths pvcTvI (all within the 15-character limit).
#
# `up` prints the layout on stdout and writes it to DIR/layout, one KEY=VALUE a line:
#   tag=T subnet=A.B.C bridge=pvcTbr host=A.B.C.1 nodes=N, then per node I:
#   nsI=pvcTnI nameI=hvI addressI=A.B.C.(10+I)
# DIR/records lists every namespace, link and process made, each written before it is made,
# so `down` also cleans up after an `up` or `serve` that failed halfway. `--watch PID` starts a
# watcher that runs `down DIR` once process PID exits (a test process that crashed).
# Progress and errors go to stderr.
set -euo pipefail

PROG=${0##*/}
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/${BASH_SOURCE[0]##*/}
readonly PROG SELF
# shellcheck source-path=SCRIPTDIR source=lib/processes.sh
source "${SELF%/*}/lib/processes.sh"
readonly REGISTRY=${PVC_NETNS_REGISTRY:-/tmp/pvc-netns}
readonly MAX_NODES=50 SETTLE_TIMEOUT_MS=10000

# See zookeeper.sh: long-lived children start with default signal dispositions and no mask.
CLEAN_SIGNALS=(env)
if env --default-signal true 2>/dev/null; then CLEAN_SIGNALS=(env --default-signal); fi

DIR=""

trap '' PIPE

usage() {
    sed -n '7,12p' "$SELF" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

set_dir() {
    local dir=$1 mode=$2
    if [[ "$mode" == create ]]; then mkdir -p -- "$dir"; fi
    [[ -d "$dir" ]] || die "no such directory: $dir"
    DIR=$(cd "$dir" && pwd -P)
}

# ---------------------------------------------------------------------------------------------
# Processes (same rules as zookeeper.sh: a zombie is dead, a PID is only ours while its start
# time matches the one recorded)

# ---------------------------------------------------------------------------------------------
# Records and layout

record() { echo "$*" >>"$DIR/records"; }

layout_value() {
    local key=$1 line
    [[ -f "$DIR/layout" ]] || die "$DIR has no layout (did 'up' run?)"
    while IFS= read -r line; do
        if [[ "${line%%=*}" == "$key" ]]; then
            echo "${line#*=}"
            return 0
        fi
    done <"$DIR/layout"
    die "$DIR/layout has no $key"
}

check_node() {
    local nodes
    nodes=$(layout_value nodes)
    if ! is_uint "$1" || (($1 < 1 || $1 > nodes)); then die "node must be 1..$nodes, got '$1'"; fi
}

link_exists() { ip link show dev "$1" >/dev/null 2>&1; }
netns_exists() { [[ -e "/run/netns/$1" ]]; }
subnet_in_use() { ip -o -4 address show | grep -qF " inet $1."; }

# ---------------------------------------------------------------------------------------------
# Tag registry

lock_registry() {
    mkdir -p -- "$REGISTRY"
    exec {LOCK_FD}>"$REGISTRY/.lock"
    flock -w 30 "$LOCK_FD" || die "could not lock $REGISTRY within 30 s"
}

unlock_registry() { exec {LOCK_FD}>&-; }

# A claim is live while the directory it names still records it.
claim_live() {
    local file=$REGISTRY/tag-$1 dir
    [[ -f "$file" ]] || return 1
    read -r dir _ <"$file" || return 1
    [[ -f "$dir/layout" ]] && grep -qx "tag=$1" "$dir/layout"
}

tag_free() {
    local t=$1 subnet=$2
    ! claim_live "$t" && ! link_exists "pvc${t}br" && ! netns_exists "pvc${t}n1" && ! subnet_in_use "$subnet"
}

subnet_claimed() {
    local subnet=$1 file dir s
    for file in "$REGISTRY"/tag-*; do
        [[ -f "$file" ]] || continue
        read -r dir s <"$file" || continue
        [[ "$s" == "$subnet" ]] && claim_live "${file##*tag-}" && return 0
    done
    return 1
}

release_claim() {
    local tag=$1 dir
    [[ -f "$REGISTRY/tag-$tag" ]] || return 0
    read -r dir _ <"$REGISTRY/tag-$tag" || true
    if [[ "$dir" == "$DIR" ]]; then rm -f -- "$REGISTRY/tag-$tag"; fi
}

# ---------------------------------------------------------------------------------------------
# Commands

cmd_up() {
    [[ $# -ge 2 ]] || usage
    local dir=$1 n=$2 subnet="" names="" watch=""
    shift 2
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --subnet) subnet=${2:-}; shift 2 || usage ;;
            --subnet=*) subnet=${1#--subnet=}; shift ;;
            --names) names=${2:-}; shift 2 || usage ;;
            --names=*) names=${1#--names=}; shift ;;
            --watch) watch=${2:-}; shift 2 || usage ;;
            --watch=*) watch=${1#--watch=}; shift ;;
            *) die "up: unknown option '$1'" ;;
        esac
    done
    if ! is_uint "$n" || ((n < 1 || n > MAX_NODES)); then die "N must be 1..$MAX_NODES, got '$n'"; fi
    if [[ -n "$subnet" ]] && ! [[ "$subnet" =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]]; then
        die "--subnet must be three octets like 10.251.7, got '$subnet'"
    fi
    if [[ -n "$watch" ]] && { ! is_uint "$watch" || ! alive "$watch"; }; then
        die "--watch needs the PID of a running process, got '$watch'"
    fi
    local -a node_names=()
    if [[ -n "$names" ]]; then
        IFS=, read -r -a node_names <<<"$names"
        ((${#node_names[@]} == n)) || die "--names lists ${#node_names[@]} names for $n nodes"
    else
        local i
        for ((i = 1; i <= n; i++)); do node_names+=("hv$i"); done
    fi
    [[ $(id -u) -eq 0 ]] || die "needs root (network namespaces and bridges)"
    command -v ip >/dev/null 2>&1 || die "ip not found: run scripts/install-deps.sh"
    command -v flock >/dev/null 2>&1 || die "flock not found (util-linux)"

    set_dir "$dir" create
    if [[ -s "$DIR/records" ]]; then
        die "$DIR already holds a network; run '$PROG down $DIR' first"
    fi

    lock_registry
    local tag="" t s
    for ((t = 1; t <= 254; t++)); do
        s=${subnet:-10.251.$t}
        if tag_free "$t" "$s"; then tag=$t; break; fi
    done
    [[ -n "$tag" ]] || { unlock_registry; die "no free tag (1..254) in $REGISTRY"; }
    subnet=${subnet:-10.251.$tag}
    if subnet_claimed "$subnet" || subnet_in_use "$subnet"; then
        unlock_registry
        die "subnet $subnet.0/24 is already in use on this host"
    fi
    echo "$DIR $subnet" >"$REGISTRY/tag-$tag"
    local bridge="pvc${tag}br"
    {
        echo "tag=$tag"
        echo "subnet=$subnet"
        echo "bridge=$bridge"
        echo "host=$subnet.1"
        echo "nodes=$n"
        for ((i = 1; i <= n; i++)); do
            echo "ns$i=pvc${tag}n$i"
            echo "name$i=${node_names[i - 1]}"
            echo "address$i=$subnet.$((10 + i))"
        done
    } >"$DIR/layout"
    : >"$DIR/records"
    record "tag $tag"
    unlock_registry

    if ! build "$tag" "$subnet" "$bridge" "$n"; then
        do_down
        die "up failed; removed what was made in $DIR"
    fi
    if [[ -n "$watch" ]] && ! start_watcher "$watch"; then
        do_down
        die "up failed; removed what was made in $DIR"
    fi
    note "$n namespace(s) on $bridge ($subnet.0/24) ready in $DIR"
    cat "$DIR/layout"
}

build() {
    local tag=$1 subnet=$2 bridge=$3 n=$4 i ns veth peer
    record "link $bridge"
    ip link add "$bridge" type bridge || return 1
    ip address add "$subnet.1/24" dev "$bridge" || return 1
    ip link set "$bridge" up || return 1
    for ((i = 1; i <= n; i++)); do
        ns="pvc${tag}n$i" veth="pvc${tag}v$i" peer="pvc${tag}p$i"
        record "netns $ns"
        ip netns add "$ns" || return 1
        record "veth $veth"
        ip link add "$veth" type veth peer name "$peer" netns "$ns" || return 1
        ip link set "$veth" master "$bridge" up || return 1
        ip -n "$ns" link set "$peer" name eth0 || return 1
        ip -n "$ns" link set lo up || return 1
        ip -n "$ns" link set eth0 up || return 1
        ip -n "$ns" address add "$subnet.$((10 + i))/24" dev eth0 || return 1
        ip -n "$ns" route add default via "$subnet.1" || return 1
    done
}

start_watcher() {
    local owner=$1 st
    st=$(proc_starttime "$owner") || { note "--watch: no process $owner"; return 1; }
    rm -f -- "$DIR/watch.pid"
    setsid "${CLEAN_SIGNALS[@]}" bash "$SELF" __watch "$DIR" "$owner" "$st" </dev/null >>"$DIR/watch.log" 2>&1 &
    local deadline=$(($(now_ms) + 5000))
    until [[ -s "$DIR/watch.pid" ]]; do
        (($(now_ms) < deadline)) || { note "watcher did not start within 5 s"; return 1; }
        sleep 0.02
    done
}

# Removes what DIR/records lists: processes first (by PID and start time), then namespaces and
# links, then waits for the kernel to finish (namespace teardown deletes veths asynchronously).
do_down() {
    [[ -f "$DIR/records" ]] || return 0
    local kind a b pid tag=""
    local -a pids=() namespaces=() links=() veths=()
    while read -r kind a b; do
        case "$kind" in
            pid) [[ "$(proc_starttime "$a" 2>/dev/null || true)" == "$b" ]] && pids+=("$a") ;;
            netns) namespaces+=("$a") ;;
            link) links+=("$a") ;;
            veth) veths+=("$a") ;;
            tag) tag=$a ;;
        esac
    done <"$DIR/records"
    if [[ -s "$DIR/watch.pid" ]]; then
        read -r pid <"$DIR/watch.pid" || true
        if is_uint "${pid:-}" && ((pid != $$)) && alive "$pid" \
            && grep -qF -- "$DIR" "/proc/$pid/cmdline" 2>/dev/null; then
            pids+=("$pid")
        fi
    fi

    if ((${#pids[@]} > 0)); then
        kill -KILL "${pids[@]}" 2>/dev/null || true
        local deadline=$(($(now_ms) + 5000))
        local -a left=()
        while :; do
            left=()
            for pid in "${pids[@]}"; do alive "$pid" && left+=("$pid"); done
            ((${#left[@]} == 0)) && break
            (($(now_ms) < deadline)) || { note "processes survived SIGKILL: ${left[*]}"; return 1; }
            sleep 0.02
        done
    fi
    local name
    for name in "${namespaces[@]}"; do
        netns_exists "$name" && { ip netns del "$name" 2>/dev/null || note "could not delete namespace $name"; }
    done
    for name in "${veths[@]}" "${links[@]}"; do
        link_exists "$name" && { ip link del "$name" 2>/dev/null || true; }
    done
    local settle_deadline=$(($(now_ms) + SETTLE_TIMEOUT_MS))
    local -a left=()
    while :; do
        left=()
        for name in "${namespaces[@]}"; do netns_exists "$name" && left+=("netns $name"); done
        for name in "${veths[@]}" "${links[@]}"; do link_exists "$name" && left+=("link $name"); done
        ((${#left[@]} == 0)) && break
        if (($(now_ms) >= settle_deadline)); then
            note "still present after $((SETTLE_TIMEOUT_MS / 1000)) s: ${left[*]}"
            return 1
        fi
        sleep 0.05
    done
    rm -f -- "$DIR/records" "$DIR/watch.pid" "$DIR"/serve*.ready
    if [[ -n "$tag" ]]; then
        lock_registry
        release_claim "$tag"
        unlock_registry
    fi
}

cmd_down() {
    [[ $# -eq 1 ]] || usage
    [[ -d "$1" ]] || { note "no such directory: $1 (nothing to remove)"; return 0; }
    set_dir "$1" existing
    do_down
}

cmd_exec() {
    [[ $# -ge 3 ]] || usage
    set_dir "$1" existing
    check_node "$2"
    local ns
    ns=$(layout_value "ns$2")
    shift 2
    exec ip netns exec "$ns" "$@"
}

# The listener is python3 (a dual-stack socket; no netcat flavour differences). It writes a
# ready file once listening, so `serve` returns only when connections will be answered.
readonly LISTENER='
import socket, sys
name, port, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
try:
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
except OSError:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
s.listen(64)
open(ready, "w").close()
while True:
    c, _ = s.accept()
    try:
        c.sendall((name + "\n").encode())
    finally:
        c.close()
'

cmd_serve() {
    [[ $# -eq 3 ]] || usage
    set_dir "$1" existing
    check_node "$2"
    if ! is_uint "$3" || (($3 < 1 || $3 > 65535)); then die "PORT must be 1..65535, got '$3'"; fi
    local i=$2 port=$3 ns name python ready pid st
    ns=$(layout_value "ns$i")
    name=$(layout_value "name$i")
    python=/usr/bin/python3
    [[ -x "$python" ]] || python=$(command -v python3) || die "python3 not found"
    ready="$DIR/serve$i-$port.ready"
    rm -f -- "$ready"
    # setsid: not in the caller's process group, so a terminal's Ctrl-C goes to the test
    # runner only; `down` kills it by PID. The PID stays the same through setsid, env, ip and
    # python (each execs the next).
    setsid "${CLEAN_SIGNALS[@]}" ip netns exec "$ns" "$python" -c "$LISTENER" "$name" "$port" "$ready" \
        </dev/null >>"$DIR/serve$i.log" 2>&1 &
    pid=$!
    st=$(proc_starttime "$pid") || die "listener in $ns exited at once (see $DIR/serve$i.log)"
    record "pid $pid $st"
    local deadline=$(($(now_ms) + 5000))
    until [[ -e "$ready" ]]; do
        alive "$pid" || die "listener in $ns exited (see $DIR/serve$i.log)"
        (($(now_ms) < deadline)) || die "listener in $ns not listening on $port within 5 s"
        sleep 0.02
    done
    echo "$pid"
}

cmd_info() {
    [[ $# -eq 1 ]] || usage
    set_dir "$1" existing
    [[ -f "$DIR/layout" ]] || die "$DIR has no layout"
    cat "$DIR/layout"
}

cmd_watch() {
    set_dir "$1" existing
    local owner=$2 st=$3
    echo $$ >"$DIR/watch.pid"
    while alive "$owner" && [[ "$(proc_starttime "$owner" || true)" == "$st" ]]; do
        sleep 1
    done
    note "owner $owner exited; removing the network of $DIR"
    do_down
}

[[ $# -ge 1 ]] || usage
command=$1
shift
case "$command" in
    up | serve | __watch) close_inherited_fds ;;
esac
case "$command" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    serve) cmd_serve "$@" ;;
    exec) cmd_exec "$@" ;;
    info) cmd_info "$@" ;;
    __watch) cmd_watch "$@" ;;
    -h | --help | help) usage ;;
    *) note "unknown command '$command'"; usage ;;
esac
