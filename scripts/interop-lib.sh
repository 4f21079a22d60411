# Shared by the interop scripts (sourced, not run): where the built
# executables and the lab are, PASS/FAIL bookkeeping, pppctl against the
# router under test ($RUN, its runtime dir), and booting a lab runner.
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB=${LAB:-$ROOT/../shared/lab}
[ -d "$LAB" ] || LAB=/work/shared/lab
BIN=${PPP_BIN_DIR:-$(cd "$ROOT" && swift build --show-bin-path)}
[ -x "$BIN/pppinit" ] || (cd "$ROOT" && swift build) || exit 1
[ -r "${LAB_DIR:-/var/tmp/ppplab}/accel" ] || { echo "the lab is not built (run $LAB/build-vm.sh)"; exit 1; }
PASSED=0 FAILED=0 RUNNER_PID="" RUN=""

check() {  # check NAME CONDITION-EXIT-STATUS [DETAIL]
    if [ "$2" = 0 ]; then echo "PASS $1"; PASSED=$((PASSED + 1)); else echo "FAIL $1${3:+: $3}"; FAILED=$((FAILED + 1)); fi
}
ctl() { "$BIN/pppctl" --runtime-dir "$RUN" "$@"; }
# field EXPR: a Python expression over `s`, the first session of `pppctl --json sessions`.
field() { ctl --json sessions 2>/dev/null | python3 -c "import json,sys; l=json.load(sys.stdin)['data']; s=l[0] if l else {}; print($1)" 2>/dev/null; }
wait_for() {  # wait_for SECONDS PYTHON-CONDITION
    local end=$((SECONDS + $1))
    while [ $SECONDS -lt $end ]; do [ "$(field "bool($2)")" = True ] && return 0; sleep 0.5; done
    return 1
}
start_runner() {  # start_runner OUTFILE COMMAND...: boot the VM, export its LAB_* lines
    local out=$1; shift
    LAB_QUIET=1 "$@" >"$out" 2>&1 &
    RUNNER_PID=$!
    for _ in $(seq 240); do grep -q '^READY' "$out" && break; kill -0 $RUNNER_PID 2>/dev/null || break; sleep 0.5; done
    grep -q '^READY' "$out" || { cat "$out"; return 1; }
    eval "$(grep -E '^LAB_[A-Z0-9_]+=' "$out" | sed 's/^/export /')"
}
