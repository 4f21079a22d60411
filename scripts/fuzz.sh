#!/bin/sh
# Builds and runs every libFuzzer target in Fuzz/.
#
#   scripts/fuzz.sh [SECONDS]        smoke run: SECONDS per target (default 30),
#                                    from an empty scratch corpus plus the seeds
#   scripts/fuzz.sh --long [RUNS]    campaign: RUNS executions per target
#                                    (default 10,000,000), starting from and
#                                    growing the kept corpus Fuzz/corpus/NAME,
#                                    which is minimised (-merge=1) afterwards
#   FUZZ_TARGETS="A B" limits either mode to those targets.
#
# Each Fuzz/X.swift names, in its first lines:
#   // fuzz-sources: DIR-OR-FILE...  compiled with it into one module
#   // fuzz-flags: ...               extra compiler flags (e.g. -I Sources/CNettle)
#   // fuzz-modules: CShim IPC ...   package targets it imports, dependencies
#                                    first: each is built once per run, with
#                                    the same instrumentation, as a static
#                                    library and module (so sources that say
#                                    `import IPC` compile as they do in the package)
# Exits non-zero if any target fails to build or finds a crash; prints one
# summary line per target.
set -u
cd "$(dirname "$0")/.." || exit 1
mode=smoke
if [ "${1:-}" = "--long" ]; then
    mode=long
    RUNS=${2:-10000000}
else
    SECONDS_PER_TARGET=${1:-30}
