#!/usr/bin/env bash
# Builds the browser engine:
#   1. checks that no JSON Schema / regex / schemars code reaches the wasm32 dependency tree;
#   2. builds formwork-core and the formwork-wasm cdylib for wasm32-unknown-unknown with
#      Debian's toolchain (rustc-web, cargo-web, rust-web-src, lld) and `--profile wasm`;
#   3. runs wasm-bindgen --target web  -> web/static/pkg/    (served to browsers)
#           wasm-bindgen --target nodejs -> target/wasm-node/ (tests/wasm/conformance.mjs)
#   4. shrinks both with `wasm-opt -Oz` when binaryen is installed (if that is smaller gzipped);
#   5. prints raw and gzipped sizes.
# Idempotent: re-running rebuilds incrementally and replaces the outputs.
# Missing tools? Run scripts/setup.sh (scripts/test.sh and scripts/serve.sh do it for you).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

die() {
    echo "wasm-build: error: $*" >&2
    exit 1
}
say() { echo "wasm-build: $*"; }

TARGET=wasm32-unknown-unknown
DEB_CARGO=${FORMWORK_WASM_CARGO:-/usr/bin/cargo}
DEB_RUSTC=${FORMWORK_WASM_RUSTC:-/usr/bin/rustc}
TARGET_DIR=${FORMWORK_WASM_TARGET_DIR:-$ROOT/target/wasm}
OUT_WEB=$ROOT/web/static/pkg
OUT_NODE=$ROOT/target/wasm-node
# Never pull these into the browser build: they are server-only (definition checking, schemas).
FORBIDDEN='^(jsonschema|fancy-regex|regex|regex-automata|regex-syntax|schemars|schemars_derive|referencing|reqwest|tokio)$'

# --- tools ------------------------------------------------------------------------------------
[[ -x $DEB_CARGO ]] || die "$DEB_CARGO not found: apt-get install -y cargo-web (or run scripts/setup.sh)"
[[ -x $DEB_RUSTC ]] || die "$DEB_RUSTC not found: apt-get install -y rustc-web (or run scripts/setup.sh)"
command -v wasm-ld >/dev/null || die "wasm-ld not found: apt-get install -y lld (or run scripts/setup.sh)"
SYSROOT=$("$DEB_RUSTC" --print sysroot)
[[ -d $SYSROOT/lib/rustlib/src/rust/library ]] ||
    die "no Rust standard library source under $SYSROOT/lib/rustlib/src: apt-get install -y rust-web-src"
"$DEB_RUSTC" --print target-list | grep -x "$TARGET" >/dev/null || die "$DEB_RUSTC cannot target $TARGET"

# wasm-bindgen (CLI) must be exactly the version of the wasm-bindgen crate in Cargo.lock.
WANT_BINDGEN=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[[ -n $WANT_BINDGEN ]] || WANT_BINDGEN=$(sed -n 's/^wasm-bindgen *= *"=\([0-9.]*\)".*/\1/p' Cargo.toml)
[[ -n $WANT_BINDGEN ]] || die "cannot find the wasm-bindgen version in Cargo.lock or Cargo.toml"
BINDGEN=$(command -v wasm-bindgen || true)
[[ -z $BINDGEN && -x $HOME/.cargo/bin/wasm-bindgen ]] && BINDGEN=$HOME/.cargo/bin/wasm-bindgen
[[ -n $BINDGEN ]] || die "wasm-bindgen not found: cargo install wasm-bindgen-cli --version $WANT_BINDGEN (or run scripts/setup.sh)"
HAVE_BINDGEN=$("$BINDGEN" --version | awk '{ print $2 }')
[[ $HAVE_BINDGEN == "$WANT_BINDGEN" ]] ||
    die "wasm-bindgen $HAVE_BINDGEN at $BINDGEN, but Cargo.lock pins $WANT_BINDGEN: cargo install wasm-bindgen-cli --version $WANT_BINDGEN --force"

# The Debian toolchain, never the rustup proxies (they cannot download the wasm32 target).
# -reference-types: wasm-bindgen then emits no table.fill, which Debian 12's binaryen (108)
# cannot parse; strip=symbols drops the 1 MB name section even when wasm-opt is missing.
WASM_RUSTFLAGS="-Ctarget-feature=-reference-types -Cstrip=symbols"
wcargo() {
    env -u RUSTUP_TOOLCHAIN -u CARGO_ENCODED_RUSTFLAGS RUSTFLAGS="$WASM_RUSTFLAGS" \
        RUSTC="$DEB_RUSTC" RUSTDOC="${DEB_RUSTC%rustc}rustdoc" RUSTC_BOOTSTRAP=1 \
        CARGO_TARGET_DIR="$TARGET_DIR" \
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld \
        "$DEB_CARGO" "$@"
}

