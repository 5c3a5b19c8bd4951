#!/usr/bin/env bash
# The crash-safety suite: builds `formwork`, then runs tests/crash/crash.mjs on SQLite (a fresh
# data folder) and on PostgreSQL (a throwaway cluster from scripts/postgres.sh with a fresh
# database): 240 concurrent journeys per backend, the server SIGKILLed 3 times mid-flight and
# restarted on the same store, every interrupted request retried, then the store checked.
#
# Usage: tests/crash/run.sh [sqlite] [postgresql]      (default: both)
# Environment: CRASH_JOURNEYS (240), CRASH_KILLS (3), CRASH_SEED (random; printed, for replays),
#              CRASH_TIMEOUT (seconds for the whole node run, default 300), CRASH_KEEP=1 keeps the
#              work folder (server logs, SQLite files) even when the run passes.
# The last line is `crash: sqlite 3 kills, 240 journeys, ...; postgresql ...`; exits non-zero on
# any failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET_DIR/debug/formwork

backends=("$@")
((${#backends[@]})) || backends=(sqlite postgresql)
for b in "${backends[@]}"; do
    [[ $b == sqlite || $b == postgresql ]] || {
        echo "crash: unknown backend \`$b\`: use sqlite and/or postgresql" >&2
        exit 2
    }
done

# shellcheck source=scripts/postgres.sh
source "$ROOT/scripts/postgres.sh" # also brings scripts/setup.sh (apt_install)
command -v node >/dev/null || apt_install nodejs
command -v sqlite3 >/dev/null || apt_install sqlite3

cargo build -p formwork-server --bin formwork

WORK=$(mktemp -d "${TMPDIR:-/tmp}/formwork-crash.XXXXXX")
status=1
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    # Servers the run started and did not stop (the node process kills them itself; this is for
    # when node itself was killed). Only PIDs it recorded, and only while they are still ours.
    if [[ -f $WORK/server.pids ]]; then
        while read -r pid; do
            [[ -n $pid ]] || continue
            if [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$(readlink -f "$BIN")"* ]]; then
                kill -KILL "$pid" 2>/dev/null || true
            fi
        done <"$WORK/server.pids"
    fi
    postgres_stop
    if [[ $status -eq 0 && -z ${CRASH_KEEP:-} ]]; then
        rm -rf "$WORK"
    else
        echo "crash: work folder kept: $WORK (server logs: $WORK/*/server-*.log)" >&2
    fi
}
trap cleanup EXIT

args=(--bin "$BIN" --work "$WORK" --journeys "${CRASH_JOURNEYS:-240}" --kills "${CRASH_KILLS:-3}")
[[ -z ${CRASH_SEED:-} ]] || args+=(--seed "$CRASH_SEED")
for b in "${backends[@]}"; do
    if [[ $b == sqlite ]]; then
        args+=(--sqlite)
    else
        postgres_start # a fresh cluster and database; exports FORMWORK_TEST_DATABASE_URL
        trap cleanup EXIT # postgres_start set its own EXIT trap; cleanup stops it too
        export CRASH_PSQL=$PG_BIN/psql
        args+=(--postgres "$FORMWORK_TEST_DATABASE_URL")
    fi
done

set +e
timeout -k 10 "${CRASH_TIMEOUT:-300}" node "$ROOT/tests/crash/crash.mjs" "${args[@]}"
status=$?
set -e
((status != 124)) || echo "crash: the run did not finish within ${CRASH_TIMEOUT:-300} s (CRASH_TIMEOUT)" >&2
exit "$status"
