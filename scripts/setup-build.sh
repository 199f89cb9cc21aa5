#!/usr/bin/env bash
# Installs what `trunk build` needs, skipping whatever is already there at the pinned version:
# the wasm32 target, trunk, wasm-bindgen-cli (the Cargo.lock version) and wasm-opt (npm binaryen, in
# .tools/). Other scripts source scripts/lib.sh and call setup_build themselves, to keep its PATH.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start=$SECONDS
setup_build
log "build tools ready ($((SECONDS - start)) s): $(trunk --version), $(wasm-bindgen --version), $(wasm-opt --version)"
