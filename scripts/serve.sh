#!/usr/bin/env bash
# README command 1: build the playground (release, wasm-opt -Oz), report its size, serve it.
#   scripts/serve.sh            -> http://127.0.0.1:8080/   (PORT=… to change)
# The build tools are installed on first use (scripts/setup-build.sh); dist/ uses relative asset
# URLs, so it can also be copied to any sub-path of a static host.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

PORT="${PORT:-8080}"

start=$SECONDS
setup_build
log "trunk build --release"
trunk build --release
log "built in $((SECONDS - start)) s"
# Report the size; an over-budget bundle is still served (scripts/test.sh is what fails on it).
scripts/bundle-size.sh || log "warning: the bundle is over its size budget"
log "serving dist/ on http://127.0.0.1:$PORT/ (Ctrl-C to stop)"
exec node scripts/serve-dist.mjs --dir dist --host 127.0.0.1 --port "$PORT"