# --- 1. dependency tree -----------------------------------------------------------------------
say "checking the $TARGET dependency tree of formwork-wasm"
TREE=$(wcargo tree -p formwork-wasm --target "$TARGET" -e normal,build --prefix none --format '{p}' | awk '{ print $1 }' | sort -u)
BAD=$(grep -E "$FORBIDDEN" <<<"$TREE" || true)
[[ -z $BAD ]] || die "server-only crates in the wasm build: $(tr '\n' ' ' <<<"$BAD")(keep formwork-core's schemars feature off and these out of formwork-core)"

# --- 2. compile ---------------------------------------------------------------------------------
say "building formwork-core and formwork-wasm for $TARGET (profile wasm, target dir ${TARGET_DIR#"$ROOT"/})"
wcargo build -p formwork-core -p formwork-wasm --lib --target "$TARGET" --profile wasm \
    -Zbuild-std=std,panic_abort
RAW=$TARGET_DIR/$TARGET/wasm/formwork_wasm.wasm
[[ -f $RAW ]] || die "the build did not produce $RAW"

# --- 3. bindings ----------------------------------------------------------------------------------
bindgen() { # target out-dir
    local tmp
    tmp=$(mktemp -d "$TARGET_DIR/bindgen.XXXXXX")
    "$BINDGEN" --target "$1" --out-dir "$tmp" --out-name formwork_wasm "$RAW"
    optimise "$tmp/formwork_wasm_bg.wasm"
    rm -rf "$2"
    mkdir -p "$(dirname "$2")"
    mv "$tmp" "$2"
    chmod 755 "$2"
}

# --- 4. wasm-opt --------------------------------------------------------------------------------
# WASM_OPT_FLAGS (default -Oz). What residents download is the gzipped module, and -Oz can make
# that larger (seen with binaryen 108: 667 kB raw / 262 kB gzip after -Oz, against 737 kB raw /
# 230 kB gzip before), so the optimised file is kept only when it is smaller gzipped.
WASM_OPT_FLAGS=${WASM_OPT_FLAGS:--Oz}
gz() { gzip -9c "$1" | wc -c; }
optimise() {
    if ! command -v wasm-opt >/dev/null; then
        say "wasm-opt not found (apt-get install -y binaryen): leaving $(basename "$1") unoptimised"
        return
    fi
    # Rust's wasm32 features (less reference types); binaryen 108 does not read them from the module.
    # shellcheck disable=SC2086
    wasm-opt $WASM_OPT_FLAGS --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
        --enable-nontrapping-float-to-int --enable-multivalue \
        "$1" -o "$1.opt"
    local before after
    before=$(gz "$1")
    after=$(gz "$1.opt")
    if ((after < before)); then
        say "wasm-opt $WASM_OPT_FLAGS: $before -> $after bytes gzipped: kept"
        mv "$1.opt" "$1"
    else
        say "wasm-opt $WASM_OPT_FLAGS: $before -> $after bytes gzipped: no smaller, kept wasm-bindgen's output"
        rm -f "$1.opt"
    fi
}

say "wasm-bindgen $HAVE_BINDGEN --target web -> ${OUT_WEB#"$ROOT"/}"
bindgen web "$OUT_WEB"
say "wasm-bindgen $HAVE_BINDGEN --target nodejs -> ${OUT_NODE#"$ROOT"/}"
bindgen nodejs "$OUT_NODE"

# --- 5. sizes ----------------------------------------------------------------------------------
size_line() {
    printf '  %-44s %9d bytes raw %9d bytes gzip -9\n' "${1#"$ROOT"/}" "$(wc -c <"$1")" "$(gzip -9c "$1" | wc -c)"
}
say "sizes:"
size_line "$RAW"
for f in "$OUT_WEB/formwork_wasm_bg.wasm" "$OUT_WEB/formwork_wasm.js" \
    "$OUT_NODE/formwork_wasm_bg.wasm" "$OUT_NODE/formwork_wasm.js"; do
    size_line "$f"
done
say "done"
