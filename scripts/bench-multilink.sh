#!/usr/bin/env bash
# Benchmark (prints figures; not a test), issue 17: fragment loss in an RFC
# 1990 bundle whose links are slower than what is offered. Two of our
# routers in two network namespaces, joined by two pty pairs (socat), each a
# tty port with `multilink` (MRU 600): one bundle of two tty links. Offered:
# iperf3 TCP (B → A, SECONDS) and iperf3 UDP at RATE (default 200 Mbit/s,
# far above what two ptys carry). Printed per build: throughput, TCP
# retransmits, UDP loss, and where packets went: fragments B's linkds
# dropped on a full line (`transmit_dropped`) or wrote short
# (`transmit_errors`, seen as bad FCS at A), frames they held for the line
# instead (`transmit_held`), fragments B's bundle dropped for a full link
# channel (`transmit_full`) or held, times it stopped reading its session
# (`backpressure`), packets B's session dropped for a full channel, the TUN's
# own TX drops (the kernel's queue, before our router), and fragments A's
# reassembly counted lost.
#   scripts/bench-multilink.sh [SECONDS] [RATE]      (root)
# Builds: PPP_BIN_DIR (default .build/debug) is "after"; PPP_BIN_BEFORE, if
# set, is a build of the code before the change, run first in the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
rate=${2:-200M}
[ "$(id -u)" -eq 0 ] || { echo "bench-multilink.sh: run as root" >&2; exit 2; }
for c in iperf3 socat python3; do command -v $c >/dev/null || { echo "bench-multilink.sh: needs $c" >&2; exit 2; }; done

