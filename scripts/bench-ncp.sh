#!/usr/bin/env bash
# Benchmark (prints figures; not a test): iperf3 TCP through ncpd's data path
# between two network namespaces, next to a plain veth pair measured in the
# same run. Each namespace runs its own pppinit; until linkd hands channels
# to ncpd (PPP over UDP end to end), the two ncpds are joined by one channel
# socketpair handed over here exactly as linkd would (python3 does the
# sendmsg with SCM_RIGHTS and SCM_CREDENTIALS), so the figure is ncpd's:
# TUN -> channel -> TUN with IPCP-negotiated addresses and MTU 1500.
# Usage: scripts/bench-ncp.sh [SECONDS]   (root; PPP_BIN_DIR to skip the build)
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
A=pppbenchA$tag B=pppbenchB$tag VA=pppbenchVA$tag VB=pppbenchVB$tag
work=$(mktemp -d /tmp/ppprouter-bench.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    for ns in $A $B $VA $VB; do ip netns delete "$ns" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
for ns in $A $B $VA $VB; do ip netns add "$ns"; ip -n "$ns" link set lo up; done

printf '[router]\nseccomp = "kill"\n' >"$work/router.toml"
for ns in $A $B; do
    ip netns exec "$ns" "$PPP_BIN_DIR/pppinit" --config "$work/router.toml" --runtime-dir "$work/$ns" >"$work/$ns.log" 2>&1 &
    pids+=($!)
done
for ns in $A $B; do
    for _ in $(seq 100); do [ -S "$work/$ns/ncpd" ] && "$PPP_BIN_DIR/pppctl" --runtime-dir "$work/$ns" call ncpd status >/dev/null 2>&1 && break; sleep 0.1; done
done

# One channel (SOCK_SEQPACKET pair), one end to each ncpd: A assigns B's address.
python3 - "$work/$A" "$work/$B" <<'PY'
import array, os, socket, struct, sys
def s16(b): return struct.pack(">H", len(b)) + b
def record(local, remote, noipdefault):
    # ChannelRecord v1 + NetworkSettings v1 (Sources/IPC/SessionRecords.swift)
    net = struct.pack(">BII", 1, local, remote) + s16(b"") + s16(b"") + bytes([1, 0, noipdefault, 0, 0, 0, 0])
    return bytes([1]) + s16(b"bench:1") + s16(b"bench") + struct.pack(">HHII", 1500, 1500, 0, 0) + b"\x00" + net + s16(b"")  # + bridgeWith
def hand_over(runtime, rec, fd):
    r, far = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    payload = struct.pack(">I", len(rec)) + rec
    header = struct.pack(">HBBHHII", 0x5052, 1, 0, 40, 0, 0, len(payload))   # channelHandedOver
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd, far.fileno()]).tobytes()),
           (socket.SOL_SOCKET, socket.SCM_CREDENTIALS, struct.pack("iII", os.getpid(), 61001, 61001))]
    s.sendmsg([header + payload], anc, 0, runtime + "/ncpd")
    far.close()
    r.settimeout(5)
    answer = r.recv(512)
    if answer[:1] != b"P": sys.exit("handoff refused: %r" % answer)
    r.send(b"!")
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
hand_over(sys.argv[1], record(0x0a610001, 0x0a610002, 0), a.fileno())
hand_over(sys.argv[2], record(0, 0, 1), b.fileno())
PY
for _ in $(seq 100); do
    "$PPP_BIN_DIR/pppctl" --json --runtime-dir "$work/$B" call ncpd sessions 2>/dev/null | grep -q '"local":"10.97.0.2"' && break
    sleep 0.1
done
ip -n "$B" -4 addr show dev ppp0 | grep -q 10.97.0.2 || { echo "bench-ncp.sh: IPCP did not open"; cat "$work"/*.log; exit 1; }

ip link add "$VA" netns "$VA" type veth peer name "$VB" netns "$VB"
ip -n "$VA" addr add 10.96.0.1/30 dev "$VA"; ip -n "$VA" link set "$VA" up
ip -n "$VB" addr add 10.96.0.2/30 dev "$VB"; ip -n "$VB" link set "$VB" up

measure() {  # client-ns server-ns server-address
    ip netns exec "$2" iperf3 -s -1 -B "$3" >/dev/null 2>&1 &
    local server=$!
    sleep 0.3
    ip netns exec "$1" iperf3 -c "$3" -t "$SECS" -J >"$work/iperf.json"
    wait "$server" 2>/dev/null || true
    python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))' "$work/iperf.json"
}
ppp=$(measure "$A" "$B" 10.97.0.2)
veth=$(measure "$VA" "$VB" 10.96.0.2)
echo "iperf3 TCP, ${SECS} s each, MTU 1500:"
echo "  ncpd (TUN -> channel socketpair -> TUN): $ppp Gbit/s"
echo "  plain veth pair:                         $veth Gbit/s"
