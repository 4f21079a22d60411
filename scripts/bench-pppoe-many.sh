#!/usr/bin/env bash
# Benchmark (prints figures; not a test): aggregate TCP through many PPPoE
# sessions of one router's access concentrator (issue 21), beside one
# session's figure, all in the same run. The client side is one C process
# (scripts/bench-pppoe/pppoe-swarm.c: N PPPoE clients with a MAC each,
# discovery/LCP/IPCP, then IP forwarded between one TUN unit and the
# sessions), so the router under test is the only heavy party. Traffic:
# one TCP connection per session (scripts/bench-pppoe/tcp-many.py, each bound
# to its session's address), client → AC, all at once; the sink in the AC's
# namespace counts octets over SECONDS once every connection is in. For one
# session iperf3's single-stream figure is printed too. AC linkd and ncpd
# CPU seconds per GB and the load average are printed with the figures, and
# where packets were lost: the sender's TCP retransmissions and timeouts
# (client namespace), drops on the client's TUN unit, and frames the AC's
# session packet socket dropped (its receive queue full: linkd behind).
#
# The client's TUN unit gets a queue of 20,000 packets: with the kernel's
# default (500) a thousand connections starting at once overflow it in the
# load generator itself, every connection loses its first window and waits
# out retransmission timeouts — which measured the generator, not the
# router (issue 21: "0.03 Gbit/s at 1,000").
#   scripts/bench-pppoe-many.sh [SECONDS] [N ...]   (root; default 5 s, N = 1 100 1000)
# PPP_BIN_DIR selects the build (default: swift build -c release, .build/release).
# BENCH_STRACE=1 also counts the AC linkd's and ncpd's socket system calls
# (strace -c -f) over the counted seconds and prints sendmsg, sendmmsg,
# recvmsg and recvmmsg per daemon (issue 21: the mux's sends in vectors);
# strace slows what it watches, so take throughput from a run without it.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
shift || true
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1 100 1000)
. scripts/lib/bench-pppoe.sh
bench_setup bench-pppoe-many.sh many iperf3 python3 cc
stop_all() { bench_stop 15 "$dir/swarm.pid" "$dir/ac.pid" "$dir/sink.pid"; }
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
cc -O2 -o "$dir/pppoe-swarm" scripts/bench-pppoe/pppoe-swarm.c

bench_wire

