#!/usr/bin/env bash
# tlbrace's explorer against the Spin model checker on the same model-v2 scenarios, preset by preset.
#
#   bench/compare.sh [--first] [SCENARIO...]
#
# SCENARIO: a built-in example name (`example-1`, `ksm`, `migrate-vma`, …) or a scenario file. Default:
# example-1 ksm migrate-vma bench/scenarios/ksm-writeback-4x6.json.
#
# Spin reads the model tlbrace writes (`tlbrace convert SCENARIO --to promela`, core/src/formats/promela.rs),
# the variant given as -D flags (`tlbrace convert --promela-flags PRESET`). For every scenario and preset:
#   tlbrace explore --json              reduced search (persistent + sleep sets, canonical states)
#   tlbrace explore --exact --json      no reduction, no abstraction
#   pan (POR)                           spin -a; gcc -O2 -DSAFETY: Spin's partial-order reduction and
#                                       statement merging
#   pan (NOREDUCE)                      spin -o1 -o2 -o3 -a; gcc -O2 -DSAFETY -DNOREDUCE: neither
# All four must agree on safe/unsafe, and the exact search and the NOREDUCE pan must store the same number
# of states (the Promela state is the explorer's exact node one to one). Exit 1 otherwise.
#
# --first: stop at the first counterexample (tlbrace --first, pan -c1) where a full search is out of
# reach; verdicts are compared, state counts are not (breadth-first and depth-first stop at different
# points).
#
# Times are per process, the run with the median CPU time of REPS (default 3): CPU time (user + sys) from
# wait4's rusage (bench/measure.py). tlbrace's own search time (elapsed_ms: no process start, no JSON) is
# printed too. Spin's translation (spin -a) and compilation (gcc -O2) are timed once and reported apart:
# they are paid once per model and variant. Ratio = tlbrace CPU / pan CPU ("best": reduced vs POR;
# "exact": --exact vs NOREDUCE); below 1 means tlbrace is faster. pan's hash table is sized to the
# model (-w from the exact search's state count, at least 10), as a Spin user sizes it; the default
# -w24 costs a 128 MB memset per run.
#
# Env: PRESETS (default: v4.12 v4.13 v5.10-rc4 will-4+6 yu-fix yu-fix+flush v5.12 v6.0 v6.2; ALL=1 for every
# preset), ARCH=arm64, REPS, SPIN_W (override -w), NO_BUILD=1, TLBRACE (a tlbrace binary to use).
# Installs spin (and gcc, jq) with apt-get when missing.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FIRST=0
if [[ ${1:-} == --first ]]; then
    FIRST=1
    shift
