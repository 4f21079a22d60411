#!/bin/sh
# Builds and runs every libFuzzer target in Fuzz/ for SECONDS each (default 30).
# Each Fuzz/X.swift names, on a first line "// fuzz-sources: DIR...", the source
# directories compiled with it into one module; an optional second line
# "// fuzz-flags: ..." adds compiler flags (e.g. -I Sources/CNettle for a
# system library module). Exits non-zero if any target
# fails to build or finds a crash; prints one summary line per target.
set -u
SECONDS_PER_TARGET=${1:-30}
cd "$(dirname "$0")/.." || exit 1
mkdir -p Fuzz/out
status=0
summary=""
for target in Fuzz/*.swift; do
    name=$(basename "$target" .swift)
    dirs=$(sed -n '1s|^// fuzz-sources:||p' "$target")
    flags=$(sed -n '2s|^// fuzz-flags:||p' "$target")
    if [ -z "$dirs" ]; then
        echo "fuzz: $target lacks a '// fuzz-sources:' first line" >&2
        summary="$summary
$name: NO fuzz-sources LINE"
        status=1
        continue
    fi
    sources=""
    for dir in $dirs; do
        sources="$sources $(find "$dir" -name '*.swift' | sort | tr '\n' ' ')"
    done
    echo "fuzz: building $name from$dirs"
    # shellcheck disable=SC2086 # word splitting of the source list is intended
    if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
        -module-name "${name}Fuzz" $flags "$target" $sources -o "Fuzz/out/$name" \
        >"Fuzz/out/$name.build.log" 2>&1; then
        # ld.gold's "Cannot export local symbol '__asan_*'" lines are noise.
        grep -v 'Cannot export local symbol' "Fuzz/out/$name.build.log" >&2
        summary="$summary
$name: BUILD FAILED"
        status=1
        continue
    fi
    mkdir -p "Fuzz/out/$name-corpus"
    # Fuzz/seeds/NAME holds inputs that once crashed the target: each run
    # starts from them, so a regression shows in the first second.
    seeds=""
    [ -d "Fuzz/seeds/$name" ] && seeds="Fuzz/seeds/$name"
    log="Fuzz/out/$name.log"
    SWIFT_BACKTRACE=enable=no "./Fuzz/out/$name" -max_total_time="$SECONDS_PER_TARGET" \
        -artifact_prefix="Fuzz/out/$name-" "Fuzz/out/$name-corpus" $seeds >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$log" | tail -n 1)
    rate=$(grep -o 'exec/s: [0-9]*' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
    if [ "$rc" -eq 0 ]; then
        summary="$summary
$name: ok, ${runs:-? runs}, ${rate:-exec/s: ?}, ${cov:-cov: ?}"
    else
        summary="$summary
$name: CRASH (exit $rc), see $log and Fuzz/out/$name-crash-*"
        tail -n 30 "$log" >&2
        status=1
    fi
done
echo "fuzz summary:$summary"
exit $status
