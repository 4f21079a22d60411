#!/usr/bin/env bash
# Benchmark (prints figures; not a test): one PPP session in an L2TP call
# (RFC 2661) between two of our routers in their own network namespaces over
# a veth pair — a LAC port running its own session, an LNS terminating it —
# for two builds in the same run, alternating, beside the plain veth pair
# between the same namespaces (issue 21 point 3: batched L2TP data). Figures:
# iperf3 TCP with 1 stream (LAC → LNS), the highest loss-free UDP rate in
# packets/s with 64-octet IP packets (stepping the offered rate up until
# iperf3 reports loss), and the CPU seconds per GB each linkd spent during
# the TCP run, with the load average (on a shared box figures move with it).
#   PPP_BIN_DIR=DIR [PPP_BASE_BIN_DIR=DIR] scripts/bench-l2tp.sh [SECONDS] [ROUNDS]
# PPP_BIN_DIR: the build under test (default: swift build -c release);
# PPP_BASE_BIN_DIR: the build to compare with (e.g. main's), run in turn
# with it ROUNDS times (default 2). Each pppinit gets PPP_BIN_DIR=its build,
# so it starts that build's daemons.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
rounds=${2:-2}
. scripts/lib/bench-pppoe.sh
bench_setup bench-l2tp.sh l2tp iperf3 python3
builds=("$bin")
[ -n "${PPP_BASE_BIN_DIR:-}" ] && builds+=("$PPP_BASE_BIN_DIR")