# pid of a component of the AC router.
pid_of() {
    "$bin/pppctl" --runtime-dir "$dir/ac" --json components 2>/dev/null |
        python3 -c 'import json,sys
c=json.load(sys.stdin)
if isinstance(c,dict) and "data" in c: c=c["data"]
c=c if isinstance(c,dict) else {x.get("name"):x for x in c}
print((c.get(sys.argv[1]) or {}).get("pid") or 0)' "$1"
}
# A counter of the client namespace, absolute (0 if absent).
nstat_value() { ip netns exec "$cl" nstat -a -z -s "$1" 2>/dev/null | awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }'; }
# Packets the client's TUN unit dropped (its queue full) so far.
tun_drops() { ip -n "$cl" -s link show swarm0 2>/dev/null | awk '/TX:/ { getline; print $4 + 0; exit }' || echo 0; }
cpu_ticks() { [ "$1" -gt 0 ] 2>/dev/null && awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

declare -A fig
run() {  # $1: sessions
    local n=$1 up pids=() before=() i out bytes hz
    cat >"$dir/ac.toml" <<EOF
[port.access]
type = "pppoe"
role = "ac"
interface = "bras0"
max-sessions = $((n + 100))
padi-limit = 100000
padi-burst = 100000
padi-total = 1000000
lcp-echo-interval = 30
address = "10.80.0.1:"
ip-pool = "many"
[pool.many]
range = "10.80.0.10-10.80.63.250"
local = "10.80.0.1"
EOF
    rm -rf "$dir/ac"
    ip netns exec "$ac" "$bin/pppinit" --config "$dir/ac.toml" --runtime-dir "$dir/ac" >"$dir/ac.log" 2>&1 &
    echo $! >"$dir/ac.pid"
    sleep 2
    rm -f "$dir/addresses"
    ip netns exec "$cl" "$dir/pppoe-swarm" cpe0 swarm0 "$n" "$dir/addresses" $((30 + n / 10)) >"$dir/swarm.log" 2>&1 &
    echo $! >"$dir/swarm.pid"
    for _ in $(seq 1 $((300 + n))); do [ -s "$dir/addresses" ] && break; sleep 0.2; done
    sleep 0.2
    up=$(wc -l <"$dir/addresses" 2>/dev/null || echo 0)
    fig["$n,up"]=$up
    if [ "$up" -eq 0 ]; then echo "no session up with $n clients"; tail -n 20 "$dir/ac.log" "$dir/swarm.log"; stop_all; return; fi
    ip -n "$cl" link set swarm0 up mtu 1492 txqueuelen "${SWARM_TXQUEUELEN:-20000}"
    sed 's|.*|addr add &/32 dev swarm0|' "$dir/addresses" | ip -n "$cl" -batch -
    ip -n "$cl" route add 10.80.0.1/32 dev swarm0
    if [ "$n" -eq 1 ]; then
        ip netns exec "$ac" iperf3 -s -1 -D -B 10.80.0.1 >/dev/null; sleep 0.5
        out=$(ip netns exec "$cl" iperf3 -c 10.80.0.1 -B "$(head -n 1 "$dir/addresses")" -t "$secs" -J 2>/dev/null || true)
        fig["1,iperf3"]=$(echo "$out" | awk -F: '$1 ~ /"bits_per_second"/ { v = $2 } END { gsub(/[ ,]/, "", v); printf "%.2f", v / 1e9 }')
    fi
    pids=("$(pid_of linkd@access)" "$(pid_of ncpd)")
    for i in 0 1; do before[$i]=$(cpu_ticks "${pids[$i]}"); done
    local retrans_before sent_before timeouts_before tun_drops_before
    retrans_before=$(nstat_value TcpRetransSegs); sent_before=$(nstat_value TcpOutSegs)
    timeouts_before=$(nstat_value TcpExtTCPTimeouts); tun_drops_before=$(tun_drops)
    local tracers=()
    if [ -n "${BENCH_STRACE:-}" ]; then
        for i in 0 1; do
            strace -c -f -e trace=sendmsg,sendmmsg,recvmsg,recvmmsg -o "$dir/strace.$i" -p "${pids[$i]}" 2>/dev/null &
            tracers+=($!)
        done
    fi
    ip netns exec "$ac" python3 scripts/bench-pppoe/tcp-many.py sink 10.80.0.1 5301 "$secs" "$up" >"$dir/sink.out" 2>&1 &
    echo $! >"$dir/sink.pid"
    for _ in $(seq 1 50); do grep -q listening "$dir/sink.out" && break; sleep 0.1; done
    ip netns exec "$cl" python3 scripts/bench-pppoe/tcp-many.py send 10.80.0.1 5301 "$secs" "$dir/addresses" 2>>"$dir/send.err" || true
    wait "$(cat "$dir/sink.pid")" 2>/dev/null || true
    rm -f "$dir/sink.pid"
    if [ ${#tracers[@]} -gt 0 ]; then
        for i in "${tracers[@]}"; do kill -INT "$i" 2>/dev/null || true; done
        for i in "${tracers[@]}"; do wait "$i" 2>/dev/null || true; done
        for i in 0 1; do
            for c in sendmsg sendmmsg recvmsg recvmmsg; do
                fig["$n,$c$i"]=$(awk -v c="$c" '$NF == c { print ($4 ~ /^[0-9]+$/) ? $4 : $5 }' "$dir/strace.$i" 2>/dev/null | head -n 1)
            done
        done
    fi
    read -r fig["$n,gbit"] bytes _ fig["$n,conns"] < <(tail -n 1 "$dir/sink.out") || true
    hz=$(getconf CLK_TCK)
    for i in 0 1; do
        fig["$n,cpu$i"]=$(awk -v a="${before[$i]}" -v b="$(cpu_ticks "${pids[$i]}")" -v n="${bytes:-0}" -v hz="$hz" \
            'BEGIN { if (n > 0) printf "%.2f", (b - a) / hz / (n / 1e9); else print "-" }')
    done
    fig["$n,retrans"]=$(( $(nstat_value TcpRetransSegs) - retrans_before ))/$(( $(nstat_value TcpOutSegs) - sent_before ))
    fig["$n,timeouts"]=$(( $(nstat_value TcpExtTCPTimeouts) - timeouts_before ))
    fig["$n,tundrop"]=$(( $(tun_drops) - tun_drops_before ))
    fig["$n,sockdrop"]=$(ip netns exec "$ac" ss -0 -a -m 2>/dev/null | awk '/ppp_ses/ && match($0, /,d[0-9]+\)/) { print substr($0, RSTART + 2, RLENGTH - 3) }' | head -n 1)
    # The mux's own counts (issue 21): frames out, in sendmmsg calls, alone, waited.
    for i in 0 1; do
        fig["$n,mux$i"]=$("$bin/pppctl" --runtime-dir "$dir/ac" --json call "$([ $i -eq 0 ] && echo linkd@access || echo ncpd)" status 2>/dev/null |
            python3 -c 'import json,sys
d=json.load(sys.stdin)
d=d.get("data",d) if isinstance(d,dict) else d
m=d.get("mux") or {}
m=m.get("access",m) if "frames_out" not in m else m
print("/".join(str(m.get(k,"-")) for k in ("frames_out","send_batches","send_direct","queued")))' 2>/dev/null || echo -)
    done
    fig["$n,rss"]=$(awk '/VmRSS/ { print $2 }' "/proc/${pids[0]}/status" 2>/dev/null || echo -)/$(awk '/VmRSS/ { print $2 }' "/proc/${pids[1]}/status" 2>/dev/null || echo -)
    stop_all
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for n in "${counts[@]}"; do run "$n"; done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo "== aggregate TCP through N PPPoE sessions of one AC (one connection per session, client → AC, ${secs} s counted)"
echo "   build $bin; $(nproc) CPUs; load average $load_before before, $load_after after (shared machine: figures move with it)"
printf '%-34s' ""; for n in "${counts[@]}"; do printf ' %12s' "N = $n"; done; echo
row() { printf '%-34s' "$1"; for n in "${counts[@]}"; do printf ' %12s' "${fig[$n,$2]:--}"; done; echo; }
row "sessions up" up
row "connections counted" conns
row "aggregate TCP (Gbit/s)" gbit
row "iperf3 TCP 1 stream (Gbit/s)" iperf3
row "CPU s/GB AC linkd" cpu0
row "CPU s/GB AC ncpd" cpu1
row "RSS kB AC linkd/ncpd" rss
row "client TCP retransmitted/sent" retrans
row "client TCP timeouts" timeouts
row "client TUN queue drops" tundrop
row "AC session socket drops (total)" sockdrop
row "AC linkd mux out/sendmmsg/alone/queued" mux0
row "AC ncpd mux out/sendmmsg/alone/queued" mux1
if [ -n "${BENCH_STRACE:-}" ]; then
    for c in sendmsg sendmmsg recvmsg recvmmsg; do row "AC linkd $c calls (strace)" "${c}0"; done
    for c in sendmsg sendmmsg recvmsg recvmmsg; do row "AC ncpd $c calls (strace)" "${c}1"; done
fi
if [ -s "$dir/send.err" ]; then echo "sender errors:"; sort "$dir/send.err" | uniq -c | sort -rn | head -n 5; fi
