#!/bin/bash
# IPCP interop against the reference peer: Debian's pppd 2.4.9 in the lab VM
# (../shared/lab/vm-pppd-serial.sh) on a serial line whose host side is a pty
# that our router opens as a tty port. Two VM boots:
#   1. pppd assigns both addresses (pppd's `10.0.0.1:10.0.0.2`); our port
#      has none, so we take what pppd gives (pppd's noipdefault behaviour).
#   2. pppd asks for its address (`noipdefault`); our port assigns it
#      (`address = "10.0.0.9:10.0.0.10"`).
# In both, we ping pppd from our side, and pppd's ip-up (an ip-up.d script
# copied into the VM) pings us and logs the result to the VM's syslog.
# Our router runs in a network namespace this script creates, so its TUN
# unit never appears in the host's namespace. Prints PASS/FAIL lines and
# "N passed, N failed". Boots VMs, so it is not part of scripts/test.sh.
#
#   usage: scripts/interop-ipcp.sh   (as root; PPP_BIN_DIR=dir of the built executables)
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/interop-lib.sh"

TMP=$(mktemp -d /tmp/ppprouter-ipcp.XXXXXX)
chmod 755 "$TMP"  # the daemons' uids reach the runtime dir's rendezvous points through it
NS=ppi-ipcp-$$
ROUTER_PID="" RUN=$TMP/run
stop_run() {
    [ -n "$ROUTER_PID" ] && kill -TERM "$ROUTER_PID" 2>/dev/null && wait "$ROUTER_PID" 2>/dev/null
    [ -n "$RUNNER_PID" ] && kill -TERM "$RUNNER_PID" 2>/dev/null && wait "$RUNNER_PID" 2>/dev/null
    ROUTER_PID="" RUNNER_PID=""
}
cleanup() { stop_run; ip netns delete "$NS" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM


ip netns add "$NS" && ip -n "$NS" link set lo up || exit 1
# pppd's side of the ping: Debian's /etc/ppp/ip-up runs ip-up.d with
# $4 = local and $5 = remote address.
mkdir -p "$TMP/overlay/etc/ppp/ip-up.d"
cat >"$TMP/overlay/etc/ppp/ip-up.d/0ppplab-ping" <<'SH'
#!/bin/sh
if busybox ping -c 3 -W 2 "$5" >/dev/null 2>&1; then
    logger -t ppplab-ping "from $4 to $5: ok"
else
    logger -t ppplab-ping "from $4 to $5: failed"
fi
SH
chmod 755 "$TMP/overlay/etc/ppp/ip-up.d/0ppplab-ping"

# scenario NAME "PPPD OPTIONS" "OUR NETWORK KEYS" EXPECTED-OURS EXPECTED-PPPD'S
scenario() {
    local name=$1 pppd_opts=$2 keys=$3 ours=$4 theirs=$5
    echo "=== $name"
    rm -rf "$TMP/run" "$TMP/runner.out"
    # shellcheck disable=SC2086  # pppd's options are words
    if ! start_runner "$TMP/runner.out" env LAB_OVERLAY="$TMP/overlay" "$LAB/vm-pppd-serial.sh" noauth local debug $pppd_opts; then
        check "$name: lab VM comes up" 1; stop_run; return
    fi
    cat >"$TMP/router.toml" <<EOF
[router]
seccomp = "kill"
[port.lab]
type = "tty"
device = "$LAB_PTY"
local = true
lcp-echo-interval = 2
lcp-echo-failure = 5
$keys
EOF
    ip netns exec "$NS" "$BIN/pppinit" --config "$TMP/router.toml" --runtime-dir "$TMP/run" >"$TMP/router.log" 2>&1 &
    ROUTER_PID=$!
    if wait_for 40 "(s.get('ipcp') or {}).get('state') == 'opened'"; then
        check "$name: IPCP opens with pppd" 0
    else
        check "$name: IPCP opens with pppd" 1 "$(field "s")"
    fi
    local got_local got_remote
    got_local=$(field "s['ipcp']['local']") got_remote=$(field "s['ipcp']['remote']")
    check "$name: our address $ours, pppd's $theirs" "$([ "$got_local/$got_remote" = "$ours/$theirs" ]; echo $?)" "$got_local/$got_remote"
    check "$name: we ping pppd ($theirs)" "$(ip netns exec "$NS" ping -c 3 -W 2 "$theirs" >/dev/null 2>&1; echo $?)"
    local end=$((SECONDS + 20))
    while [ $SECONDS -lt $end ] && ! grep -q 'ppplab-ping' "$LAB_PPPD_LOG" 2>/dev/null; do sleep 0.5; done
    check "$name: pppd pings us ($ours) from its ip-up" "$(grep -q "ppplab-ping.*to $ours: ok" "$LAB_PPPD_LOG"; echo $?)" \
        "$(grep 'ppplab-ping' "$LAB_PPPD_LOG" | tail -n 1)"
    echo "--- pppd's IPCP lines:"
    grep -E 'IPCP|IP address' "$LAB_PPPD_LOG" | sed 's/^.*pppd\[[0-9]*\]: /  /' | head -n 12
    stop_run
}

main() {
    scenario "pppd assigns" "10.0.0.1:10.0.0.2" "" 10.0.0.2 10.0.0.1
    scenario "we assign" "noipdefault" 'address = "10.0.0.9:10.0.0.10"' 10.0.0.9 10.0.0.10
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}
main
