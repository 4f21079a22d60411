#!/usr/bin/env bash
# Benchmark (prints figures; not a test, too long for CI): issue 13's
# thousands of PPPoE sessions on one access concentrator, release daemons.
# The subscribers are one C process (scripts/bench-pppoe/pppoe-swarm.c: a MAC
# each; discovery, LCP, PAP, IPCP; Echo-Replies), so the router under test is
# the only heavy party. For each N:
#   - setup: the swarm starts RATE clients a second (at most WINDOW on the
#     way); time until all N are IPCP-opened, sessions per second overall;
#   - CPU ms per session set up of linkd, authd, ncpd and pppinit (from
#     /proc/PID/stat before and after), and of the swarm itself;
#   - resident memory (KiB) and descriptors per session of each daemon
#     (with N up minus before, divided by N; pppinit's fd store in full);
#   - teardown: the swarm's PADTs, time until linkd and ncpd hold none.
# Then the restart run at RESTART_N sessions (default the largest N): kill -9
# of linkd, then of ncpd, each with every session up; sessions each successor
# resumed (must be N), time to resume, and whether any client saw a PADT or
# an LCP Terminate-Request (must be none).
# BASELINE_BIN_DIR=DIR (an older build's pppinit, linkd, ncpd, authd, bridged,
# pppctl) runs every case with those daemons too, right before ours, so both
# columns come from the same machine and minute. The load average is printed
# with the figures: the machine is shared, and the rates move with it.
#   scripts/bench-pppoe-sessions.sh [N ...]      (root; default 1000 5000 10000)
# PPP_BIN_DIR selects our build (default: swift build -c release, .build/release).
# RATE (1000), WINDOW (1000), RESTART_N (largest N; 0: no restart run);
# IPV6=1: IPv6CP too (the port's `ipv6 = true`, the swarm's SWARM_IPV6): a
# session is up once IPCP and IPv6CP are both Opened;
# KEEP_STATUS=PREFIX keeps linkd's and ncpd's status and the router's log
# of each run (with every session up) as PREFIX.*.
# VLAN=1 also runs PPPoEVLANTests' 1:1/QinQ swarm (debug test build) per N.
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1000 5000 10000)
rate=${RATE:-1000}
ipv6=${IPV6:-0}
ncps="IPCP"; [ "$ipv6" = 1 ] && ncps="IPCP + IPv6CP"
window=${WINDOW:-1000}
largest=0; for n in "${counts[@]}"; do [ "$n" -gt "$largest" ] && largest=$n; done
restart_n=${RESTART_N:-$largest}
. scripts/lib/bench-pppoe.sh
bench_setup bench-pppoe-sessions.sh ses python3 cc
ours=$(cd "$bin" && pwd)
builds=(ours)
[ -n "${BASELINE_BIN_DIR:-}" ] && builds=(baseline ours)
bin_of() { if [ "$1" = baseline ]; then echo "$BASELINE_BIN_DIR"; else echo "$ours"; fi; }

stop_all() { bench_stop 60 "$dir/swarm.pid" "$dir/ac.pid"; }  # the swarm, then the router
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
cc -O2 -o "$dir/pppoe-swarm" scripts/bench-pppoe/pppoe-swarm.c
bench_wire

bin=""
ctl() { "$bin/pppctl" --runtime-dir "$dir/ac" "$@"; }
# pid of a component of the AC router (0: none running).
pid_of() {
    ctl --json components 2>/dev/null | python3 -c 'import json,sys
try: c=json.load(sys.stdin)
except Exception: print(0); sys.exit()
if isinstance(c,dict) and "data" in c: c=c["data"]
c=c if isinstance(c,dict) else {x.get("name"):x for x in c}
x=c.get(sys.argv[1]) or {}
print(x.get("pid") or 0 if x.get("state") == "running" else 0)' "$1"
}
# "sessions" of a daemon's status (-1: no answer).
sessions_of() {
    ctl --json call "$1" status 2>/dev/null | python3 -c 'import json,sys
try: print(json.load(sys.stdin)["data"]["sessions"])
except Exception: print(-1)'
}
# 0 for a process that is gone (or pid 0): never a failure under set -e.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
fds() { { ls "/proc/$1/fd" 2>/dev/null || true; } | wc -l; }
swarm_status() { cat "$dir/swarm.status" 2>/dev/null || echo "0 0 0 0 0 0 0 0 0 0"; }
hz=$(getconf CLK_TCK)

