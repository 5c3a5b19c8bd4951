#!/usr/bin/env bash
# Measurements (not tests): webhook delivery through the outbox and CSV export memory, on SQLite
# and on a throwaway PostgreSQL (scripts/postgres.sh). Everything listens on 127.0.0.1 only and
# every run is bounded (it stops by itself).
#
#   delivery  1,000 submissions; a local receiver fails the first 3 attempts of every delivery
#             and is slow on some; reports exactly-once by idempotency key and latency p50/p95/p99
#   csv       CSV export of 10,000 and 100,000 submissions from a `formwork serve` process,
#             with its resident memory sampled during the export
#
# Usage: scripts/bench.sh [delivery|csv|all]   (default all)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh
what=${1:-all}
cargo build --release --bin formwork --example bench
BENCH=target/release/examples/bench
postgres_start
# SQLite with synchronous=FULL pays one fsync per submission; seed on tmpfs when there is one.
TMP_ARGS=()
[[ -d /dev/shm && -w /dev/shm ]] && TMP_ARGS=(--tmp /dev/shm)
if [[ $what == all || $what == delivery ]]; then
    "$BENCH" delivery --n 1000 --workers 1
    "$BENCH" delivery --n 1000 --workers 2 --database "$FORMWORK_TEST_DATABASE_URL"
fi
if [[ $what == all || $what == csv ]]; then
    for n in 10000 100000; do
        "$BENCH" csv --formwork target/release/formwork --n "$n" "${TMP_ARGS[@]}"
        "$BENCH" csv --formwork target/release/formwork --n "$n" --database "$FORMWORK_TEST_DATABASE_URL"
    done
fi
