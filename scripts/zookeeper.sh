#!/usr/bin/env bash
# Runs the project's own ZooKeeper (a standalone server or an ensemble on 127.0.0.1, client ports
# optionally on another local address) for tests and benchmarks. Everything for one instance
# lives in DIR; several instances can run side by side as long as they use different DIRs and
# port ranges.
#
# Usage:
#   zookeeper.sh start DIR [--port P] [--servers N] [--bind ADDR] [--keep-data] [--watch PID [--watch-remove]]
#   zookeeper.sh stop DIR
#   zookeeper.sh kill DIR ID            SIGKILL server ID (1-based) and wait until it is dead
#   zookeeper.sh restart DIR ID         start server ID again from its config, wait until it serves
#   zookeeper.sh freeze DIR ID          SIGSTOP server ID
#   zookeeper.sh thaw DIR ID            SIGCONT server ID
#   zookeeper.sh leader DIR [--wait S]  print the ID of the leader (1 for a standalone server)
#   zookeeper.sh status DIR             one line per server: ID PORT PID MODE
#
# Port layout for base port P and N servers:
#   client ports    P    .. P+N-1      (server K: P+K-1; bound to ADDR)
#   peer ports      P+10 .. P+10+N-1   (ensembles only, N > 1; bound to 127.0.0.1)
#   election ports  P+20 .. P+20+N-1   (ensembles only; bound to 127.0.0.1)
# so N is at most 10 and an ensemble never uses more than P..P+29. The default P is 22181.
# `--port 0` picks the first base from 22200, 22240, 22280, ... (steps of 40, so two automatic
# layouts never overlap) whose ports are all free and not claimed by another DIR. Claims live in
# $PVC_ZK_REGISTRY (default /tmp/pvc-zookeeper-ports), one file per base port, taken under a
# lock, so parallel test runs that start at the same moment still get different ranges.
#
# `--bind ADDR` (an IPv4 address of this host, default 127.0.0.1) is where the client ports
# listen, e.g. the host side of a scripts/netns.sh bridge (A.B.C.1) so that daemons inside the
# namespaces can reach ZooKeeper. It must already be configured when `start` runs. Peer and
# election traffic stays on 127.0.0.1 because only the servers themselves use it.
#
# `start` prints exactly one line on stdout, the connect string
# (ADDR:P,ADDR:P+1,...), and also writes it to DIR/connect. Progress and errors go to
# stderr. Files in DIR: layout (servers=N, port=P, bind=ADDR), zooK.cfg, dataK/ (with myid),
# zkK.log, zkK.pid, connect, and watch.pid when --watch is used.
#
# `start` wipes DIR/dataK unless --keep-data is given. `--watch PID` starts a small watcher that
# runs `stop DIR` once process PID exits, so a test process that crashes (and never reaches its
# own cleanup) does not leave servers behind; with --watch-remove it then also deletes DIR (for
# callers that made DIR as a temporary directory).
#
# Liveness: a zombie counts as dead (PID 1 on the test machines reaps orphans lazily), and a PID
# is only signalled when its /proc/PID/cmdline still names DIR (guards against PID reuse).
#
# Environment: ZK_JAVA (java binary), ZK_JVM_OPTS (extra JVM options, split on spaces),
# ZK_READY_TIMEOUT (seconds, default 60), PVC_ZK_REGISTRY (see above).
set -euo pipefail

