#!/bin/bash
# Interop of authd with Debian's pppd 2.4.9 in the lab VM (../shared/lab),
# over the VM's serial line: for each method, pppd and our router each
# require the other to authenticate (pppd as authenticator and as peer at
# once). Our side is bob, pppd's is alice (the VM's alice/secret).
#   usage: scripts/interop-auth.sh [pap chap mschapv2 eap]   (default: all four)
# Needs root, a built tree (.build/debug or PPP_BIN_DIR) and the lab VM
# (built by ../shared/lab/build-vm.sh). Prints PASS/FAIL per method.
set -uo pipefail
cd "$(dirname "$0")/.."
LAB=${LAB:-$(cd .. && pwd)/shared/lab}
BIN=${PPP_BIN_DIR:-$(pwd)/.build/debug}
[ "$#" -gt 0 ] || set -- pap chap mschapv2 eap
pass=0; fail=0
for m in "$@"; do
    case $m in
        pap) pppd_opt=require-pap; our_key=require-pap; word=PAP ;;
        chap) pppd_opt=require-chap; our_key=require-chap; word=CHAP ;;
        mschapv2) pppd_opt=require-mschap-v2; our_key=require-mschap-v2; word=CHAP ;;
        eap) pppd_opt=require-eap; our_key=require-eap; word=EAP ;;
        *) echo "unknown method $m" >&2; exit 2 ;;
    esac
    work=$(mktemp -d /tmp/ppprouter-interop-XXXXXX)
    chmod 755 "$work"  # the daemons' own uids reach the rendezvous points in it
    # Run inside the lab runner once pppd listens: our router on the pty.
    cat >"$work/run.sh" <<SCRIPT
set -u
cat >"$work/r.toml" <<TOML
[router]
seccomp = "kill"
[users.bob]
password = "bobpw"
[users.alice]
password = "secret"
[port.lab]
type = "tty"
device = "\$LAB_PTY"
local = true
lcp-restart = 3
$our_key = true
user = "bob"
name = "ppprouter"
TOML
# In a namespace of its own: the session's TUN unit stays out of the host's.
ns=ppi-auth-\$\$
ip netns add \$ns && ip -n \$ns link set lo up || exit 1
ip netns exec \$ns "$BIN/pppinit" --config "$work/r.toml" --runtime-dir "$work/run" >"$work/router.log" 2>&1 &
router=\$!
ok=1
for i in \$(seq 1 300); do
    s=\$("$BIN/pppctl" --runtime-dir "$work/run" --json sessions 2>/dev/null)
    if echo "\$s" | grep -q '"phase":"network"' && echo "\$s" | grep -q '"peer_name":"alice"'; then ok=0; break; fi
    sleep 0.1
done
echo "\$s" >"$work/sessions.json"
sleep 1
kill -TERM \$router; wait \$router
ip netns delete \$ns
cp "\$LAB_PPPD_LOG" "$work/pppd.log" 2>/dev/null
exit \$ok
SCRIPT
    t0=$(date +%s.%N)
    LAB_QUIET=1 LAB_RESTART=0 LAB_SECRETS="bob bobpw" LAB_EXEC="bash $work/run.sh" \
        "$LAB/vm-pppd-serial.sh" "$pppd_opt" user alice local debug 10.0.0.1:10.0.0.2 >"$work/lab.out" 2>&1
    rc=$?
    took=$(echo "$(date +%s.%N) - $t0" | bc)
    # pppd's packets for both directions: it accepted bob (sent the
    # Ack/Success) and accepted us as authenticator ("… authentication
    # succeeded", for MS-CHAPv2 only after checking our S= response).
    peer_ok=$(grep -cE "sent \[(PAP AuthAck|CHAP Success|EAP Success)" "$work/pppd.log" 2>/dev/null)
    self_ok=$(grep -c "$word authentication succeeded" "$work/pppd.log" 2>/dev/null)
    if [ "$rc" -eq 0 ] && [ "${peer_ok:-0}" -gt 0 ] && [ "${self_ok:-0}" -gt 0 ]; then
        echo "PASS $m: pppd authenticated bob and we authenticated alice (${took}s incl. VM boot)"
        pass=$((pass + 1))
        rm -rf "$work"
    else
        echo "FAIL $m (rc $rc, pppd: peer-ok $peer_ok self-ok $self_ok); logs kept in $work"
        grep -E "authentic|CHAP|PAP|EAP|LCP terminated|rcvd|sent" "$work/pppd.log" 2>/dev/null | tail -15
        fail=$((fail + 1))
    fi
done
echo "interop-auth: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
