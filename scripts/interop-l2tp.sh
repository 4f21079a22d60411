#!/bin/bash
# L2TP interop against xl2tpd in the lab VM (../shared/lab):
#   1. xl2tpd as a LAC with a pppd session (vm-l2tp-lac.sh, pppol2tp in the
#      guest kernel) dialling OUR LNS (an l2tp port, role = "lns", on the tap
#      in the lab's namespace, UDP 1701): tunnel, call, LCP, CHAP
#      (alice/secret), IPCP from our pool, a ping to pppd's address; a
#      tshark capture of the tap decodes as L2TP with no malformed packet.
#   2. xl2tpd as the LNS (vm-l2tp-lns.sh, pppd per session) for OUR LAC (an
#      l2tp port, role = "lac", running its own session as alice): tunnel,
#      call, we get 10.68.0.x from xl2tpd's pppd and ping 10.68.0.1;
#      `pppctl tunnels` names xl2tpd's host.
# Prints PASS/FAIL lines and "N passed, M failed". Boots two VMs, so it is
# not part of scripts/test.sh.
#
#   usage: scripts/interop-l2tp.sh        (as root; PPP_BIN_DIR=dir of the built executables,
#                                          default: swift build's debug bin path)
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/interop-lib.sh"

TMP=$(mktemp -d /tmp/ppprouter-interop-l2tp.XXXXXX)
chmod 755 "$TMP"  # the daemons' own uids reach the runtime dir's rendezvous points through it
NS_LNS=pli-lns-$$ NS_LAC=pli-lac-$$   # the runners create these and remove them on exit
ROUTER_PID="" TSHARK_PID=""
stop_router() {
    [ -n "$ROUTER_PID" ] && kill -TERM "$ROUTER_PID" 2>/dev/null && wait "$ROUTER_PID" 2>/dev/null
    ROUTER_PID=""
}
stop_runner() {  # SIGTERM only: the runner's trap stops qemu and removes the tap and netns
    [ -n "$TSHARK_PID" ] && kill -TERM "$TSHARK_PID" 2>/dev/null && wait "$TSHARK_PID" 2>/dev/null
    TSHARK_PID=""
    [ -n "$RUNNER_PID" ] && kill -TERM "$RUNNER_PID" 2>/dev/null && wait "$RUNNER_PID" 2>/dev/null
    RUNNER_PID=""
}
cleanup() {
    stop_router
    stop_runner
    for ns in "$NS_LNS" "$NS_LAC"; do ip netns list | awk '{print $1}' | grep -qx "$ns" && ip netns del "$ns"; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log_excerpt() {  # xl2tpd's and pppd's lines from the VM's syslog
    grep -E 'xl2tpd\[[0-9]+\]|pppd\[[0-9]+\]: (sent|rcvd) \[(LCP|CHAP|PAP|IPCP)|pppd\[[0-9]+\]: (CHAP|PAP|local|remote|Connect|Using|Terminat)' \
        "$LAB_PPPD_LOG" | sed -E 's/^.*(xl2tpd\[[0-9]+\]|pppd\[[0-9]+\])/\1/' |
        awk '{ if (++n[$0 ~ /Echo/] <= 4 || $0 !~ /Echo/) print }' | head -${1:-40}
}

# The body is a function, as in interop-pppoe.sh: a signal while bash parses
# a multi-line $(...) then ends main, and the EXIT trap cleans up.
main() {
# ---------------------------------------------------------------- test 1
echo "=== 1. xl2tpd LAC + pppd -> our LNS"
if start_runner "$TMP/runner1.out" "$LAB/vm-l2tp-lac.sh" "$NS_LNS" 192.0.2.1; then
    echo "lab: xl2tpd dials 192.0.2.1:1701 from $LAB_LAC_IP after ${LAB_BOOT_SECONDS}s"
    ip netns exec "$NS_LNS" tshark -q -i "$LAB_TAP" -w "$TMP/lns.pcapng" >"$TMP/tshark.log" 2>&1 &
    TSHARK_PID=$!
    for _ in $(seq 40); do grep -q 'Capturing on' "$TMP/tshark.log" && break; sleep 0.25; done
    RUN=$TMP/run-lns
    cat >"$TMP/lns.toml" <<EOF
[router]
seccomp = "kill"
[port.lns]
type = "l2tp"
role = "lns"
local = "192.0.2.1:1701"
require-chap = true
name = "ppprouter"
lcp-restart = 2
lcp-echo-interval = 5
lcp-echo-failure = 3
ip-pool = "lab"
[users.alice]
password = "secret"
[pool.lab]
range = "10.68.0.100-10.68.0.120"
local = "10.68.0.1"
EOF
    T0=$SECONDS
    ip netns exec "$NS_LNS" "$BIN/pppinit" --config "$TMP/lns.toml" --runtime-dir "$RUN" >"$TMP/router-lns.log" 2>&1 &
    ROUTER_PID=$!
    UP=1
    wait_for 60 "s.get('phase') == 'network' and (s.get('ipcp') or {}).get('state') == 'opened'" && UP=0
    PEER=$(field "(s.get('ipcp') or {}).get('remote')")
    check "tunnel, call, LCP, CHAP and IPCP complete with xl2tpd's pppd ($((SECONDS - T0)) s after our router started)" $UP "$(field 's')"
    check "pppctl sessions: peer alice authenticated with CHAP" \
        $([ "$(field "s.get('peer_name')")" = alice ] && [ "$(field "s.get('auth_state')")" = success ]; echo $?) \
        "peer_name $(field "s.get('peer_name')") auth $(field "s.get('auth_state')")"
    TUNNELS=$(ctl --json tunnels 2>/dev/null)
    check "pppctl tunnels: one established tunnel from $LAB_LAC_IP with one call" \
        $(echo "$TUNNELS" | python3 -c "import json,sys; t=json.load(sys.stdin)['data']; sys.exit(0 if len(t)==1 and t[0]['state']=='established' and t[0]['peer'].startswith('$LAB_LAC_IP:') and len(t[0]['calls'])==1 else 1)" 2>/dev/null; echo $?) "$TUNNELS"
    PING=$(ip netns exec "$NS_LNS" ping -c 3 -W 2 "$PEER" 2>&1)
    check "ping from our side to pppd's $PEER through the tunnel" $(echo "$PING" | grep -q ' 0% packet loss'; echo $?) "$(echo "$PING" | tail -2)"
    echo "--- the VM's log (LAB_PPPD_LOG):"
    log_excerpt 40
    stop_router   # our LNS sends StopCCN on stop
    [ -n "$TSHARK_PID" ] && kill -INT "$TSHARK_PID" 2>/dev/null && wait "$TSHARK_PID" 2>/dev/null
    TSHARK_PID=""
    if [ -s "$TMP/lns.pcapng" ]; then
        BAD=$(tshark -r "$TMP/lns.pcapng" -Y '_ws.malformed || _ws.expert.severity == error' 2>/dev/null) || BAD="tshark failed: $?"
        KINDS=$(tshark -r "$TMP/lns.pcapng" -Y l2tp -T fields -e _ws.col.Info 2>/dev/null | grep -oE 'SCCRQ|SCCRP|SCCCN|ICRQ|ICRP|ICCN|HELLO|StopCCN|CDN' | sort -u | paste -sd' ')
        check "tshark decodes the capture as L2TP with no malformed packet ($KINDS)" \
            $([ -z "$BAD" ] && echo "$KINDS" | grep -q SCCCN && echo "$KINDS" | grep -q ICCN; echo $?) "$BAD"
    else
        check "tshark captured the tap" 1 "$(cat "$TMP/tshark.log")"
    fi
    stop_runner
else
    check "lab VM with xl2tpd as LAC came up" 1
fi

# ---------------------------------------------------------------- test 2
echo "=== 2. xl2tpd LNS + pppd -> our LAC"
if start_runner "$TMP/runner2.out" "$LAB/vm-l2tp-lns.sh" "$NS_LAC"; then
    echo "lab: xl2tpd listens at $LAB_LNS_IP:1701 after ${LAB_BOOT_SECONDS}s"
    RUN=$TMP/run-lac
    cat >"$TMP/lac.toml" <<EOF
[router]
seccomp = "kill"
[port.lac]
type = "l2tp"
role = "lac"
local = "$LAB_HOST_IP:1701"
lns = ["$LAB_LNS_IP"]
user = "alice"
noipdefault = true
persist = true
holdoff = 2
lcp-restart = 2
lcp-echo-interval = 5
lcp-echo-failure = 3
[users.alice]
password = "secret"
EOF
    T0=$SECONDS
    ip netns exec "$NS_LAC" "$BIN/pppinit" --config "$TMP/lac.toml" --runtime-dir "$RUN" >"$TMP/router-lac.log" 2>&1 &
    ROUTER_PID=$!
    UP=1
    wait_for 60 "s.get('phase') == 'network' and (s.get('ipcp') or {}).get('state') == 'opened'" && UP=0
    LOCAL=$(field "(s.get('ipcp') or {}).get('local')")
    REMOTE=$(field "(s.get('ipcp') or {}).get('remote')")
    check "our LAC: tunnel, call, LCP, auth and IPCP complete with xl2tpd's pppd ($((SECONDS - T0)) s)" $UP "$(field 's')"
    check "we got $LOCAL (10.68.0.x) from xl2tpd's pppd, its address $REMOTE" \
        $([[ "$LOCAL" =~ ^10\.68\.0\.[0-9]+$ ]] && [ "$REMOTE" = 10.68.0.1 ]; echo $?)
    TUNNELS=$(ctl tunnels 2>/dev/null)
    check "pppctl tunnels: established to $LAB_LNS_IP" \
        $(echo "$TUNNELS" | grep -q "$LAB_LNS_IP:1701 .* established"; echo $?) "$TUNNELS"
    echo "$TUNNELS"
    PING=$(ip netns exec "$NS_LAC" ping -c 3 -W 2 10.68.0.1 2>&1)
    check "ping 10.68.0.1 through the tunnel" $(echo "$PING" | grep -q ' 0% packet loss'; echo $?) "$(echo "$PING" | tail -2)"
    echo "--- the VM's log (LAB_PPPD_LOG):"
    log_excerpt 40
    stop_router
    stop_runner
else
    check "lab VM with xl2tpd as LNS came up" 1
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
}
main
