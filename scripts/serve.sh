#!/usr/bin/env bash
# The README's run command: installs what it needs on a fresh Debian machine (Debian packages,
# the wasm-bindgen CLI, govuk-frontend from npm), builds the WebAssembly module into
# web/static/pkg/ so pages also validate in the browser, then runs `formwork serve` on the
# example forms. Arguments go to `formwork serve` (e.g. --port 8080); see README.md.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
setup_main serve
if ! bash scripts/wasm-build.sh; then
    # The server is the authority and works without it: warn, and serve anyway.
    echo "serve: warning: the WebAssembly build failed; pages will validate on the server only" >&2
fi
exec cargo run --release -p formwork-server --bin formwork -- serve "$@"
