#!/usr/bin/env bash
# Measurements (not tests) in one command, ending with a Markdown table of the results against
# their targets, with ratios to the DEFRA forms engine and nginx. The table is printed and
# written to target/bench/RESULTS.md; each run keeps its raw outputs in target/bench/<time>/.
# Everything listens on 127.0.0.1 only and every run is bounded (it stops by itself).
#
# Usage: scripts/bench.sh [SECTION...]        (default: every section, in this order)
#
#   peers     the shared peer harness (scripts/bench-peers.sh -> ../shared/peers/run.sh): Formwork,
#             the DEFRA forms engine and nginx serving Formwork's page bytes, measured one after
#             another with wrk -t2 -c32: GET the date-of-birth question, POST an invalid date
#             (errors), POST a valid one (303); p50/p99, server CPU per request, RSS
#   journey   `bench journey`: 32 residents, each on its own connection, complete the over-18
#             check end to end (start page to the confirmation's reference), on SQLite and
#             PostgreSQL: journeys/s (= durable submissions/s), p50/p99, per step
#   durable   `bench durable`: 32 writers calling Store::submit, on SQLite (synchronous=FULL, in
#             target/bench/tmp on the real disk) and on PostgreSQL: submissions/s, commit p50/p99
#   memory    one `formwork serve`: RSS idle (before any request), under wrk GET at 32
#             connections, under journeys, after the load, and its peak
#   wasm      sizes of web/static/pkg (module raw and gzipped, JS glue, formwork.js); built with
#             scripts/wasm-build.sh when missing
#   delivery  1,000 webhook deliveries through the outbox to a flaky receiver (exactly once?)
#   csv       CSV export of 10,000 and 100,000 submissions, with the server's memory
#
# Knobs (environment):
#   DURATION (5s), REPS (3)   each harness scenario: REPS recorded wrk runs of DURATION (+3 s warm-up)
#   QUIET_TIMEOUT (15)        the harness waits up to this many seconds for a quiet machine per scenario
#   SECS (10), WARMUP (2)     measured seconds (after a warm-up) of journey, durable and memory loads
#   CONNS (32)                connections, residents and writers
#   PIN (1)                   servers on CPU SERVER_CPU (1), load generators on WRK_CPU (0)
#   JOURNEY_PG (1)            also run journeys on PostgreSQL
#   WASM_BUILD (auto)         auto: build when web/static/pkg is missing; 1: always; 0: never
#   CSV_SIZES ("10000 100000"), DELIVERY_N (1000)
#   DURABLE_TMP (target/bench/tmp)   where SQLite's files go for `durable` (must not be tmpfs)
# The default run (every section) takes about 12-15 minutes after the first build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh

