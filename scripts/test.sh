#!/usr/bin/env bash
# The test command (README): installs what the tests need, builds, runs every
# test (unit and integration; integration needs root), then a short smoke run
# of every fuzz target. Exit status is the tests'.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
    echo "test.sh: run as root (integration tests start daemons that drop to their own uids)" >&2
    exit 2
fi
command -v swift >/dev/null || { echo "test.sh: needs the Swift 6.3 toolchain on PATH" >&2; exit 2; }

need=()
for pkg in libcap-dev libseccomp-dev nettle-dev pkg-config iproute2 util-linux socat pppoe iperf3 iputils-ping freeradius tshark python3 ndisc6 dhcpcd-base curl prometheus; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "== apt-get install ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

echo "== swift build"
swift build --build-tests 2>&1 | grep -v '^\[' || true
test -x .build/debug/pppinit

echo "== swift test"
# Serial: integration tests count descriptors and start routers.
set +e
# Shown: failures, printed figures and the closing "Test run with N tests" line.
swift test --skip-build --no-parallel --disable-xctest 2>&1 | tee /tmp/ppprouter-test.log |
    awk '/^(◇|↳)/ { next } /^✔ / && !/Test run with/ { next } { print; fflush() }'
status=${PIPESTATUS[0]}
# The integration tests delete their namespaces at exit; a test process that
# died leaves one behind.
# Only those whose test process is gone: another run may still be using its own.
for ns in $(ip netns list 2>/dev/null | awk '/^ppptest-[0-9]+/ { print $1 }'); do
    kill -0 "${ns#ppptest-}" 2>/dev/null || ip netns delete "$ns"
done
set -e
if [ "$status" -ne 0 ]; then
    echo "== tests failed (exit $status)"
    grep -E '✘' /tmp/ppprouter-test.log | head -50 || true
    exit "$status"
fi

passed=$(sed -n 's/.*Test run with \([0-9]*\) tests.*passed.*/\1/p' /tmp/ppprouter-test.log | tail -n 1)

# Issue 21: heap allocations on the hot paths counted (a counting malloc
# around the packet loops of Multilink and Offload; ~1 min of swiftc -O).
echo "== heap allocations on hot paths (scripts/alloc-count.sh)"
for driver in MultilinkAllocations OffloadAllocations; do
    ./scripts/alloc-count.sh "$driver" || { echo "== $driver: allocations on a hot path, or it did not build"; exit 1; }
done

echo "== fuzz smoke (${FUZZ_SECONDS:-5} s per target)"
./scripts/fuzz.sh "${FUZZ_SECONDS:-5}"
echo "tests: ${passed:-0} passed, 0 failed"
