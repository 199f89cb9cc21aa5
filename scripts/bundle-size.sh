#!/usr/bin/env bash
# The playground's download size: every .wasm and .js in dist/ (or $1), raw and gzip -9, and the
# total, against the page's budget: 300 KB = 300 000 bytes (BUNDLE_BUDGET_BYTES), everything the
# page can load, the explorer's worker included.
#
# The page is over that budget (ARCHITECTURE.md, "Size rules": where the bytes went and what getting
# back under it would take out of the page). Until the page or the budget changes, the script says
# so on every run (a line starting "bundle-size: OVER BUDGET") and fails only when the page grows past
# its ceiling, the size last measured rounded up to the next kilobyte (BUNDLE_CEILING_BYTES): the
# overrun cannot grow unnoticed. A change that shrinks the page lowers the number below with it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIST="${1:-$ROOT/dist}"
BUDGET="${BUNDLE_BUDGET_BYTES:-300000}"
CEILING="${BUNDLE_CEILING_BYTES:-475000}"

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
  over="$(kb $((gz_total - BUDGET)))"
  if [ "$gz_total" -gt "$CEILING" ]; then
    echo "bundle-size: FAIL: gzip total $(kb "$gz_total") is over the budget of $(kb "$BUDGET") by $over, and the page grew past its ceiling of $(kb "$CEILING")" >&2
    exit 1
  fi
  echo "bundle-size: OVER BUDGET: gzip total $(kb "$gz_total") is $over over the budget of $(kb "$BUDGET") (ceiling $(kb "$CEILING"); ARCHITECTURE.md, \"Size rules\")"
  exit 0
fi
echo "bundle-size: ok: gzip total $(kb "$gz_total") of the $(kb "$BUDGET") budget ($((BUDGET - gz_total)) bytes to spare)"