fi
out=Fuzz/out
modules=$out/modules
mkdir -p "$out" "$modules"
rm -f "$modules"/*.built
status=0
summary=""
# -wmo as in a release build: without it a generic function is specialised
# only for callers in its own file. An unspecialised `for b in bytes` over a
# `some Collection<UInt8>` heap-allocates per element, so a 400-octet ND
# packet cost ~4,600 mallocs (each with an ASan stack trace): 1,200 runs/s.
# With -wmo and -g swiftc writes the target's module, by default into the
# working tree; -emit-module-path puts it in $out (and then -emit-executable
# is needed, or -o gets the module instead of the program).
SWIFT_FUZZ_FLAGS="-sanitize=fuzzer,address -parse-as-library -O -wmo -g"
flagsOf() { sed -n "1,4s|^// $1:||p" "$2"; }

# A package target as a static library with its module, built once per run.
build_module() {
    m=$1
    [ -f "$modules/$m.built" ] && return 0
    if [ "$m" = CShim ]; then
        mkdir -p "$modules/CShim"
        printf 'module CShim {\n    umbrella "%s"\n    link "cap"\n    link "seccomp"\n    export *\n}\n' \
            "$PWD/Sources/CShim/include" >"$modules/CShim/module.modulemap"
        for c in Sources/CShim/*.c; do
            clang -O1 -g -fsanitize=fuzzer-no-link,address -I Sources/CShim/include \
                -c "$c" -o "$modules/CShim-$(basename "$c" .c).o" || return 1
        done
        # ar adds to an archive that exists: start from none, so objects of
        # an earlier build (other sources, or per-file before -wmo) are not
        # linked twice.
        rm -f "$modules/libCShim.a"
        ar rcs "$modules/libCShim.a" "$modules"/CShim-*.o || return 1
    else
        rm -f "$modules/lib$m.a"
        # shellcheck disable=SC2046,SC2086 # one word per source file, per flag
        swiftc $SWIFT_FUZZ_FLAGS -module-name "$m" \
            -I "$modules" -I "$modules/CShim" -emit-library -static \
            -emit-module -emit-module-path "$modules/$m.swiftmodule" \
            -o "$modules/lib$m.a" $(find "Sources/$m" -name '*.swift' | sort) || return 1
    fi
    touch "$modules/$m.built"
}

for target in Fuzz/*.swift; do
    name=$(basename "$target" .swift)
    if [ -n "${FUZZ_TARGETS:-}" ]; then
        case " $FUZZ_TARGETS " in *" $name "*) ;; *) continue ;; esac
    fi
    dirs=$(flagsOf fuzz-sources "$target")
    flags=$(flagsOf fuzz-flags "$target")
    mods=$(flagsOf fuzz-modules "$target")
    if [ -z "$dirs$mods" ]; then
        echo "fuzz: $target lacks a '// fuzz-sources:' or '// fuzz-modules:' line" >&2
        summary="$summary
$name: NO fuzz-sources LINE"
        status=1
        continue
    fi
    sources=""
    for dir in $dirs; do
        sources="$sources $(find "$dir" -name '*.swift' | sort | tr '\n' ' ')"
    done
    link=""
    failed=""
    for m in $mods; do
        build_module "$m" >"$out/module-$m.build.log" 2>&1 || failed=$m
        # Static libraries link dependents first: a library is searched
        # only for what the ones before it left undefined.
        link="-l$m $link"
    done
    if [ -n "$failed" ]; then
        grep -v 'Cannot export local symbol' "$out/module-$failed.build.log" >&2
        summary="$summary
$name: BUILD FAILED (module $failed)"
        status=1
        continue
    fi
    [ -n "$mods" ] && link="-I $modules -I $modules/CShim -L $modules $link"
    echo "fuzz: building $name from$dirs${mods:+ with modules $mods}"
    # shellcheck disable=SC2086 # word splitting of the source list is intended
    if ! swiftc $SWIFT_FUZZ_FLAGS -emit-executable \
        -module-name "${name}Fuzz" -emit-module-path "$out/$name.module/${name}Fuzz.swiftmodule" \
        $flags $link "$target" $sources -o "$out/$name" \
        >"$out/$name.build.log" 2>&1; then
        # ld.gold's "Cannot export local symbol '__asan_*'" lines are noise.
        grep -v 'Cannot export local symbol' "$out/$name.build.log" >&2
        summary="$summary
$name: BUILD FAILED"
        status=1
        continue
    fi
    # Fuzz/seeds/NAME holds inputs that once crashed the target: each run
    # starts from them, so a regression shows in the first second.
    seeds=""
    [ -d "Fuzz/seeds/$name" ] && seeds="Fuzz/seeds/$name"
    log="$out/$name.log"
    if [ "$mode" = long ]; then
        # The campaign grows a scratch copy of the kept corpus, then keeps
        # only the inputs that add coverage.
        work="$out/$name-campaign"
        rm -rf "$work" && mkdir -p "$work" "Fuzz/corpus/$name"
        cp "Fuzz/corpus/$name"/* "$work"/ 2>/dev/null
        SWIFT_BACKTRACE=enable=no "./$out/$name" -runs="$RUNS" -print_final_stats=1 \
            -artifact_prefix="$out/$name-" "$work" $seeds >"$log" 2>&1
        rc=$?
        if [ "$rc" -eq 0 ]; then
            rm -rf "$work.min" && mkdir -p "$work.min"
            SWIFT_BACKTRACE=enable=no "./$out/$name" -merge=1 "$work.min" "$work" \
                >"$out/$name.merge.log" 2>&1
            rm -rf "Fuzz/corpus/$name" && mv "$work.min" "Fuzz/corpus/$name"
        fi
    else
        mkdir -p "$out/$name-corpus"
        # New inputs go to the scratch corpus (the first); the kept corpus
        # is read only, so a smoke run starts where the campaign ended.
        kept=""
        [ -d "Fuzz/corpus/$name" ] && kept="Fuzz/corpus/$name"
        SWIFT_BACKTRACE=enable=no "./$out/$name" -max_total_time="$SECONDS_PER_TARGET" \
            -artifact_prefix="$out/$name-" "$out/$name-corpus" $kept $seeds >"$log" 2>&1
        rc=$?
    fi
    runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$log" | tail -n 1)
    rate=$(grep -o 'exec/s: [0-9]*' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
    kept=""
    [ "$mode" = long ] && kept=", corpus $(find "Fuzz/corpus/$name" -type f | wc -l) inputs"
    if [ "$rc" -eq 0 ]; then
        summary="$summary
$name: ok, ${runs:-? runs}, ${rate:-exec/s: ?}, ${cov:-cov: ?}$kept"
    else
        summary="$summary
$name: CRASH (exit $rc), see $log and $out/$name-crash-*"
        tail -n 30 "$log" >&2
        status=1
    fi
done
echo "fuzz summary:$summary"
exit $status
