#!/usr/bin/env bash
# THE test command: runs every test on a fresh Debian machine, installing what is missing.
#
#   setup        scripts/setup.sh test (Debian packages, wasm-bindgen CLI, npm ci; fast when present)
#   fmt          cargo fmt --all --check
#   clippy       cargo clippy --workspace --all-targets -- -D warnings
#   test         cargo test --workspace --no-fail-fast (also writes target/conformance-native.json),
#                with a throwaway PostgreSQL on 127.0.0.1 (scripts/postgres.sh) so every store test
#                and the two-instance test run against PostgreSQL as well as SQLite
#   crash        tests/crash/run.sh: 240 concurrent journeys, `formwork serve` SIGKILLed 3 times
#                mid-send and restarted, on SQLite then PostgreSQL; every acknowledged reference
#                stored exactly once and complete, retries never duplicate
#   hostile      tests/hostile/run.sh: naughty strings and XSS payloads into every field of every
#                example form, malformed requests and sessions, odd paths, hostile definitions;
#                never a 5xx, a panic or unescaped output
#   wasm-build   scripts/wasm-build.sh (formwork-core and formwork-wasm for wasm32)
#   wasm-api     node --test tests/wasm/api.test.mjs
#   conformance  node tests/wasm/conformance.mjs: every tests/conformance case in WebAssembly,
#                each `actual` identical to the native engine's
#   parity       node tests/wasm/parity.mjs: 12,000 generated inputs (date triples with junk, odd
#                Unicode, numbers at bounds) validated in WebAssembly, each report identical to native
#   browser      web/tests/run.sh, when it exists (at most FORMWORK_BROWSER_TIMEOUT s, default 1800)
#   fuzz         scripts/fuzz.sh: cargo fuzz targets (compile, validate, condition) for
#                FUZZ_SECONDS each (default 60) from the corpus in crates/formwork-core/fuzz
#
# Stops at the first failing stage. The last line is `<N> passed, <M> failed` counting stages
# (`, <K> skipped` follows when a failure stopped the run early).
# Usage: scripts/test.sh [STAGE...]   (default: every stage, in the order above)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
# shellcheck source=scripts/setup.sh
source "$ROOT/scripts/setup.sh"

if [[ ${CI:-} == true || ${CI:-} == 1 ]]; then
    export CARGO_TERM_COLOR=never
    # A clean clone builds everything once: incremental state is only overhead there.
    export CARGO_INCREMENTAL=0
fi
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-auto}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

ALL_STAGES=(setup fmt clippy test crash hostile wasm-build wasm-api conformance parity browser fuzz)
if (($#)); then
    STAGES=("$@")
    for s in "${STAGES[@]}"; do
        [[ " ${ALL_STAGES[*]} " == *" $s "* ]] || setup_die "unknown stage \`$s\`; stages: ${ALL_STAGES[*]}"
    done
else
    STAGES=("${ALL_STAGES[@]}")
fi

stage_setup() { setup_main test; }
stage_fmt() { cargo fmt --all --check; }
stage_clippy() { cargo clippy --workspace --all-targets -- -D warnings; }
stage_test() {
    # shellcheck source=scripts/postgres.sh
    source "$ROOT/scripts/postgres.sh"
    postgres_start # exports FORMWORK_TEST_DATABASE_URL; stopped when this stage's subshell exits
    cargo test --workspace --no-fail-fast
}
stage_crash() { timeout -k 30 900 bash tests/crash/run.sh; }
stage_hostile() { timeout -k 30 1200 bash tests/hostile/run.sh; }
stage_fuzz() { timeout -k 30 1500 bash scripts/fuzz.sh; }
stage_wasm-build() { bash scripts/wasm-build.sh; }
stage_wasm-api() { node --test tests/wasm/api.test.mjs; }
stage_conformance() {
    local native=$TARGET_DIR/conformance-native.json
    [[ -f $native ]] || {
        echo "no $native: the \`test\` stage (cargo test -p formwork-core) writes it" >&2
        return 1
    }
    node tests/wasm/conformance.mjs --native "$native"
}
stage_parity() {
    local native=$TARGET_DIR/parity-native.json
    [[ -f $native ]] || {
        echo "no $native: the \`test\` stage (cargo test -p formwork-wasm --test parity) writes it" >&2
        return 1
    }
    node tests/wasm/parity.mjs --native "$native"
}
stage_browser() {
    if [[ ! -f web/tests/run.sh ]]; then
        echo "no web/tests/run.sh yet: no browser tests to run"
        return 0
    fi
    # A bound, so that a hung browser fails this stage clearly instead of eating CI's 90 minutes.
    local limit=${FORMWORK_BROWSER_TIMEOUT:-1800}
    timeout -k 30 "$limit" bash web/tests/run.sh || {
        local rc=$?
        ((rc != 124)) || echo "browser tests did not finish within ${limit}s (FORMWORK_BROWSER_TIMEOUT)" >&2
        return "$rc"
    }
}

banner() {
    echo
    echo "================================================================================"
    echo "== $*"
    echo "================================================================================"
}

passed=0
failed=0
summary=()
START=$SECONDS
for i in "${!STAGES[@]}"; do
    s=${STAGES[$i]}
    banner "stage $((i + 1))/${#STAGES[@]}: $s"
    t0=$SECONDS
    set +e
    (
        set -e
        "stage_$s"
    )
    rc=$?
    set -e
    dt=$((SECONDS - t0))
    if ((rc == 0)); then
        passed=$((passed + 1))
        summary+=("$(printf '  ok    %-12s %5ds' "$s" "$dt")")
        echo "== $s: ok (${dt}s)"
    else
        failed=$((failed + 1))
        summary+=("$(printf '  FAIL  %-12s %5ds  (exit %d)' "$s" "$dt" "$rc")")
        echo "== $s: FAILED with exit code $rc after ${dt}s"
        break
    fi
done
skipped=$((${#STAGES[@]} - passed - failed))

banner "summary ($((SECONDS - START))s)"
printf '%s\n' "${summary[@]}"
for s in "${STAGES[@]:passed+failed}"; do
    printf '  skip  %s\n' "$s"
done
if ((skipped > 0)); then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
((failed == 0))
