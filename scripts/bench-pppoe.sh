#!/usr/bin/env bash
# Benchmark (prints figures; not a test): one PPPoE session between two
# network namespaces (our AC and our client, noauth, MRU 1492 on a 1500-octet
# veth) beside a plain veth pair between the same namespaces (MTU 1492), all
# measured in the same run, and the session twice: with TUN offloads
# (`offload = true`, the default: TSO super-packets segmented by linkd, GRO
# in linkd, issue 21) and without (`offload = false`). Figures: iperf3 TCP
# with 1 and 4 streams (client → AC), the highest loss-free UDP rate in
# packets/s with 1492- and 64-octet IP packets (stepping the offered rate up
# until iperf3 reports loss) and, less at the mercy of one lost packet on a
# loaded box, the 64-octet packets/s that arrive when 100,000/s are offered,
# ping RTT, and the CPU seconds each daemon
# (linkd, ncpd of both routers) spent per GB during the 1-stream TCP run. The
# machine's load average is printed with them: on a shared box they move.
# PPP_BENCH_VLAN=100 puts the session on C-VLAN 100 (802.1Q), =20.200 on
# QinQ (802.1ad S-VLAN 20, C-VLAN 200; the veth's MTU is raised to 1508 so a
# packet socket may send a full-size QinQ frame): linkd writes the tags on
# both sides, super-packets included (issue 21 on VLANs). The C reference
# and the plain veth stay untagged.
#   scripts/bench-pppoe.sh [SECONDS]        (root; builds release unless PPP_BIN_DIR is set)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
. scripts/lib/bench-pppoe.sh
bench_setup bench-pppoe.sh bench iperf3 ping python3
stop_routers() {  # the two pppinits (iperf3's server runs on)
    for f in "$dir/ac.pid" "$dir/cl.pid"; do [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null || true; done
    sleep 1
    for f in "$dir/ac.pid" "$dir/cl.pid"; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null || true; rm -f "$f"; done
    sleep 0.5
}
cleanup() {
    stop_routers
    declare -F stop_ref >/dev/null && stop_ref
    [ -f "$dir/iperf.pid" ] && kill "$(cat "$dir/iperf.pid")" 2>/dev/null || true
    ip netns delete "$ac" 2>/dev/null || true
    ip netns delete "$cl" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
cc -O2 -o "$dir/pppoe-ref" scripts/bench-pppoe/pppoe-ref.c
trap 'exit 130' INT TERM

# The PPPoE wire, and a plain veth pair with addresses for the baseline.
bench_wire
vlan=${PPP_BENCH_VLAN:-}
ac_vlan="" cl_vlan=""
case "$vlan" in
    "") ;;
    *.*) ac_vlan="vlan-mon = \"${vlan#*.}\"
vlan-outer = ${vlan%%.*}" cl_vlan="vlan = ${vlan#*.}
vlan-outer = ${vlan%%.*}"
         ip -n "$ac" link set bras0 mtu 1508; ip -n "$cl" link set cpe0 mtu 1508 ;;
    *) ac_vlan="vlan-mon = \"$vlan\"" cl_vlan="vlan = $vlan" ;;
esac
ip link add plain0 netns "$ac" type veth peer name plain1 netns "$cl"
ip -n "$ac" addr add 10.99.0.1/24 dev plain0; ip -n "$cl" addr add 10.99.0.2/24 dev plain1
ip -n "$ac" link set plain0 up mtu 1492; ip -n "$cl" link set plain1 up mtu 1492

start_routers() {  # $1: offload true|false
    cat >"$dir/ac.toml" <<EOF
[port.access]
type = "pppoe"
role = "ac"
interface = "bras0"
address = "10.98.0.1:10.98.0.2"
offload = $1
$ac_vlan
EOF
    cat >"$dir/cl.toml" <<EOF
[port.wan]
type = "pppoe"
role = "client"
interface = "cpe0"
noipdefault = true
offload = $1
$cl_vlan
EOF
    rm -rf "$dir/ac" "$dir/cl"
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
}

