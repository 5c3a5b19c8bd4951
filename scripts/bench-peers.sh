#!/usr/bin/env bash
# Measures Formwork beside the DEFRA forms engine and nginx in one run, with the shared peer
# harness (../shared/peers/run.sh), and prints its table (req/s, latency, CPU per request, RSS).
#
#   scripts/bench-peers.sh                        # PEERS="defra formwork nginx", 3 x 10 s each
#   DURATION=5s REPS=1 scripts/bench-peers.sh     # quicker
#
# The harness runs from a private copy (~/.cache/formwork-peers); this adds peers/50-formwork.sh
# to that copy. Everything listens on 127.0.0.1 and every run is bounded.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${FORMWORK_PEERS:-$ROOT/../shared/peers}
[[ -x $SHARED/run.sh || -f $SHARED/run.sh ]] || { echo "no peer harness at $SHARED (set FORMWORK_PEERS)" >&2; exit 2; }
WORK=${PEERS_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/formwork-peers}
mkdir -p "$WORK"
cp -a "$SHARED"/. "$WORK"/
cp "$ROOT/scripts/peers/50-formwork.sh" "$WORK/peers/"
export FW_REPO=$ROOT PEERS=${PEERS:-"defra formwork nginx"} PEERS_COPIED=1
exec bash "$WORK/run.sh" "$@"
