#!/usr/bin/env bash
# Benchmark (prints figures; not a test): one PPPoE session between two
# network namespaces (our AC and our client, noauth, MTU 1492) beside a plain
# veth pair between the same namespaces, measured in the same run: iperf3 TCP
# throughput, the highest loss-free UDP rate in packets/s with 1492-octet IP
# packets (stepping the offered rate up until iperf3 reports loss), and ping RTT.
#   scripts/bench-pppoe.sh [SECONDS]        (root; builds release unless PPP_BIN_DIR is set)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
[ "$(id -u)" -eq 0 ] || { echo "bench-pppoe.sh: run as root" >&2; exit 2; }
for c in iperf3 ping bc; do command -v $c >/dev/null || { echo "bench-pppoe.sh: needs $c" >&2; exit 2; }; done
if [ -z "${PPP_BIN_DIR:-}" ]; then
    echo "== swift build -c release"
    swift build -c release 2>&1 | grep -E 'error|Build complete' | tail -n 2
    bin=.build/release
else
    bin=$PPP_BIN_DIR
fi

tag=$$
ac=pppbench-ac-$tag
cl=pppbench-cl-$tag
dir=$(mktemp -d /tmp/ppprouter-bench.XXXXXX)
chmod 755 "$dir"  # the daemons reach their runtime dirs below it under their own uids
cleanup() {
    for f in "$dir"/*.pid; do [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null || true; done
    sleep 1
    for f in "$dir"/*.pid; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null || true; done
    ip netns delete "$ac" 2>/dev/null || true
    ip netns delete "$cl" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$ac"; ip netns add "$cl"
ip -n "$ac" link set lo up; ip -n "$cl" link set lo up
# The PPPoE wire, and a plain veth pair with addresses for the baseline.
ip link add bras0 netns "$ac" type veth peer name cpe0 netns "$cl"
ip link add plain0 netns "$ac" type veth peer name plain1 netns "$cl"
ip -n "$ac" link set bras0 up; ip -n "$cl" link set cpe0 up
ip -n "$ac" addr add 10.99.0.1/24 dev plain0; ip -n "$cl" addr add 10.99.0.2/24 dev plain1
ip -n "$ac" link set plain0 up mtu 1492; ip -n "$cl" link set plain1 up mtu 1492

cat >"$dir/ac.toml" <<EOF
[port.access]
type = "pppoe"
role = "ac"
interface = "bras0"
address = "10.98.0.1:10.98.0.2"
EOF
cat >"$dir/cl.toml" <<EOF
[port.wan]
type = "pppoe"
role = "client"
interface = "cpe0"
noipdefault = true
EOF
ip netns exec "$ac" "$bin/pppinit" --config "$dir/ac.toml" --runtime-dir "$dir/ac" >"$dir/ac.log" 2>&1 &
echo $! >"$dir/ac.pid"
sleep 1
ip netns exec "$cl" "$bin/pppinit" --config "$dir/cl.toml" --runtime-dir "$dir/cl" >"$dir/cl.log" 2>&1 &
echo $! >"$dir/cl.pid"
for _ in $(seq 1 200); do
    "$bin/pppctl" --runtime-dir "$dir/cl" --json sessions 2>/dev/null | grep -q '"ipcp":{[^}]*"state":"opened"' && break
    sleep 0.1
done
"$bin/pppctl" --runtime-dir "$dir/cl" --json sessions | grep -q '"ipcp":{[^}]*"state":"opened"' || {
    echo "no PPPoE session"; tail -n 20 "$dir/ac.log" "$dir/cl.log"; exit 1; }

ip netns exec "$ac" iperf3 -s -D -I "$dir/iperf.pid" >/dev/null
sleep 0.5

tcp() {  # $1: server address → Gbit/s
    ip netns exec "$cl" iperf3 -c "$1" -t "$secs" -J 2>/dev/null |
        awk -F: '/"bits_per_second"/ { v = $2 } END { gsub(/[ ,]/, "", v); printf "%.2f", v / 1e9 }'
}
udp_lossless() {  # $1: server address → highest offered pps with no loss (1492-octet IP packets)
    local best=0 rate out lost
    for rate in 1000 2000 5000 10000 20000 40000 60000 80000 100000 150000 200000; do
        out=$(ip netns exec "$cl" iperf3 -c "$1" -u -l 1464 -b $((rate * 1464 * 8)) -t 2 -J 2>/dev/null || true)
        lost=$(echo "$out" | awk -F: '/"lost_packets"/ { v = $2 } END { gsub(/[ ,]/, "", v); print v + 0 }')
        pkts=$(echo "$out" | awk -F: '/"packets"/ { v = $2 } END { gsub(/[ ,]/, "", v); print v + 0 }')
        [ "${pkts:-0}" -gt 0 ] && [ "${lost:-1}" -eq 0 ] || break
        best=$((pkts / 2))
    done
    echo "$best"
}
rtt() {  # $1: address → average RTT in ms
    ip netns exec "$cl" ping -q -c 50 -i 0.02 "$1" | awk -F/ '/^rtt/ { print $5 }'
}

echo "== PPPoE session (MTU $(ip -n "$cl" -o link show ppp0 | sed -n 's/.*mtu \([0-9]*\).*/\1/p')) vs plain veth (MTU 1492), same run, ${secs} s per TCP run"
printf '%-28s %14s %14s\n' "" "PPPoE" "veth"
printf '%-28s %14s %14s\n' "iperf3 TCP (Gbit/s)" "$(tcp 10.98.0.1)" "$(tcp 10.99.0.1)"
printf '%-28s %14s %14s\n' "UDP loss-free (pps, 1492 B)" "$(udp_lossless 10.98.0.1)" "$(udp_lossless 10.99.0.1)"
printf '%-28s %14s %14s\n' "ping RTT avg (ms)" "$(rtt 10.98.0.1)" "$(rtt 10.99.0.1)"
kill "$(cat "$dir/iperf.pid")" 2>/dev/null || true
