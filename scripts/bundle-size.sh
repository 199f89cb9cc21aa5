#!/usr/bin/env bash
# The playground's download size: every .wasm and .js in dist/ (or $1), raw and gzip -9, and the
# total. Fails when the gzip total is over the budget: 300 KB = 300 000 bytes (override with
# BUNDLE_BUDGET_BYTES), everything the page can load, the explorer's worker included.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIST="${1:-$ROOT/dist}"
BUDGET="${BUNDLE_BUDGET_BYTES:-300000}"

kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1000 }'; }

mapfile -t files < <(cd "$DIST" 2>/dev/null && find . -type f \( -name '*.wasm' -o -name '*.js' \) | sed 's|^\./||' | sort)
if ! printf '%s\n' "${files[@]}" | grep -q '\.wasm$'; then
  echo "bundle-size: no .wasm in $DIST (run trunk build --release first)" >&2
  exit 1
fi

raw_total=0 gz_total=0
printf '%-48s %12s %12s\n' "bundle (${DIST#"$ROOT"/})" raw "gzip -9"
for f in "${files[@]}"; do
  raw=$(stat -c %s "$DIST/$f")
  gz=$(gzip -9 -c "$DIST/$f" | wc -c)
  raw_total=$((raw_total + raw)) gz_total=$((gz_total + gz))
  printf '%-48s %12s %12s\n' "$f" "$(kb "$raw")" "$(kb "$gz")"
done
printf '%-48s %12s %12s\n' total "$(kb "$raw_total")" "$(kb "$gz_total")"

if [ "$gz_total" -gt "$BUDGET" ]; then
  echo "bundle-size: FAIL: gzip total $(kb "$gz_total") is over the budget of $(kb "$BUDGET")" >&2
  exit 1
fi
echo "bundle-size: ok: gzip total $(kb "$gz_total") of the $(kb "$BUDGET") budget ($((BUDGET - gz_total)) bytes to spare)"