ALL=(peers journey durable memory wasm delivery csv)
SECTIONS=("$@")
((${#SECTIONS[@]})) || SECTIONS=("${ALL[@]}")
for s in "${SECTIONS[@]}"; do
    [[ " ${ALL[*]} " == *" $s "* ]] || {
        echo "bench: unknown section '$s' (sections: ${ALL[*]})" >&2
        exit 2
    }
done

export DURATION=${DURATION:-5s} REPS=${REPS:-3} QUIET_TIMEOUT=${QUIET_TIMEOUT:-15}
SECS=${SECS:-10}
WARMUP=${WARMUP:-2}
CONNS=${CONNS:-32}
PIN=${PIN:-1}
SERVER_CPU=${SERVER_CPU:-1}
WRK_CPU=${WRK_CPU:-0}
JOURNEY_PG=${JOURNEY_PG:-1}
WASM_BUILD=${WASM_BUILD:-auto}
CSV_SIZES=${CSV_SIZES:-"10000 100000"}
DELIVERY_N=${DELIVERY_N:-1000}
DURABLE_TMP=${DURABLE_TMP:-$ROOT/target/bench/tmp}
NICE=${NICE:--10}
[[ $(id -u) -eq 0 ]] || NICE=0 # only root may raise priority
[[ $(nproc) -ge 2 ]] || PIN=0
export CONNS PIN SERVER_CPU WRK_CPU NICE

STARTED=$SECONDS
OUT=$ROOT/target/bench/$(date +%Y%m%d-%H%M%S)
RES=$OUT/results.tsv
mkdir -p "$OUT" "$DURABLE_TMP"
: >"$RES"
say() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# result KEY VALUE...: one line of results.tsv (read by `bench report`)
result() { (IFS=$'\t' && echo "$*") >>"$RES"; }

# The limits being measured with: enabled, but far above the load (also in scripts/peers/50-formwork.sh).
SERVER_ENV=(FORMWORK_TODAY=2026-02-28 RUST_LOG=warn FORMWORK_POST_RATE_LIMIT=1000000000 FORMWORK_MAX_SESSIONS=10000000)
SERVER_PREFIX=()
CLIENT_PREFIX=()
[[ $NICE != 0 ]] && SERVER_PREFIX=(nice -n "$NICE") && CLIENT_PREFIX=(nice -n "$NICE")
if [[ $PIN == 1 ]]; then
    SERVER_PREFIX+=(taskset -c "$SERVER_CPU")
    CLIENT_PREFIX+=(taskset -c "$WRK_CPU")
fi

result run.started "$(date -u '+%Y-%m-%d %H:%M UTC')"
result run.command "scripts/bench.sh ${SECTIONS[*]}"
result run.commit "$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' + uncommitted changes')"
result run.host "$(uname -sr), $(nproc) CPU ($(lscpu 2>/dev/null | awk -F: '/Model name/ {gsub(/^ +/,"",$2); print $2; exit}')), $(free -m | awk '/Mem:/ {print $2" MiB RAM"}')"
result run.knobs "DURATION=$DURATION REPS=$REPS QUIET_TIMEOUT=$QUIET_TIMEOUT SECS=$SECS WARMUP=$WARMUP CONNS=$CONNS PIN=$PIN NICE=$NICE"

# --- tools and build ---------------------------------------------------------------------------
apt_install curl util-linux
[[ " ${SECTIONS[*]} " == *" memory "* ]] && apt_install wrk
# govuk-frontend from npm: pages carry their real stylesheet links (as in production).
if [[ ! -d web/node_modules/govuk-frontend ]]; then
    command -v npm >/dev/null || apt_install nodejs npm
    setup_web_deps
fi
say "cargo build --release (formwork, examples/bench)"
cargo build --release --bin formwork --example bench
BENCH=$ROOT/target/release/examples/bench
FORMWORK=$ROOT/target/release/formwork

# --- servers: started here, stopped by PID ---------------------------------------------------------
SERVER_PIDS=()
alive() {
    local s
    s=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [[ $s != Z* ]]
}
stop_pid() {
    local pid=$1 i
    alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        alive "$pid" || break
        sleep 0.1
    done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
}
stop_servers() {
    local pid
    for pid in "${SERVER_PIDS[@]}"; do stop_pid "$pid"; done
    SERVER_PIDS=()
}
free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || {
            echo "$port"
            return 0
        }
    done
    return 1
}
# start_server PORT [serve options]: sets SERVER_PID (the server's own PID: exec all the way).
start_server() {
    local port=$1 i
    shift
    (exec env "${SERVER_ENV[@]}" "${SERVER_PREFIX[@]}" "$FORMWORK" serve --port "$port" "$@") \
        >>"$OUT/server-$port.log" 2>&1 &
    SERVER_PID=$!
    SERVER_PIDS+=("$SERVER_PID")
    for ((i = 0; i < 600; i++)); do
        alive "$SERVER_PID" || {
            say "formwork serve exited (see $OUT/server-$port.log)"
            return 1
        }
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.1
    done
    say "formwork serve did not open port $port"
    return 1
}
kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# sample_rss PID FILE STOPFILE: the largest VmRSS every 100 ms into FILE until STOPFILE exists
# (bounded: 10 minutes).
sample_rss() {
    local pid=$1 file=$2 stop=$3 max=0 r i
    for ((i = 0; i < 6000; i++)); do
        [[ -e $stop ]] && break
        r=$(kib "$pid" VmRSS)
        ((${r:-0} > max)) && max=$r
        echo "$max" >"$file"
        sleep 0.1
    done
}

# --- sections ------------------------------------------------------------------------------------
section_peers() {
    say "peers: DEFRA, Formwork and nginx with the shared harness (DURATION=$DURATION REPS=$REPS)"
    local log=$OUT/peers.log
    bash scripts/bench-peers.sh 2>&1 | tee "$log"
    local dir
    dir=$(sed -n 's/.*results -> //p' "$log" | head -n1)
    [[ -n $dir && -f $dir/runs.tsv ]] || {
        say "no harness results found in $log"
        return 1
    }
    result peers.run_dir "$dir"
}

section_journey() {
    trap stop_servers EXIT
    local backend port args
    for backend in sqlite postgres; do
        [[ $backend == postgres && $JOURNEY_PG != 1 ]] && continue
        port=$(free_port)
        if [[ $backend == sqlite ]]; then
            args=(--data "$(mktemp -d "$DURABLE_TMP/journey.XXXXXX")")
        else
            args=(--data "$(mktemp -d "$DURABLE_TMP/journey.XXXXXX")" --database "$FORMWORK_TEST_DATABASE_URL")
        fi
        say "journey ($backend): $CONNS residents for $SECS s after ${WARMUP} s"
        start_server "$port" "${args[@]}"
        "${CLIENT_PREFIX[@]}" "$BENCH" journey --base "http://127.0.0.1:$port" --concurrency "$CONNS" \
            --secs "$SECS" --warmup "$WARMUP" --pid "$SERVER_PID" --label "$backend" --tsv "$RES" |
            tee "$OUT/journey-$backend.txt"
        stop_servers
    done
}

section_durable() {
    say "durable: $CONNS writers, SQLite in $DURABLE_TMP, then PostgreSQL"
    "$BENCH" durable --secs "$SECS" --writers "$CONNS" --tmp "$DURABLE_TMP" --tsv "$RES" |
        tee "$OUT/durable-sqlite.txt"
    "$BENCH" durable --secs "$SECS" --writers "$CONNS" --database "$FORMWORK_TEST_DATABASE_URL" --tsv "$RES" |
        tee "$OUT/durable-postgres.txt"
}

section_memory() {
    trap stop_servers EXIT
    command -v wrk >/dev/null || apt_install wrk
    local port base i jar cookies=$OUT/memory-sessions.txt stop=$OUT/memory.stop sampler
    port=$(free_port)
    base=http://127.0.0.1:$port/forms/over-18-check
    start_server "$port" --data "$(mktemp -d "$DURABLE_TMP/memory.XXXXXX")"
    sleep 3
    result memory.idle_kb "$(kib "$SERVER_PID" VmRSS)"
    result memory.secs "$SECS"
    say "memory: idle $(kib "$SERVER_PID" VmRSS) KiB; wrk GET -c$CONNS for ${SECS}s"
    : >"$cookies"
    for ((i = 1; i <= CONNS; i++)); do
        jar=$OUT/memory-jar.txt
        rm -f "$jar"
        curl -s --max-time 10 -c "$jar" -o /dev/null "$base/date-of-birth"
        sed 's/^#HttpOnly_//' "$jar" | awk -F'\t' 'NF>=7 && $1 !~ /^#/ {printf "%s=%s\n", $6, $7}' >>"$cookies"
    done
    rm -f "$stop"
    sample_rss "$SERVER_PID" "$OUT/memory-get.kb" "$stop" &
    sampler=$!
    WRK_SESSIONS=$cookies timeout 120 "${CLIENT_PREFIX[@]}" wrk -t2 -c"$CONNS" -d"${SECS}s" --latency \
        -s "$ROOT/scripts/bench/sessions.lua" "$base/date-of-birth" | tee "$OUT/memory-wrk.txt"
    touch "$stop"
    wait "$sampler" || true
    result memory.get_max_kb "$(cat "$OUT/memory-get.kb")"
    say "memory: journeys for ${SECS}s"
    "${CLIENT_PREFIX[@]}" "$BENCH" journey --base "http://127.0.0.1:$port" --concurrency "$CONNS" \
        --secs "$SECS" --warmup 0 --pid "$SERVER_PID" --label memory --tsv "$OUT/memory-journey.tsv" |
        tee "$OUT/memory-journey.txt"
    result memory.journey_max_kb "$(awk -F'\t' '$1 == "journey.memory.rss_max_kb" {print $2}' "$OUT/memory-journey.tsv")"
    sleep 2
    result memory.after_kb "$(kib "$SERVER_PID" VmRSS)"
    result memory.hwm_kb "$(kib "$SERVER_PID" VmHWM)"
    stop_servers
}

section_wasm() {
    local pkg=web/static/pkg f
    if [[ $WASM_BUILD == 1 || ($WASM_BUILD == auto && ! -f $pkg/formwork_wasm_bg.wasm) ]]; then
        say "wasm: building with scripts/wasm-build.sh (log: $OUT/wasm-build.log)"
        if ! (setup_packages && setup_wasm_bindgen && bash scripts/wasm-build.sh) >"$OUT/wasm-build.log" 2>&1; then
            say "wasm: the build failed (see $OUT/wasm-build.log)"
        fi
    fi
    if [[ ! -f $pkg/formwork_wasm_bg.wasm ]]; then
        result wasm.status "not built (scripts/wasm-build.sh; log in $OUT/wasm-build.log)"
        return 0
    fi
    result wasm.status "web/static/pkg built $(date -u -r "$pkg/formwork_wasm_bg.wasm" '+%Y-%m-%d %H:%M UTC')"
    for f in wasm:$pkg/formwork_wasm_bg.wasm js:$pkg/formwork_wasm.js fwjs:web/static/formwork.js; do
        [[ -f ${f#*:} ]] || continue
        result "wasm.${f%%:*}_raw" "$(wc -c <"${f#*:}")"
        result "wasm.${f%%:*}_gz" "$(gzip -9c "${f#*:}" | wc -c)"
    done
}

section_delivery() {
    say "delivery: $DELIVERY_N submissions on SQLite (1 worker), then PostgreSQL (2 workers)"
    {
        "$BENCH" delivery --n "$DELIVERY_N" --workers 1
        "$BENCH" delivery --n "$DELIVERY_N" --workers 2 --database "$FORMWORK_TEST_DATABASE_URL"
    } | tee "$OUT/delivery.txt"
    result delivery.output "$OUT/delivery.txt"
}

section_csv() {
    # Seeding is not what is measured: on tmpfs when there is one (SQLite pays an fsync per row).
    local tmp_args=() n
    [[ -d /dev/shm && -w /dev/shm ]] && tmp_args=(--tmp /dev/shm)
    say "csv: exports of $CSV_SIZES submissions"
    for n in $CSV_SIZES; do
        "$BENCH" csv --formwork "$FORMWORK" --n "$n" "${tmp_args[@]}"
        "$BENCH" csv --formwork "$FORMWORK" --n "$n" --database "$FORMWORK_TEST_DATABASE_URL"
    done | tee "$OUT/csv.txt"
    result csv.output "$OUT/csv.txt"
}

# --- run ---------------------------------------------------------------------------------------------
cleanup() {
    stop_servers
    postgres_stop
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT TERM

needs_postgres() { [[ $1 == durable || $1 == delivery || $1 == csv || ($1 == journey && $JOURNEY_PG == 1) ]]; }
for s in "${SECTIONS[@]}"; do
    if needs_postgres "$s" && [[ -z $PG_DIR ]]; then
        postgres_start
        trap cleanup EXIT # postgres_start sets its own
    fi
    t=$SECONDS
    # A section runs in a subshell with `set -e`, outside any `if` (which would switch -e off),
    # so that a failing section is reported and the others still run.
    set +e
    (
        set -e
        "section_$s"
    )
    rc=$?
    set -e
    if ((rc == 0)); then
        result "section.$s.status" ok
    else
        result "section.$s.status" "failed (exit $rc)"
        say "section $s failed (exit $rc)"
    fi
    result "section.$s.secs" $((SECONDS - t))
done
stop_servers
rm -rf "${DURABLE_TMP:?}"/journey.* "${DURABLE_TMP:?}"/memory.*

result run.wall_s $((SECONDS - STARTED))
"$BENCH" report --dir "$OUT" >"$OUT/RESULTS.md"
cp "$OUT/RESULTS.md" "$ROOT/target/bench/RESULTS.md"
echo
cat "$OUT/RESULTS.md"
echo
say "wall time $(((SECONDS - STARTED) / 60)) min $(((SECONDS - STARTED) % 60)) s; table in target/bench/RESULTS.md (raw outputs in ${OUT#"$ROOT"/}/)"
