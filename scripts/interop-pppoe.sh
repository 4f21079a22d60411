#!/bin/bash
# PPPoE interop against the lab VM's third-party peers (../shared/lab):
#   1. Debian's pppd with the rp-pppoe plugin as a PPPoE client
#      (vm-pppoe-client.sh) against OUR access concentrator (a pppoe port,
#      role = "ac", on the tap in the lab's namespace): discovery, LCP, CHAP
#      (alice/secret), IPCP with an address from our pool, a ping to pppd's
#      address from our side; a tshark capture of the tap must decode with
#      no malformed packet and no error.
#   2. rp-pppoe's pppoe-server + pppd as the AC (vm-pppoe-server.sh) for OUR
#      client (role = "client", user alice, noipdefault): session up, we get
#      an address from the AC's pool (10.67.0.x), a ping to 10.67.0.1 works.
# Prints PASS/FAIL lines, pppd's log excerpts and "N passed, M failed". Boots
# two VMs (6-10 s each under TCG), so it is not part of scripts/test.sh.
#
#   usage: scripts/interop-pppoe.sh       (as root; PPP_BIN_DIR=dir of the built executables,
#                                          default: swift build's debug bin path)
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/interop-lib.sh"

TMP=$(mktemp -d /tmp/ppprouter-interop-pppoe.XXXXXX)
chmod 755 "$TMP"  # the daemons' own uids reach the runtime dir's rendezvous points through it
NS_AC=ppi-ac-$$ NS_CL=ppi-cl-$$   # the runners create these and remove them on exit
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
    for ns in "$NS_AC" "$NS_CL"; do ip netns list | awk '{print $1}' | grep -qx "$ns" && ip netns del "$ns"; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pppd_log() {  # pppd's negotiation lines, without the syslog prefix and most echoes
    grep -E 'pppd\[[0-9]+\]: (sent|rcvd) \[(LCP|CHAP|PAP|IPCP|IPV6CP|CCP)|pppd\[[0-9]+\]: (PPP session|Connected|Connect|Using|CHAP|PAP|peer|local|remote|primary|secondary|Terminat|Connection|Modem|LCP|PADS|PPPoE|Plugin|Send PPPOE)|pppoe-server|exited with status' \
        "$LAB_PPPD_LOG" | sed -E 's/^.*(pppd\[[0-9]+\]|pppoe-server\[[0-9]+\]|pppoe\[[0-9]+\])/\1/' |
        awk '{ if (++n[$0 ~ /Echo/] <= 4 || $0 !~ /Echo/) print }' | head -${1:-50}
}

