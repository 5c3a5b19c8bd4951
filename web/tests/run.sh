#!/usr/bin/env bash
# The browser tests: keyboard-only journeys, client/server error parity and axe-core checks, in
# Debian's Chromium through playwright-core, with JavaScript on and off.
#
#   bash web/tests/run.sh                     # everything in web/tests/*.test.mjs
#   bash web/tests/run.sh web/tests/parity.test.mjs   # some files only
#   FORMWORK_UPDATE_SCREENSHOT=1 bash web/tests/run.sh  # also refresh docs/screenshot.png
#
# 1. builds what is missing or stale: npm packages (web/node_modules), the WebAssembly build
#    (web/static/pkg, via scripts/wasm-build.sh) and target/release/formwork;
# 2. starts `formwork serve` on a free 127.0.0.1 port with a temporary data directory and
#    FORMWORK_TODAY=2026-02-28, and waits for /healthz;
# 3. runs `node --test` on web/tests/ and prints its summary;
# 4. stops the server (always, also on failure or Ctrl-C) and exits with node's status.
# Screenshots of every page and error state go to web/tests/artefacts/ (gitignored).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
say() { echo "web/tests: $*"; }
die() {
    echo "web/tests: error: $*" >&2
    exit 1
}

CHROMIUM=${FORMWORK_CHROMIUM:-/usr/bin/chromium}
[[ -x $CHROMIUM ]] || die "$CHROMIUM not found: apt-get install -y chromium (or run scripts/setup.sh test)"
command -v node >/dev/null || die "node not found: apt-get install -y nodejs npm"

# --- 1. build -------------------------------------------------------------------------------------
if [[ ! -d web/node_modules/playwright-core || ! -d web/node_modules/axe-core || ! -d web/node_modules/govuk-frontend ]]; then
    say "installing npm packages (npm ci in web/)"
    # playwright-core has no install script and never downloads a browser.
    npm ci --prefix web --no-audit --no-fund
fi

# The WebAssembly build, when it is missing or older than the Rust it is built from.
PKG=web/static/pkg/formwork_wasm_bg.wasm
if [[ ! -f $PKG || -n $(find crates/formwork-core crates/formwork-wasm Cargo.lock Cargo.toml -newer "$PKG" -type f -print -quit) ]]; then
    say "building the WebAssembly module (scripts/wasm-build.sh)"
    bash scripts/wasm-build.sh
else
    say "web/static/pkg is up to date"
fi

say "building formwork (cargo build --release -p formwork-server)"
cargo build --release -p formwork-server --quiet
BIN=$ROOT/target/release/formwork

# --- 2. server ------------------------------------------------------------------------------------
DATA=$(mktemp -d "${TMPDIR:-/tmp}/formwork-browser-tests.XXXXXX")
LOG=$DATA/server.log
SERVER_PID=
stop_server() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
    rm -rf "$DATA"
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
# One client drives hundreds of journeys here, so the per-client POST limit is off (it has its own
# tests in the server's integration suite).
FORMWORK_TODAY=2026-02-28 FORMWORK_POST_RATE_LIMIT=0 "$BIN" serve --port "$PORT" --data "$DATA/store" >"$LOG" 2>&1 &
SERVER_PID=$!
URL=http://127.0.0.1:$PORT/
for _ in $(seq 300); do
    if curl -fsS "${URL}healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        cat "$LOG" >&2
        die "formwork serve exited before answering /healthz"
    fi
    sleep 0.1
done
curl -fsS "${URL}healthz" >/dev/null 2>&1 || {
    cat "$LOG" >&2
    die "formwork serve did not answer ${URL}healthz within 30 s"
}
say "formwork serve is up at $URL (pid $SERVER_PID, today 2026-02-28)"

# --- 3. tests -------------------------------------------------------------------------------------
rm -rf web/tests/artefacts
mkdir -p web/tests/artefacts
(($#)) || set -- web/tests/
set +e
FORMWORK_BASE_URL=$URL node --test --test-reporter=spec --test-concurrency=1 "$@"
STATUS=$?
set -e
say "screenshots: $(find web/tests/artefacts -name '*.png' | wc -l) in web/tests/artefacts/"
if ((STATUS != 0)); then
    say "FAILED (node --test exited with $STATUS); server log: (last 20 lines)"
    tail -n 20 "$LOG" || true
fi
exit "$STATUS"
