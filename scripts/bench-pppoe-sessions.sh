#!/usr/bin/env bash
# Benchmark (prints figures; not a test): how fast one linkd's PPPoE access
# concentrator sets up N sessions (discovery, LCP, PAP, IPCP with a TUN unit
# each in ncpd) and ends them again, with linkd/ncpd/pppinit memory and
# descriptors, for each N given. It runs the swarm integration test
# (Tests/IntegrationTests/PPPoEScaleTests.swift), whose test process plays
# the N Hosts, with PPP_SWARM_SESSIONS=N; the figures are its printed lines.
#   scripts/bench-pppoe-sessions.sh [N ...]     (root; default 1000 2000 4000)
# SCRATCH=.build-x selects the build folder (default .build); the build is a
# debug build like the test suite's, so the rates are a debug build's.
# BASELINE_BIN_DIR=DIR (a folder with an older build's pppinit, linkd, ncpd,
# authd, bridged, pppctl) runs each N with those daemons too, right before
# ours, so the figures stand side by side from the same machine and minute
# (issue 13: ncpd's CPU per session before and after units without IPv6).
# Then the same N on a VLAN port (issue 13 point 6: PPPoEVLANTests' 1:1 and
# QinQ swarm, Hosts spread over untagged, C-VLANs and QinQ on one port, with
# a kill -9 of linkd and the tagged sessions resumed); VLAN=0 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench-pppoe-sessions.sh: run as root" >&2; exit 2; }
scratch=${SCRATCH:-.build}
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1000 2000 4000)
echo "== swift build --build-tests ($scratch)"
swift build --scratch-path "$scratch" --build-tests 2>&1 | grep -E 'error|Build complete' | tail -n 2
for n in "${counts[@]}"; do
    if [ -n "${BASELINE_BIN_DIR:-}" ]; then
        echo "== $n sessions, baseline daemons from $BASELINE_BIN_DIR"
        PPP_BIN_DIR=$BASELINE_BIN_DIR PPP_SWARM_BASELINE=1 PPP_SWARM_SESSIONS=$n swift test --scratch-path "$scratch" --skip-build --no-parallel --disable-xctest \
            --filter PPPoEScaleTests/thousandsOfSessionsOnOneLinkd 2>&1 | grep -E '^PPPoE swarm|✘|passed after|failed after' | grep -v '^✔ Suite\|^✔ Test run' || true
    fi
    echo "== $n sessions"
    PPP_SWARM_SESSIONS=$n swift test --scratch-path "$scratch" --skip-build --no-parallel --disable-xctest \
        --filter PPPoEScaleTests 2>&1 | grep -E '^PPPoE swarm|✘|passed after|failed after' | grep -v '^✔ Suite\|^✔ Test run' || true
    if [ "${VLAN:-1}" != 0 ]; then
        echo "== $n sessions on a VLAN port"
        PPP_VLAN_SWARM_SESSIONS=$n swift test --scratch-path "$scratch" --skip-build --no-parallel --disable-xctest \
            --filter PPPoEVLANTests/oneToOneAndQinQSwarmSurvivesKillOfLinkd 2>&1 | grep -E '^PPPoE VLAN swarm|✘|passed after|failed after' | grep -v '^✔ Suite\|^✔ Test run' || true
    fi
done
