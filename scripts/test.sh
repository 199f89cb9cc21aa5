#!/usr/bin/env bash
# README command 2: every check the project has, in one run.
#
#   setup     build tools (scripts/setup-build.sh), Debian chromium + chromium-driver, `npm ci` in e2e/
#   fmt       cargo fmt --all --check                                             (one check)
#   clippy    cargo clippy --workspace --all-targets -- -D warnings               (one check)
#   clippy-wasm  the same for the frontend on wasm32                              (one check)
#   doc       cargo doc --no-deps with warnings as errors (broken intra-doc links) (one check)
#   test      cargo test --workspace (native)                                     (each test)
#   test-wasm the frontend's browser tests in headless Chromium (wasm-bindgen-test) (each test)
#   fuzz-build   scripts/fuzz.sh 0: cargo-fuzz installed, every fuzz target built  (one check)
#   build     scripts/build.sh: trunk build --release, precompressed copies        (one check)
#   bundle    scripts/bundle-size.sh: the page's gzip size against its 300 KB budget; fails
#             only above the ceiling while the page is over budget (printed below the summary)  (one check)
#   e2e       Playwright against dist/ served on 127.0.0.1 (project e2e)           (each test)
#   bench     the page's speed (Playwright project bench): figures printed, no time asserted
#             (edit → verdicts painted p50/p95, navigation → first verdict, run_all)   (one check)
#
# A failing stage does not stop the run. Tests are counted from cargo's and wasm-bindgen-test's
# `test result:` lines and from Playwright's JSON report; a stage that fails without reporting a
# failed test (a compile error, a crash) counts as one failed check. Setup counts only if it fails.
# Skipped tests (cargo's and wasm-bindgen-test's `ignored`, Playwright's `skipped`) are counted
# apart, per stage and in a line of their own: they neither pass nor fail.
# The last line printed is `N passed, N failed`; the exit status is non-zero if anything failed.
# Logs: target/test-logs/<stage>.log.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

LOGS="$ROOT/target/test-logs"
mkdir -p "$LOGS"
E2E_PORT="${E2E_PORT:-8391}"
export E2E_PORT

PASSED=0
FAILED=0
SKIPPED=0
SUMMARY=()

# record STAGE PASSED FAILED SECONDS [SKIPPED]
record() {
  PASSED=$((PASSED + $2))
  FAILED=$((FAILED + $3))
  SKIPPED=$((SKIPPED + ${5:-0}))
  SUMMARY+=("$(printf '%-12s %4d passed %4d failed %4d skipped %5d s' "$1" "$2" "$3" "${5:-0}" "$4")")
}

# run_stage NAME KIND COMMAND...   KIND: check (one check) | cargo (count `test result:` lines)
#                                        | playwright (count from the JSON report)
run_stage() {
  local name=$1 kind=$2 log="$LOGS/$1.log" start=$SECONDS rc p=0 f=0 s=0
  shift 2
  printf '\n==> [%s] %s\n' "$name" "$*"
  "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  case $kind in
    check)
      if [ "$rc" = 0 ]; then p=1; else f=1; fi
      ;;
    cargo)
      read -r p f s < <(sed -nE 's/.*test result: [A-Za-z]+\. ([0-9]+) passed; ([0-9]+) failed(; ([0-9]+) ignored)?.*/\1 \2 \4/p' "$log" |
        awk '{ p += $1; f += $2; s += $3 } END { print p + 0, f + 0, s + 0 }')
      ;;
    playwright)
      read -r p f s < <(node -e '
        try {
          const s = require(process.argv[1]).stats;
          console.log(s.expected + s.flaky, s.unexpected, s.skipped);
        } catch { console.log(0, 0, 0); }' "$ROOT/e2e/playwright-report/results.json")
      ;;
  esac
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
  record "$name" "$p" "$f" $((SECONDS - start)) "$s"
  printf '==> [%s] exit %s: %s passed, %s failed, %s skipped\n' "$name" "$rc" "$p" "$f" "$s"
}

setup() {
  local start=$SECONDS ok=1
  printf '\n==> [setup] build tools, chromium, e2e dependencies\n'
  setup_build || ok=0
  ensure_chromium || ok=0
  ensure_e2e_deps || ok=0
  if [ $ok = 1 ]; then
    SUMMARY+=("$(printf '%-12s %-25s %5d s' setup ok $((SECONDS - start)))")
  else
    record setup 0 1 $((SECONDS - start))
  fi
}

wasm_tests() {
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" \
    cargo test -p tlbrace-frontend --target wasm32-unknown-unknown --tests --no-fail-fast
}

e2e_tests() {
  rm -f "$ROOT/e2e/playwright-report/results.json"
  (cd "$ROOT/e2e" && npx playwright test --project=e2e)
}

# The benchmark prints its figures; its only failure is one that keeps it from measuring.
bench() {
  (cd "$ROOT/e2e" && npx playwright test --project=bench --reporter=line)
}

total_start=$SECONDS
setup
run_stage fmt check cargo fmt --all --check
run_stage clippy check cargo clippy --workspace --all-targets -- -D warnings
run_stage clippy-wasm check cargo clippy -p tlbrace-frontend --target wasm32-unknown-unknown --all-targets -- -D warnings
run_stage doc check env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps
run_stage test cargo cargo test --workspace --no-fail-fast
run_stage test-wasm cargo wasm_tests
run_stage fuzz-build check scripts/fuzz.sh 0
run_stage build check scripts/build.sh
run_stage bundle check scripts/bundle-size.sh
run_stage e2e playwright e2e_tests
run_stage bench check bench

printf '\n==> summary (%d s; logs in %s)\n' $((SECONDS - total_start)) "${LOGS#"$ROOT"/}"
printf '  %s\n' "${SUMMARY[@]}"
if [ -f "$LOGS/bench.log" ] && grep -q ' p50 ' "$LOGS/bench.log"; then
  printf '\n==> benchmark\n'
  grep -E 'goals:| p50 ' "$LOGS/bench.log" | sed 's/^/  /'
fi
if [ -f "$LOGS/bundle.log" ] && grep -q '^bundle-size:' "$LOGS/bundle.log"; then
  printf '\n==> size\n'
  grep '^bundle-size:' "$LOGS/bundle.log" | sed 's/^/  /'
fi
echo "$SKIPPED skipped (ignored or skipped tests: neither passed nor failed)"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