start_router() {  # $1: sessions
    local n=$1
    # The last router's units go when their descriptors close; a new ncpd
    # would find their names busy (EBUSY). Up to 3 minutes under load.
    for _ in $(seq 1 900); do
        [ "$(ip -n "$ac" -o link show type tun 2>/dev/null | wc -l)" -eq 0 ] && break
        sleep 0.2
    done
    cat >"$dir/ac.toml" <<EOF
[port.access]
type = "pppoe"
role = "ac"
interface = "bras0"
ac-name = "bench-bras"
max-sessions = $((n + 100))
padi-limit = 100000
padi-burst = 100000
padi-total = 1000000
require-pap = true
lcp-echo-interval = 30
lcp-echo-failure = 10
$([ "$ipv6" = 1 ] && echo "ipv6 = true")
address = "10.80.0.1:"
ip-pool = "bench"
[pool.bench]
range = "10.80.0.10-10.80.63.250"
local = "10.80.0.1"
[users.swarm]
password = "many-hosts"
EOF
    rm -rf "$dir/ac"
    # pppinit spawns its daemons from PPP_BIN_DIR when that is set: this
    # build's, not the build a PPP_BIN_DIR given to the script names.
    PPP_BIN_DIR=$bin ip netns exec "$ac" "$bin/pppinit" --config "$dir/ac.toml" --runtime-dir "$dir/ac" >"$dir/ac.log" 2>&1 &
    echo $! >"$dir/ac.pid"
    for _ in $(seq 1 100); do [ "$(pid_of ncpd)" != 0 ] && [ "$(pid_of linkd@access)" != 0 ] && break; sleep 0.2; done
    sleep 0.5
}

# Starts the swarm and waits until all n are up (or the time is over);
# sets fig[$key,*] for setup.
declare -A fig
swarm_up() {  # $1: n, $2: key
    local n=$1 key=$2 limit=$((60 + n / 50)) i names=(linkd authd ncpd pppinit) pids before_cpu=() before_rss=() before_fds=()
    pids=("$(pid_of linkd@access)" "$(pid_of authd)" "$(pid_of ncpd)" "$(cat "$dir/ac.pid")")
    for i in 0 1 2 3; do before_cpu[$i]=$(cpu_ticks "${pids[$i]}"); before_rss[$i]=$(rss_kb "${pids[$i]}"); before_fds[$i]=$(fds "${pids[$i]}"); done
    rm -f "$dir/addresses" "$dir/swarm.status"
    SWARM_IPV6=$ipv6 SWARM_RATE=$rate SWARM_WINDOW=$window SWARM_PAP=swarm:many-hosts SWARM_STATUS=$dir/swarm.status \
        ip netns exec "$cl" "$dir/pppoe-swarm" cpe0 swarm0 "$n" "$dir/addresses" "$limit" >"$dir/swarm.log" 2>&1 &
    echo $! >"$dir/swarm.pid"
    local swarm_cpu0 ; swarm_cpu0=$(cpu_ticks "$(cat "$dir/swarm.pid")")
    for _ in $(seq 1 $((limit * 10 + 50))); do [ -s "$dir/addresses" ] && break; sleep 0.1; done
    sleep 0.3  # the status file is rewritten every 0.2 s
    local p50 p90 p99 rest
    read -r _ up _ _ last _ p50 p90 p99 _ rest < <(swarm_status)
    fig[$key,up]=$up
    fig[$key,shares]="$p50/$p90/$p99"
    fig[$key,resent]=$(echo "$rest" | awk '{ printf "%d/%d/%d/%d/%d", $3, $5, $7, $9, $11 }')
    fig[$key,setup]=$last
    fig[$key,rate]=$(awk -v n="$up" -v t="$last" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }')
    for i in 0 1 2 3; do
        fig[$key,cpu_${names[$i]}]=$(awk -v a="${before_cpu[$i]}" -v b="$(cpu_ticks "${pids[$i]}")" -v n="$n" -v hz="$hz" 'BEGIN { printf "%.3f", (b - a) / hz * 1000 / n }')
        fig[$key,rss_${names[$i]}]=$(awk -v a="${before_rss[$i]}" -v b="$(rss_kb "${pids[$i]}")" -v n="$n" 'BEGIN { printf "%.2f", (b - a) / n }')
        fig[$key,fds_${names[$i]}]=$(awk -v a="${before_fds[$i]}" -v b="$(fds "${pids[$i]}")" -v n="$n" -v all="${names[$i]}" 'BEGIN { printf "%.3f", (all == "pppinit" ? b : b - a) / n }')
    done
    fig[$key,cpu_swarm]=$(awk -v a="$swarm_cpu0" -v b="$(cpu_ticks "$(cat "$dir/swarm.pid")")" -v n="$n" -v hz="$hz" 'BEGIN { printf "%.3f", (b - a) / hz * 1000 / n }')
    fig[$key,rss_all]=$(awk -v a="${fig[$key,rss_linkd]}" -v b="${fig[$key,rss_authd]}" -v c="${fig[$key,rss_ncpd]}" -v d="${fig[$key,rss_pppinit]}" 'BEGIN { printf "%.2f", a + b + c + d }')
    fig[$key,cpu_all]=$(awk -v a="${fig[$key,cpu_linkd]}" -v b="${fig[$key,cpu_authd]}" -v c="${fig[$key,cpu_ncpd]}" -v d="${fig[$key,cpu_pppinit]}" 'BEGIN { printf "%.3f", a + b + c + d }')
}

