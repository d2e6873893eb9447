#!/usr/bin/env bash
# Builds the Debian package pvcnoded and checks it on this machine.
#
# Usage:
#   package.sh build [OUTDIR]   dpkg-buildpackage -b on a copy of the working tree (tracked and new,
#                               not ignored, files), so the tree gets no build products; the .deb
#                               is moved to OUTDIR (default: the current directory) and its path is
#                               the one line printed on stdout
#   package.sh check DEB        as root: installs DEB with dpkg -i, checks the installed binaries and
#                               units (systemd-analyze verify), runs the installed daemon on a
#                               ZooKeeper of its own with the installed sample configuration
#                               adapted here, as pvcnoded.service would, until `run` and a SIGTERM
#                               stop, runs pvcautoready's command, then removes and purges the
#                               package; the removal and every process started here (by PID) are
#                               also undone on failure
#
# The toolchain is the `swift` on PATH (debian/rules). Progress goes to stderr.
set -euo pipefail

PROG=${0##*/}
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/${BASH_SOURCE[0]##*/}
ROOT=${SELF%/scripts/*}
readonly PROG SELF ROOT
# shellcheck source-path=SCRIPTDIR source=lib/processes.sh
source "${SELF%/*}/lib/processes.sh"

# The installed daemon gets this long to reach `run`, and to exit after SIGTERM: generous,
# since CI runs this on a loaded machine; each wait ends as soon as the state is reached.
readonly RUN_TIMEOUT=120 EXIT_TIMEOUT=60

usage() {
    sed -n '2,/^$/{s/^# \{0,1\}//p}' "$SELF" >&2
    exit 2
}

build() {
    local outdir=${1:-.}
    mkdir -p "$outdir"
    outdir=$(cd "$outdir" && pwd -P)
    local work
    work=$(mktemp -d /tmp/pvcnoded-package.XXXXXX)
    # shellcheck disable=SC2064  # expand now: the directory is this call's
    trap "rm -rf '$work'" EXIT
    trap 'exit 143' TERM INT
    mkdir "$work/pvcnoded"
    (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard) \
        | (cd "$ROOT" && tar --null -T - -cf -) | tar -C "$work/pvcnoded" -xf -
    note "building in $work/pvcnoded with $(command -v swift || echo 'no swift on PATH')"
    (cd "$work/pvcnoded" && dpkg-buildpackage -b -us -uc) >&2
    local deb
    deb=$(find "$work" -maxdepth 1 -name 'pvcnoded_*.deb' -print -quit)
    [[ -n "$deb" ]] || die "dpkg-buildpackage made no pvcnoded_*.deb"
    mv "$deb" "$outdir/"
    echo "$outdir/${deb##*/}"
}

# Sets KEY (dotted, e.g. path.dynamic_directory) to VALUE in a YAML file laid out as the sample
# is: one mapping key per line, two-space indentation. A key that is not there is an error, so
# a sample that changes shape fails the check instead of leaving a default in place.
set_key() {
    python3 - "$@" <<'EOF'
import re, sys
path, key, value = sys.argv[1:4]
wanted = key.split(".")
lines = open(path).read().split("\n")
stack = []
for index, line in enumerate(lines):
    match = re.match(r"^( *)([A-Za-z_]+):(.*)$", line)
    if not match:
        continue
    depth = len(match.group(1)) // 2
    stack = stack[:depth] + [match.group(2)]
    if stack == wanted:
        lines[index] = f"{match.group(1)}{match.group(2)}: {value}"
        open(path, "w").write("\n".join(lines))
        sys.exit(0)
sys.exit(f"{path}: no key {key}")
EOF
}

# systemd's end of sd_notify: every datagram on SOCKET appended to LOG, one message per line
# (fields joined with spaces).
notify_listener() {
    exec python3 - "$@" <<'EOF'
import socket, sys
path, log = sys.argv[1:3]
listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
listener.bind(path)
with open(log, "a", buffering=1) as out:
    while True:
        out.write(listener.recv(4096).decode(errors="replace").replace("\n", " ") + "\n")
EOF
}

# Polls COMMAND until it succeeds, for at most SECONDS.
wait_until() {
    local seconds=$1 what=$2
    shift 2
    local deadline=$(($(now_ms) + seconds * 1000))
    until "$@"; do
        (($(now_ms) < deadline)) || { note "no $what within ${seconds}s"; return 1; }
        sleep 0.2
    done
}

check() {
    local deb=$1
    [[ -f "$deb" ]] || die "no package file $deb"
    [[ $(id -u) -eq 0 ]] || die "check installs a package: run it as root"
    if dpkg-query -W -f='${db:Status-Status}' pvcnoded 2>/dev/null | grep -qx installed; then
        die "pvcnoded is already installed here; the check would remove it"
    fi
    local dir
    dir=$(mktemp -d /tmp/pvcnoded-package-check.XXXXXX)
    CHECK_DIR=$dir
    trap check_cleanup EXIT
    # A timeout's SIGTERM ends the check through the EXIT trap too: the package and the
    # processes started here are removed.
    trap 'exit 143' TERM INT

    note "dpkg -i $deb"
    # Set first: a failed configure leaves a half-installed package to purge.
    INSTALLED=1
    dpkg -i "$deb" >&2
    local depends
    depends=$(dpkg-query -W -f='${Depends}' pvcnoded)
    note "Depends: $depends"
    local library
    for library in libzookeeper-mt2 libvirt0 librados2 librbd1 ipmitool iproute2 arping; do
        [[ "$depends" == *"$library"* ]] || die "the package does not depend on $library"
    done

    local version
    version=$(/usr/bin/pvcnoded --version)
    [[ "$version" == "pvcnoded "* ]] || die "pvcnoded --version printed '$version'"
    note "$version"
    /usr/bin/pvcctl --help >/dev/null || die "pvcctl --help failed"
    # The Swift runtime is linked in: a node needs no toolchain.
    if ldd /usr/bin/pvcnoded /usr/bin/pvcctl | grep -q 'libswift\|libFoundation'; then
        die "the installed binaries load Swift runtime libraries: $(ldd /usr/bin/pvcnoded | grep swift)"
    fi
    local file
    for file in /usr/share/pvcnoded/pvcnoded.yaml.sample /usr/share/pvcnoded/schema/15.json \
        /lib/systemd/system/pvcnoded.service /lib/systemd/system/pvcautoready.service \
        /lib/systemd/system/pvc.target; do
        [[ -f "$file" ]] || die "the package did not install $file"
    done
    # postinst enables the units: pvc.target with multi-user, the others with pvc.target.
    for file in /etc/systemd/system/multi-user.target.wants/pvc.target \
        /etc/systemd/system/pvc.target.wants/pvcnoded.service \
        /etc/systemd/system/pvc.target.wants/pvcautoready.service; do
        [[ -L "$file" ]] || die "postinst did not enable ${file##*/} ($file missing)"
    done
    note "systemd-analyze verify"
    local verify
    verify=$(systemd-analyze verify /lib/systemd/system/pvcnoded.service \
        /lib/systemd/system/pvcautoready.service /lib/systemd/system/pvc.target 2>&1) \
        || die "systemd-analyze verify refused the units: $verify"
    # It exits 0 on warnings too; ours must have none (units it cannot find, such as ceph.target
    # on a machine without Ceph, are only named in After=, which is not a warning).
    [[ -z "$verify" ]] || die "systemd-analyze verify warned: $verify"

    run_installed_daemon "$dir"

    note "dpkg -r pvcnoded"
    dpkg -r pvcnoded >&2
    INSTALLED=
    [[ ! -e /usr/bin/pvcnoded && ! -e /usr/bin/pvcctl ]] || die "dpkg -r left the binaries"
    [[ ! -e /lib/systemd/system/pvcnoded.service ]] || die "dpkg -r left pvcnoded.service"
    dpkg -P pvcnoded >&2
    [[ ! -e /etc/systemd/system/pvc.target.wants/pvcnoded.service ]] || die "purge left the unit enabled"
    note "package checked: installed, ran, removed"
}

# The daemon as pvcnoded.service runs it: /usr/bin/pvcnoded, configuration through
# PVC_CONFIG_FILE, readiness through NOTIFY_SOCKET; then pvcautoready.service's command.
run_installed_daemon() {
    local dir=$1
    local connect
    connect=$(bash "$ROOT/scripts/zookeeper.sh" start "$dir/zookeeper" --port 0 --watch $$)
    ZOOKEEPER_DIR=$dir/zookeeper
    note "ZooKeeper at $connect"

    local config=$dir/pvc.conf
    cp /usr/share/pvcnoded/pvcnoded.yaml.sample "$config"
    set_key "$config" node.name hv1
    set_key "$config" database.zookeeper.connect "\"$connect\""
    set_key "$config" path.dynamic_directory "\"$dir/run\""
    set_key "$config" path.system_log_directory "\"$dir/log\""
    set_key "$config" path.console_log_directory "\"$dir/console\""
    # No system libvirtd runs on the CI machine; the VM side has tests of its own.
    set_key "$config" subsystem.enable_hypervisor false
    set_key "$config" logging.file_logging true
    mkdir -p "$dir/run" "$dir/log" "$dir/console"

    PVC_CONFIG_FILE=$config /usr/bin/pvcctl cluster init >&2

    notify_listener "$dir/notify.socket" "$dir/notify.log" &
    LISTENER_PID=$!
    wait_until 10 "notify socket" test -S "$dir/notify.socket"

    PVC_CONFIG_FILE=$config NOTIFY_SOCKET=$dir/notify.socket /usr/bin/pvcnoded >"$dir/daemon.out" 2>&1 &
    DAEMON_PID=$!
    note "installed pvcnoded started, pid $DAEMON_PID"
    wait_until "$RUN_TIMEOUT" "READY=1" grep -q 'READY=1' "$dir/notify.log" \
        || die "the installed daemon never reported readiness"
    # Asked with no node name and no --zk: pvcctl takes both from the daemon's configuration.
    local state
    state=$(node_key "$config" daemonstate)
    [[ "$state" == run ]] || die "READY=1 came but pvcctl node info says daemonstate '$state'"
    note "node hv1 in run: $(grep -o 'STATUS=[^ ]* [^ ]*' "$dir/notify.log" | tail -1)"
    # Storage is off in the sample: Ceph's libraries (opened on first use) are not mapped.
    if grep -q 'librados\|librbd' "/proc/$DAEMON_PID/maps"; then
        die "the installed daemon mapped Ceph's libraries with storage off"
    fi

    # pvcautoready.service's own command line, run as the unit would (its environment is the
    # installed unit's, with the test's configuration file).
    local autoready
    autoready=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/pvcautoready.service)
    [[ "$autoready" == "/usr/bin/pvcctl node ready --wait"* ]] || die "pvcautoready runs '$autoready'"
    note "pvcautoready: $autoready"
    # Bounded here by the run timeout, not the unit's 30 min: the node has no VMs to bring back.
    # shellcheck disable=SC2086  # the unit's command line, split as systemd splits it
    PVC_CONFIG_FILE=$config timeout "$RUN_TIMEOUT" $autoready >&2 || die "pvcautoready's command failed"
    state=$(node_key "$config" domainstate)
    [[ "$state" == ready ]] || die "hv1's domainstate is '$state' after pvcautoready's command"

    kill -TERM "$DAEMON_PID"
    wait_dead "$EXIT_TIMEOUT" "$DAEMON_PID" >/dev/null \
        || die "the installed daemon did not exit within ${EXIT_TIMEOUT}s of SIGTERM"
    local status=0
    wait "$DAEMON_PID" || status=$?
    DAEMON_PID=
    ((status == 0)) || die "the installed daemon exited $status after SIGTERM"
    grep -q 'STOPPING=1' "$dir/notify.log" || die "no STOPPING=1 after SIGTERM"
    grep -q 'stopped' "$dir/log/pvcnoded.log" || die "the daemon's log file has no 'stopped' line"
    state=$(node_key "$config" daemonstate)
    [[ "$state" == stop ]] || die "hv1's daemonstate is '$state' after SIGTERM"
    note "installed daemon: run, ready, stopped on SIGTERM (exit 0)"
}

