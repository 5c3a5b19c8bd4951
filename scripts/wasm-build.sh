#!/usr/bin/env bash
# Builds the browser engine:
#   1. checks that no JSON Schema / regex / schemars code reaches the wasm32 dependency tree;
#   2. builds the formwork-wasm cdylib (and formwork-core, without its default `path-errors`
#      feature) for wasm32-unknown-unknown with Debian's toolchain (rustc-web, cargo-web,
#      rust-web-src, lld), `--profile wasm`, std rebuilt for size with panics that abort at once;
#      twice: with the `conformance` feature (the `runConformance` export) for node, without it
#      for browsers;
#   3. runs wasm-bindgen --target web  -> web/static/pkg/    (served to browsers)
#           wasm-bindgen --target nodejs -> target/wasm-node/ (tests/wasm/conformance.mjs)
#   4. shrinks both with wasm-opt when binaryen is installed, preferring web/node_modules'
#      (npm `binaryen`, pinned in web/package.json) over Debian's, keeping the result only
#      if it is smaller gzipped;
#   5. prints raw and gzipped sizes.
# crates/formwork-wasm/SIZE.md has the size budget, the measurements and how to profile.
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
# cannot parse; strip=symbols drops the 1 MB name section even when wasm-opt is missing
# (FORMWORK_WASM_KEEP_NAMES=1 keeps it, for `twiggy top` on the raw module: see SIZE.md);
# panic=immediate-abort (std too, with -Zbuild-std) drops panic messages and formatting.
WASM_RUSTFLAGS="-Ctarget-feature=-reference-types -Zunstable-options -Cpanic=immediate-abort"
[[ ${FORMWORK_WASM_KEEP_NAMES:-} == 1 ]] || WASM_RUSTFLAGS+=" -Cstrip=symbols"
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
# formwork-core's path-errors feature (on by default) costs ~190 kB of wasm: keep it off here.
! grep -qx serde_path_to_error <<<"$TREE" ||
    die "serde_path_to_error is in the wasm build: formwork-wasm must depend on formwork-core with default-features = false for wasm32"

# --- 2. compile ---------------------------------------------------------------------------------
# Only -p formwork-wasm: naming formwork-core too would turn its default features (path-errors)
# back on. optimize_for_size picks std's smaller algorithms.
wbuild() { # extra cargo args
    wcargo build -p formwork-wasm --lib --target "$TARGET" --profile wasm \
        -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size \
        -Zpanic-immediate-abort --config 'profile.wasm.panic="immediate-abort"' "$@"
    [[ -f $BUILT ]] || die "the build did not produce $BUILT"
}
BUILT=$TARGET_DIR/$TARGET/wasm/formwork_wasm.wasm
RAW_NODE=$TARGET_DIR/formwork_wasm.node.wasm # with runConformance
RAW=$TARGET_DIR/formwork_wasm.web.wasm       # without
say "building formwork-wasm for $TARGET (profile wasm, target dir ${TARGET_DIR#"$ROOT"/})"
wbuild
cp "$BUILT" "$RAW_NODE"
say "building formwork-wasm for $TARGET without runConformance (for browsers)"
wbuild --no-default-features
cp "$BUILT" "$RAW"

# --- 3. bindings ----------------------------------------------------------------------------------
bindgen() { # target out-dir raw-module
    local tmp
    tmp=$(mktemp -d "$TARGET_DIR/bindgen.XXXXXX")
    "$BINDGEN" --target "$1" --out-dir "$tmp" --out-name formwork_wasm "$3"
    optimise "$tmp/formwork_wasm_bg.wasm"
    rm -rf "$2"
    mkdir -p "$(dirname "$2")"
    mv "$tmp" "$2"
    chmod 755 "$2"
}

# --- 4. wasm-opt --------------------------------------------------------------------------------
# WASM_OPT_FLAGS (default -Os --one-caller-inline-max-function-size=0). What residents download
# is the gzipped module, and binaryen's inlining makes it smaller raw but larger gzipped (the
# inlined copies compress worse than calls: -Oz alone gives +10% gzip), so inlining functions
# that have one caller is off, and the optimised file is kept only when it is smaller gzipped.
# npm's binaryen 132 (web/node_modules, `npm ci` in web/) saves ~4.5 kB more gzipped than
# Debian 12's binaryen 108, the fallback. See SIZE.md.
WASM_OPT=$ROOT/web/node_modules/.bin/wasm-opt
if ! [[ -x $WASM_OPT ]] || ! "$WASM_OPT" --version >/dev/null 2>&1; then
    WASM_OPT=$(command -v wasm-opt || true)
fi
WASM_OPT_FLAGS=${WASM_OPT_FLAGS:--Os --one-caller-inline-max-function-size=0}
gz() { gzip -9c "$1" | wc -c; }
optimise() {
    if [[ -z $WASM_OPT ]]; then
        say "wasm-opt not found (npm ci in web/, or apt-get install -y binaryen): leaving $(basename "$1") unoptimised"
        return
    fi
    # Rust's wasm32 features (less reference types); binaryen 108 does not read them from the module.
    # shellcheck disable=SC2086
    "$WASM_OPT" $WASM_OPT_FLAGS --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
        --enable-nontrapping-float-to-int --enable-multivalue --strip-debug --strip-producers \
        "$1" -o "$1.opt"
    local before after
    before=$(gz "$1")
    after=$(gz "$1.opt")
    if ((after < before)); then
        say "$("$WASM_OPT" --version) $WASM_OPT_FLAGS: $before -> $after bytes gzipped: kept"
        mv "$1.opt" "$1"
    else
        say "$("$WASM_OPT" --version) $WASM_OPT_FLAGS: $before -> $after bytes gzipped: no smaller, kept wasm-bindgen's output"
        rm -f "$1.opt"
    fi
}

say "wasm-bindgen $HAVE_BINDGEN --target web -> ${OUT_WEB#"$ROOT"/}"
bindgen web "$OUT_WEB" "$RAW"
say "wasm-bindgen $HAVE_BINDGEN --target nodejs -> ${OUT_NODE#"$ROOT"/}"
bindgen nodejs "$OUT_NODE" "$RAW_NODE"

# --- 5. sizes ----------------------------------------------------------------------------------
size_line() {
    printf '  %-44s %9d bytes raw %9d bytes gzip -9\n' "${1#"$ROOT"/}" "$(wc -c <"$1")" "$(gzip -9c "$1" | wc -c)"
}
say "sizes:"
size_line "$RAW"
size_line "$RAW_NODE"
for f in "$OUT_WEB/formwork_wasm_bg.wasm" "$OUT_WEB/formwork_wasm.js" \
    "$OUT_NODE/formwork_wasm_bg.wasm" "$OUT_NODE/formwork_wasm.js"; do
    size_line "$f"
done
say "done"
