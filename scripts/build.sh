#!/usr/bin/env bash
# Builds the playground into dist/ as a static host serves it: trunk build --release (wasm-opt -Oz),
# and gzip and brotli copies of every compressible file (scripts/precompress.mjs).
# Installs the build tools on first use (scripts/setup-build.sh). serve.sh, test.sh and the Pages
# workflow (.github/workflows/pages.yml) all build with this.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

start=$SECONDS
setup_build
rm -rf dist
log "trunk build --release"
trunk build --release
node scripts/precompress.mjs dist
log "built in $((SECONDS - start)) s"
