#!/usr/bin/env bash
# Builds and runs one libFuzzer target (Tests/Fuzz/TARGET), or each in turn.
#   scripts/fuzz.sh TARGET [SECONDS] [libFuzzer flags…]    e.g. scripts/fuzz.sh git-codec 14400 -jobs=2 -workers=2
#   scripts/fuzz.sh all [SECONDS]                           every target, SECONDS each (CI: 20)
#   scripts/fuzz.sh list
# Targets are built with -sanitize=fuzzer,address into .build-fuzz (ECH_FUZZ=1 declares
# them in Package.swift; the normal build never sees them). The run starts from the
# committed seeds (Tests/Fuzz/corpus/TARGET) and dictionary (Tests/Fuzz/dict/TARGET.dict);
# new corpus entries and crash inputs go to a scratch directory ($FUZZ_WORK, default
# .build-fuzz/work/TARGET), never into the repo. Exit non-zero on a crash or a broken
# invariant, with the input's path printed.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(json git-codec docker-codec exec-credential host-routing callback-request config)
target=${1:-}
seconds=${2:-60}
shift $(( $# < 2 ? $# : 2 ))
case "$target" in
    list) printf '%s\n' "${targets[@]}"; exit 0 ;;
    all)
        for t in "${targets[@]}"; do "$0" "$t" "$seconds" "$@"; done
        exit 0 ;;
    ""|-h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
if [[ ! " ${targets[*]} " == *" $target "* ]]; then
    echo "fuzz.sh: no target '$target'; one of: ${targets[*]} (or all)" >&2
    exit 2
fi
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a whole number, not '$seconds'" >&2; exit 2; }

export ECH_FUZZ=1
# The Swift runtime's backtracer would fight ASan over a crash; libFuzzer prints the stack.
export SWIFT_BACKTRACE=enable=no
root=$PWD
work=${FUZZ_WORK:-$root/.build-fuzz/work}/$target
mkdir -p "$work/corpus" "$work/crashes"
build=(swift build --scratch-path .build-fuzz -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld)
if ! "${build[@]}" --product "fuzz-$target" >"$work/build.log" 2>&1; then
    tail -40 "$work/build.log" >&2
    echo "fuzz.sh: building fuzz-$target failed (log: $work/build.log)" >&2
    exit 1
fi
binary="$("${build[@]}" --show-bin-path)/fuzz-$target"

seeds=$root/Tests/Fuzz/corpus/$target
dict=$root/Tests/Fuzz/dict/$target.dict
args=(-max_total_time="$seconds" -artifact_prefix="$work/crashes/" -print_final_stats=1 -max_len=4096 -timeout=10)
[ -f "$dict" ] && args+=(-dict="$dict")
echo "fuzz.sh: $target for ${seconds}s (corpus $work/corpus, crashes in $work/crashes)" >&2
# -jobs=N runs N fuzzers in the background, each logging to fuzz-N.log in the working directory.
cd "$work"
exec "$binary" "${args[@]}" "$@" corpus "$seeds"
