#!/usr/bin/env python3
"""Write a tlbrace scenario (JSON, format version 1) as a Promela model for Spin.

One `active proctype` per CPU runs that CPU's steps in program order; every action is one `d_step`
(one atomic transition), as in tlbrace where a step is one call of `model::step`. The policies of a
variant are preprocessor symbols, so one file serves every preset:

    spin -DSKIP=0 -DBATCHING=1 -DFULLMM=0 -DARM64=0 -a model.pml

SKIP:      0 mainline (!dirty && !write), 1 also checks mm_tlb_flush_pending, 2 never skips
BATCHING:  0 nested-only, 1 recorded, 2 mm, 3 none
FULLMM:    1 for a fullmm gather (v5.10)          ARM64: 1 for arm64's fullmm rule

Semantics follow MODEL.md and tlbrace-core's model.rs action by action. A step that tlbrace refuses
with a StepError (pending below zero, finish without gather, a second gather) is a disabled
transition here: its interleavings end, as they do in the explorer (run pan with -E so those dead ends
are not reported as invalid end states). Safety property, checked when the last program finishes:
no drop lost data and memory is not left with unrecorded data (the `lost`/`at risk` verdicts).

Nothing is abstracted: young, soft-dirty, the recorded flags and the data versions are kept exactly, so
with `spin -o1 -o2 -o3` and `-DNOREDUCE` the number of stored states equals
`tlbrace explore --exact`'s (both count (state, program counters, lost) without error states).

Usage: gen.py SCENARIO.json > model.pml
"""

import json
import sys

PRESETS = {
    "v5.10-rc4": dict(SKIP=0, BATCHING=0, FULLMM=1, ARM64=0),
    "will-4+6": dict(SKIP=0, BATCHING=1, FULLMM=0, ARM64=0),
    "yu-fix": dict(SKIP=1, BATCHING=3, FULLMM=0, ARM64=0),
    "yu-fix+flush": dict(SKIP=1, BATCHING=2, FULLMM=0, ARM64=0),
    "v5.12": dict(SKIP=0, BATCHING=2, FULLMM=0, ARM64=0),
}


def tlb_code(entry):
    """None -> 0; {writable, dirty} -> 1 + writable + 2 * dirty (so 4 is writable and dirty)."""
    if entry is None:
        return 0
    return 1 + int(bool(entry["writable"])) + 2 * int(bool(entry["dirty"]))