PROG=${0##*/}
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/${BASH_SOURCE[0]##*/}
readonly PROG SELF
# shellcheck source-path=SCRIPTDIR source=lib/processes.sh
source "${SELF%/*}/lib/processes.sh"

readonly DEFAULT_PORT=22181
readonly AUTO_FIRST=22200 AUTO_STEP=40 AUTO_LAST=65480
readonly PEER_OFFSET=10 ELECTION_OFFSET=20 MAX_SERVERS=10
readonly READY_TIMEOUT=${ZK_READY_TIMEOUT:-60}
readonly STOP_TIMEOUT=5
readonly REGISTRY=${PVC_ZK_REGISTRY:-/tmp/pvc-zookeeper-ports}
readonly JAVA=${ZK_JAVA:-java}
readonly ZK_JAR=/usr/share/java/zookeeper.jar
readonly SLF4J_JAR=/usr/share/java/slf4j-simple.jar

# Flags from docs infra.md §1: the three that matter for memory are -Xmx64m, SerialGC and C1 only.
JVM_OPTS=(
    -Xms16m -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k
    -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=32m -Xshare:auto
    -Djava.net.preferIPv4Stack=true -Dzookeeper.jmx.log4j.disable=true
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn
)
if [[ -n "${ZK_JVM_OPTS:-}" ]]; then
    read -r -a extra_opts <<<"$ZK_JVM_OPTS"
    JVM_OPTS+=("${extra_opts[@]}")
fi

# Long-lived children start with every signal unblocked and at its default action. A caller may
# hand us a blocked mask (threads of Swift's Dispatch block nearly every signal and Foundation's
# Process passes that on), and a JVM or watcher started with SIGTERM blocked ignores `stop`.
# `env --default-signal` (coreutils >= 8.31) resets both.
CLEAN_SIGNALS=(env)
if env --default-signal true 2>/dev/null; then CLEAN_SIGNALS=(env --default-signal); fi

DIR=""          # absolute path of the instance directory
SERVERS=""      # from DIR/layout
BASE=""         # from DIR/layout
BIND=127.0.0.1  # from DIR/layout (layouts written before --bind existed have none: 127.0.0.1)

# A reader that goes away (`... | head`) must not kill us halfway through a start or a stop:
# the cleanup after a failed start matters more than its messages.
trap '' PIPE

usage() {
    sed -n '5,14p' "$SELF" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# Dotted IPv4, four parts of 0-255 without leading zeros (which some tools read as octal).
is_ipv4() {
    local part
    local -a parts
    [[ "$1" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || return 1
    IFS=. read -r -a parts <<<"$1"
    for part in "${parts[@]}"; do
        [[ "$part" == 0 || "$part" != 0* ]] && ((10#$part <= 255)) || return 1
    done
}

# ---------------------------------------------------------------------------------------------
# Processes

server_pid() { live_pid_from "$DIR/zk$1.pid"; }

# ---------------------------------------------------------------------------------------------
# Ports and four-letter words

client_port() { echo $((BASE + $1 - 1)); }
peer_port() { echo $((BASE + PEER_OFFSET + $1 - 1)); }
election_port() { echo $((BASE + ELECTION_OFFSET + $1 - 1)); }

# Every port a layout of N servers at base P needs.
layout_ports() {
    local n=$1 p=$2 k
    for ((k = 0; k < n; k++)); do
        echo $((p + k))
        if ((n > 1)); then
            echo $((p + PEER_OFFSET + k))
            echo $((p + ELECTION_OFFSET + k))
        fi
    done
}

# The ports server K needs (for restart).
server_ports() {
    client_port "$1"
    if ((SERVERS > 1)); then
        peer_port "$1"
        election_port "$1"
    fi
}

# Whether something listens on PORT on any local address (ss), or else answers on 127.0.0.1 or
# BIND: a client port is bound to BIND, peer and election ports to 127.0.0.1, and a listener on
# 0.0.0.0 takes both.
port_in_use() {
    local port=$1
    if command -v ss >/dev/null 2>&1; then
        [[ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null \
            || { [[ "$BIND" != 127.0.0.1 ]] && (exec 3<>"/dev/tcp/$BIND/$port") 2>/dev/null; }
    fi
}

# The reply of server K (or of whatever answers on its port) to a four-letter word.
fourlw() {
    local word=$1 port=$2
    printf '%s' "$word" 2>/dev/null | nc -w1 "$BIND" "$port" 2>/dev/null || true
}

# "leader", "follower", "standalone", "not-serving" (quorum lost) or "" (no answer).
mode_on_port() {
    local reply line
    reply=$(fourlw srvr "$1")
    while IFS= read -r line; do
        if [[ "$line" == "Mode: "* ]]; then
            echo "${line#Mode: }"
            return 0
        fi
    done <<<"$reply"
    if [[ "$reply" == *"not currently serving"* ]]; then
        echo "not-serving"
    fi
}

# ---------------------------------------------------------------------------------------------
# Instance directory and layout

load_layout() {
    local file=$DIR/layout key value
    [[ -f "$file" ]] || die "$DIR has no layout file: was it started with '$PROG start'?"
    SERVERS="" BASE="" BIND=127.0.0.1
    while IFS='=' read -r key value; do
        case "$key" in
            servers) SERVERS=$value ;;
            port) BASE=$value ;;
            bind) BIND=$value ;;
        esac
    done <"$file"
    if ! is_uint "$SERVERS" || ! is_uint "$BASE" || ! is_ipv4 "$BIND"; then die "$file is malformed"; fi
}

check_id() {
    local id=${1:-}
    if ! is_uint "$id" || ((id < 1 || id > SERVERS)); then
        die "server ID must be between 1 and $SERVERS, got '${id}'"
    fi
}

# ---------------------------------------------------------------------------------------------
# Port claims (see the header)

lock_registry() {
    if [[ ! -d "$REGISTRY" ]]; then
        # Shared by every user's test runs, like /tmp itself.
        mkdir -p "$REGISTRY" 2>/dev/null || true
        chmod 1777 "$REGISTRY" 2>/dev/null || true
    fi
    [[ -d "$REGISTRY" ]] || die "cannot create $REGISTRY (set PVC_ZK_REGISTRY)"
    : >>"$REGISTRY/lock" 2>/dev/null || true
    exec {LOCK_FD}<"$REGISTRY/lock" || die "cannot open $REGISTRY/lock"
    flock -w 30 "$LOCK_FD" || die "timed out after 30 s waiting for $REGISTRY/lock"
}

unlock_registry() {
    exec {LOCK_FD}<&-
}

# Whether the claim file for base B still stands. A claim stands while its DIR has the same
# layout and either a server or a watcher is alive there, or the claim is younger than the
# startup timeout (its start is still in progress).
claim_active() {
    local file=$1 b=$2 n cdir age
    read -r n cdir <"$file" 2>/dev/null || return 1
    is_uint "$n" && [[ -n "$cdir" ]] || return 1
    [[ -f "$cdir/layout" ]] || return 1
    grep -qx "servers=$n" "$cdir/layout" && grep -qx "port=$b" "$cdir/layout" || return 1
    age=$(($(date +%s) - $(stat -c %Y "$file" 2>/dev/null || echo 0)))
    ((age < READY_TIMEOUT + 30)) && return 0
    local saved=$DIR k
    DIR=$cdir
    for k in $(seq 1 "$n") watch; do
        if [[ "$k" == "watch" ]]; then
            live_pid_from "$cdir/watch.pid" >/dev/null && { DIR=$saved; return 0; }
        else
            live_pid_from "$cdir/zk$k.pid" >/dev/null && { DIR=$saved; return 0; }
        fi
    done
    DIR=$saved
    return 1
}

# Prints "PORT OWNER_DIR" for the first port of layout (N, P) that another active claim uses.
claimed_port() {
    local n=$1 p=$2 file b cn cdir port
    local -A wanted=()
    for port in $(layout_ports "$n" "$p"); do wanted[$port]=1; done
    for file in "$REGISTRY"/[0-9]*; do
        [[ -f "$file" ]] || continue
        b=${file##*/}
        is_uint "$b" || continue
        read -r cn cdir <"$file" 2>/dev/null || continue
        [[ "$cdir" == "$DIR" ]] && continue
        if ! claim_active "$file" "$b"; then
            rm -f -- "$file" 2>/dev/null || true
            continue
        fi
        for port in $(layout_ports "$cn" "$b"); do
            if [[ -n "${wanted[$port]:-}" ]]; then
                echo "$port $cdir"
                return 0
            fi
        done
    done
    return 1
}

busy_port() {
    local port
    for port in $(layout_ports "$1" "$2"); do
        if port_in_use "$port"; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

release_claim() {
    local file n cdir
    [[ -d "$REGISTRY" ]] || return 0
    for file in "$REGISTRY"/[0-9]*; do
        [[ -f "$file" ]] || continue
        read -r n cdir <"$file" 2>/dev/null || continue
        if [[ "$cdir" == "$DIR" ]]; then rm -f -- "$file" 2>/dev/null || true; fi
    done
}

# ---------------------------------------------------------------------------------------------
# Config and launch

write_config() {
    local k=$1 cfg=$DIR/zoo$1.cfg j
    {
        echo "# Written by $PROG; server $k of $SERVERS."
        echo "tickTime=500"
        echo "initLimit=10"
        echo "syncLimit=5"
        echo "dataDir=$DIR/data$k"
        echo "clientPort=$(client_port "$k")"
        echo "clientPortAddress=$BIND"
        echo "admin.enableServer=false"
        echo "4lw.commands.whitelist=*"
        echo "maxClientCnxns=0"
        echo "minSessionTimeout=1000"
        echo "maxSessionTimeout=60000"
        if ((SERVERS > 1)); then
            echo "cnxTimeout=1000"
            echo "electionPortBindRetry=10"
            echo "standaloneEnabled=false"
            echo "reconfigEnabled=false"
            for ((j = 1; j <= SERVERS; j++)); do
                # The client address must be spelled out: ';PORT' alone means 0.0.0.0 and the
                # server then refuses to start (infra.md §1).
                echo "server.$j=127.0.0.1:$(peer_port "$j"):$(election_port "$j");$BIND:$(client_port "$j")"
            done
        fi
    } >"$cfg"
    mkdir -p "$DIR/data$k"
    if ((SERVERS > 1)); then echo "$k" >"$DIR/data$k/myid"; fi
}

main_class() {
    if ((SERVERS > 1)); then
        echo org.apache.zookeeper.server.quorum.QuorumPeerMain
    else
        echo org.apache.zookeeper.server.ZooKeeperServerMain
    fi
}

# Starts server K in its own session (so it survives the caller's process group) and waits
# for its PID file. The launcher shell writes its own PID and then execs java, so the PID file
# names the JVM itself whatever setsid does.
launch() {
    local k=$1 pidf=$DIR/zk$1.pid log=$DIR/zk$1.log deadline pid
    rm -f -- "$pidf"
    echo "=== $(date '+%F %T') starting server $k" >>"$log"
    # shellcheck disable=SC2016 # $$ and $1 belong to the inner sh
    setsid "${CLEAN_SIGNALS[@]}" sh -c 'echo $$ >"$1"; shift; exec "$@"' zk-launch "$pidf" \
        "$JAVA" "${JVM_OPTS[@]}" -cp "$ZK_JAR:$SLF4J_JAR" "$(main_class)" "$DIR/zoo$k.cfg" \
        </dev/null >>"$log" 2>&1 &
    deadline=$(($(now_ms) + 5000))
    while :; do
        if [[ -s "$pidf" ]]; then
            pid=$(<"$pidf")
            is_uint "$pid" && return 0
        fi
        if (($(now_ms) >= deadline)); then
            note "server $k: no PID file $pidf after 5 s"
            log_tail "$k"
            return 1
        fi
        sleep 0.02
    done
}

log_tail() {
    local k=$1
    {
        echo "---- last lines of $DIR/zk$k.log ----"
        tail -n 25 "$DIR/zk$k.log"
        echo "----"
    } >&2 2>/dev/null || true
}

# Waits until each server in IDS answers srvr with a mode in WANTED (space-separated), e.g.
# "standalone" or "leader follower", or "any" for any reply at all. Fails early if one of them
# dies, with the tail of its log.
wait_ready() {
    local wanted=$1
    shift
    local -a ids=("$@")
    local deadline=$(($(now_ms) + READY_TIMEOUT * 1000)) k pid mode all
    local -A pids=()
    for k in "${ids[@]}"; do
        pids[$k]=$(<"$DIR/zk$k.pid")
    done
    while :; do
        all=1
        for k in "${ids[@]}"; do
            pid=${pids[$k]}
            if ! alive "$pid"; then
                note "server $k (pid $pid) exited during startup"
                log_tail "$k"
                return 1
            fi
            mode=$(mode_on_port "$(client_port "$k")")
            # Re-check after the probe: a reply on our port could come from someone else's
            # server if ours failed to bind.
            if ! alive "$pid"; then
                note "server $k (pid $pid) exited during startup"
                log_tail "$k"
                return 1
            fi
            if [[ "$wanted" == "any" ]]; then
                [[ -n "$mode" ]] || all=0
            elif [[ -z "$mode" || " $wanted " != *" $mode "* ]]; then
                all=0
            fi
        done
        ((all)) && return 0
        if (($(now_ms) >= deadline)); then
            note "timed out after ${READY_TIMEOUT} s waiting for servers ${ids[*]} to report mode: $wanted"
            for k in "${ids[@]}"; do
                mode=$(mode_on_port "$(client_port "$k")")
                note "server $k: ${mode:-no answer to srvr}"
                log_tail "$k"
            done
            return 1
        fi
        sleep 0.1
    done
}

start_watcher() {
    local owner=$1 remove=$2 st
    st=$(proc_starttime "$owner") || { note "--watch: no process $owner"; return 1; }
    rm -f -- "$DIR/watch.pid"
    setsid "${CLEAN_SIGNALS[@]}" bash "$SELF" __watch "$DIR" "$owner" "$st" "$remove" </dev/null >>"$DIR/watch.log" 2>&1 &
    # Wait for its PID file, so that a `stop` right after `start` also ends the watcher.
    local deadline=$(($(now_ms) + 5000))
    until [[ -s "$DIR/watch.pid" ]]; do
        if (($(now_ms) >= deadline)); then
            note "watcher did not start within 5 s (see $DIR/watch.log)"
            return 1
        fi
        sleep 0.02
    done
}

# ---------------------------------------------------------------------------------------------
# Commands

cmd_start() {
    local dir="" port=$DEFAULT_PORT n=1 keep=0 watch="" watch_remove=0 bind=127.0.0.1
    [[ $# -ge 1 ]] || usage
    dir=$1
    shift
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --port) port=${2:-}; shift 2 || usage ;;
            --port=*) port=${1#--port=}; shift ;;
            --servers) n=${2:-}; shift 2 || usage ;;
            --servers=*) n=${1#--servers=}; shift ;;
            --bind) bind=${2:-}; shift 2 || usage ;;
            --bind=*) bind=${1#--bind=}; shift ;;
            --keep-data) keep=1; shift ;;
            --watch) watch=${2:-}; shift 2 || usage ;;
            --watch=*) watch=${1#--watch=}; shift ;;
            --watch-remove) watch_remove=1; shift ;;
            *) die "start: unknown option '$1'" ;;
        esac
    done
    is_uint "$port" || die "--port must be a number, got '$port'"
    if ! is_uint "$n" || ((n < 1 || n > MAX_SERVERS)); then
        die "--servers must be 1..$MAX_SERVERS, got '$n'"
    fi
    if [[ -n "$watch" ]] && { ! is_uint "$watch" || ! alive "$watch"; }; then
        die "--watch needs the PID of a running process, got '$watch'"
    fi
    if ((watch_remove)) && [[ -z "$watch" ]]; then die "--watch-remove needs --watch PID"; fi
    is_ipv4 "$bind" || die "--bind must be an IPv4 address, got '$bind'"
    # Checked here, not left to the JVM: its bind failure would only show as a startup timeout.
    if [[ "$bind" != 127.0.0.1 ]] && command -v ip >/dev/null 2>&1 \
        && ! ip -o -4 address show 2>/dev/null | grep -qF " inet $bind/"; then
        die "--bind $bind is not an address of this host (is the bridge up?)"
    fi
    BIND=$bind
    if ((port != 0)) && ((port < 1 || port + ELECTION_OFFSET + n - 1 > 65535)); then
        die "--port $port leaves no room for $n servers"
    fi

    command -v "$JAVA" >/dev/null 2>&1 || die "'$JAVA' not found: run scripts/install-deps.sh"
    command -v nc >/dev/null 2>&1 || die "nc not found: run scripts/install-deps.sh"
    command -v flock >/dev/null 2>&1 || die "flock not found (util-linux)"
    [[ -f "$ZK_JAR" ]] || die "$ZK_JAR not found: run scripts/install-deps.sh"
    [[ -f "$SLF4J_JAR" ]] || die "$SLF4J_JAR not found: run scripts/install-deps.sh"

    set_dir "$dir" create
    local k pid pid_file
    for pid_file in "$DIR"/zk*.pid "$DIR/watch.pid"; do
        [[ -f "$pid_file" ]] || continue
        if pid=$(live_pid_from "$pid_file"); then
            die "$DIR already has a running process (${pid_file##*/}: pid $pid); run '$PROG stop $DIR' first"
        fi
    done

    # Choose and claim the ports under the registry lock.
    lock_registry
    local busy claim
    if ((port == 0)); then
        local b
        for ((b = AUTO_FIRST; b <= AUTO_LAST; b += AUTO_STEP)); do
            if ! claimed_port "$n" "$b" >/dev/null && ! busy_port "$n" "$b" >/dev/null; then
                port=$b
                break
            fi
        done
        ((port != 0)) || { unlock_registry; die "no free port range found between $AUTO_FIRST and $AUTO_LAST"; }
    else
        if busy=$(busy_port "$n" "$port"); then
            unlock_registry
            die "port $busy is already in use (needed by a $n-server layout at base $port)"
        fi
        if claim=$(claimed_port "$n" "$port"); then
            unlock_registry
            die "port ${claim%% *} is reserved by the ZooKeeper in ${claim#* }"
        fi
    fi
    SERVERS=$n BASE=$port
    printf 'servers=%s\nport=%s\nbind=%s\n' "$SERVERS" "$BASE" "$BIND" >"$DIR/layout"
    rm -f -- "$REGISTRY/$BASE"
    echo "$SERVERS $DIR" >"$REGISTRY/$BASE"
    unlock_registry

    rm -f -- "$DIR"/zk*.pid "$DIR/connect"
    for ((k = 1; k <= SERVERS; k++)); do
        if ((!keep)); then rm -rf -- "${DIR:?}/data$k"; fi
        write_config "$k"
        : >"$DIR/zk$k.log"
    done

    local started=$(($(now_ms)))
    local -a ids=()
    for ((k = 1; k <= SERVERS; k++)); do
        launch "$k" || { cmd_stop_quiet; exit 1; }
        ids+=("$k")
    done

    local wanted="standalone"
    ((SERVERS > 1)) && wanted="leader follower"
    if ! wait_ready "$wanted" "${ids[@]}"; then
        cmd_stop_quiet
        die "start failed; stopped what was started in $DIR"
    fi
    if [[ -n "$watch" ]] && ! start_watcher "$watch" "$watch_remove"; then
        cmd_stop_quiet
        die "start failed; stopped what was started in $DIR"
    fi

    local connect="" sep=""
    for ((k = 1; k <= SERVERS; k++)); do
        connect+="${sep}$BIND:$(client_port "$k")"
        sep=","
    done
    echo "$connect" >"$DIR/connect"
    note "$SERVERS server(s) ready in $(($(now_ms) - started)) ms (base port $BASE on $BIND, dir $DIR)"
    echo "$connect"
}

# Signals every recorded process of DIR that is still ours, waits, escalates, cleans up.
do_stop() {
    local -a targets=()
    local pid_file pid
    for pid_file in "$DIR"/zk*.pid "$DIR/watch.pid"; do
        [[ -f "$pid_file" ]] || continue
        # The watcher runs do_stop itself: it must not signal its own PID.
        if pid=$(live_pid_from "$pid_file") && ((pid != $$)); then
            targets+=("$pid")
        fi
    done
    if ((${#targets[@]} > 0)); then
        # SIGCONT too: a frozen JVM would not act on SIGTERM until continued.
        kill -TERM "${targets[@]}" 2>/dev/null || true
        kill -CONT "${targets[@]}" 2>/dev/null || true
        local deadline=$(($(now_ms) + STOP_TIMEOUT * 1000)) left
        while :; do
            left=()
            for pid in "${targets[@]}"; do
                alive "$pid" && left+=("$pid")
            done
            ((${#left[@]} == 0)) && break
            if (($(now_ms) >= deadline)); then
                note "still alive after ${STOP_TIMEOUT} s, sending SIGKILL: ${left[*]}"
                kill -KILL "${left[@]}" 2>/dev/null || true
                deadline=$(($(now_ms) + STOP_TIMEOUT * 1000))
                while :; do
                    left=()
                    for pid in "${targets[@]}"; do
                        alive "$pid" && left+=("$pid")
                    done
                    ((${#left[@]} == 0)) && break
                    (($(now_ms) < deadline)) || die "processes survived SIGKILL: ${left[*]}"
                    sleep 0.05
                done
                break
            fi
            sleep 0.05
        done
    fi
    rm -f -- "$DIR"/zk*.pid "$DIR/watch.pid"
    release_claim
}

cmd_stop_quiet() { do_stop || true; }

cmd_stop() {
    [[ $# -eq 1 ]] || usage
    [[ -d "$1" ]] || { note "no such directory: $1 (nothing to stop)"; return 0; }
    set_dir "$1" existing
    do_stop
}

cmd_kill() {
    [[ $# -eq 2 ]] || usage
    set_dir "$1" existing
    load_layout
    check_id "$2"
    local pid
    if ! pid=$(server_pid "$2"); then
        note "server $2 is not running"
        return 0
    fi
    kill -KILL "$pid" 2>/dev/null || true
    local deadline=$(($(now_ms) + 5000))
    while alive "$pid"; do
        (($(now_ms) < deadline)) || die "server $2 (pid $pid) still alive 5 s after SIGKILL"
        sleep 0.02
    done
}

cmd_restart() {
    [[ $# -eq 2 ]] || usage
    set_dir "$1" existing
    load_layout
    check_id "$2"
    local k=$2 pid port
    [[ -f "$DIR/zoo$k.cfg" ]] || die "no config $DIR/zoo$k.cfg"
    if pid=$(server_pid "$k"); then
        die "server $k is already running (pid $pid)"
    fi
    for port in $(server_ports "$k"); do
        port_in_use "$port" && die "port $port (needed by server $k) is already in use"
    done
    # Count the peers that are up: without a quorum this server can only come up as far as
    # answering "not currently serving", so wait for that instead of a mode.
    local wanted="standalone" live=1 j
    if ((SERVERS > 1)); then
        for ((j = 1; j <= SERVERS; j++)); do
            ((j != k)) && server_pid "$j" >/dev/null && live=$((live + 1))
        done
        if ((live >= SERVERS / 2 + 1)); then
            wanted="leader follower"
        else
            wanted="any"
            note "only $live of $SERVERS servers up (quorum is $((SERVERS / 2 + 1))): waiting for server $k to answer, not to serve"
        fi
    fi
    launch "$k" || die "restart of server $k failed"
    if ! wait_ready "$wanted" "$k"; then
        if pid=$(server_pid "$k"); then kill -KILL "$pid" 2>/dev/null || true; fi
        die "restart of server $k failed"
    fi
}

wait_state() {
    local pid=$1 want=$2 what=$3 deadline state
    deadline=$(($(now_ms) + 5000))
    while :; do
        state=$(proc_state "$pid")
        if [[ "$want" == "T" ]]; then
            [[ "$state" == "T" ]] && return 0
        else
            [[ "$state" != "T" ]] && return 0
        fi
        (($(now_ms) < deadline)) || die "$what: pid $pid still in state '$state' after 5 s"
        sleep 0.02
    done
}

# freeze/thaw DIR ID: SIGSTOP or SIGCONT one server and wait until the kernel shows the new state.
signal_server() {
    local signal=$1 state=$2 what=$3
    shift 3
    [[ $# -eq 2 ]] || usage
    set_dir "$1" existing
    load_layout
    check_id "$2"
    local pid
    pid=$(server_pid "$2") || die "server $2 is not running"
    kill "-$signal" "$pid"
    wait_state "$pid" "$state" "$what"
}

cmd_leader() {
    [[ $# -ge 1 ]] || usage
    set_dir "$1" existing
    shift
    local wait_s=0
    if [[ $# -gt 0 ]]; then
        if [[ "$1" != "--wait" || $# -ne 2 ]] || ! is_uint "$2"; then usage; fi
        wait_s=$2
    fi
    load_layout
    local deadline=$(($(now_ms) + wait_s * 1000)) k mode
    while :; do
        for ((k = 1; k <= SERVERS; k++)); do
            server_pid "$k" >/dev/null || continue
            mode=$(mode_on_port "$(client_port "$k")")
            if [[ "$mode" == "leader" || "$mode" == "standalone" ]]; then
                echo "$k"
                return 0
            fi
        done
        (($(now_ms) < deadline)) || break
        sleep 0.1
    done
    die "no server in $DIR reports Mode: leader"
}

cmd_status() {
    [[ $# -eq 1 ]] || usage
    set_dir "$1" existing
    load_layout
    local k pid mode port
    for ((k = 1; k <= SERVERS; k++)); do
        port=$(client_port "$k")
        if pid=$(server_pid "$k"); then
            if [[ "$(proc_state "$pid")" == "T" ]]; then
                mode="frozen"
            else
                mode=$(mode_on_port "$port")
                mode=${mode:-no-answer}
            fi
        else
            pid="-"
            mode="down"
        fi
        echo "$k $port $pid $mode"
    done
}

# Internal: the --watch loop. Stops DIR once the owner process is gone (or was replaced).
cmd_watch() {
    set_dir "$1" existing
    local owner=$2 st=$3 remove=${4:-0}
    echo $$ >"$DIR/watch.pid"
    while alive "$owner" && [[ "$(proc_starttime "$owner" || true)" == "$st" ]]; do
        sleep 1
    done
    note "owner $owner exited; stopping $DIR"
    do_stop
    # Only a directory that still looks like one of ours (someone may have reused the path).
    if ((remove)) && [[ -f "$DIR/layout" ]]; then
        rm -rf -- "$DIR"
    fi
}

# The servers and the watcher outlive this script, so they must not inherit descriptors it got
# from its caller (a test process's client sockets or pipes would stay open in the JVM).

[[ $# -ge 1 ]] || usage
command=$1
shift
case "$command" in
    start | restart | __watch) close_inherited_fds ;;
esac
case "$command" in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    kill) cmd_kill "$@" ;;
    restart) cmd_restart "$@" ;;
    freeze) signal_server STOP T freeze "$@" ;;
    thaw) signal_server CONT running thaw "$@" ;;
    leader) cmd_leader "$@" ;;
    status) cmd_status "$@" ;;
    __watch) cmd_watch "$@" ;;
    -h | --help | help) usage ;;
    *) note "unknown command '$command'"; usage ;;
esac
