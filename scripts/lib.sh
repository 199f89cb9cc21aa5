# Shared helpers for scripts/*.sh. Source it; do not run it.
#
# Every ensure_* function checks first and installs only what is missing or at the wrong version,
# so a second run costs a few version checks. Pins (see /work/shared/TOOLCHAIN.md for why):
#   trunk 0.21.14 (cargo install --locked --debug), wasm-bindgen-cli = the wasm-bindgen in Cargo.lock
#   (cargo install, release, without --locked), wasm-opt from npm binaryen@132.0.0 in .tools/,
#   Debian chromium + chromium-driver, the wasm32-unknown-unknown target.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="$ROOT/.tools"

TRUNK_VERSION="0.21.14"
BINARYEN_VERSION="132.0.0"
WASM_OPT_VERSION="${BINARYEN_VERSION%%.*}" # wasm-opt prints "wasm-opt version 132 (version_132)"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1        # its own browser download cannot work here; we use /usr/bin/chromium
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD

# The pinned wasm-opt and anything else in .tools/ come first on PATH.
export PATH="$TOOLS_DIR/node_modules/.bin:$HOME/.cargo/bin:$PATH"

log() { printf '==> %s\n' "$*" >&2; }

# Run as root or through sudo (apt-get).
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# The wasm-bindgen version Cargo.lock resolved (the CLI must match it exactly).
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/^version = "|"$/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_wasm_target() {
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    return 0
  fi
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
}

ensure_trunk() {
  if [ "$(trunk --version 2>/dev/null)" = "trunk $TRUNK_VERSION" ]; then
    return 0
  fi
  log "cargo install trunk $TRUNK_VERSION (debug build, several minutes)"
  cargo install trunk --version "$TRUNK_VERSION" --locked --debug --force
}

ensure_wasm_bindgen() {
  local v
  v="$(wasm_bindgen_version)"
  if [ -z "$v" ]; then
    log "no wasm-bindgen in Cargo.lock"
    return 1
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $v" ] &&
    [ "$(wasm-bindgen-test-runner --version 2>/dev/null)" = "wasm-bindgen-test-runner $v" ]; then
    return 0
  fi
  # Release build: a debug test runner is about 4x slower. No --locked: its lockfile pins a
  # webpki-roots the registry lacks.
  log "cargo install wasm-bindgen-cli $v (about 3 minutes)"
  cargo install wasm-bindgen-cli --version "$v" --force
}

ensure_wasm_opt() {
  if "$TOOLS_DIR/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version_$WASM_OPT_VERSION\b"; then
    return 0
  fi
  log "npm install binaryen@$BINARYEN_VERSION into .tools/"
  mkdir -p "$TOOLS_DIR"
  [ -f "$TOOLS_DIR/package.json" ] || echo '{ "private": true }' >"$TOOLS_DIR/package.json"
  (cd "$TOOLS_DIR" && npm install --save-exact --no-audit --no-fund "binaryen@$BINARYEN_VERSION")
}

# Everything `trunk build` needs.
setup_build() {
  ensure_wasm_target &&
    ensure_trunk &&
    ensure_wasm_bindgen &&
    ensure_wasm_opt
}

ensure_chromium() {
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    return 0
  fi
  log "apt-get install chromium chromium-driver"
  as_root apt-get update -qq &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
}

# `npm ci` in e2e/, skipped when node_modules was installed from the same package-lock.json.
ensure_e2e_deps() {
  local stamp="$ROOT/e2e/node_modules/.tlbrace-lock-sha" sum
  sum="$(sha256sum "$ROOT/e2e/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
    return 0
  fi
  log "npm ci in e2e/"
  (cd "$ROOT/e2e" && npm ci --no-audit --no-fund) && echo "$sum" >"$stamp"
}