# Waits until `daemon`'s status counts `want` sessions (at most $3 s of
# wall time, however slow the answers); prints seconds taken.
wait_sessions() {  # $1: daemon, $2: want, $3: limit s
    local t0 s; t0=$(date +%s.%N)
    while [ "$(awk -v a="$t0" -v b="$(date +%s.%N)" -v l="$3" 'BEGIN { print (b - a < l) }')" = 1 ]; do
        s=$(timeout 10 "$bin/pppctl" --runtime-dir "$dir/ac" --json call "$1" status 2>/dev/null | python3 -c 'import json,sys
try: print(json.load(sys.stdin)["data"]["sessions"])
except Exception: print(-1)' || true)
        [ "$s" = "$2" ] && break
        sleep 0.2
    done
    awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'
}

run() {  # $1: n, $2: build
    local n=$1 build=$2 key="$1,$2"
    bin=$(bin_of "$build")
    fig[$key,load]=$(cut -d' ' -f1 /proc/loadavg)
    start_router "$n"
    swarm_up "$n" "$key"
    if [ -n "${KEEP_STATUS:-}" ]; then
        ctl --json call linkd@access status >"$KEEP_STATUS.linkd.$key.json" 2>&1 || true
        ctl --json call ncpd status >"$KEEP_STATUS.ncpd.$key.json" 2>&1 || true
        cp "$dir/ac.log" "$KEEP_STATUS.log.$key" || true
    fi
    kill -USR1 "$(cat "$dir/swarm.pid")"
    local linkd_t ncpd_t
    linkd_t=$(wait_sessions linkd@access 0 $((30 + n / 100)))
    ncpd_t=$(wait_sessions ncpd 0 $((30 + n / 100)))
    fig[$key,teardown]="$linkd_t/$ncpd_t"
    stop_all
}

restart_run() {  # $1: n, $2: build
    local n=$1 build=$2 key="restart,$2" old new t up padt term
    bin=$(bin_of "$build")
    fig[$key,load]=$(cut -d' ' -f1 /proc/loadavg)
    start_router "$n"
    swarm_up "$n" "$key"
    for d in linkd@access ncpd; do
        old=$(pid_of "$d")
        [ "$old" -gt 1 ] || { echo "no $d running" >&2; break; }
        kill -KILL "$old"
        t=$(date +%s.%N)
        for _ in $(seq 1 300); do new=$(pid_of "$d"); [ "$new" != 0 ] && [ "$new" != "$old" ] && break; sleep 0.1; done
        wait_sessions "$d" "$n" $((60 + n / 100)) >/dev/null
        fig[$key,resumed_$d]=$(sessions_of "$d")
        fig[$key,resume_s_$d]=$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    done
    sleep 1
    read -r _ up padt term _ _ < <(swarm_status)
    fig[$key,after]="$up up, $padt PADT, $term Term-Req"
    fig[$key,both]="$(sessions_of linkd@access)/$(sessions_of ncpd)"
    stop_all
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for n in "${counts[@]}"; do for b in "${builds[@]}"; do run "$n" "$b"; done; done
if [ "$restart_n" -gt 0 ]; then for b in "${builds[@]}"; do restart_run "$restart_n" "$b"; done; fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo "== PPPoE sessions on one AC (release daemons, PAP + $ncps, swarm at $rate/s, window $window)"
echo "   ours: $ours${BASELINE_BIN_DIR:+; baseline: $BASELINE_BIN_DIR}; $(nproc) CPUs; load average $load_before before, $load_after after"
cols=(); for n in "${counts[@]}"; do for b in "${builds[@]}"; do cols+=("$n,$b"); done; done
printf '%-34s' ""; for c in "${cols[@]}"; do printf ' %16s' "N=${c%%,*} ${c##*,}"; done; echo
row() { printf '%-34s' "$1"; for c in "${cols[@]}"; do printf ' %16s' "${fig[$c,$2]:--}"; done; echo; }
row "load average at the start" load
row "sessions up" up
row "setup s (last one up)" setup
row "setups/s" rate
row "s to 50%/90%/99% up" shares
row "resent PADI/PADR/LCP/PAP/IPCP" resent
row "CPU ms/session linkd" cpu_linkd
row "CPU ms/session authd" cpu_authd
row "CPU ms/session ncpd" cpu_ncpd
row "CPU ms/session pppinit" cpu_pppinit
row "CPU ms/session all daemons" cpu_all
row "CPU ms/session swarm (client)" cpu_swarm
row "RSS KiB/session linkd" rss_linkd
row "RSS KiB/session authd" rss_authd
row "RSS KiB/session ncpd" rss_ncpd
row "RSS KiB/session pppinit" rss_pppinit
row "RSS KiB/session all" rss_all
row "fds/session linkd" fds_linkd
row "fds/session authd" fds_authd
row "fds/session ncpd" fds_ncpd
row "fds/session pppinit (all held)" fds_pppinit
row "teardown s linkd/ncpd" teardown
if [ "$restart_n" -gt 0 ]; then
    echo "== restart run: $restart_n sessions, kill -9 of linkd, then of ncpd"
    cols=(); for b in "${builds[@]}"; do cols+=("restart,$b"); done
    printf '%-34s' ""; for c in "${cols[@]}"; do printf ' %28s' "${c##*,}"; done; echo
    row() { printf '%-34s' "$1"; for c in "${cols[@]}"; do printf ' %28s' "${fig[$c,$2]:--}"; done; echo; }
    row "load average at the start" load
    row "sessions up" up
    row "setups/s" rate
    row "linkd: sessions resumed" resumed_linkd@access
    row "linkd: s to resume all" resume_s_linkd@access
    row "ncpd: sessions resumed" resumed_ncpd
    row "ncpd: s to resume all" resume_s_ncpd
    row "clients after both kills" after
    row "sessions linkd/ncpd at the end" both
fi
if [ "${VLAN:-0}" != 0 ]; then
    for n in "${counts[@]}"; do
        echo "== $n sessions on a VLAN port (PPPoEVLANTests, debug test build)"
        PPP_VLAN_SWARM_SESSIONS=$n swift test --skip-build --no-parallel --disable-xctest \
            --filter PPPoEVLANTests/oneToOneAndQinQSwarmSurvivesKillOfLinkd 2>&1 | grep -E '^PPPoE VLAN swarm|✘|passed after|failed after' | grep -v '^✔ Suite\|^✔ Test run' || true
    done
fi