mac_of() { ip -n "$1" -o link show "$2" | sed -n 's|.*link/ether \([0-9a-f:]*\).*|\1|p'; }
start_ref() {  # $1: batch
    ip netns exec "$ac" "$dir/pppoe-ref" ac bras0 reftun "$(mac_of "$cl" cpe0)" 4660 "$1" >>"$dir/ref.log" 2>&1 &
    echo $! >"$dir/refac.pid"
    ip netns exec "$cl" "$dir/pppoe-ref" client cpe0 reftun "$(mac_of "$ac" bras0)" 4660 "$1" >>"$dir/ref.log" 2>&1 &
    echo $! >"$dir/refcl.pid"
    for _ in $(seq 1 50); do
        ip -n "$ac" link show reftun >/dev/null 2>&1 && ip -n "$cl" link show reftun >/dev/null 2>&1 && break
        sleep 0.1
    done
    ip -n "$ac" addr add 10.97.0.1 peer 10.97.0.2 dev reftun; ip -n "$ac" link set reftun up mtu 1492
    ip -n "$cl" addr add 10.97.0.2 peer 10.97.0.1 dev reftun; ip -n "$cl" link set reftun up mtu 1492
    sleep 0.5
}
stop_ref() {
    for f in "$dir/refac.pid" "$dir/refcl.pid"; do [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null || true; rm -f "$f"; done
    sleep 0.5
}

# pid of a component ("linkd@access", "ncpd") of the router in $1 (ac|cl).
pid_of() {
    "$bin/pppctl" --runtime-dir "$dir/$1" --json components 2>/dev/null |
        python3 -c 'import json,sys; c={x.get("name"):x for x in json.load(sys.stdin)["data"]}; print((c.get(sys.argv[1]) or {}).get("pid") or 0)' "$2"
}
cpu_ticks() {  # $1: pid → utime + stime in clock ticks
    [ "$1" -gt 0 ] 2>/dev/null && awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

json_last() {  # $1: key → the last value of that key in iperf3's JSON (stdin)
    awk -F: -v k="\"$1\"" '$1 ~ k { v = $2 } END { gsub(/[ ,]/, "", v); print v + 0 }'
}
tcp() {  # $1: server address, $2: streams → "Gbit/s bytes"
    local out
    out=$(ip netns exec "$cl" iperf3 -c "$1" -P "$2" -t "$secs" -J 2>/dev/null || true)
    printf '%.2f %s\n' "$(echo "$out" | json_last bits_per_second | awk '{ print $1 / 1e9 }')" "$(echo "$out" | json_last bytes)"
}
udp_lossless() {  # $1: server address, $2: IP packet size → highest offered pps with no loss
    local best=0 rate out lost pkts payload=$(($2 - 28)) rates
    if [ "$2" -ge 1000 ]; then rates="1000 2000 5000 10000 20000 40000 60000 80000 100000 150000 200000"
    else rates="5000 10000 20000 40000 60000 80000 100000 150000 200000 300000 400000"; fi
    for rate in $rates; do
        out=$(ip netns exec "$cl" iperf3 -c "$1" -u -l $payload -b $((rate * payload * 8)) -t 2 -J 2>/dev/null || true)
        lost=$(echo "$out" | json_last lost_packets)
        pkts=$(echo "$out" | json_last packets)
        [ "${pkts:-0}" -gt 0 ] && [ "${lost:-1}" -eq 0 ] || break
        best=$((pkts / 2))
    done
    echo "$best"
}
udp_received() {  # $1: server address, $2: IP packet size, $3: offered pps → packets/s that arrived
    local out payload=$(($2 - 28))
    out=$(ip netns exec "$cl" iperf3 -c "$1" -u -l $payload -b $(($3 * payload * 8)) -t 2 -J 2>/dev/null || true)
    echo "$out" | awk -F: '$1 ~ /"packets"/ { p = $2 } $1 ~ /"lost_packets"/ { l = $2 } END { gsub(/[ ,]/, "", p); gsub(/[ ,]/, "", l); printf "%d", (p - l) / 2 }'
}
rtt() {  # $1: address → average RTT in ms
    ip netns exec "$cl" ping -q -c 50 -i 0.02 "$1" | awk -F/ '/^rtt/ { print $5 }'
}

declare -A fig
measure() {  # $1: column, $2: server address, $3: "daemons" to count their CPU
    local col=$1 addr=$2 pids=() names=() before=() t1 t4 bytes i hz
    if [ -n "${3:-}" ]; then
        names=("AC linkd" "AC ncpd" "client linkd" "client ncpd")
        pids=("$(pid_of ac linkd@access)" "$(pid_of ac ncpd)" "$(pid_of cl linkd@wan)" "$(pid_of cl ncpd)")
        for i in 0 1 2 3; do before[$i]=$(cpu_ticks "${pids[$i]}"); done
    fi
    read -r t1 bytes < <(tcp "$addr" 1)
    fig["$col,tcp1"]=$t1
    if [ -n "${3:-}" ]; then
        hz=$(getconf CLK_TCK)
        for i in 0 1 2 3; do
            fig["$col,cpu$i"]=$(awk -v a="${before[$i]}" -v b="$(cpu_ticks "${pids[$i]}")" -v n="$bytes" -v hz="$hz" \
                'BEGIN { if (n > 0) printf "%.2f", (b - a) / hz / (n / 1e9); else print "-" }')
        done
    fi
    read -r t4 _ < <(tcp "$addr" 4)
    fig["$col,tcp4"]=$t4
    fig["$col,udp1492"]=$(udp_lossless "$addr" 1492)
    fig["$col,udp64"]=$(udp_lossless "$addr" 64)
    fig["$col,udp64at"]=$(udp_received "$addr" 64 100000)
    fig["$col,rtt"]=$(rtt "$addr")
}

ip netns exec "$ac" iperf3 -s -D -I "$dir/iperf.pid" >/dev/null
sleep 0.5
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start_routers true
mtu=$(ip -n "$cl" -o link show ppp0 | sed -n 's/.*mtu \([0-9]*\).*/\1/p')
offload=$("$bin/pppctl" --runtime-dir "$dir/cl" --json sessions | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0].get("offload","-"))')
measure on 10.98.0.1 daemons
# The client session's super-packets after the offloaded runs (linkd's and ncpd's).
supers=$("$bin/pppctl" --runtime-dir "$dir/cl" --json sessions | python3 -c 'import json,sys
s = json.load(sys.stdin)["data"][0]
print("vlan %s: linkd segmented %s, coalesced %s; ncpd super-packets out %s, in %s" % (s.get("vlan") or "none",
      s["counters"]["super_packets_out"], s["channel"]["super_packets_to_channel"],
      s["ip_counters"]["super_packets_out"], s["ip_counters"]["super_packets_in"]))' 2>/dev/null || echo "-")
stop_routers
start_routers false
measure off 10.98.0.1 daemons
stop_routers
# The C reference (scripts/bench-pppoe/pppoe-ref.c) on the same veth pair:
# one packet per syscall, then batches of 32 on its sockets.
for b in 1 32; do
    start_ref "$b"
    measure "c$b" 10.97.0.1
    declare -F stop_ref >/dev/null && stop_ref
done
measure veth 10.99.0.1
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
kill "$(cat "$dir/iperf.pid")" 2>/dev/null || true

echo "== PPPoE session (MTU $mtu, unit offloads: $offload, VLAN ${vlan:-none}) with offloads on and off, vs plain veth (MTU 1492), same run, ${secs} s per TCP run"
echo "   $(nproc) CPUs; load average $load_before before, $load_after after (shared machine: figures move with it)"
echo "   client session, offloads on: $supers"
printf '%-34s %14s %14s %14s %14s %14s\n' "" "PPPoE offload" "PPPoE plain" "C ref" "C ref batch 32" "veth"
row() { printf '%-34s %14s %14s %14s %14s %14s\n' "$1" "${fig[on,$2]:--}" "${fig[off,$2]:--}" "${fig[c1,$2]:--}" "${fig[c32,$2]:--}" "${fig[veth,$2]:--}"; }
row "iperf3 TCP 1 stream (Gbit/s)" tcp1
row "iperf3 TCP 4 streams (Gbit/s)" tcp4
row "UDP loss-free (pps, 1492 B)" udp1492
row "UDP loss-free (pps, 64 B)" udp64
row "UDP 64 B arrived (pps of 100k)" udp64at
row "ping RTT avg (ms)" rtt
row "CPU s/GB AC linkd (TCP 1)" cpu0
row "CPU s/GB AC ncpd (TCP 1)" cpu1
row "CPU s/GB client linkd (TCP 1)" cpu2
row "CPU s/GB client ncpd (TCP 1)" cpu3
