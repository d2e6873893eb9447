#!/usr/bin/env bash
# The project's test command: installs what the tests need, builds once, runs every test, then
# builds the Debian package and checks it installed (scripts/package.sh).
#
# The tests start their own ZooKeeper servers through scripts/zookeeper.sh (one standalone server
# shared by the test process, plus servers of their own for the ensemble and frozen-server tests)
# and stop them when they end. Set PVC_TEST_ZK=host:port to run the shared-server tests against a
# server you already run instead.
#
# Usage: scripts/test.sh [extra `swift test` arguments, e.g. --filter ContractTests]
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

# Build once, then run without rebuilding. Swift Testing runs the suites in parallel inside one
# process; the suites that need a server of their own are serialized by their own traits.
swift build --build-tests
# A hang is a failure, not a stuck CI: every test has its own time limit, but a deadlock below the
# test library (in the runtime or a C library) would outlive it.
# Two rounds: the VM and fencing cluster tests (three libvirtds, qemu guests and three daemons at a time) run
# after the rest rather than beside it, so neither measures the other's load on a small machine.
if (($# > 0)); then
    timeout --kill-after=30s 30m swift test --skip-build --disable-xctest "$@"
else
    # Both rounds run whatever the first one found, so one run reports every failure.
    status=0
    # Each round's output is also kept, so the failures can be repeated at the very end: a CI log is
    # often read from its tail, hundreds of lines below the test that failed.
    logs=$(mktemp -d /tmp/pvcnoded-test-logs.XXXXXX)
    timeout --kill-after=30s 15m swift test --skip-build --disable-xctest --skip VMClusterTests --skip FenceClusterTests \
        2>&1 | tee "$logs/round1.log" || status=$?
    timeout --kill-after=30s 35m swift test --skip-build --disable-xctest --filter 'VMClusterTests|FenceClusterTests' \
        2>&1 | tee "$logs/round2.log" || status=$?
    # The Debian package: a release build with the Swift runtime linked in, installed here with
    # dpkg -i, its installed daemon run against a ZooKeeper of its own, then removed.
    package_dir=$(mktemp -d /tmp/pvcnoded-deb.XXXXXX)
    if deb=$(timeout --kill-after=30s 20m bash scripts/package.sh build "$package_dir"); then
        timeout --kill-after=30s 10m bash scripts/package.sh check "$deb" || status=$?
    else
        status=1
    fi
    rm -rf "$package_dir"
    if ((status != 0)); then
        echo "test.sh: failed (exit $status); the tests' failures, in the order they were reported:"
        for round in round1 round2; do
            # A timeout leaves no summary line: say which round ended without one.
            grep -q -E '^(✔|✘) Test run with' "$logs/$round.log" || echo "$round: ended without a test-run summary (killed or crashed)"
            grep -E '^✘ ' "$logs/$round.log" | head -n 80 | sed "s/^/$round: /" || true
        done
    fi
    rm -rf "$logs"
    exit "$status"
fi
