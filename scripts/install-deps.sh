#!/usr/bin/env bash
# Installs the Debian 12 packages this project builds against (also as a Debian package) and the
# ones its tests and benchmarks run (a real ZooKeeper through scripts/zookeeper.sh, network namespaces through
# scripts/netns.sh) and the daemon's own runtime tools (ip, arping).
#
# Idempotent: when every package is already installed it returns at once without touching apt,
# so it is cheap to call at the start of every CI job or test script.
#
# It also prepares what a root libvirtd needs on a host without libvirt-daemon-system (see
# scripts/libvirt.sh): the `libvirt-qemu` user that libvirt resolves before reading qemu.conf,
# and the empty mount points each per-test libvirtd bind-mounts its own directories over.
#
# Usage: scripts/install-deps.sh            (as root, or as a user with sudo)
set -euo pipefail

packages=(
    # The ZooKeeper server jars (/usr/share/java/zookeeper.jar and, through libzookeeper-java,
    # slf4j-simple.jar). scripts/zookeeper.sh runs java on them directly; the Debian service
    # wrapper is not used. It Depends on default-jre, so it brings Java with it.
    zookeeper
    # Listed explicitly because zookeeper.sh runs `java` itself; headless is all it needs.
    default-jre-headless
    # Headers and libzookeeper_mt for the CZooKeeper module (the async client).
    libzookeeper-mt-dev
    # Headers and pkg-config file for the CLibvirt module.
    libvirt-dev
    # Headers for the CRados and CRBD modules (Ceph locks, blocklist and RBD images).
    librados-dev
    librbd-dev
    # SwiftPM resolves the CLibvirt system library through `pkg-config libvirt`.
    pkg-config
    # The Python ZooKeeper client, used to cross-check our client against Kazoo's recipes.
    python3-kazoo
    # `nc` (OpenBSD flavour) sends ZooKeeper four-letter words (srvr, dump, ...) from scripts.
    netcat-openbsd
    # `ip`: the daemon's floating addresses (HostNetwork) and the test networks of netns.sh.
    iproute2
    # Thomas Habets' arping, the one PVC runs for gratuitous ARP after adding a floating
    # address. (iputils-arping also works at run time, but conflicts with this package.)
    arping
    # netns.sh's TCP listener inside a namespace.
    python3
    # The monolithic libvirtd (Debian 12 has no virtqemud) with its QEMU driver, which
    # scripts/libvirt.sh runs once per test node; the Hypervisor module talks to it.
    libvirt-daemon
    libvirt-daemon-driver-qemu
    # virsh: scripts/libvirt.sh destroys leftover guests with it before stopping a libvirtd
    # (qemu outlives libvirtd otherwise).
    libvirt-clients
    # The emulator of the tiny TCG guests (no KVM needed) and the SeaBIOS they idle in.
    qemu-system-x86
    # qemu's rbd block driver (block-rbd.so), for guests with RBD disks (VMCluster's storage
    # tests): only a Recommends of qemu-system-x86, so absent with --no-install-recommends.
    qemu-block-extra
    # scripts/libvirt.sh runs each libvirtd under `tini -s` (a child subreaper) so that qemu
    # processes, which daemonize, are reaped at once; the init of the test machines reaps
    # orphans lazily, and libvirt waits for a stopped qemu's zombie to go (1.2-1.6 s per
    # destroy or migration instead of milliseconds).
    tini
    # ipmi_sim, the simulated BMC (one per test node) that scripts/ipmi.sh runs: its chassis
    # power off really kills the node process, for the fencing tests and pvc-bench failover.
    openipmi
    # The Ceph monitor, manager and OSD daemons scripts/ceph.sh runs (a single-host cluster
    # under one directory) for the CephStorage tests and benchmarks.
    ceph-mon
    ceph-mgr
    ceph-osd
    # The ceph, rbd, ceph-authtool and monmaptool commands ceph.sh and the tests run.
    ceph-common
    # uuidgen: ceph.sh's cluster fsid and OSD uuid.
    uuid-runtime
    # The IPMI client the daemon's PowerControl module runs (`ipmitool -I lanplus`) to fence a
    # node through its BMC, as PVC does.
    ipmitool
    # scripts/package.sh: dpkg-buildpackage and the dh tools that build the .deb (debian/), and
    # systemd-analyze, which checks the installed units. Nothing here runs systemd itself.
    dpkg-dev
    debhelper
    systemd
)

# The two arpings conflict: a host that already has iputils' keeps it (HostNetwork detects
# which one is installed) rather than having apt remove it.
if [[ "$(dpkg-query -W -f='${db:Status-Status}' iputils-arping 2>/dev/null || true)" == "installed" ]]; then
    packages=("${packages[@]/#arping/iputils-arping}")
fi

missing=()
for pkg in "${packages[@]}"; do
    # `dpkg-query -W` also lists removed-but-configured packages, so look at the status word.
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != "installed" ]]; then
        missing+=("$pkg")
    fi
done

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
    sudo_cmd=(sudo)
fi

# A root libvirtd resolves its compiled-in QEMU user before it reads qemu.conf (infra.md §4b),
# so the user must exist even though qemu.conf then runs guests as root.
prepare_libvirt_host() {
    if ! getent passwd libvirt-qemu >/dev/null; then
        "${sudo_cmd[@]}" useradd -r -U -M -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
    fi
    local dir
    for dir in /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt; do
        [[ -d "$dir" ]] || "${sudo_cmd[@]}" mkdir -p "$dir"
    done
}

if [[ ${#missing[@]} -eq 0 ]]; then
    prepare_libvirt_host
    echo "install-deps: all ${#packages[@]} packages already installed"
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
        exit 1
    fi
    sudo_cmd=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
prepare_libvirt_host
echo "install-deps: done"
