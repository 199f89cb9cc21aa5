#!/usr/bin/env bash
# README command 1: build the playground (scripts/build.sh: release, wasm-opt -Oz, precompressed),
# report its size, serve it.
#   scripts/serve.sh            -> http://127.0.0.1:8080/   (PORT=… to change)
# dist/ uses relative asset URLs, so it can also be copied to any sub-path of a static host.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

PORT="${PORT:-8080}"

scripts/build.sh
# Report the size; a bundle over its budget or ceiling is still served (scripts/test.sh is what
# fails on it).
scripts/bundle-size.sh || log "warning: the bundle grew past its size ceiling"
log "serving dist/ on http://127.0.0.1:$PORT/ (Ctrl-C to stop)"
exec node scripts/serve-dist.mjs --dir dist --host 127.0.0.1 --port "$PORT"