tag=$$
na=pppmlb-a-$tag
nb=pppmlb-b-$tag
dir=$(mktemp -d /tmp/ppprouter-mlbench.XXXXXX)
chmod 755 "$dir"
stop_routers() {
    for f in "$dir/a.pid" "$dir/b.pid"; do [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null || true; done
    sleep 1
    for f in "$dir/a.pid" "$dir/b.pid"; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null || true; rm -f "$f"; done
    for f in "$dir"/socat*.pid; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null || true; rm -f "$f"; done
    sleep 0.5
}
cleanup() {
    stop_routers
    [ -f "$dir/iperf.pid" ] && kill "$(cat "$dir/iperf.pid")" 2>/dev/null || true
    ip netns delete "$na" 2>/dev/null || true
    ip netns delete "$nb" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$na"; ip netns add "$nb"
ip -n "$na" link set lo up; ip -n "$nb" link set lo up

port() {  # $1 name, $2 device, $3 endpoint, $4 role keys
    cat <<EOF
[port.$1]
type = "tty"
device = "$2"
lcp-restart = 1
lcp-max-configure = 30
lcp-echo-interval = 1
lcp-echo-failure = 10
persist = true
holdoff = 1
mru = 600
multilink = true
endpoint = "$3"
$4

EOF
}

start_routers() {  # $1: bin dir
    local bin i
    bin=$(realpath "$1")
    for i in 1 2; do
        rm -f "$dir/pty$i-a" "$dir/pty$i-b"
        socat "pty,raw,echo=0,link=$dir/pty$i-a" "pty,raw,echo=0,link=$dir/pty$i-b" &
        echo $! >"$dir/socat$i.pid"
        disown
    done
    for _ in $(seq 1 100); do [ -e "$dir/pty2-b" ] && [ -e "$dir/pty1-b" ] && break; sleep 0.05; done
    { echo '[router]'; echo 'seccomp = "kill"'
      port t1 "$dir/pty1-a" IP:10.97.9.1 $'address = "10.99.9.1:"\nip-pool = "clients"'
      port t2 "$dir/pty2-a" IP:10.97.9.1 $'address = "10.99.9.1:"\nip-pool = "clients"'
      printf '[pool.clients]\nrange = "10.99.9.10-10.99.9.20"\nlocal = "10.99.9.1"\n'; } >"$dir/a.toml"
    { echo '[router]'; echo 'seccomp = "kill"'
      port t1 "$dir/pty1-b" IP:10.97.9.2 'noipdefault = true'
      port t2 "$dir/pty2-b" IP:10.97.9.2 'noipdefault = true'; } >"$dir/b.toml"
    rm -rf "$dir/a" "$dir/b"
    # pppinit spawns its daemons from PPP_BIN_DIR when set: this build's.
    PPP_BIN_DIR=$bin ip netns exec "$na" "$bin/pppinit" --config "$dir/a.toml" --runtime-dir "$dir/a" >"$dir/a.log" 2>&1 &
    echo $! >"$dir/a.pid"
    disown
    PPP_BIN_DIR=$bin ip netns exec "$nb" "$bin/pppinit" --config "$dir/b.toml" --runtime-dir "$dir/b" >"$dir/b.log" 2>&1 &
    echo $! >"$dir/b.pid"
    disown
    for _ in $(seq 1 600); do
        "$bin/pppctl" --runtime-dir "$dir/b" --json bundles 2>/dev/null | python3 -c '
import json,sys; b=json.load(sys.stdin)["data"]; sys.exit(0 if len(b)==1 and len(b[0]["links"])==2 and b[0].get("interface") else 1)' 2>/dev/null &&
        "$bin/pppctl" --runtime-dir "$dir/b" --json sessions 2>/dev/null | grep -q '"ipcp":{[^}]*"state":"opened"' && break
        sleep 0.1
    done
    "$bin/pppctl" --runtime-dir "$dir/b" --json sessions | grep -q '"ipcp":{[^}]*"state":"opened"' || {
        echo "no bundle with IPCP up"; tail -n 20 "$dir/a.log" "$dir/b.log"; exit 1; }
    sleep 1
}

# Sums of counters of one router ($2: a|b) by key ($3...), over the JSON of
# `pppctl $1` (every occurrence of the key, at any depth).
counters() {
    local bin=$1 what=$2 router=$3; shift 3
    "$bin/pppctl" --runtime-dir "$dir/$router" --json "$what" 2>/dev/null | python3 -c '
import json, sys
keys = sys.argv[1:]
sums = {k: 0 for k in keys}
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k in sums and isinstance(x, int): sums[k] += x
            walk(x)
    elif isinstance(v, list):
        for x in v: walk(x)
walk(json.load(sys.stdin))
print(" ".join(str(sums[k]) for k in keys))' "$@"
}
tun_tx_dropped() { ip netns exec "$nb" cat /sys/class/net/ppp0/statistics/tx_dropped 2>/dev/null || echo 0; }

declare -A fig
measure() {  # $1: column, $2: bin dir
    local col=$1 bin=$2 out
    start_routers "$bin"
    out=$(ip netns exec "$nb" iperf3 -c 10.99.9.1 -t "$secs" -J 2>/dev/null || true)
    fig["$col,tcp"]=$(echo "$out" | python3 -c 'import json,sys
try:
    e=json.load(sys.stdin)["end"]; print("%.1f Mbit/s" % (e["sum_received"]["bits_per_second"]/1e6))
except Exception: print("-")')
    fig["$col,retr"]=$(echo "$out" | python3 -c 'import json,sys
try: print(json.load(sys.stdin)["end"]["sum_sent"]["retransmits"])
except Exception: print("-")')
    out=$(ip netns exec "$nb" iperf3 -c 10.99.9.1 -u -b "$rate" -l 1400 -t "$secs" -J 2>/dev/null || true)
    read -r fig["$col,udp"] fig["$col,udploss"] < <(echo "$out" | python3 -c 'import json,sys
try:
    e=json.load(sys.stdin)["end"]; s=e.get("sum_received") or e["sum"]; t=e["sum"]
    print("%.1f" % (s["bits_per_second"]/1e6), "%.1f%%" % t["lost_percent"])
except Exception: print("- -")')
    read -r fig["$col,ldrop"] fig["$col,lerr"] fig["$col,lheld"] < <(counters "$bin" sessions b transmit_dropped transmit_errors transmit_held)
    read -r fig["$col,bfull"] fig["$col,bheld"] fig["$col,bp"] < <(counters "$bin" bundles b transmit_full held backpressure)
    read -r fig["$col,sfull"] < <(counters "$bin" sessions b transmit_channel_full)
    fig["$col,tun"]=$(tun_tx_dropped)
    read -r fig["$col,lost"] fig["$col,frags"] < <(counters "$bin" bundles a lost fragments_received)
    read -r fig["$col,fcs"] < <(counters "$bin" sessions a bad_fcs)
    stop_routers
}

ip netns exec "$na" iperf3 -s -D -I "$dir/iperf.pid" >/dev/null
sleep 0.5
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
cols=()
if [ -n "${PPP_BIN_BEFORE:-}" ]; then measure before "$PPP_BIN_BEFORE"; cols+=(before); fi
measure after "${PPP_BIN_DIR:-.build/debug}"; cols+=(after)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo "== a bundle of two tty links (pty pairs, MRU 600), B → A: iperf3 TCP ${secs} s, then UDP at $rate for ${secs} s"
echo "   $(nproc) CPUs; load average $load_before before, $load_after after (shared machine: rates move with it; counts are what matters)"
printf '%-58s' ""; for c in "${cols[@]}"; do printf '%16s' "$c"; done; echo
row() { printf '%-58s' "$1"; for c in "${cols[@]}"; do printf '%16s' "${fig[$c,$2]:--}"; done; echo; }
row "iperf3 TCP (receiver)" tcp
row "iperf3 TCP retransmits" retr
row "iperf3 UDP received (Mbit/s)" udp
row "iperf3 UDP loss (datagrams)" udploss
row "A: fragments received" frags
row "A: fragments lost (RFC 1990 §4.1 reassembly)" lost
row "A: bad FCS on the ttys (short writes at B)" fcs
row "B linkds: frames dropped, line full (EAGAIN)" ldrop
row "B linkds: frames written short" lerr
row "B linkds: frames held for the line" lheld
row "B bundle: fragments dropped, link channel full" bfull
row "B bundle: frames held for a link" bheld
row "B bundle: session side paused (backpressure)" bp
row "B session: packets dropped, channel full" sfull
row "B TUN: TX dropped by the kernel (before ncpd)" tun
