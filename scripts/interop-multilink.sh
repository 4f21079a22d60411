#!/bin/bash
# RFC 1990 multilink interop against the reference peer: Debian's pppd 2.4.9
# with `multilink` in the lab VM (../shared/lab/vm-pppd-multilink.sh), one
# pppd per serial port (ttyS1, ttyS2), whose host sides are two ptys that
# our router opens as two tty ports (two linkd processes). The guest
# kernel's ppp_generic bundles pppd's links; ncpd bundles ours. Checks: our
# two links form one bundle, pppd logs "New bundle" and "Link attached",
# IPCP opens once (on the bundle), we ping pppd with packets larger than a
# link's MRU (600), so fragments go over both links each way; one link
# killed, the bundle stays and the ping goes on.
# Our router runs in a network namespace this script creates. Prints
# PASS/FAIL lines and "N passed, N failed". Boots a VM, so it is not part of
# scripts/test.sh.
#
#   usage: scripts/interop-multilink.sh   (as root; PPP_BIN_DIR=dir of the built executables)
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/interop-lib.sh"

TMP=$(mktemp -d /tmp/ppprouter-mp.XXXXXX)
chmod 755 "$TMP"  # the daemons' uids reach the runtime dir's rendezvous points through it
NS=ppi-mp-$$
ROUTER_PID="" RUN=$TMP/run
stop_run() {
    [ -n "$ROUTER_PID" ] && kill -TERM "$ROUTER_PID" 2>/dev/null && wait "$ROUTER_PID" 2>/dev/null
    [ -n "$RUNNER_PID" ] && kill -TERM "$RUNNER_PID" 2>/dev/null && wait "$RUNNER_PID" 2>/dev/null
    ROUTER_PID="" RUNNER_PID=""
}
cleanup() { stop_run; ip netns delete "$NS" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# bundle EXPR: a Python expression over `b`, the first bundle of `pppctl --json bundles`.
bundle() { ctl --json bundles 2>/dev/null | python3 -c "import json,sys; l=json.load(sys.stdin)['data']; b=l[0] if l else {}; print($1)" 2>/dev/null; }
wait_bundle() {  # wait_bundle SECONDS PYTHON-CONDITION
    local end=$((SECONDS + $1))
    while [ $SECONDS -lt $end ]; do [ "$(bundle "bool($2)")" = True ] && return 0; sleep 0.5; done
    return 1
}

main() {
    ip netns add "$NS" && ip -n "$NS" link set lo up || exit 1
    if ! start_runner "$TMP/runner.out" env LAB_ENDPOINT="magic:0102030405060708" \
        "$LAB/vm-pppd-multilink.sh" noauth local debug mru 600 10.0.0.1:10.0.0.2; then
        check "lab VM comes up" 1
        exit 1
    fi
    cat >"$TMP/router.toml" <<EOF
[router]
seccomp = "kill"
EOF
    local i=1
    for pty in "$LAB_PTY1" "$LAB_PTY2"; do
        cat >>"$TMP/router.toml" <<EOF
[port.lab$i]
type = "tty"
device = "$pty"
local = true
mru = 600
multilink = true
endpoint = "local:7070707270757465"
lcp-echo-interval = 2
lcp-echo-failure = 5
EOF
        i=$((i + 1))
    done
    ip netns exec "$NS" "$BIN/pppinit" --config "$TMP/router.toml" --runtime-dir "$RUN" >"$TMP/router.log" 2>&1 &
    ROUTER_PID=$!

    if wait_bundle 60 "len(b.get('links', [])) == 2 and b.get('interface')"; then
        check "our two tty links form one bundle" 0
    else
        check "our two tty links form one bundle" 1 "$(ctl --json bundles 2>&1)"
    fi
    check "bundle keyed by pppd's discriminator" "$([ "$(bundle "b.get('name')")" = "bundle::magic:0102030405060708" ]; echo $?)" \
        "$(bundle "b.get('name')")"
    local end=$((SECONDS + 20))
    while [ $SECONDS -lt $end ] && ! grep -q 'Link attached to' "$LAB_PPPD_LOG" 2>/dev/null; do sleep 0.5; done
    check "pppd: New bundle created" "$(grep -q 'New bundle ppp[0-9]* created' "$LAB_PPPD_LOG"; echo $?)"
    check "pppd: Link attached to its bundle" "$(grep -q 'Link attached to ppp' "$LAB_PPPD_LOG"; echo $?)"
    if wait_for 40 "(s.get('ipcp') or {}).get('state') == 'opened'"; then
        check "IPCP opens with pppd over the bundle" 0
    else
        check "IPCP opens with pppd over the bundle" 1 "$(field "s")"
    fi
    local opened
    opened=$(ctl --json sessions 2>/dev/null | python3 -c "import json,sys; print(sum(1 for s in json.load(sys.stdin)['data'] if (s.get('ipcp') or {}).get('state') == 'opened'))")
    check "IPCP once, not per link" "$([ "$opened" = 1 ]; echo $?)" "$opened sessions with IPCP opened"
    local got
    got=$(field "s['ipcp']['local'] + '/' + s['ipcp']['remote']")
    check "our address 10.0.0.2, pppd's 10.0.0.1" "$([ "$got" = "10.0.0.2/10.0.0.1" ]; echo $?)" "$got"
    check "we ping pppd with 1400-octet packets" "$(ip netns exec "$NS" ping -c 5 -i 0.3 -W 3 -s 1400 10.0.0.1 >/dev/null 2>&1; echo $?)"
    check "our fragments went over both links" "$([ "$(bundle "all(l['fragments_out'] > 0 for l in b['links'])")" = True ]; echo $?)" \
        "$(bundle "[(l['session'], l['fragments_out']) for l in b['links']]")"
    check "pppd's fragments came over both links and were reassembled" \
        "$([ "$(bundle "all(l['fragments_in'] > 0 for l in b['links']) and b['counters']['reassembled'] >= 5")" = True ]; echo $?)" \
        "$(bundle "b['counters']")"

    local victim
    victim=$(bundle "b['links'][1]['session']")
    ctl session kill "$victim" >/dev/null 2>&1
    if wait_bundle 20 "len(b.get('links', [])) == 1"; then
        check "one link killed: the bundle stays on the other" 0
    else
        check "one link killed: the bundle stays on the other" 1 "$(ctl --json bundles 2>&1)"
    fi
    check "ping goes on over one link" "$(ip netns exec "$NS" ping -c 3 -i 0.3 -W 3 -s 1400 10.0.0.1 >/dev/null 2>&1; echo $?)"
    echo "--- pppd's multilink lines:"
    grep -E 'bundle|Link attached|MRRU|multilink' "$LAB_PPPD_LOG" | sed 's/^.*pppd\[[0-9]*\]: /  /' | head -n 12
    stop_run
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}
main