# The body is a function: at top level, a SIGTERM/SIGINT that lands while
# bash 5.2 parses a multi-line $(...) broke its parser ("unexpected EOF") and
# the script went on to the next test, leaving the first VM behind. Inside
# main the same message may be printed, but main ends and the EXIT trap
# stops the router, tshark and the runner.
main() {
# ---------------------------------------------------------------- test 1
echo "=== 1. pppd (rp-pppoe plugin) as client -> our access concentrator"
if start_runner "$TMP/runner1.out" "$LAB/vm-pppoe-client.sh" "$NS_AC" \
        noauth user alice password secret debug noipdefault persist maxfail 0 holdoff 2; then
    echo "lab: pppd sends PADIs on $LAB_TAP in $LAB_NETNS after ${LAB_BOOT_SECONDS}s"
    ip netns exec "$NS_AC" tshark -q -i "$LAB_TAP" -w "$TMP/ac.pcapng" >"$TMP/tshark.log" 2>&1 &
    TSHARK_PID=$!
    for _ in $(seq 40); do grep -q 'Capturing on' "$TMP/tshark.log" && break; sleep 0.25; done
    RUN=$TMP/run-ac
    cat >"$TMP/ac.toml" <<EOF
[router]
seccomp = "kill"
[port.ac]
type = "pppoe"
role = "ac"
interface = "$LAB_TAP"
ac-name = "ppprouter-interop"
require-chap = true
name = "ppprouter"
lcp-restart = 2
lcp-echo-interval = 5
lcp-echo-failure = 3
address = "10.67.0.1:"
ip-pool = "lab"
[users.alice]
password = "secret"
[pool.lab]
range = "10.67.0.100-10.67.0.120"
local = "10.67.0.1"
EOF
    T0=$SECONDS
    ip netns exec "$NS_AC" "$BIN/pppinit" --config "$TMP/ac.toml" --runtime-dir "$RUN" >"$TMP/router-ac.log" 2>&1 &
    ROUTER_PID=$!
    UP=1
    wait_for 60 "s.get('phase') == 'network' and (s.get('ipcp') or {}).get('state') == 'opened'" && UP=0
    PEER=$(field "(s.get('ipcp') or {}).get('remote')")
    check "discovery, LCP, CHAP and IPCP complete with pppd ($((SECONDS - T0)) s after our router started)" $UP "$(field 's')"
    check "pppctl sessions: peer alice authenticated with CHAP" \
        $([ "$(field "s.get('peer_name')")" = alice ] && [ "$(field "s.get('auth_state')")" = success ]; echo $?) \
        "peer_name $(field "s.get('peer_name')") auth $(field "s.get('auth')") $(field "s.get('auth_state')")"
    check "pppd's address $PEER is from our pool 10.67.0.100-120" \
        $(python3 -c "import ipaddress,sys; a=ipaddress.ip_address('$PEER'); sys.exit(0 if ipaddress.ip_address('10.67.0.100') <= a <= ipaddress.ip_address('10.67.0.120') else 1)" 2>/dev/null; echo $?)
    check "PPPoE: session id and pppd's MAC ($LAB_VM_MAC) in pppctl sessions" \
        $([ "$(field "(s.get('pppoe') or {}).get('peer_mac','').lower()")" = "$(echo "$LAB_VM_MAC" | tr A-Z a-z)" ] &&
           [ "$(field "bool((s.get('pppoe') or {}).get('session_id'))")" = True ]; echo $?) "$(field "s.get('pppoe')")"
    PING=$(ip netns exec "$NS_AC" ping -c 3 -W 2 "$PEER" 2>&1)
    check "ping from our side to pppd's $PEER" $(echo "$PING" | grep -q ' 0% packet loss'; echo $?) "$(echo "$PING" | tail -2)"
    echo "$PING" | tail -1
    sleep 1
    check "pppd's log: PADS, CHAP success, remote 10.67.0.1 and local $PEER" \
        $(grep -q 'PPP session is' "$LAB_PPPD_LOG" && grep -q 'CHAP authentication succeeded' "$LAB_PPPD_LOG" &&
          grep -qE "local +IP address $PEER\$" "$LAB_PPPD_LOG" && grep -qE 'remote IP address 10\.67\.0\.1$' "$LAB_PPPD_LOG"; echo $?)
    echo "--- our AC's PPPoE counters: $(ctl --json call linkd@ac status 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"].get("pppoe"))' 2>/dev/null)"
    echo "--- pppd's log (LAB_PPPD_LOG):"
    pppd_log 45
    N=$(wc -l <"$LAB_PPPD_LOG")
    stop_router   # our AC sends a PADT on stop; pppoe.ko hangs up pppd's PPPoE socket on it
    sleep 2
    check "our AC stopped: PADT, pppd logs 'Modem hangup'" \
        $(tail -n +$((N + 1)) "$LAB_PPPD_LOG" | grep -q 'Modem hangup'; echo $?) "$(tail -n +$((N + 1)) "$LAB_PPPD_LOG" | tail -5)"
    [ -n "$TSHARK_PID" ] && kill -INT "$TSHARK_PID" 2>/dev/null && wait "$TSHARK_PID" 2>/dev/null
    TSHARK_PID=""
    if [ -s "$TMP/ac.pcapng" ]; then
        # stderr carries only tshark's "running as root" notice; a bad filter fails the exit status
        BAD=$(tshark -r "$TMP/ac.pcapng" -Y '_ws.malformed || _ws.expert.severity == error' 2>/dev/null) || BAD="tshark failed: $?"
        SUMMARY=$(tshark -r "$TMP/ac.pcapng" -q -z io,phs 2>/dev/null | grep -E 'pppoe|ppp|chap|ipcp|icmp' | sed 's/^ *//' | tr -s ' ' | paste -sd';')
        check "tshark decodes the capture with no malformed packet or error ($(tshark -r "$TMP/ac.pcapng" 2>/dev/null | wc -l) frames)" \
            $([ -z "$BAD" ]; echo $?) "$BAD"
        echo "capture: $SUMMARY"
        tshark -r "$TMP/ac.pcapng" -Y 'pppoed' 2>/dev/null | sed -E 's/^ *[0-9]+ +[0-9.]+ +//' | head -6
    else
        check "tshark captured the tap" 1 "$(cat "$TMP/tshark.log")"
    fi
    stop_runner
