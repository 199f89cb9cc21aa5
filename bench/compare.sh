#!/usr/bin/env bash
# tlbrace's explorer against Spin on the same scenario, preset by preset.
#
#   bench/compare.sh [--first] [SCENARIO.json]      (default bench/scenarios/example-1.json)
#
# For every preset it runs
#   tlbrace explore --json              reduced search (persistent + sleep sets, canonical states)
#   tlbrace explore --exact --json      no reduction, no abstraction
#   pan (default: Spin's partial-order reduction and statement merging)
#   pan (-DNOREDUCE, model generated with spin -o1 -o2 -o3: no reduction, no merging)
# and checks that all four agree on safe/unsafe and that the exact search and the -DNOREDUCE pan
# store the same number of states (the same graph: see bench/spin/gen.py). Exit 1 on a disagreement.
#
# --first: stop at the first counterexample (tlbrace --first, pan's default -c1) for scenarios whose full
# search is out of reach; verdicts are still compared, state counts are not (breadth-first vs
# depth-first stop at different points).
#
# Times are per process, median of REPS runs (default 3): CPU time (user + sys) and wall time.
# tlbrace's also has its own search time (elapsed_ms, no process start, no JSON). Ratios are CPU time
# tlbrace / pan: "best" = tlbrace reduced vs pan with its reduction, "exact" = tlbrace --exact vs pan
# -DNOREDUCE. Spin's translation (spin -a) and compilation (gcc -O2) are reported apart. pan's hash
# table is sized to the states tlbrace's exact search stored (-w, at least 10; with --first, the
# states it stored up to the first loss), as a Spin user would size it to the model; Spin's default
# -w24 costs a memset of 128 MB (~70 ms CPU here) per run, more than the whole search of example-1.
# Env: REPS, SPIN_W (override -w), NO_BUILD=1, FAST=1.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FIRST=0
if [[ ${1:-} == --first ]]; then
    FIRST=1
    shift
fi
SCENARIO=${1:-$ROOT/bench/scenarios/example-1.json}
REPS=${REPS:-3}
# The workspace's release profile is opt-level "z" (the wasm bundle's size budget). FAST=1 builds the CLI
# with opt-level 3 instead (a profile defined on the command line, in target/fast/), as the criterion
# benches are built.
if [[ ${FAST:-0} == 1 ]]; then
    TLBRACE=$ROOT/target/fast/tlbrace
    BUILD=(cargo build -q -p tlbrace-cli --profile fast --config 'profile.fast.inherits="release"'
        --config 'profile.fast.opt-level=3')
else
    TLBRACE=$ROOT/target/release/tlbrace
    BUILD=(cargo build --release -q -p tlbrace-cli)
fi
GEN=$ROOT/bench/spin/gen.py
PRESETS=(v5.10-rc4 will-4+6 yu-fix yu-fix+flush v5.12)

for tool in spin gcc python3 jq; do
    command -v "$tool" >/dev/null || {
        echo "compare.sh: $tool is missing (Debian: apt-get install spin gcc python3 jq)" >&2
        exit 2
    }
done
[[ -f $SCENARIO ]] || { echo "compare.sh: $SCENARIO: no such file" >&2; exit 2; }
if [[ ${NO_BUILD:-0} != 1 ]]; then
    (cd "$ROOT" && "${BUILD[@]}")
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 "$GEN" "$SCENARIO" >"$WORK/model.pml"

# measure OUT CMD...: runs CMD with stdout to OUT; prints "cpu_ms wall_ms" of that run.
measure() {
    python3 "$ROOT/bench/measure.py" "$@"
}

# median OUT CMD...: measure REPS times; prints the median "cpu_ms wall_ms" (by CPU time).
median() {
    local out=$1
    shift
    for _ in $(seq "$REPS"); do measure "$out" "$@"; done | sort -n | awk -v n="$REPS" 'NR == int((n + 1) / 2)'
}