# One key of the configured node, through the installed pvcctl's `node info` with no name.
node_key() {
    local config=$1 key=$2
    PVC_CONFIG_FILE=$config /usr/bin/pvcctl node info --format json \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["keys"].get("/" + sys.argv[1], ""))' "$key"
}

check_cleanup() {
    local status=$?
    if [[ -n "${DAEMON_PID:-}" ]]; then
        kill -KILL "$DAEMON_PID" 2>/dev/null || true
        wait "$DAEMON_PID" 2>/dev/null || true
    fi
    if [[ -n "${LISTENER_PID:-}" ]]; then
        kill -KILL "$LISTENER_PID" 2>/dev/null || true
        wait "$LISTENER_PID" 2>/dev/null || true
    fi
    [[ -z "${ZOOKEEPER_DIR:-}" ]] || bash "$ROOT/scripts/zookeeper.sh" stop "$ZOOKEEPER_DIR" >&2 || true
    if [[ -n "${INSTALLED:-}" ]]; then
        note "removing the package after a failed check"
        dpkg -P pvcnoded >&2 || true
    fi
    if ((status != 0)) && [[ -f "$CHECK_DIR/daemon.out" ]]; then
        note "the installed daemon's output:"
        tail -n 40 "$CHECK_DIR/daemon.out" >&2 || true
    fi
    rm -rf "$CHECK_DIR"
    exit "$status"
}

case "${1:-}" in
build) shift; (($# <= 1)) || usage; build "$@" ;;
check) shift; (($# == 1)) || usage; check "$1" ;;
*) usage ;;
esac
