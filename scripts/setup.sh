#!/usr/bin/env bash
# Installs what Formwork's scripts need on a fresh Debian 12 machine, and nothing that is
# already there (every check is a quick `command -v` / `dpkg-query`, so a second run is fast):
#   - Debian packages: the wasm32 toolchain (rustc-web, cargo-web, rust-web-src, lld), binaryen
#     (wasm-opt), a C compiler and pkg-config (bundled SQLite), Node.js and npm, and Chromium
#     when browser tests exist (web/tests/run.sh);
#   - the wasm-bindgen CLI at exactly the version of the wasm-bindgen crate in Cargo.lock;
#   - npm packages: `npm ci` in web/ when web/package-lock.json changed since the last install.
#
# Usage: scripts/setup.sh [all|test|serve]   (default all; `serve` skips Chromium)
# Other scripts source this file and call the functions below.
set -euo pipefail

FORMWORK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

setup_say() { echo "setup: $*"; }
setup_die() {
    echo "setup: error: $*" >&2
    exit 1
}

# cargo install puts binaries here; CI's environment may not have it on PATH.
if [[ -d $HOME/.cargo/bin && :$PATH: != *:$HOME/.cargo/bin:* ]]; then
    export PATH=$HOME/.cargo/bin:$PATH
fi

as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        setup_die "need root to run: $*"
    fi
}

deb_installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == *'ok installed' ]]; }

APT_UPDATED=0
# apt_install PKG...: installs the packages that are not installed yet.
apt_install() {
    local missing=() p
    for p in "$@"; do
        deb_installed "$p" || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    command -v apt-get >/dev/null || setup_die "apt-get not found; install these by hand: ${missing[*]}"
    setup_say "installing Debian packages: ${missing[*]}"
    if ((APT_UPDATED == 0)); then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
}

# The wasm32 toolchain, wasm-opt, a C compiler, Node.js and npm.
setup_packages() {
    local pkgs=(rustc-web cargo-web rust-web-src lld binaryen)
    command -v cc >/dev/null || pkgs+=(build-essential)
    command -v pkg-config >/dev/null || pkgs+=(pkg-config)
    command -v gzip >/dev/null || pkgs+=(gzip)
    # Node.js may come from elsewhere (e.g. NodeSource, which bundles npm): only ask Debian when absent.
    command -v node >/dev/null || pkgs+=(nodejs)
    command -v npm >/dev/null || pkgs+=(npm)
    apt_install "${pkgs[@]}"
    # cargo fmt and clippy: rustup's toolchain when present, else Debian's.
    if ! command -v cargo >/dev/null || ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
        if command -v rustup >/dev/null && rustup component add rustfmt clippy >/dev/null 2>&1; then
            setup_say "added rustfmt and clippy to the rustup toolchain"
        else
            apt_install rustfmt-web rust-web-clippy
        fi
    fi
}

# Chromium for the browser tests (never a browser downloaded by a tool), and curl for their health check.
setup_browser() {
    apt_install chromium fonts-liberation curl
}

# The version of the wasm-bindgen crate: Cargo.lock, else the `=X` pin in Cargo.toml.
wasm_bindgen_version() {
    local v
    v=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$FORMWORK_ROOT/Cargo.lock" 2>/dev/null || true)
    [[ -n $v ]] || v=$(sed -n 's/^wasm-bindgen *= *"=\([0-9.]*\)".*/\1/p' "$FORMWORK_ROOT/Cargo.toml")
    [[ -n $v ]] || setup_die "cannot find the wasm-bindgen version in Cargo.lock or Cargo.toml"
    echo "$v"
}

# wasm-bindgen-cli at exactly the crate's version (the two must match). Not --locked: the
# registry mirror lacks one of its locked dependencies.
setup_wasm_bindgen() {
    local want have=""
    want=$(wasm_bindgen_version)
    if command -v wasm-bindgen >/dev/null; then
        have=$(wasm-bindgen --version | awk '{ print $2 }')
    fi
    [[ $have == "$want" ]] && return 0
    setup_say "installing wasm-bindgen-cli $want (found: ${have:-none}); this takes a few minutes"
    local cargo_bin=cargo
    command -v cargo >/dev/null || cargo_bin=/usr/bin/cargo
    "$cargo_bin" install wasm-bindgen-cli --version "$want" --force
    have=$(wasm-bindgen --version | awk '{ print $2 }')
    [[ $have == "$want" ]] || setup_die "installed wasm-bindgen-cli but \`wasm-bindgen --version\` says $have, not $want (is another one earlier on PATH?)"
}

# npm ci in web/ when its lock file changed since the last successful install.
setup_web_deps() {
    local web=$FORMWORK_ROOT/web
    [[ -f $web/package-lock.json ]] || return 0
    local stamp=$web/node_modules/.formwork-lock.sha256 sum
    sum=$(sha256sum "$web/package-lock.json" "$web/package.json" | sha256sum | cut -d' ' -f1)
    if [[ -f $stamp && $(cat "$stamp") == "$sum" ]]; then
        return 0
    fi
    setup_say "npm ci in web/"
    npm ci --prefix "$web" --no-audit --no-fund
    echo "$sum" >"$stamp"
}

setup_main() {
    local what=${1:-all}
    case $what in
    all | test)
        setup_packages
        [[ -f $FORMWORK_ROOT/web/tests/run.sh ]] && setup_browser
        setup_wasm_bindgen
        setup_web_deps
        ;;
    serve)
        setup_packages
        setup_wasm_bindgen
        setup_web_deps
        ;;
    *) setup_die "usage: scripts/setup.sh [all|test|serve]" ;;
    esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    setup_main "$@"
fi
