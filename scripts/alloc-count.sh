#!/bin/sh
# Builds scripts/alloc-count/NAME.swift with the sources its first lines name
# (`// alloc-sources: DIR...`, Sources/PPP if none) and a counting malloc
# (malloc-count.c, glibc) and runs it: heap allocations on a hot path, counted
# rather than guessed. Exits non-zero if the build fails or the driver found
# an allocation where there must be none. NAME defaults to MultilinkAllocations.
set -eu
name=${1:-MultilinkAllocations}
cd "$(dirname "$0")/.."
out=.build/alloc-count
mkdir -p "$out"
dirs=$(sed -n '1,4s|^// alloc-sources:||p' "scripts/alloc-count/$name.swift")
cc -O2 -c scripts/alloc-count/malloc-count.c -o "$out/malloc-count.o"
# shellcheck disable=SC2046,SC2086 # one word per source file and directory is intended
swiftc -O -parse-as-library -module-name "$name" "scripts/alloc-count/$name.swift" \
    $(find ${dirs:-Sources/PPP} -name '*.swift' | sort) "$out/malloc-count.o" -o "$out/$name"
"$out/$name"
