# shellcheck shell=bash disable=SC2034  # variables the harness reads
# Peer: Formwork (release build of this repository), SQLite store in the run's folder.
# scripts/bench-peers.sh installs this file into the harness's copy as 05-formwork.sh, so that it
# runs first and the static references (nginx) serve Formwork's own question page.
PEER_NAME=formwork
PEER_PORT=${FORMWORK_PORT:-18090}
PEER_KIND=engine
PEER_DESC="Formwork formwork serve (Rust, axum + minijinja, SQLite)"
FW_REPO=${FW_REPO:?set by scripts/bench-peers.sh}

peer_install() { (cd "$FW_REPO" && cargo build --release -p formwork-server --bin formwork) >"$RUN_DIR/logs/formwork-install.log" 2>&1; }
peer_version() { "$FW_REPO/target/release/formwork" --version; }
peer_start() {
  local data="$RUN_DIR/tmp/formwork-data"
  mkdir -p "$data"
  # The limits being measured with: enabled, but far above the load (as in scripts/bench.sh).
  # shellcheck disable=SC2046
  (cd "$FW_REPO" && exec env FORMWORK_TODAY=2026-02-28 RUST_LOG=warn \
    FORMWORK_POST_RATE_LIMIT=1000000000 FORMWORK_MAX_SESSIONS=10000000 \
    $(server_prefix) ./target/release/formwork serve --port "$PEER_PORT" --data "$data") \
    >"$RUN_DIR/logs/formwork.log" 2>&1 &
  PEER_PID=$!
}
peer_prepare() {
  local base="http://127.0.0.1:$PEER_PORT/forms/over-18-check" i jar token cookie
  GET_PATH=/forms/over-18-check/date-of-birth
  POST_PATH=$GET_PATH
  INVALID_BODY="date-of-birth-day=31&date-of-birth-month=2&date-of-birth-year=2000"
  VALID_BODY="date-of-birth-day=15&date-of-birth-month=6&date-of-birth-year=1990"
  EXPECT_GET=200
  EXPECT_INVALID=200
  EXPECT_VALID=303
  GET_PATTERN='govuk-date-input'
  INVALID_PATTERN='must be a real date'
  CSRF_FIELD=csrf-token
  : >"$SESSIONS_FILE"
  for ((i = 1; i <= SESSIONS; i++)); do
    jar="$RUN_DIR/tmp/formwork-jar-$i.txt"
    curl -s --max-time 10 -c "$jar" -b "$jar" "$base/date-of-birth" -o "$RUN_DIR/tmp/formwork-page.html" || return 1
    token=$(grep -o 'name="csrf-token" value="[^"]*"' "$RUN_DIR/tmp/formwork-page.html" | head -n1 | sed 's/.*value="//; s/"$//')
    [ -n "$token" ] || {
      log "no csrf token"
      return 1
    }
    # Answer the question once, so each session is a stored one mid-journey (a first visit's
    # provisional session would make every valid POST store a new session instead).
    curl -s --max-time 10 -c "$jar" -b "$jar" -o /dev/null --data "csrf-token=$token&$VALID_BODY" "$base/date-of-birth" || return 1
    curl -s --max-time 10 -c "$jar" -b "$jar" "$base/date-of-birth" -o "$RUN_DIR/tmp/formwork-page.html" || return 1
    token=$(grep -o 'name="csrf-token" value="[^"]*"' "$RUN_DIR/tmp/formwork-page.html" | head -n1 | sed 's/.*value="//; s/"$//')
    grep -q 'value="1990"' "$RUN_DIR/tmp/formwork-page.html" || {
      log "the first answer was not kept"
      return 1
    }
    cookie=$(sed 's/^#HttpOnly_//' "$jar" | awk -F'\t' 'NF>=7 && $1 !~ /^#/ {printf "%s%s=%s", sep, $6, $7; sep="; "}')
    printf '%s\t%s\n' "$cookie" "$token" >>"$SESSIONS_FILE"
  done
  meta sessions "$SESSIONS stored sessions mid-journey (date of birth answered; cookie + csrf-token field)"
}
