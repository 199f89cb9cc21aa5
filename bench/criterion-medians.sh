#!/usr/bin/env bash
# Prints the median of every `explore` benchmark from criterion's last run (target/criterion/explore*),
# with its 95% confidence interval: criterion's console output shows means, the README quotes medians.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
fmt() { awk -v ns="$1" 'BEGIN { if (ns >= 1e6) printf "%.2f ms", ns / 1e6; else printf "%.1f µs", ns / 1e3 }'; }
for f in "$ROOT"/target/criterion/explore*/*/*/new/estimates.json; do
    id=${f#"$ROOT"/target/criterion/}
    id=${id%/new/estimates.json}
    read -r m lo hi < <(jq -r '.median | "\(.point_estimate) \(.confidence_interval.lower_bound) \(.confidence_interval.upper_bound)"' "$f")
    printf '%-52s median %10s  [%s … %s]\n' "$id" "$(fmt "$m")" "$(fmt "$lo")" "$(fmt "$hi")"
done
