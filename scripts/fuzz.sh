#!/usr/bin/env bash
# Fuzzes formwork-core (crates/formwork-core/fuzz) for a bounded time: every target, one after
# the other, FUZZ_SECONDS each. Works from a clean clone; safe to run again.
#
#   compile    form JSON (+ component library JSON) -> compile_form: Ok or located errors, never a crash
#   validate   example forms + arbitrary submitted values -> validate_page, store, route, prefill round trip
#   condition  condition expressions -> parse, type-check, evaluate (and `not (E)` is the opposite)
#
# Each target starts from its committed seed corpus (crates/formwork-core/fuzz/corpus/<target>/,
# read only) and grows a corpus in a temporary directory, so a run leaves the work tree as it was.
# A crash, a hang (one input over FUZZ_TIMEOUT s) or an out-of-memory is written to
# crates/formwork-core/fuzz/artifacts/<target>/ (ignored by git) and fails the run.
#
# Environment:
#   FUZZ_SECONDS    seconds of fuzzing per target (default 60)
#   FUZZ_TARGETS    targets to run, space-separated (default: all three); or give them as arguments
#   FUZZ_SANITIZER  none (default) or address. formwork-core forbids unsafe code, so AddressSanitizer
#                   finds nothing new there while running ~25x slower on these targets; stack
#                   overflows, panics, hangs and OOMs are caught either way
#   FUZZ_TIMEOUT    seconds one input may take before it counts as a hang (default 10)
#   FUZZ_DEBUG_ASSERTIONS  1 (default): optimised, but with overflow checks and debug_assert!s,
#                   so integer overflow is a crash; 0 for plain release builds
#   FUZZ_JOBS       cargo build jobs (default: cargo's)
#
# cargo-fuzz needs nightly compiler flags; the stable toolchain accepts them with RUSTC_BOOTSTRAP=1.
# Prints one line per target and ends with `fuzz: 3 targets, N executions, 0 crashes`; exits 1 if
# any target crashed or could not run.
#
# Reproduce a crash (the run prints the command): cd crates/formwork-core &&
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -s none --debug-assertions <target> fuzz/artifacts/<target>/<file>
set -euo pipefail

CARGO_FUZZ_VERSION=0.13.2
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
CORE=$ROOT/crates/formwork-core
FUZZ=$CORE/fuzz

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_SANITIZER=${FUZZ_SANITIZER:-none}
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-10}
if (($#)); then
    TARGETS=("$@")
else
    read -r -a TARGETS <<<"${FUZZ_TARGETS:-compile validate condition}"
fi
[[ $FUZZ_SECONDS =~ ^[0-9]+$ ]] || {
    echo "fuzz: FUZZ_SECONDS must be a whole number of seconds, not \`$FUZZ_SECONDS\`" >&2
    exit 2
}
for t in "${TARGETS[@]}"; do
    [[ -f $FUZZ/fuzz_targets/$t.rs ]] || {
        echo "fuzz: no target \`$t\` (crates/formwork-core/fuzz/fuzz_targets/)" >&2
        exit 2
    }
done

if [[ ${CI:-} == true || ${CI:-} == 1 ]]; then
    export CARGO_TERM_COLOR=never
    export CARGO_INCREMENTAL=0
fi
export RUSTC_BOOTSTRAP=1

if [[ $(cargo fuzz --version 2>/dev/null || true) != "cargo-fuzz $CARGO_FUZZ_VERSION" ]]; then
    echo "fuzz: installing cargo-fuzz $CARGO_FUZZ_VERSION"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/formwork-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

cd "$CORE"
BUILD_ARGS=(-s "$FUZZ_SANITIZER")
[[ ${FUZZ_DEBUG_ASSERTIONS:-1} == 0 ]] || BUILD_ARGS+=(--debug-assertions)
[[ -z ${FUZZ_JOBS:-} ]] || BUILD_ARGS+=(-j "$FUZZ_JOBS")
t0=$SECONDS
echo "fuzz: building ${TARGETS[*]} (sanitizer: $FUZZ_SANITIZER)"
for t in "${TARGETS[@]}"; do
    cargo fuzz build "${BUILD_ARGS[@]}" "$t"
done
echo "fuzz: built in $((SECONDS - t0))s; fuzzing each target for ${FUZZ_SECONDS}s"

total_execs=0
total_crashes=0
failed=0
summary=()
for t in "${TARGETS[@]}"; do
    corpus=$WORK/$t
    log=$WORK/$t.log
    artifacts=$FUZZ/artifacts/$t
    mkdir -p "$corpus" "$artifacts"
    touch "$WORK/$t.start"
    seeds=$(find "$FUZZ/corpus/$t" -type f | wc -l)
    # Long enough for deep nesting (thousands of brackets) and the largest example form.
    case $t in
        compile) max_len=65536 ;;
        condition) max_len=16384 ;;
        *) max_len=8192 ;;
    esac
    set +e
    # New inputs go to the first corpus directory (temporary); the seeds are only read.
    # The outer timeout is a backstop should libFuzzer itself hang.
    timeout -k 10 $((FUZZ_SECONDS + FUZZ_TIMEOUT + 120)) \
        cargo fuzz run "${BUILD_ARGS[@]}" "$t" "$corpus" "$FUZZ/corpus/$t" -- \
        -max_total_time="$FUZZ_SECONDS" -timeout="$FUZZ_TIMEOUT" -rss_limit_mb=2048 -max_len="$max_len" \
        -print_final_stats=1 -close_fd_mask=1 >"$log" 2>&1
    rc=$?
    set -e
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    corp=$(grep -o 'corp: [0-9]*/[0-9a-zA-Z]*' "$log" | tail -n 1 | cut -d' ' -f2)
    if [[ -z $execs ]]; then
        # Stopped early (a crash): the last status line has the count.
        execs=$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#')
    fi
    execs=${execs:-0}
    mapfile -t found < <(find "$artifacts" -type f -newer "$WORK/$t.start")
    crashes=${#found[@]}
    if ((rc != 0 && crashes == 0)); then
        crashes=1 # a crash that wrote no artifact, or a failed build or run: see the log
    fi
    line=$(printf 'fuzz: %-10s %9d executions (%s/s), corpus %s units/bytes (from %d seeds), %d crashes' \
        "$t" "$execs" "${rate:-?}" "${corp:-?}" "$seeds" "$crashes")
    summary+=("$line")
    echo "$line"
    if ((crashes > 0)); then
        failed=1
        echo "---- $t: what went wrong (full log: rerun with the command below) ----" >&2
        grep -v '^#[0-9]' "$log" |
            grep -E -A14 'panicked at|==fuzz==|ERROR: libFuzzer|^error|^Error' |
            grep -v -E '^ +[0-9]+: |^ +at ' | head -n 60 >&2
        for f in "${found[@]}"; do
            echo "fuzz: $t: reproduce with: cd crates/formwork-core && RUSTC_BOOTSTRAP=1 cargo fuzz run ${BUILD_ARGS[*]} $t ${f#"$CORE"/}" >&2
        done
    fi
    total_execs=$((total_execs + execs))
    total_crashes=$((total_crashes + crashes))
done

echo
printf '%s\n' "${summary[@]}"
echo "fuzz: ${#TARGETS[@]} targets, $total_execs executions, $total_crashes crashes"
exit "$failed"
