#!/usr/bin/env bash
# The network-namespace lab (README's main job): two namespaces, ppplab-bras
# and ppplab-cpe, joined by a veth pair (MTU 1508, so RFC 4638 gives the
# session a 1500-octet MTU); a ppprouter in each: the BRAS is a PPPoE access
# concentrator with an address pool and CHAP users, the CPE a PPPoE client.
# Sets up idempotently (stale namespaces and routers from an earlier run are
# removed first), shows each step, pings through the session, prints `pppctl
# sessions` on both sides, then streams the BRAS's events until Ctrl-C, which
# tears everything down. --once tears down right after the ping.
#   compose/lab.sh [--once] [--no-build]
# PPP_BIN_DIR=DIR uses executables from DIR (default: .build/debug, built here).
set -euo pipefail
cd "$(dirname "$0")/.."
once=0
build=1
for a in "$@"; do
    case "$a" in
        --once) once=1 ;;
        --no-build) build=0 ;;
        *) echo "usage: compose/lab.sh [--once] [--no-build]" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" -eq 0 ] || { echo "lab.sh: run as root (namespaces, veth, and the router's privilege drop)" >&2; exit 2; }

state=/run/ppplab
bras=ppplab-bras
cpe=ppplab-cpe
bin=${PPP_BIN_DIR:-.build/debug}
step() { printf '\n== %s\n' "$*"; }

stop_router() {  # $1: name; SIGTERM the pppinit recorded for it, SIGKILL after 10 s
    local f="$state/$1.pid" pid
    [ -f "$f" ] || return 0
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null && grep -q pppinit "/proc/$pid/cmdline" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

teardown() {
    stop_router cpe
    stop_router bras
    for ns in "$cpe" "$bras"; do
        ip netns list | grep -qw "^$ns" && ip netns delete "$ns" || true
    done
    rm -rf "$state/run-bras" "$state/run-cpe"
}

if [ "$build" -eq 1 ] && [ -z "${PPP_BIN_DIR:-}" ]; then
    need=()
    for pkg in libcap-dev libseccomp-dev nettle-dev pkg-config iproute2 iputils-ping; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
    done
    if [ ${#need[@]} -gt 0 ]; then
        step "apt-get install ${need[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    fi
    step "building"
    swift build 2>&1 | grep -E 'error|Build complete' | tail -n 3
fi
for x in pppinit pppctl linkd authd ncpd bridged; do
    [ -x "$bin/$x" ] || { echo "lab.sh: $bin/$x missing (build first)" >&2; exit 2; }
done

step "removing what an earlier run left (routers, namespaces $bras and $cpe)"
mkdir -p "$state"
teardown
trap 'step "tearing down"; teardown; echo "lab removed"' EXIT
trap 'exit 130' INT TERM

step "namespaces $bras and $cpe, veth bras0 <-> cpe0 (MTU 1508)"
ip netns add "$bras"
ip netns add "$cpe"
ip link add bras0 netns "$bras" mtu 1508 type veth peer name cpe0 netns "$cpe" mtu 1508
for pair in "$bras bras0" "$cpe cpe0"; do
    set -- $pair
    ip -n "$1" link set lo up
    ip -n "$1" link set "$2" up
done
ip -n "$bras" -br link show bras0
ip -n "$cpe" -br link show cpe0

step "configs: $state/bras.toml (access concentrator, CHAP, pool) and $state/cpe.toml (client)"
sed -e "s|@RUN@|$state/run-bras|" compose/lab/bras.toml >"$state/bras.toml"
sed -e "s|@RUN@|$state/run-cpe|" compose/lab/cpe.toml >"$state/cpe.toml"
grep -E '^(\[|type|role|interface|ac-name|service-name|require-chap|user |mru|ip-pool|range|address)' "$state/bras.toml" | sed 's/^/   bras: /'
grep -E '^(\[|type|role|interface|ac-name|service-name|user |mru|noipdefault|persist)' "$state/cpe.toml" | sed 's/^/   cpe:  /'

start_router() {  # $1: name, $2: namespace
    ip netns exec "$2" "$bin/pppinit" --config "$state/$1.toml" --runtime-dir "$state/run-$1" >"$state/$1.log" 2>&1 &
    echo $! >"$state/$1.pid"
}
ctl() { local who=$1; shift; "$bin/pppctl" --runtime-dir "$state/run-$who" "$@"; }

step "starting the BRAS router (pppinit in $bras)"
start_router bras "$bras"
for _ in $(seq 1 100); do ctl bras --json components 2>/dev/null | grep -q '"linkd@access"' && break; sleep 0.1; done
ctl bras components
step "starting the CPE router (pppinit in $cpe)"
start_router cpe "$cpe"

step "waiting for the PPPoE session (discovery, LCP, CHAP, IPCP)"
started=$(date +%s.%N)
up=0
for _ in $(seq 1 300); do
    if ctl cpe --json sessions 2>/dev/null | grep -q '"ipcp":{[^}]*"state":"opened"'; then up=1; break; fi
    sleep 0.1
done
elapsed=$(echo "$(date +%s.%N) - $started" | bc)
if [ "$up" -ne 1 ]; then
    echo "no session after 30 s; logs:"
    sed 's/^/   bras: /' "$state/bras.log" | tail -n 30
    sed 's/^/   cpe:  /' "$state/cpe.log" | tail -n 30
    exit 1
fi
printf 'session up after %.1f s\n' "$elapsed"
ip -n "$cpe" -br addr show | grep -v '^lo' | sed 's/^/   cpe:  /'
ip -n "$bras" -br addr show | grep -v '^lo' | sed 's/^/   bras: /'

remote=$(ip -n "$cpe" -4 -o addr show | awk '/peer/ { sub(/\/.*/, "", $6); print $6; exit }')
local_addr=$(ip -n "$cpe" -4 -o addr show | awk '/peer/ { print $4; exit }')
step "ping from the CPE ($local_addr) to the BRAS ($remote) through the session"
ip netns exec "$cpe" ping -c 3 -i 0.2 -W 2 "$remote"
step "ping from the BRAS to the CPE ($local_addr), 1472 octets (a full 1500-octet packet)"
ip netns exec "$bras" ping -c 3 -i 0.2 -W 2 -s 1472 -M do "$local_addr"

step "pppctl sessions (BRAS)"
ctl bras sessions
step "pppctl sessions (CPE)"
ctl cpe sessions
step "PPPoE counters on the BRAS (pppctl call linkd status)"
ctl bras --json call linkd status | tr ',' '\n' | grep -E '"(role|sessions|pado_sent|pads_sent|padi_received|padi_source_limited|padi_total_limited|padt_sent|padt_received)"' | tr '\n' ' '
echo

if [ "$once" -eq 1 ]; then exit 0; fi
step "running; BRAS events follow (Ctrl-C tears the lab down)"
ctl bras watch