def action_body(action, c, cpus):
    flush_all = " ".join(f"tlb[{d}] = 0;" for d in range(cpus))
    fault = (
        "if :: !in_cache -> mem = disk; in_cache = 1 :: else -> skip fi; "
        f"pg_dirty = 1; present = 1; pwrite = 1; pdirty = 1; young = 1; soft = 1; tlb[{c}] = 4; mem++"
    )
    walk_ok = f"pdirty = 1; young = 1; tlb[{c}] = 4; mem++"
    bodies = {
        "cache_pte_in_tlb": f"if :: present -> tlb[{c}] = 1 + pwrite + 2 * pdirty; young = 1 :: else -> skip fi",
        "write_to_page": (
            f"if :: tlb[{c}] == 4 -> mem++\n"
            f"   :: tlb[{c}] == 2 -> if :: present && pwrite -> {walk_ok}\n"
            f"                         :: else -> tlb[{c}] = 0; {fault} fi\n"
            f"   :: tlb[{c}] != 4 && tlb[{c}] != 2 -> if :: present && pwrite -> {walk_ok}\n"
            f"                                          :: else -> {fault} fi\n"
            "   fi"
        ),
        "inc_tlb_flush_pending": "pending++",
        "dec_tlb_flush_pending": "pending > 0 -> pending--",
        "clean_record_pte": f"if :: present -> pdirty = 0; recorded[{c}] = 1 :: else -> skip fi",
        "pte_mkclean": "if :: present -> pdirty = 0 :: else -> skip fi",
        "flush_tlb_range": f"{flush_all} recorded[{c}] = 0",
        "flush_tlb_mm": f"{flush_all} recorded[{c}] = 0",
        "local_flush_tlb_page": f"tlb[{c}] = 0",
        "tlb_gather_mmu": (
            f"gather[{c}] == 0 -> \n"
            "#if BATCHING == 3\n"
            f"   gather[{c}] = 1\n"
            "#else\n"
            f"   pending++; gather[{c}] = 2\n"
            "#endif\n"
        ),
        "clear_refs_write": "skip",
        "pte_wrprotect": "if :: present -> pwrite = 0; soft = 0 :: else -> skip fi",
        "pte_mkold": "if :: present -> young = 0 :: else -> skip fi",
        "tlb_finish_mmu": (
            f"(gather[{c}] == 1 || (gather[{c}] == 2 && pending > 0)) ->\n"
            "#if BATCHING == 2\n"
            f"   {flush_all}\n"
            "#elif BATCHING == 0 || BATCHING == 1\n"
            f"   if :: pending > 1 -> {flush_all}\n"
            "      :: else ->\n"
            "#if BATCHING == 1 && !(FULLMM && ARM64)\n"
            f"         {flush_all}\n"
            "#else\n"
            "         skip\n"
            "#endif\n"
            "   fi;\n"
            "#endif\n"
            f"   if :: gather[{c}] == 2 -> pending-- :: else -> skip fi;\n"
            f"   gather[{c}] = 0\n"
        ),
        "page_mkclean_one": (
            "if :: present ->\n"
            "     if :: (SKIP == 2 || pdirty || pwrite || (SKIP == 1 && pending > 0)) ->\n"
            f"          {flush_all} pwrite = 0; pdirty = 0; pg_dirty = 1\n"
            "        :: else -> skip\n"
            "     fi\n"
            "   :: else -> skip\n"
            "fi"
        ),
        "write_page_to_disk": "if :: in_cache && pg_dirty -> pg_dirty = 0; disk = mem :: else -> skip fi",
        "drop_clean_page": (
            "if :: in_cache && !pg_dirty && !pdirty ->\n"
            f"     {flush_all}\n"
            "     if :: mem != disk -> lost = 1 :: else -> skip fi;\n"
            "     present = 0; pwrite = 0; pdirty = 0; young = 0; soft = 0; in_cache = 0; mem = disk\n"
            "   :: else -> skip\n"
            "fi"
        ),
    }
    return bodies[action]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        scenario = json.load(f)
    cpus = scenario["cpus"]
    init = scenario.get("initial", {})
    g = lambda key, default: init.get(key, default)
    tlb = (init.get("tlb") or []) + [None] * cpus
    lanes = [[] for _ in range(cpus)]
    for st in scenario.get("steps", []):
        lanes[st["cpu"]].append(st["action"])
    busy = sum(1 for lane in lanes if lane)
    if any(tlb_code(e) for e in tlb):
        # Promela initialises arrays uniformly; setting entries in a first step would add a state.
        sys.exit("gen.py: initial TLB entries are not supported")

    out = []
    w = out.append
    w("/* Generated by bench/spin/gen.py from a tlbrace scenario; see its docstring. */")
    w(f"/* {scenario.get('title', '')} */")
    for name, default in (("SKIP", 0), ("BATCHING", 0), ("FULLMM", 0), ("ARM64", 0)):
        w(f"#ifndef {name}\n#define {name} {default}\n#endif")
    w(f"bool present = {int(g('present', True))};")
    w(f"bool pwrite = {int(g('write', True))};")
    w(f"bool pdirty = {int(g('dirty', True))};")
    w(f"bool young = {int(g('young', True))};")
    w(f"bool soft = {int(g('soft_dirty', True))};")
    w(f"bool pg_dirty = {int(g('pg_dirty', True))};")
    w(f"bool in_cache = {int(g('in_page_cache', True))};")
    w(f"int mem = {g('mem', 1)};")
    w(f"int disk = {g('disk', 0)};")
    w(f"byte pending = {g('tlb_flush_pending', 0)};")
    w(f"byte tlb[{cpus}];")
    w(f"bool recorded[{cpus}];")
    w(f"byte gather[{cpus}];")
    w("bool lost;")
    w("byte done;")
    w("")
    # The end-of-run property, checked inside the step that finishes the last program.
    w(
        "#define CHECK_END if :: done == %d -> "
        "assert(!lost && !(in_cache && mem != disk && !pg_dirty && !pdirty)) :: else -> skip fi" % busy
    )
    w("")
    for c in range(cpus):
        w(f"active proctype cpu{c}() {{")
        for i, action in enumerate(lanes[c]):
            body = action_body(action, c, cpus)
            last = i == len(lanes[c]) - 1
            tail = ";\n   done++; CHECK_END" if last else ""
            w(f"  /* {i + 1}. {action} */")
            w(f"  d_step {{\n   {body}{tail}\n  }};")
        w("end:")
        w("  false")
        w("}")
        w("")
    if busy == 0:
        w("init { assert(!(in_cache && mem != disk && !pg_dirty && !pdirty)) }")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
