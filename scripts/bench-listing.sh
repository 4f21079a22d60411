#!/usr/bin/env bash
# Benchmark (prints figures; not a test): `pppctl --json sessions` of N PPPoE
# sessions on one access concentrator (issue 13 point 4: 10,000 in < 1 s),
# release daemons, beside a baseline pppctl in the same run against the same
# router. The baseline is an older pppctl that asks linkd and ncpd for one
# page per call (the daemons of this build still answer it so), so the two
# figures differ by the round trips and pppctl's own work only. The swarm is
# PPPoEScaleTests' (the test process plays the N Hosts); its other figures
# (setup rate, memory, descriptors) are printed too.
#   scripts/bench-listing.sh [N ...]          (root; default 2000 4000 10000)
# BASELINE_PPPCTL=PATH  the baseline pppctl; without it one is built (release)
#                       from BASELINE_REV (default d162823, main before pages
#                       as parts) in a temporary git worktree.
# SCRATCH=.build-x      the build folder (default .build).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench-listing.sh: run as root" >&2; exit 2; }
scratch=${SCRATCH:-.build}
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(2000 4000 10000)
echo "== swift build -c release, and the test runner ($scratch)"
swift build --scratch-path "$scratch" -c release 2>&1 | grep -E 'error|Build complete' | tail -n 2
swift build --scratch-path "$scratch" --build-tests 2>&1 | grep -E 'error|Build complete' | tail -n 2
baseline=${BASELINE_PPPCTL:-}
if [ -z "$baseline" ]; then
    rev=${BASELINE_REV:-d162823}
    tree=$(mktemp -d /tmp/ppprouter-baseline.XXXXXX)
    trap 'git worktree remove --force "$tree" 2>/dev/null || true; rm -rf "$tree"' EXIT
    echo "== baseline pppctl from $rev (release)"
    git worktree add --detach "$tree" "$rev" >/dev/null
    (cd "$tree" && swift build -c release --product pppctl 2>&1 | grep -E 'error|Build complete' | tail -n 2)
    baseline=$tree/.build/release/pppctl
fi
echo "== $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for n in "${counts[@]}"; do
    echo "== $n sessions"
    PPP_BIN_DIR=$PWD/$scratch/release PPP_LISTING_BASELINE_PPPCTL=$baseline PPP_SWARM_SESSIONS=$n \
        swift test --scratch-path "$scratch" --skip-build --no-parallel --disable-xctest \
        --filter PPPoEScaleTests/thousandsOfSessionsOnOneLinkd 2>&1 |
        grep -E '^PPPoE swarm|✘|passed after|failed after' | grep -v '^✔ Suite\|^✔ Test run' || true
done
