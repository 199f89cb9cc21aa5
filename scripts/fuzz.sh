#!/usr/bin/env bash
# Fuzz every decoder of tlbrace-core: scripts/fuzz.sh [SECONDS per target, default 60] [TARGET...]
#
# Installs cargo-fuzz if missing (pinned, from crates.io), builds every target in fuzz/, seeds
# fuzz/corpus/<target>/ from the built-in examples, the seed thread's diagrams and the golden links,
# then runs each target alone (one libFuzzer job: the machine has two cores) for SECONDS, and prints per
# target the executions, the time and the crashes (fuzz/artifacts/<target>/). Exit status 1 if any
# target crashed. `scripts/fuzz.sh 0` only builds and seeds: what CI can afford to check. Inputs may
# grow to FUZZ_MAX_LEN bytes (default 1 MiB, the diagram reader's cap; byte mutation seldom gets
# there, which the structure-aware scenario_run target and the importer's max-size test make up for).
#
# cargo-fuzz needs nightly flags (-Zsanitizer=address); the stable toolchain accepts them with
# RUSTC_BOOTSTRAP=1. FUZZ_SANITIZER=none builds without AddressSanitizer (the core forbids unsafe code,
# so ASan mostly costs speed; libFuzzer still catches panics, hangs and memory blow-ups).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

SECS="${1:-60}"
shift || true
CARGO_FUZZ_VERSION="0.13.2"
SANITIZER="${FUZZ_SANITIZER:-address}"
export RUSTC_BOOTSTRAP=1

if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
  log "cargo install cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --force
fi

cd "$ROOT/fuzz"
mapfile -t ALL < <(cargo fuzz list)
if [ "$#" -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL[@]}"); fi

log "cargo fuzz build -s $SANITIZER (${ALL[*]})"
cargo fuzz build -s "$SANITIZER"

# ---- Seed corpora (idempotent: files are named by content) -------------------------------------
CORPUS="$ROOT/fuzz/corpus"
seed() { # seed TARGET FILE...
  mkdir -p "$CORPUS/$1"
  local t="$1" f
  shift
  for f in "$@"; do
    [ -s "$f" ] && cp "$f" "$CORPUS/$t/seed-$(sha1sum <"$f" | cut -c1-16)"
  done
  return 0
}
log "seeding fuzz/corpus from the examples, fixtures and golden links"
SEEDS="$(mktemp -d)"
trap 'rm -rf "$SEEDS"' EXIT
(cd "$ROOT" && cargo build -q -p tlbrace-cli)
TLBRACE="$ROOT/target/debug/tlbrace"
for e in $("$TLBRACE" examples | awk '/^  / {print $1}'); do
  for to in url json ascii; do "$TLBRACE" convert "$e" --to "$to" >"$SEEDS/$e.$to"; done
done
FIXTURES=("$ROOT"/core/tests/fixtures/*.txt)
cat "${FIXTURES[@]}" >"$SEEDS/thread.txt" # several diagrams in one mail, for import_all
seed share_decode "$SEEDS"/*.url "$ROOT"/core/tests/golden/*.url
seed json "$SEEDS"/*.json "$ROOT"/core/tests/golden/*.json
seed ascii_import "$SEEDS"/*.ascii "${FIXTURES[@]}"
seed ascii_import_all "$SEEDS"/*.ascii "${FIXTURES[@]}" "$SEEDS/thread.txt"
# scenario_run reads its input as a scenario (arbitrary): any bytes are a start.
seed scenario_run "$SEEDS"/*.url
# share_payload takes the inflated payload: inflate the golden links with the documented dictionary.
if command -v python3 >/dev/null; then
  python3 - "$ROOT" "$SEEDS" <<'PY'
import base64, pathlib, re, sys, zlib
root, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
doc = (root / "docs/scenario-format.md").read_text()
dictionary = re.search(r"<!-- dictionary-v1 begin -->\n```text\n(.*?)\n```\n<!-- dictionary-v1 end -->", doc, re.S).group(1)
for url in sorted((root / "core/tests/golden").glob("*.url")):
    data = url.read_text().strip()[3:]
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    d = zlib.decompressobj(wbits=-15, zdict=dictionary.encode())
    (out / (url.stem + ".payload")).write_bytes(d.decompress(raw) + d.flush())
PY
  seed share_payload "$SEEDS"/*.payload
else
  log "no python3: share_payload starts from an empty corpus"
  mkdir -p "$CORPUS/share_payload"
fi

[ "$SECS" -gt 0 ] || { log "built and seeded; 0 seconds: not fuzzing"; exit 0; }

# ---- Run ------------------------------------------------------------------------------------------
LOGS="$ROOT/fuzz/target/logs"
mkdir -p "$LOGS"
DICT="$ROOT/fuzz/tlbrace.dict"
FAILED=0
REPORT=()
for t in "${TARGETS[@]}"; do
  mkdir -p "$ROOT/fuzz/artifacts/$t"
  before=$(find "$ROOT/fuzz/artifacts/$t" -type f | wc -l)
  log "fuzzing $t for $SECS s (log: fuzz/target/logs/$t.log)"
  start=$(date +%s)
  # -jobs=1: one fuzzing process under a supervisor, which writes the fuzzer's output to fuzz-0.log.
  rc=0
  (cd "$LOGS" && rm -f fuzz-0.log &&
    cargo fuzz run -s "$SANITIZER" "$t" "$CORPUS/$t" -- \
      -jobs=1 -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len="${FUZZ_MAX_LEN:-1048576}" \
      -dict="$DICT" -print_final_stats=1) >"$LOGS/$t.run.log" 2>&1 || rc=$?
  cat "$LOGS/fuzz-0.log" >"$LOGS/$t.log" 2>/dev/null || cp "$LOGS/$t.run.log" "$LOGS/$t.log"
  secs=$(($(date +%s) - start))
  execs=$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$LOGS/$t.log" | tail -1 | grep -o '[0-9]*$' || true)
  after=$(find "$ROOT/fuzz/artifacts/$t" -type f | wc -l)
  crashes=$((after - before))
  if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then
    FAILED=1
    grep -a -m3 -E 'panicked|ERROR: libFuzzer|SUMMARY' "$LOGS/$t.log" >&2 || true
  fi
  REPORT+=("$(printf '%-18s %12s execs %6d s  %d new crash file(s)  exit %d' "$t" "${execs:-?}" "$secs" "$crashes" "$rc")")
done
printf '%s\n' "${REPORT[@]}"
if [ "$FAILED" -ne 0 ]; then
  echo "crashes: see fuzz/artifacts/ and fuzz/target/logs/; replay with" \
    "RUSTC_BOOTSTRAP=1 cargo fuzz run <target> fuzz/artifacts/<target>/<file> (in fuzz/)"
  exit 1
fi
