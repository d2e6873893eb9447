#!/usr/bin/env bash
# Installs the Debian 12 packages this project builds against and the ones its tests and
# benchmarks run (a real ZooKeeper through scripts/zookeeper.sh, network namespaces through
# scripts/netns.sh) and the daemon's own runtime tools (ip, arping).
#
# Idempotent: when every package is already installed it returns at once without touching apt,
# so it is cheap to call at the start of every CI job or test script.
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

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all ${#packages[@]} packages already installed"
    exit 0
fi

sudo_cmd=()
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
echo "install-deps: done"