fi
if (($# == 0)); then
    set -- example-1 ksm migrate-vma "$ROOT/bench/scenarios/ksm-writeback-4x6.json"
fi
REPS=${REPS:-3}
ARCH=${ARCH:-x86}
BUILD=1
[[ -n ${TLBRACE:-} || ${NO_BUILD:-0} == 1 ]] && BUILD=0
TLBRACE=${TLBRACE:-$ROOT/target/release/tlbrace}
if [[ ${ALL:-0} == 1 ]]; then
    PRESETS=(v3.12 v3.13 v3.15 v4.12 v4.13 v4.15 v5.2 v5.10-rc4 will-4+6 yu-fix yu-fix+flush v5.10 v5.11 v5.12 v6.0 v6.2)
else
    read -r -a PRESETS <<<"${PRESETS:-v4.12 v4.13 v5.10-rc4 will-4+6 yu-fix yu-fix+flush v5.12 v6.0 v6.2}"
fi

# Spin is not a Rust dependency: install it (Debian's spin 6.5.2) and the other tools when missing.
install() {
    echo "compare.sh: installing $* (apt-get)" >&2
    local sudo=()
    [[ $(id -u) == 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get install -y -q "$@" >/dev/null ||
        { "${sudo[@]}" apt-get update -q >/dev/null && "${sudo[@]}" apt-get install -y -q "$@" >/dev/null; }
}
missing=()
for tool in spin gcc jq; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
((${#missing[@]} == 0)) || install "${missing[@]}"
command -v python3 >/dev/null || { echo "compare.sh: python3 is missing" >&2; exit 2; }
if [[ $BUILD == 1 ]]; then
    (cd "$ROOT" && cargo build --release -q -p tlbrace-cli)
fi
[[ -x $TLBRACE ]] || { echo "compare.sh: $TLBRACE is not built" >&2; exit 2; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

measure() { python3 "$ROOT/bench/measure.py" "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
add() { awk -v a="$1" -v b="$2" 'BEGIN { print a + b }'; }

# pan_run BIN W: prints "verdict states transitions cpu wall" (the run with the median CPU time).
pan_run() {
    local bin=$1 w=$2 cflag=-c0
    [[ $FIRST == 1 ]] && cflag=-c1
    for _ in $(seq "$REPS"); do
        local t
        t=$(cd "$WORK" && measure "$WORK/pan.out" "./$bin" -E "$cflag" "-w$w" -m10000)
        if ! grep -q 'states, stored' "$WORK/pan.out"; then
            echo "compare.sh: pan failed:" >&2
            cat "$WORK/pan.out" "$WORK/pan.out.err" >&2
            exit 2
        fi
        local errors stored trans verdict=safe
        errors=$(grep -oE 'errors: [0-9]+' "$WORK/pan.out" | grep -oE '[0-9]+')
        stored=$(grep -oE '[0-9]+ states, stored' "$WORK/pan.out" | grep -oE '^[0-9]+')
        trans=$(grep -oE '[0-9]+ transitions' "$WORK/pan.out" | grep -oE '^[0-9]+')
        ((errors > 0)) && verdict=unsafe
        grep -q 'max search depth too small\|out of memory' "$WORK/pan.out" && verdict=incomplete
        echo "$t $verdict $stored $trans"
    done | sort -n | awk -v n="$REPS" 'NR == int((n + 1) / 2) { print $3, $4, $5, $1, $2 }'
}

# tl_run SCENARIO [FLAGS...]: prints "finding states transitions search_ms cpu wall".
tl_run() {
    local scenario=$1
    shift
    for _ in $(seq "$REPS"); do
        local t
        t=$(measure "$WORK/tl.json" "$TLBRACE" explore "$scenario" --json --max-states 100000000 "$@")
        if ! jq -e . "$WORK/tl.json" >/dev/null 2>&1; then
            echo "compare.sh: tlbrace explore failed:" >&2
            cat "$WORK/tl.json.err" >&2
            exit 2
        fi
        jq -r --arg t "$t" '.runs[0] | "\($t) \(.finding) \(.states) \(.transitions) \(.elapsed_ms * 1000 | round / 1000)"' "$WORK/tl.json"
    done | sort -n | awk -v n="$REPS" 'NR == int((n + 1) / 2) { print $3, $4, $5, $6, $1, $2 }'
}

echo "# tlbrace explore vs Spin$([[ $FIRST == 1 ]] && echo ' (stop at the first counterexample)')"
echo
echo "- date: $(date -u +%Y-%m-%d); arch: $ARCH; $REPS runs each, the median by CPU time"
echo "- tlbrace: $TLBRACE"
echo "- machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(spin -V | head -1); $(gcc --version | head -1)"
echo

fail=0
VROWS=() TROWS=()
g_tr=0 g_sp=0 g_te=0 g_sn=0
for scenario in "$@"; do
    name=$(basename "$scenario" .json)
    "$TLBRACE" convert "$scenario" --to promela >"$WORK/model.pml"
    programs=$("$TLBRACE" explore "$scenario" --json --max-states 1 --variant v5.12 2>/dev/null | jq -c '.programs')
    echo "- $name: programs $programs (steps per CPU)"
    s_tr=0 s_sp=0 s_te=0 s_sn=0
    first_flag=()
    [[ $FIRST == 1 ]] && first_flag=(--first)
    for p in "${PRESETS[@]}"; do
        spec=$p
        [[ $ARCH == arm64 ]] && spec="$p@arm64"
        read -r tr_f tr_states tr_trans tr_search tr_cpu _ <<<"$(tl_run "$scenario" --variant "$spec" "${first_flag[@]}")"
        read -r te_f te_states te_trans te_search te_cpu _ <<<"$(tl_run "$scenario" --variant "$spec" --exact "${first_flag[@]}")"

        flags=$("$TLBRACE" convert --promela-flags "$spec")
        # shellcheck disable=SC2086 # the flags are words
        read -r a1 _ <<<"$(cd "$WORK" && measure /dev/null spin $flags -a model.pml)"
        [[ -f $WORK/pan.c ]] || { echo "compare.sh: spin -a failed on $name" >&2; (cd "$WORK" && spin $flags -a model.pml) >&2; exit 2; }
        read -r c1 _ <<<"$(cd "$WORK" && measure /dev/null gcc -O2 -DSAFETY -DMEMLIM=8192 -o pan_por pan.c)"
        rm -f "$WORK/pan.c"
        # shellcheck disable=SC2086
        read -r a2 _ <<<"$(cd "$WORK" && measure /dev/null spin $flags -o1 -o2 -o3 -a model.pml)"
        read -r c2 _ <<<"$(cd "$WORK" && measure /dev/null gcc -O2 -DSAFETY -DNOREDUCE -DMEMLIM=8192 -o pan_nored pan.c)"
        [[ -x $WORK/pan_por && -x $WORK/pan_nored ]] || { echo "compare.sh: gcc failed on pan.c" >&2; exit 2; }
        if [[ -n ${SPIN_W:-} ]]; then
            w=$SPIN_W
        else
            w=$(awk -v n="$te_states" 'BEGIN { b = 10; while (2 ^ (b - 1) < n) b++; print b }')
        fi
        read -r sp_f sp_states sp_trans sp_cpu _ <<<"$(pan_run pan_por "$w")"
        read -r sn_f sn_states sn_trans sn_cpu _ <<<"$(pan_run pan_nored "$w")"

        verdict=$tr_f
        if [[ $(printf '%s\n' "$tr_f" "$te_f" "$sp_f" "$sn_f" | sort -u | wc -l) != 1 ]]; then
            verdict="DISAGREE: tl $tr_f/$te_f, pan $sp_f/$sn_f"
            fail=1
        elif [[ $FIRST == 0 && $te_states != "$sn_states" ]]; then
            verdict="$verdict; STATES DISAGREE"
            fail=1
        fi
        VROWS+=("| $name | $spec | $verdict | $tr_states | $sp_states | $te_states | $sn_states | $tr_trans | $sp_trans | $te_trans | $sn_trans |")
        TROWS+=("| $name | $spec | $tr_search | $tr_cpu | $sp_cpu | $(ratio "$tr_cpu" "$sp_cpu") | $te_search | $te_cpu | $sn_cpu | $(ratio "$te_cpu" "$sn_cpu") | $a1 | $c1 | $c2 |")
        s_tr=$(add "$s_tr" "$tr_cpu") s_sp=$(add "$s_sp" "$sp_cpu") s_te=$(add "$s_te" "$te_cpu") s_sn=$(add "$s_sn" "$sn_cpu")
        rm -f "$WORK/pan.c" "$WORK/pan_por" "$WORK/pan_nored"
    done
    TROWS+=("| **$name** | **total** | | $s_tr | $s_sp | **$(ratio "$s_tr" "$s_sp")** | | $s_te | $s_sn | **$(ratio "$s_te" "$s_sn")** | | | |")
    g_tr=$(add "$g_tr" "$s_tr") g_sp=$(add "$g_sp" "$s_sp") g_te=$(add "$g_te" "$s_te") g_sn=$(add "$g_sn" "$s_sn")
done
TROWS+=("| **all** | **total** | | $g_tr | $g_sp | **$(ratio "$g_tr" "$g_sp")** | | $g_te | $g_sn | **$(ratio "$g_te" "$g_sn")** | | | |")

echo
echo "## Verdicts, states stored and transitions"
echo
echo "| scenario | preset | verdict (all four) | states tl reduced | pan POR | tl exact | pan NOREDUCE | transitions tl reduced | pan POR | tl exact | pan NOREDUCE |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${VROWS[@]}"
echo
echo "## Times (ms of CPU, user + sys, per process)"
echo
echo "| scenario | preset | tl search | tl CPU | pan POR | ratio best | tl exact search | tl exact CPU | pan NOREDUCE | ratio exact | spin -a | gcc POR | gcc NOREDUCE |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${TROWS[@]}"
echo
echo "tl search = tlbrace's own elapsed_ms (wall clock, search only). ratio = tlbrace CPU / pan CPU; spin -a and"
echo "gcc (once each) are not in it. tlbrace's transitions are steps tried (erroring ones and, after a harm,"
echo "its completion search included); pan's are stored + matched."
if [[ $fail != 0 ]]; then
    echo "compare.sh: tlbrace and Spin DISAGREE" >&2
    exit 1
fi
echo "tlbrace and Spin agree on every scenario and preset."
