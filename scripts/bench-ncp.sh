#!/usr/bin/env bash
# Benchmark (prints figures; not a test): iperf3 TCP through the real PPP
# path — PPP over UDP between two network namespaces, linkd framing and
# relaying, ncpd moving packets between its TUN units and the channels — next
# to the plain veth pair that carries the UDP, measured in the same run.
# Each namespace runs its own pppinit: A is the server (address 10.97.0.1,
# assigns 10.97.0.2), B the client (noipdefault). The units' MTU is the
# peer's MRU: 1500 by default, which makes every full-sized PPP-in-UDP
# datagram (1500 + PPP header + 28) an IP fragment pair on the 1500-octet
# veth; PPP_MRU=1468 keeps them whole.
# Usage: [PPP_MRU=N] scripts/bench-ncp.sh [SECONDS]   (root; PPP_BIN_DIR to skip the build)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-5}
[ "$(id -u)" -eq 0 ] || { echo "bench-ncp.sh: run as root" >&2; exit 2; }
for tool in iperf3 python3 ip; do command -v $tool >/dev/null || { echo "bench-ncp.sh: needs $tool" >&2; exit 2; }; done
if [ -z "${PPP_BIN_DIR:-}" ]; then
    swift build -c release --scratch-path .build-bench >/dev/null 2>&1 || { echo "bench-ncp.sh: release build failed" >&2; exit 1; }
    PPP_BIN_DIR=$(swift build -c release --scratch-path .build-bench --show-bin-path)
fi
tag=$$
A=pppbenchA$tag B=pppbenchB$tag VA=pbva$tag VB=pbvb$tag
work=$(mktemp -d /tmp/ppprouter-bench.XXXXXX)
chmod 755 "$work"  # the daemons' uids reach their rendezvous points through it
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    for ns in $A $B; do ip netns delete "$ns" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
for ns in $A $B; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add "$VA" netns "$A" type veth peer name "$VB" netns "$B"
ip -n "$A" addr add 10.96.0.1/30 dev "$VA"; ip -n "$A" link set "$VA" up
ip -n "$B" addr add 10.96.0.2/30 dev "$VB"; ip -n "$B" link set "$VB" up

cat >"$work/$A.toml" <<CFG
[router]
seccomp = "kill"
[port.bench]
type = "udp"
local = "10.96.0.1:16100"
remote = "10.96.0.2:16100"
mru = ${PPP_MRU:-1500}
address = "10.97.0.1:10.97.0.2"
CFG
cat >"$work/$B.toml" <<CFG
[router]
seccomp = "kill"
[port.bench]
type = "udp"
local = "10.96.0.2:16100"
remote = "10.96.0.1:16100"
mru = ${PPP_MRU:-1500}
noipdefault = true
CFG
for ns in $A $B; do
    ip netns exec "$ns" "$PPP_BIN_DIR/pppinit" --config "$work/$ns.toml" --runtime-dir "$work/$ns" >"$work/$ns.log" 2>&1 &
    pids+=($!)
done
for _ in $(seq 200); do
    "$PPP_BIN_DIR/pppctl" --json --runtime-dir "$work/$B" sessions 2>/dev/null | grep -q '"local":"10.97.0.2"' && break
    sleep 0.1
done
ip -n "$B" -4 addr show dev ppp0 2>/dev/null | grep -q 10.97.0.2 || { echo "bench-ncp.sh: IPCP did not open"; cat "$work"/*.log; exit 1; }

measure() {  # client-ns server-ns server-address
    ip netns exec "$2" iperf3 -s -1 -B "$3" >/dev/null 2>&1 &
    local server=$!
    sleep 0.3
    ip netns exec "$1" iperf3 -c "$3" -t "$SECS" -J >"$work/iperf.json"
    wait "$server" 2>/dev/null || true
    python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))' "$work/iperf.json"
}
ppp=$(measure "$A" "$B" 10.97.0.2)
veth=$(measure "$A" "$B" 10.96.0.2)
echo "iperf3 TCP, ${SECS} s each, PPP MRU ${PPP_MRU:-1500}, veth MTU 1500:"
echo "  PPP over UDP (linkd + ncpd, TUN -> channel -> UDP -> channel -> TUN): $ppp Gbit/s"
echo "  plain veth pair (the one carrying the UDP):                           $veth Gbit/s"