# pan_run BIN W: prints "verdict states cpu wall".
pan_run() {
    local bin=$1 w=$2 t cflag
    cflag=-c0
    [[ $FIRST == 1 ]] && cflag=-c1
    t=$(cd "$WORK" && median "$WORK/pan.out" "./$bin" -E "$cflag" "-w$w" -m100000)
    if ! grep -q 'states, stored' "$WORK/pan.out"; then
        echo "compare.sh: pan failed:" >&2
        cat "$WORK/pan.out" "$WORK/pan.out.err" >&2
        exit 2
    fi
    local errors stored
    errors=$(grep -oE 'errors: [0-9]+' "$WORK/pan.out" | grep -oE '[0-9]+')
    stored=$(grep -oE '[0-9]+ states, stored' "$WORK/pan.out" | grep -oE '^[0-9]+')
    local verdict=safe
    ((errors > 0)) && verdict=unsafe
    if grep -q 'max search depth too small\|out of memory' "$WORK/pan.out"; then verdict=incomplete; fi
    echo "$verdict $stored $t"
}

# tl_run [FLAGS...]: prints "finding states search_ms cpu wall" of the run with the median CPU time.
tl_run() {
    for _ in $(seq "$REPS"); do
        local t
        t=$(measure "$WORK/tl.json" "$TLBRACE" explore "$SCENARIO" --json --max-states 100000000 "$@")
        if ! jq -e . "$WORK/tl.json" >/dev/null 2>&1; then
            echo "compare.sh: tlbrace explore failed:" >&2
            cat "$WORK/tl.json.err" >&2
            exit 2
        fi
        jq -r --arg t "$t" '.runs[0] | "\($t) \(.finding) \(.states) \(.elapsed_ms * 1000 | round / 1000)"' "$WORK/tl.json"
    done | sort -n | awk -v n="$REPS" 'NR == int((n + 1) / 2) { print $3, $4, $5, $1, $2 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }

echo "scenario: $SCENARIO$([[ $FIRST == 1 ]] && echo ' (stop at the first counterexample)')"
echo "programs: $(jq -c '[.steps | group_by(.cpu)[] | length]' "$SCENARIO") steps per CPU; $REPS runs each, medians"
echo "tlbrace: $TLBRACE"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(spin -V | head -1); $(gcc --version | head -1)"
echo

first_flag=()
[[ $FIRST == 1 ]] && first_flag=(--first)
fail=0
declare -a ROWS TROWS
sum_tr=0 sum_sp=0 sum_te=0 sum_sn=0
for p in "${PRESETS[@]}"; do
    read -r tr_f tr_states tr_search tr_cpu tr_wall <<<"$(tl_run --variant "$p" "${first_flag[@]}")"
    read -r te_f te_states te_search te_cpu te_wall <<<"$(tl_run --variant "$p" --exact "${first_flag[@]}")"

    # Spin: translate (timed), compile twice (timed), verify.
    flags=$(python3 "$GEN" --flags "$p")
    read -r a1 _ <<<"$(cd "$WORK" && measure /dev/null spin $flags -a model.pml)"
    [[ -f $WORK/pan.c ]] || { echo "compare.sh: spin -a failed" >&2; exit 2; }
    read -r c1 _ <<<"$(cd "$WORK" && measure /dev/null gcc -O2 -DSAFETY -DMEMLIM=8192 -o pan_por pan.c)"
    rm -f "$WORK/pan.c"
    read -r a2 _ <<<"$(cd "$WORK" && measure /dev/null spin $flags -o1 -o2 -o3 -a model.pml)"
    read -r c2 _ <<<"$(cd "$WORK" && measure /dev/null gcc -O2 -DSAFETY -DNOREDUCE -DMEMLIM=8192 -o pan_nored pan.c)"
    [[ -x $WORK/pan_por && -x $WORK/pan_nored ]] || { echo "compare.sh: gcc failed on pan.c" >&2; exit 2; }
    if [[ -n ${SPIN_W:-} ]]; then
        w=$SPIN_W
    else
        w=$(awk -v n="$te_states" 'BEGIN { b = 10; while (2 ^ (b - 1) < n) b++; print b }')
    fi
    read -r sp_f sp_states sp_cpu sp_wall <<<"$(pan_run pan_por "$w")"
    read -r sn_f sn_states sn_cpu sn_wall <<<"$(pan_run pan_nored "$w")"

    verdicts=$(printf '%s\n' "$tr_f" "$te_f" "$sp_f" "$sn_f" | sort -u | wc -l)
    note=""
    if [[ $verdicts != 1 ]]; then
        note="VERDICTS DISAGREE"
        fail=1
    elif [[ $FIRST == 0 && $te_states != "$sn_states" ]]; then
        note="STATE COUNTS DISAGREE (exact)"
        fail=1
    fi
    [[ $FIRST == 1 ]] && note="${note:-counts not comparable (--first)}"
    ROWS+=("$(printf '%-13s %-8s %-8s %9s %9s %11s %11s  %s' "$p" "$tr_f" "$sp_f" "$tr_states" "$sp_states" "$te_states" "$sn_states" "$note")")
    TROWS+=("$(printf '%-13s %10s %8s %8s %6s | %8s %8s %8s %6s | %7s %7s %7s %7s' \
        "$p" "$tr_search" "$tr_cpu" "$sp_cpu" "$(ratio "$tr_cpu" "$sp_cpu")" \
        "$te_search" "$te_cpu" "$sn_cpu" "$(ratio "$te_cpu" "$sn_cpu")" "$a1" "$c1" "$a2" "$c2")")
    sum_tr=$(awk -v a="$sum_tr" -v b="$tr_cpu" 'BEGIN { print a + b }')
    sum_sp=$(awk -v a="$sum_sp" -v b="$sp_cpu" 'BEGIN { print a + b }')
    sum_te=$(awk -v a="$sum_te" -v b="$te_cpu" 'BEGIN { print a + b }')
    sum_sn=$(awk -v a="$sum_sn" -v b="$sn_cpu" 'BEGIN { print a + b }')
    rm -f "$WORK/pan.c" "$WORK/pan_por" "$WORK/pan_nored"
done

echo "Verdicts and distinct states stored"
printf '%-13s %-8s %-8s %9s %9s %11s %11s\n' preset tlbrace spin "tl reduc." "spin POR" "tl --exact" "NOREDUCE"
printf '%s\n' "${ROWS[@]}"
echo
echo "Times in ms: process CPU time (user + sys), the run with the median CPU time of $REPS;"
echo "'search' = tlbrace's own elapsed_ms in that run (wall clock, no process start or JSON; on a loaded"
echo "machine it can exceed the CPU time); spin -a and gcc -O2 timed once each (CPU time)"
printf '%-13s %10s %8s %8s %6s | %8s %8s %8s %6s | %7s %7s %7s %7s\n' preset "tl search" "tl cpu" "pan POR" ratio \
    "ex srch" "ex cpu" "pan NR" ratio "spin-a" "gcc" "spin-a" "gcc(NR)"
printf '%s\n' "${TROWS[@]}"
printf '%-13s %10s %8s %8s %6s | %8s %8s %8s %6s\n' total "" "$sum_tr" "$sum_sp" "$(ratio "$sum_tr" "$sum_sp")" \
    "" "$sum_te" "$sum_sn" "$(ratio "$sum_te" "$sum_sn")"
echo
echo "ratio = tlbrace CPU time / pan CPU time (best: reduced vs Spin's POR; exact: --exact vs -DNOREDUCE);"
echo "Spin's translation and compilation are not in the ratio (they are paid once per model and variant)."
if [[ $fail != 0 ]]; then
    echo "compare.sh: tlbrace and Spin DISAGREE" >&2
    exit 1
fi
echo "tlbrace and Spin agree on every preset."
