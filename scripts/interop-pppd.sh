#!/bin/bash
# LCP interop against the reference peer: Debian's pppd 2.4.9 in the lab VM
# (../shared/lab/vm-pppd-serial.sh), on the VM's ttyS1 whose host side is a
# pty that our router opens as a tty port. One VM boot covers:
#   - noauth on both sides, LCP opens and the session reaches the Network phase;
#   - different MRUs and ACCMs each way, each side honouring the other's;
#   - echoes both ways (ours answered by pppd, pppd's answered by us);
#   - pppd's IPCP/CCP frames reaching ncpd through the session's channel;
#   - pppd killed (SIGKILL, no Terminate-Request) mid-session: our echo
#     keepalive declares it dead.
# Prints PASS/FAIL lines, what pppd logged, and "N passed, N failed". Boots
# a VM (6-10 s under TCG), so it is not part of scripts/test.sh.
#
#   usage: scripts/interop-pppd.sh        (as root; PPP_BIN_DIR=dir of the built executables,
#                                          default: swift build's debug bin path)
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/interop-lib.sh"

TMP=$(mktemp -d /tmp/ppprouter-interop.XXXXXX)
chmod 755 "$TMP"  # the daemons' own uids reach the runtime dir's rendezvous points through it
ROUTER_PID="" RUN=$TMP/run
# Our router runs in a namespace of its own: its ncpd's TUN unit never
# appears in the host's namespace.
NS=ppi-lcp-$$
cleanup() {
    [ -n "$ROUTER_PID" ] && kill -TERM "$ROUTER_PID" 2>/dev/null && wait "$ROUTER_PID" 2>/dev/null
    [ -n "$RUNNER_PID" ] && kill -TERM "$RUNNER_PID" 2>/dev/null && wait "$RUNNER_PID" 2>/dev/null
    ip netns delete "$NS" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT


# pppd: its own MRU 1400 and ACCM 000a0000 (XON/XOFF escaped towards it),
# echoes every 2 s; a connect script arms a SIGKILL of pppd 25 s after it
# starts. LAB_RESTART_DELAY keeps the line silent (not closed) afterwards.
KILL_AFTER=25
PPPD_ARGS=(noauth local debug mru 1400 asyncmap 000a0000 lcp-echo-interval 2 lcp-echo-failure 10
           connect "(sleep $KILL_AFTER; kill -KILL \$(pidof pppd)) </dev/null >/dev/null 2>&1 &"
           10.0.0.1:10.0.0.2)
if ! start_runner "$TMP/runner.out" env LAB_RESTART_DELAY=600 "$LAB/vm-pppd-serial.sh" "${PPPD_ARGS[@]}"; then
    echo "FAIL lab VM did not come up"; echo "0 passed, 1 failed"; exit 1
fi
PPPD_STARTED=$SECONDS
echo "lab: pppd on the VM's ttyS1 after ${LAB_BOOT_SECONDS}s; host pty $LAB_PTY"

cat >"$TMP/router.toml" <<EOF
[router]
seccomp = "kill"
[port.lab]
type = "tty"
device = "$LAB_PTY"
speed = 115200
local = true
mru = 1280
asyncmap = "00000000"
lcp-restart = 1
lcp-echo-interval = 1
lcp-echo-failure = 3
EOF
ip netns add "$NS" && ip -n "$NS" link set lo up || exit 1
ip netns exec "$NS" "$BIN/pppinit" --config "$TMP/router.toml" --runtime-dir "$TMP/run" >"$TMP/router.log" 2>&1 &
ROUTER_PID=$!

OPENED_AT=""
if wait_for 20 "s.get('lcp') == 'opened' and s.get('phase') == 'network'"; then OPENED_AT=$SECONDS; fi
check "LCP opens with pppd (noauth), Network phase" $([ -n "$OPENED_AT" ]; echo $?) "$(field 's')"
check "our MRU 1280 acked by pppd" $([ "$(field "s['local']['mru']")" = 1280 ]; echo $?) "$(field "s['local']")"
check "pppd's MRU 1400 honoured (our send limit)" $([ "$(field "s['peer']['mru']")" = 1400 ]; echo $?)
check "pppd's ACCM 000a0000 honoured towards it" $([ "$(field "s['peer']['accm']")" = 0x000a0000 ]; echo $?)
check "our ACCM 00000000 acked" $([ "$(field "s['local']['accm']")" = 0x00000000 ]; echo $?)
FCS_AT_OPEN=$(field "s['errors']['bad_fcs']")
check "channel handed to ncpd" $([ "$(field "s['channel']['state']")" = relaying ]; echo $?) "$(field "s.get('channel')")"
sleep 6
check "our echoes answered by pppd" $([ "$(field "s['counters']['echo_replies_received'] > 3")" = True ]; echo $?) \
    "$(field "s['counters']")"
# Before we opened the pty, qemu dropped part of pppd's first frame: one bad
# FCS then is expected; none may follow once LCP is up.
check "no FCS errors after LCP opened, no malformed LCP" \
    $([ "$(field "s['errors']['bad_fcs'] - $FCS_AT_OPEN + s['errors']['lcp_malformed']")" = 0 ]; echo $?) "$(field "s['errors']")"
NCPD=$(ctl --json call ncpd sessions 2>/dev/null)
check "IPCP opens with pppd over the channel (pppd assigns our address)" \
    $(echo "$NCPD" | python3 -c "import json,sys; l=json.load(sys.stdin)['data']; sys.exit(0 if any(c['id']=='lab:1' and (c.get('ipcp') or {}).get('state')=='opened' and c['ipcp']['local']=='10.0.0.2' for c in l) else 1)"; echo $?) "$NCPD"

# pppd is killed KILL_AFTER s after it started; we should notice within
# echo interval × failure (3 s) plus the Terminate-Request retries.
DEAD=1
if wait_for $((KILL_AFTER + 20)) "s.get('phase') == 'dead'"; then DEAD=0; fi
REASON=$(field "s.get('reason')")
check "pppd killed mid-session: declared dead by our echoes" $([ $DEAD = 0 ] && [[ "$REASON" == "peer not responding"* ]]; echo $?) "$REASON"
echo "timings: LCP opened $((OPENED_AT - PPPD_STARTED)) s after the VM was ready; session dead $((SECONDS - PPPD_STARTED - KILL_AFTER)) s after pppd's kill was due (echo 1 s x 3, then 2 Terminate-Requests 1 s apart); reason: $REASON"

echo "--- pppd's log (LAB_PPPD_LOG), LCP/IPCP lines:"
grep -E 'pppd\[[0-9]+\]: (sent|rcvd) \[(LCP|IPCP|CCP)|pppd\[[0-9]+\]: (Using|Connect|Serial|LCP|Modem|Terminat|Connection)|exited with status' \
    "$LAB_PPPD_LOG" | sed -E 's/^.*(pppd\[[0-9]+\]|ppplab)/\1/' | awk '{ if (++n[$0 ~ /Echo/] <= 8 || $0 !~ /Echo/) print }' | head -60
echo "--- pppd's echo exchange with us: $(grep -c 'rcvd \[LCP EchoReq' "$LAB_PPPD_LOG") EchoReq received, $(grep -c 'rcvd \[LCP EchoRep' "$LAB_PPPD_LOG") EchoRep received"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
