#!/usr/bin/env bash
# A local demo cluster: one ZooKeeper and three pvcnoded nodes (hv1, hv2, hv3) on this machine,
# each with its own name, config, directories and root libvirtd under DIR (libvirt.sh).
#
#   scripts/demo.sh start [DIR]   install what is missing, build, start everything, wait until every
#                                 node is in `run`, make the nodes ready, start a small demo VM
#                                 on hv1, print `pvcctl node list` and `pvcctl vm list`
#   scripts/demo.sh stop [DIR]    stop every process start recorded (by PID), the libvirtds (and
#                                 their guests), and ZooKeeper
#
# DIR defaults to /tmp/pvc-demo. Every wait is bounded; a failure prints the node's log tail.
set -euo pipefail
cd "$(dirname "$0")/.."

command=${1:-}
dir=${2:-/tmp/pvc-demo}
nodes=(hv1 hv2 hv3)
# How long the nodes get to reach `run` once ZooKeeper serves: PVC takes 23-28 s; ours about a second.
run_timeout_s=60

usage() {
    sed -n '2,9p' "$0" >&2
    exit 2
}

# A recorded PID is ours only if its command line still names the demo directory (PID reuse).
ours() {
    local pid=$1
    [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$dir"
}

alive() {
    local pid=$1
    [[ -r /proc/$pid/status ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status"
}

stop_nodes() {
    local node pid deadline
    for node in "${nodes[@]}"; do
        [[ -f $dir/$node/pid ]] || continue
        pid=$(cat "$dir/$node/pid")
        if alive "$pid" && ours "$pid"; then
            kill -TERM "$pid"
            deadline=$((SECONDS + 15))
            while alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
            if alive "$pid"; then
                echo "demo: $node (pid $pid) ignored SIGTERM for 15 s; killing it" >&2
                kill -KILL "$pid" || true
            fi
        fi
        rm -f "$dir/$node/pid"
    done
}

# Whether anything a previous `start` in $dir started is still alive (a stopped demo leaves its
# files behind, and may be started again).
demo_running() {
    local node pid
    for node in "${nodes[@]}"; do
        [[ -f $dir/$node/pid ]] || continue
        pid=$(cat "$dir/$node/pid")
        if alive "$pid" && ours "$pid"; then return 0; fi
    done
    [[ -f $dir/zk/layout ]] && bash scripts/zookeeper.sh status "$dir/zk" 2>/dev/null | grep -qv ' down$'
}

stop_libvirtds() {
    local node
    for node in "${nodes[@]}"; do
        if [[ -d $dir/$node/libvirt ]]; then
            bash scripts/libvirt.sh stop "$dir/$node/libvirt" || true
        fi
    done
}

cmd_stop() {
    stop_nodes
    stop_libvirtds
    if [[ -d $dir/zk ]]; then
        bash scripts/zookeeper.sh stop "$dir/zk"
    fi
    echo "demo: stopped"
}

cmd_start() {
    bash scripts/install-deps.sh
    swift build --product pvcnoded
    swift build --product pvcctl
    local bin
    bin=$(swift build --show-bin-path)
    mkdir -p "$dir"
    if demo_running; then
        echo "demo: a demo already runs in $dir; run 'scripts/demo.sh stop $dir' first" >&2
        exit 1
    fi

    local connect
    connect=$(bash scripts/zookeeper.sh start "$dir/zk" --port 0)
    echo "demo: ZooKeeper serving at $connect"
    "$bin/pvcctl" cluster init --zk "$connect"

    # One libvirtd per node (its own sockets, TCP port and host UUID), so VMs can live-migrate
    # between the demo's nodes on this one machine.
    local node peers=""
    declare -A libvirt_uri
    for node in "${nodes[@]}"; do
        libvirt_uri[$node]=$(bash scripts/libvirt.sh start "$dir/$node/libvirt" "$node")
        peers+="    $node:
      destination_uri: \"$(sed -n 's/^tcp_uri=//p' "$dir/$node/libvirt/layout")\"
      migration_uri: \"tcp://127.0.0.1\"
"
    done

    for node in "${nodes[@]}"; do
        mkdir -p "$dir/$node/run" "$dir/$node/log"
        cat >"$dir/$node/pvcnoded.yaml" <<YAML
node:
  name: $node
  libvirt_uri: "${libvirt_uri[$node]}"
cluster:
  name: demo
  coordinator_nodes: [hv1, hv2, hv3]
database:
  zookeeper:
    connect: "$connect"
path:
  dynamic_directory: "$dir/$node/run"
  system_log_directory: "$dir/$node/log"
timer:
  keepalive_interval: 2
  # The demo's guests have no OS and ignore ACPI: a shutdown ends in a destroy after this.
  vm_shutdown_timeout: 5
migration:
  peers:
$peers
logging:
  # The demo's stderr goes to a file, not to the journal, which would date the lines itself.
  log_dates: true
  zookeeper_logging: true
YAML
        # setsid: the node outlives this script; its PID is recorded for `stop`.
        setsid "$bin/pvcnoded" --config "$dir/$node/pvcnoded.yaml" >"$dir/$node/log/pvcnoded.out" 2>&1 </dev/null &
        echo $! >"$dir/$node/pid"
    done

    local deadline=$((SECONDS + run_timeout_s)) waiting
    while true; do
        waiting=()
        for node in "${nodes[@]}"; do
            local pid
            pid=$(cat "$dir/$node/pid")
            if ! alive "$pid"; then
                echo "demo: $node exited; its log ends with:" >&2
                tail -n 20 "$dir/$node/log/pvcnoded.out" >&2
                cmd_stop
                exit 1
            fi
            if ! "$bin/pvcctl" node info "$node" --zk "$connect" --format json 2>/dev/null |
                grep -q '"/daemonstate" *: *"run"'; then
                waiting+=("$node")
            fi
        done
        ((${#waiting[@]} == 0)) && break
        if ((SECONDS >= deadline)); then
            echo "demo: ${waiting[*]} not in run after ${run_timeout_s} s" >&2
            for node in "${waiting[@]}"; do tail -n 20 "$dir/$node/log/pvcnoded.out" >&2; done
            exit 1
        fi
        sleep 0.2
    done
    # New nodes register `flushed`: make them ready, as an operator does, then run a VM.
    for node in "${nodes[@]}"; do
        "$bin/pvcctl" node ready "$node" --wait --timeout 60 --zk "$connect"
    done
    local uuid
    uuid=$(cat /proc/sys/kernel/random/uuid)
    cat >"$dir/demo1.xml" <<XML
<domain type='qemu'>
  <name>demo1</name>
  <uuid>$uuid</uuid>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator><serial type='pty'/></devices>
</domain>
XML
    if ! "$bin/pvcctl" vm info demo1 --zk "$connect" >/dev/null 2>&1; then
        "$bin/pvcctl" vm define "$dir/demo1.xml" --node hv1 --zk "$connect"
    fi
    "$bin/pvcctl" vm start demo1 --zk "$connect"
    "$bin/pvcctl" node list --zk "$connect"
    "$bin/pvcctl" vm list --zk "$connect"
    echo "demo: running in $dir; try: $bin/pvcctl vm migrate demo1 --target hv2 --wait --zk $connect"
    echo "demo: stop it with: scripts/demo.sh stop $dir"
}

case "$command" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    *) usage ;;
esac