else
    check "lab VM with pppd as PPPoE client came up" 1
fi

# ---------------------------------------------------------------- test 2
echo "=== 2. pppoe-server + pppd as the AC -> our client"
if start_runner "$TMP/runner2.out" "$LAB/vm-pppoe-server.sh" "$NS_CL"; then
    echo "lab: pppoe-server on the VM's eth0 after ${LAB_BOOT_SECONDS}s; our side $LAB_TAP in $LAB_NETNS"
    RUN=$TMP/run-cl
    cat >"$TMP/cl.toml" <<EOF
[router]
seccomp = "kill"
[port.wan]
type = "pppoe"
role = "client"
interface = "$LAB_TAP"
user = "alice"
noipdefault = true
lcp-restart = 2
lcp-echo-interval = 5
lcp-echo-failure = 3
[users.alice]
password = "secret"
EOF
    T0=$SECONDS
    ip netns exec "$NS_CL" "$BIN/pppinit" --config "$TMP/cl.toml" --runtime-dir "$RUN" >"$TMP/router-cl.log" 2>&1 &
    ROUTER_PID=$!
    UP=1
    wait_for 60 "s.get('phase') == 'network' and (s.get('ipcp') or {}).get('state') == 'opened'" && UP=0
    LOCAL=$(field "(s.get('ipcp') or {}).get('local')")
    REMOTE=$(field "(s.get('ipcp') or {}).get('remote')")
    check "our client: discovery, LCP, auth and IPCP complete with pppoe-server's pppd ($((SECONDS - T0)) s)" $UP "$(field 's')"
    check "we authenticated as alice ($(field "s.get('auth')"))" $([ "$(field "s.get('auth_state')")" = success ]; echo $?) \
        "auth $(field "s.get('auth')") $(field "s.get('auth_state')") reason $(field "s.get('reason')")"
    check "we got $LOCAL (10.67.0.x) from the AC, its address $REMOTE" \
        $([[ "$LOCAL" =~ ^10\.67\.0\.[0-9]+$ ]] && [ "$REMOTE" = 10.67.0.1 ]; echo $?)
    check "PPPoE: AC-Name ppplab-ac in pppctl sessions" \
        $([ "$(field "(s.get('pppoe') or {}).get('ac_name')")" = ppplab-ac ]; echo $?) "$(field "s.get('pppoe')")"
    PING=$(ip netns exec "$NS_CL" ping -c 3 -W 2 10.67.0.1 2>&1)
    check "ping 10.67.0.1 through the session" $(echo "$PING" | grep -q ' 0% packet loss'; echo $?) "$(echo "$PING" | tail -2)"
    echo "$PING" | tail -1
    sleep 1
    echo "--- pppd's log (LAB_PPPD_LOG):"
    pppd_log 40
    N=$(wc -l <"$LAB_PPPD_LOG")
    stop_router   # our client ends the session (LCP Terminate, PADT) when it stops
    sleep 2
    NEW=$(tail -n +$((N + 1)) "$LAB_PPPD_LOG")
    check "our client stopped: pppd 'LCP terminated by peer', pppoe-server got our PADT" \
        $(echo "$NEW" | grep -q 'LCP terminated by peer' && echo "$NEW" | grep -q 'pppoe-server.*PADT'; echo $?) "$(tail -n +$((N + 1)) "$LAB_PPPD_LOG" | tail -5)"
    tail -n +$((N + 1)) "$LAB_PPPD_LOG" | grep -E 'pppd|pppoe' | sed -E 's/^.*(pppd\[[0-9]+\]|pppoe-server\[[0-9]+\]|pppoe\[[0-9]+\])/\1/' | head -8
    stop_runner
else
    check "lab VM with pppoe-server came up" 1
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
}
main