# The LNS runs in bench_setup's "ac" namespace, the LAC in "cl"; the LAC
# reaches the LNS over bench_wire's veth (bras0 - cpe0) by UDP.
ns=$ac
nc=$cl
stop_routers() {
    for f in "$dir/lns.pid" "$dir/lac.pid"; do [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null || true; done
    sleep 1
    for f in "$dir/lns.pid" "$dir/lac.pid"; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null || true; rm -f "$f"; done
    sleep 0.5
}
stop_all() {
    stop_routers
    [ -f "$dir/iperf.pid" ] && kill "$(cat "$dir/iperf.pid")" 2>/dev/null || true
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

bench_wire
ip -n "$ns" addr add 10.95.0.1/24 dev bras0; ip -n "$nc" addr add 10.95.0.2/24 dev cpe0

start_routers() {  # $1: build
    local bin=$1
    cat >"$dir/lns.toml" <<EOF2
[port.lns0]
type = "l2tp"
role = "lns"
local = "10.95.0.1:1701"
secret = "bench-secret"
require-chap = true
address = "10.96.0.1:10.96.0.2"
[users.bench]
password = "bench-password"
EOF2
    cat >"$dir/lac.toml" <<EOF2
[port.lac0]
type = "l2tp"
role = "lac"
local = "10.95.0.2:1701"
lns = ["10.95.0.1"]
secret = "bench-secret"
user = "bench"
noipdefault = true
[users.bench]
password = "bench-password"
EOF2
    rm -rf "$dir/lns" "$dir/lac"
    ip netns exec "$ns" env PPP_BIN_DIR="$bin" "$bin/pppinit" --config "$dir/lns.toml" --runtime-dir "$dir/lns" >"$dir/lns.log" 2>&1 &
    echo $! >"$dir/lns.pid"
    sleep 1
    ip netns exec "$nc" env PPP_BIN_DIR="$bin" "$bin/pppinit" --config "$dir/lac.toml" --runtime-dir "$dir/lac" >"$dir/lac.log" 2>&1 &
    echo $! >"$dir/lac.pid"
    for _ in $(seq 1 300); do
        "$bin/pppctl" --runtime-dir "$dir/lac" --json sessions 2>/dev/null | grep -q '"ipcp":{[^}]*"state":"opened"' && break
        sleep 0.1
    done
    "$bin/pppctl" --runtime-dir "$dir/lac" --json sessions | grep -q '"ipcp":{[^}]*"state":"opened"' || {
        echo "no L2TP session"; tail -n 20 "$dir/lns.log" "$dir/lac.log"; exit 1; }
    sleep 0.5
}

pid_of() {  # $1: build, $2: router (lns|lac), $3: component
    "$1/pppctl" --runtime-dir "$dir/$2" --json components 2>/dev/null |
        python3 -c 'import json,sys; c={x.get("name"):x for x in json.load(sys.stdin)["data"]}; print((c.get(sys.argv[1]) or {}).get("pid") or 0)' "$3"
}
cpu_ticks() { [ "$1" -gt 0 ] 2>/dev/null && awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
json_last() { awk -F: -v k="\"$1\"" '$1 ~ k { v = $2 } END { gsub(/[ ,]/, "", v); print v + 0 }'; }
tcp() {  # $1: server address → "Gbit/s bytes"
    local out
    out=$(ip netns exec "$nc" iperf3 -c "$1" -t "$secs" -J 2>/dev/null || true)
    printf '%.2f %s\n' "$(echo "$out" | json_last bits_per_second | awk '{ print $1 / 1e9 }')" "$(echo "$out" | json_last bytes)"
}
udp_lossless() {  # $1: server address → highest offered 64-octet pps with no loss
    local best=0 rate out lost pkts payload=36
    for rate in 5000 10000 20000 40000 60000 80000 100000 150000 200000; do
        out=$(ip netns exec "$nc" iperf3 -c "$1" -u -l $payload -b $((rate * payload * 8)) -t 2 -J 2>/dev/null || true)
        lost=$(echo "$out" | json_last lost_packets)
        pkts=$(echo "$out" | json_last packets)
        [ "${pkts:-0}" -gt 0 ] && [ "${lost:-1}" -eq 0 ] || break
        best=$((pkts / 2))
    done
    echo "$best"
}

declare -A fig
measure() {  # $1: column, $2: server address, $3: build (count its linkds)
    local col=$1 pids=() before=() t1 bytes i hz
    if [ -n "${3:-}" ]; then
        pids=("$(pid_of "$3" lac linkd@lac0)" "$(pid_of "$3" lns linkd@lns0)")
        for i in 0 1; do before[$i]=$(cpu_ticks "${pids[$i]}"); done
    fi
    read -r t1 bytes < <(tcp "$2")
    fig["$col,tcp1"]="${fig["$col,tcp1"]:+${fig["$col,tcp1"]} }$t1"
    if [ -n "${3:-}" ]; then
        hz=$(getconf CLK_TCK)
        for i in 0 1; do
            fig["$col,cpu$i"]="${fig["$col,cpu$i"]:+${fig["$col,cpu$i"]} }$(awk -v a="${before[$i]}" -v b="$(cpu_ticks "${pids[$i]}")" -v n="$bytes" -v hz="$hz" \
                'BEGIN { if (n > 0) printf "%.2f", (b - a) / hz / (n / 1e9); else print "-" }')"
        done
        fig["$col,batch"]=$("$3/pppctl" --runtime-dir "$dir/lac" --json call linkd@lac0 status 2>/dev/null |
            python3 -c 'import json,sys; t=json.load(sys.stdin)["data"].get("l2tp",{}).get("transmit_batch"); print("%d/%d" % (t["frames"], t["batches"]) if t else "-")' 2>/dev/null || echo -)
        # Issue 21 point 3: UDP GSO out, GRO in, recvmmsg calls, per router
        # ("-" for a build without the counters).
        for r in lac lns; do
            fig["$col,udp-$r"]=$("$3/pppctl" --runtime-dir "$dir/$r" --json call "linkd@${r}0" status 2>/dev/null |
                python3 -c 'import json,sys
l=json.load(sys.stdin)["data"].get("l2tp",{}); t=l.get("transmit_batch",{}); g=lambda o,k: str(o[k]) if k in o else "-"
print("%s/%s %s/%s %s" % (g(t,"gso_sends"), g(t,"gso_segments"), g(l,"gro_messages"), g(l,"gro_segments"), g(l,"receive_batches")))' 2>/dev/null || echo -)
        done
    fi
    fig["$col,udp64"]="${fig["$col,udp64"]:+${fig["$col,udp64"]} }$(udp_lossless "$2")"
}

ip netns exec "$ns" iperf3 -s -D -I "$dir/iperf.pid" >/dev/null
sleep 0.5
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for _ in $(seq 1 "$rounds"); do
    for k in "${!builds[@]}"; do
        start_routers "${builds[$k]}"
        measure "b$k" 10.96.0.1 "${builds[$k]}"
        stop_routers
    done
done
measure veth 10.95.0.1
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo "== one PPP session in an L2TP call (LAC → LNS), $rounds round(s) per build in turn, vs plain veth, ${secs} s per TCP run"
echo "   $(nproc) CPUs; load average $load_before before, $load_after after (shared machine: figures move with it)"
for k in "${!builds[@]}"; do echo "   build $k: ${builds[$k]}"; done
printf '%-30s' ""; for k in "${!builds[@]}"; do printf ' %24s' "build $k"; done; printf ' %24s\n' "veth"
row() { printf '%-30s' "$1"; for k in "${!builds[@]}"; do printf ' %24s' "${fig[b$k,$2]:--}"; done; printf ' %24s\n' "${fig[veth,$2]:--}"; }
row "iperf3 TCP 1 stream (Gbit/s)" tcp1
row "UDP loss-free (pps, 64 B)" udp64
row "CPU s/GB LAC linkd (TCP)" cpu0
row "CPU s/GB LNS linkd (TCP)" cpu1
row "LAC data frames/sendmmsg" batch
row "LAC gso msg/seg gro msg/seg rx" udp-lac
row "LNS gso msg/seg gro msg/seg rx" udp-lns
echo "   (gso: UDP_SEGMENT messages/datagrams sent; gro: coalesced messages/datagrams received; rx: recvmmsg calls)"
