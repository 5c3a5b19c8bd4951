#!/usr/bin/env bash
# Measures Formwork beside the DEFRA forms engine and nginx in one run, with the shared peer
# harness (../shared/peers/run.sh), and prints its table (req/s, latency, CPU per request, RSS).
# scripts/bench.sh runs this (section `peers`) and puts the ratios in its results table.
#
#   scripts/bench-peers.sh                        # PEERS="defra formwork nginx", 3 x 10 s each
#   DURATION=5s REPS=1 scripts/bench-peers.sh     # quicker
#
# The harness runs from a private copy (~/.cache/formwork-peers, or PEERS_WORK) and writes its
# results to results/<timestamp>/ there. This adds scripts/peers/50-formwork.sh to that copy as
# peers/05-formwork.sh: the harness serves the first engine's page from its static references,
# so running Formwork first makes nginx serve Formwork's own bytes (the physical limit for that
# page). Everything listens on 127.0.0.1 and every run is bounded.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${FORMWORK_PEERS:-$ROOT/../shared/peers}
[[ -f $SHARED/run.sh ]] || {
    echo "no peer harness at $SHARED (set FORMWORK_PEERS)" >&2
    exit 2
}
# govuk-frontend from npm (web/node_modules), so the page carries its real stylesheet links.
if [[ ! -d $ROOT/web/node_modules/govuk-frontend ]]; then
    # shellcheck source=scripts/setup.sh
    source "$ROOT/scripts/setup.sh"
    setup_web_deps
fi
WORK=${PEERS_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/formwork-peers}
mkdir -p "$WORK"
# The shared files are read-only and cp -a keeps that: make an earlier copy writable again.
find "$WORK" -maxdepth 3 \( -name node_modules -o -name results \) -prune -o ! -perm -u+w -exec chmod u+w {} + 2>/dev/null || true
cp -a "$SHARED"/. "$WORK"/
chmod u+w "$WORK/peers"
rm -f "$WORK"/peers/[0-9]*-formwork.sh
cp "$ROOT/scripts/peers/50-formwork.sh" "$WORK/peers/05-formwork.sh"
export FW_REPO=$ROOT PEERS=${PEERS:-"defra formwork nginx"} PEERS_COPIED=1
exec bash "$WORK/run.sh" "$@"
