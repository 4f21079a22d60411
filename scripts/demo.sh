#!/usr/bin/env bash
# The main job (README). Without a config: the PPPoE lab (compose/lab.sh):
# two network namespaces joined by veth, a BRAS (access concentrator, CHAP,
# address pool) and a CPE (client) router, a session and a ping through it,
# `pppctl sessions`, then events until Ctrl-C, which tears everything down.
# With a config: build, start ppprouter with it, show what runs and how it is
# confined, then keep running until Ctrl-C.
#   scripts/demo.sh [--once]            the lab
#   scripts/demo.sh CONFIG [--once]     one router (e.g. compose/minimal.toml)
set -euo pipefail
cd "$(dirname "$0")/.."
config=
once=0
for a in "$@"; do
    case "$a" in
        --once) ;;
        *) config=$a ;;
    esac
done
[ -n "$config" ] || exec compose/lab.sh "$@"
for a in "$@"; do
    case "$a" in
        --once) once=1 ;;
        *) config=$a ;;
    esac
done
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root" >&2; exit 2; }

need=()
for pkg in libcap-dev libseccomp-dev nettle-dev pkg-config; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "== apt-get install ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

echo "== building"
swift build 2>&1 | grep -E 'error|warning: unre|Compiling|Build complete' | tail -n 2
bin=.build/debug
dir=/run/ppprouter-demo
log=$(mktemp /tmp/ppprouter-demo.XXXXXX.log)

cleanup() {
    if [ -n "${pid:-}" ] && kill -0 "$pid" 2>/dev/null; then
        echo "== stopping pppinit (pid $pid)"
        kill -TERM "$pid"
        wait "$pid" || true
    fi
    echo "== runtime dir left behind: $([ -e "$dir" ] && echo yes || echo none); log: $log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== starting pppinit --config $config --runtime-dir $dir"
"$bin/pppinit" --config "$config" --runtime-dir "$dir" >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
    if "$bin/pppctl" --runtime-dir "$dir" --json components 2>/dev/null | grep -q '"state":"running"' &&
       ! "$bin/pppctl" --runtime-dir "$dir" --json components | grep -qE '"state":"(starting|backoff|stopped)"'; then
        break
    fi
    sleep 0.1
done
echo "== pppctl components"
"$bin/pppctl" --runtime-dir "$dir" components
echo "== pppctl call linkd status"
"$bin/pppctl" --runtime-dir "$dir" call linkd status
echo "== log so far"
sed 's/^/   /' "$log"
if [ "$once" -eq 1 ]; then exit 0; fi
echo "== running; events follow (Ctrl-C stops the router)"
"$bin/pppctl" --runtime-dir "$dir" watch
