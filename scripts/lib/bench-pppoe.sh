# Shared by the PPPoE benchmarks (sourced, not run): bench-pppoe.sh,
# bench-pppoe-many.sh and bench-pppoe-sessions.sh measure the same
# two-namespace set-up, our AC in one and the client side in the other,
# joined by one veth pair. bench-l2tp.sh uses the same set-up with an LNS
# on the AC's side and a LAC on the client's.
# shellcheck shell=bash

# bench_setup NAME LABEL COMMAND...: root and the commands needed, then the
# build under test: PPP_BIN_DIR, or a release build made here. Sets `bin`,
# `tag` (our pid), the namespace names `ac` and `cl` (pppLABEL-ac-TAG,
# pppLABEL-cl-TAG) and `dir`, a temporary folder for configs, logs and pid
# files.
bench_setup() {
    local name=$1 label=$2 c
    shift 2
    [ "$(id -u)" -eq 0 ] || { echo "$name: run as root" >&2; exit 2; }
    for c in "$@"; do command -v "$c" >/dev/null || { echo "$name: needs $c" >&2; exit 2; }; done
    if [ -z "${PPP_BIN_DIR:-}" ]; then
        echo "== swift build -c release"
        swift build -c release 2>&1 | grep -E 'error|Build complete' | tail -n 2
        bin=.build/release
    else
        bin=$PPP_BIN_DIR
    fi
    tag=$$
    ac=ppp$label-ac-$tag
    cl=ppp$label-cl-$tag
    dir=$(mktemp -d "/tmp/ppprouter-$label.XXXXXX")
    chmod 755 "$dir"  # the daemons reach their runtime dirs below it under their own uids
}

# bench_wire: both namespaces with their loopback up, and the PPPoE wire,
# bras0 (the AC's side) to cpe0 (the client's), up.
bench_wire() {
    ip netns add "$ac"; ip netns add "$cl"
    ip -n "$ac" link set lo up; ip -n "$cl" link set lo up
    ip link add bras0 netns "$ac" type veth peer name cpe0 netns "$cl"
    ip -n "$ac" link set bras0 up; ip -n "$cl" link set cpe0 up
}

# bench_stop SECONDS PIDFILE...: TERM to each process, up to SECONDS for the
# AC's pppinit ($dir/ac.pid) to go (it ends every session first), then KILL
# to what is left; the pid files go.
bench_stop() {
    local secs=$1 f
    shift
    for f in "$@"; do [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null || true; done
    for _ in $(seq 1 $((secs * 10))); do
        [ -f "$dir/ac.pid" ] && kill -0 "$(cat "$dir/ac.pid")" 2>/dev/null || break
        sleep 0.1
    done
    for f in "$@"; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null || true; rm -f "$f"; done
    sleep 0.5
}

# bench_cleanup (the EXIT trap): the script's stop_all, then both
# namespaces and $dir.
bench_cleanup() {
    stop_all
    ip netns delete "$ac" 2>/dev/null || true
    ip netns delete "$cl" 2>/dev/null || true
    rm -rf "$dir"
}
