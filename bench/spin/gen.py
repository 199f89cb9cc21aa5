#!/usr/bin/env python3
"""Write a tlbrace scenario (JSON, format version 1) as a Promela model for Spin.

One `active proctype` per CPU runs that CPU's steps in program order; every action is one `d_step`
(one atomic transition), as in tlbrace where a step is one call of `model::step`. The policies of a
variant are preprocessor symbols, so one file serves every variant:

    spin -DSKIP=0 -DBATCHING=1 -DFULLMM=0 -DARM64=0 -a model.pml
    spin $(gen.py --flags will-4+6) -a model.pml        # the same, from a variant name

SKIP:      0 mainline (!dirty && !write), 1 also checks mm_tlb_flush_pending, 2 never skips
BATCHING:  0 nested-only, 1 recorded, 2 mm, 3 none
FULLMM:    1 for a fullmm gather (v5.10's clear_refs)
ARM64:     1 for arm64's rule: a fullmm finish that is not nested invalidates nothing

Semantics follow MODEL.md and tlbrace-core's model.rs (`step`, `write_to_page`, `write_fault`) action
by action; each body below names the branch of model.rs it mirrors. A step that tlbrace refuses with a
StepError (pending below zero, finish without gather, a second gather) is a disabled transition here
(its `d_step` starts with the guard): the interleavings through it end there, as in the explorer, and
the other CPUs go on. A CPU stuck that way never finishes, so run pan with -E (those dead ends are not
invalid end states). The safety property is checked inside the step that finishes the last program:
no drop lost data (`lost`, set by drop_clean_page when mem != disk) and memory is not left with
unrecorded data (State::unrecorded_data) — the `lost`/`at risk` verdicts.

State variables correspond one to one with tlbrace's exact node (State, program counters, lost flag):
the PTE bits, each CPU's TLB entry (0 none, else 1 + writable + 2 * dirty), the deferred work
(`recorded` = Deferred::recorded_pte; `gather` 0 none, 1 open without raising pending, 2 open and
raised), tlb_flush_pending, PG_dirty, in_page_cache, mem and disk. `done` counts finished programs,
a function of the program counters. Nothing is abstracted, so with `spin -o1 -o2 -o3`, `-DNOREDUCE`
and `pan -c0` (do not stop at the first violation) pan's "states, stored" equals
`tlbrace explore --exact`'s state count (both count distinct (state, counters, lost) including the
initial one, without error states), and pan's transitions (stored + matched) minus one equal its steps
tried less its erroring steps.

Usage: gen.py SCENARIO.json > model.pml
       gen.py --flags VARIANT          (prints the -D flags of a preset, `name@arm64` for arm64)
"""

import json
import sys

PRESETS = {
    "v5.10-rc4": dict(SKIP=0, BATCHING=0, FULLMM=1),
    "will-4+6": dict(SKIP=0, BATCHING=1, FULLMM=0),
    "yu-fix": dict(SKIP=1, BATCHING=3, FULLMM=0),
    "yu-fix+flush": dict(SKIP=1, BATCHING=2, FULLMM=0),
    "v5.12": dict(SKIP=0, BATCHING=2, FULLMM=0),
}


def flags(variant):
    """The -D flags for a preset name, optionally with @x86 / @arm64 (as `tlbrace --variant` takes)."""
    name, _, arch = variant.partition("@")
    if name not in PRESETS or arch not in ("", "x86", "arm64"):
        sys.exit(f"gen.py: unknown variant {variant!r}; presets: {', '.join(PRESETS)}")
    d = dict(PRESETS[name], ARM64=int(arch == "arm64"))
    return " ".join(f"-D{k}={v}" for k, v in d.items())


def tlb_code(entry):
    """None -> 0; {writable, dirty} -> 1 + writable + 2 * dirty (so 4 is writable and dirty)."""
    if entry is None:
        return 0
    return 1 + int(bool(entry["writable"])) + 2 * int(bool(entry["dirty"]))


def action_body(action, c, cpus):
    """The Promela body of `action` on CPU `c`: model.rs's match arm for it, statement by statement."""
    flush_all = "; ".join(f"tlb{d} = 0" for d in range(cpus))  # State::flush(all)
    # write_fault: read back a reclaimed page, set_page_dirty, a writable dirty PTE and entry, the store.
    fault = (
        "if :: !in_cache -> mem = disk; in_cache = 1 :: else -> skip fi; "
        f"pg_dirty = 1; present = 1; pwrite = 1; pdirty = 1; young = 1; soft = 1; tlb{c} = 4; mem++"
    )
    # A walk that finds a present, writable PTE: D and A set, entry {writable, dirty}, the store.
    walk_ok = f"pdirty = 1; young = 1; tlb{c} = 4; mem++"
    bodies = {
        # TlbEntry::from_pte, PTE young; nothing for a non-present PTE.
        "cache_pte_in_tlb": f"if :: present -> tlb{c} = 1 + pwrite + 2 * pdirty; young = 1 :: else -> skip fi",
        # Entry writable and dirty: store, PTE untouched. Writable and clean: dirty-bit walk, or drop the
        # entry and fault. No usable entry: walk, or fault.
        "write_to_page": (
            f"if :: tlb{c} == 4 -> mem++\n"
            f"   :: tlb{c} == 2 -> if :: present && pwrite -> {walk_ok}\n"
            f"                      :: else -> tlb{c} = 0; {fault} fi\n"
            f"   :: tlb{c} != 4 && tlb{c} != 2 -> if :: present && pwrite -> {walk_ok}\n"
            f"                                      :: else -> {fault} fi\n"
            "   fi"
        ),
        "inc_tlb_flush_pending": "pending++",
        # StepError::PendingBelowZero is a disabled step.
        "dec_tlb_flush_pending": "pending > 0 -> pending--",
        "clean_record_pte": f"if :: present -> pdirty = 0; recorded{c} = 1 :: else -> skip fi",
        "pte_mkclean": "if :: present -> pdirty = 0 :: else -> skip fi",
        "flush_tlb_range": f"{flush_all}; recorded{c} = 0",
        "flush_tlb_mm": f"{flush_all}; recorded{c} = 0",
        "local_flush_tlb_page": f"tlb{c} = 0",
        # StepError::GatherAlreadyOpen is a disabled step; Batching::None opens without raising.
        "tlb_gather_mmu": (
            f"gather{c} == 0 ->\n"
            "#if BATCHING == 3\n"
            f"   gather{c} = 1\n"
            "#else\n"
            f"   pending++; gather{c} = 2\n"
            "#endif\n"
        ),
        "clear_refs_write": "skip",
        "pte_wrprotect": "if :: present -> pwrite = 0; soft = 0 :: else -> skip fi",
        "pte_mkold": "if :: present -> young = 0 :: else -> skip fi",
        # FinishWithoutGather, and PendingBelowZero for a gather that raised pending, are disabled steps.
        # The flush decision reads pending before the decrement (mm_tlb_flush_nested: pending > 1):
        # None -> NoGather; Mm -> flush; NestedOnly/Recorded nested -> flush; NestedOnly -> nothing;
        # Recorded fullmm on arm64 -> nothing; Recorded -> flush.
        "tlb_finish_mmu": (
            f"(gather{c} == 1 || (gather{c} == 2 && pending > 0)) ->\n"
            "#if BATCHING == 2\n"
            f"   {flush_all};\n"
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
            f"   if :: gather{c} == 2 -> pending-- :: else -> skip fi;\n"
            f"   gather{c} = 0\n"
        ),
        # must_clean = Never || D || W || (ChecksPending && pending > 0): flush, W = D = 0, PG_dirty.
        "page_mkclean_one": (
            "if :: present ->\n"
            "     if :: (SKIP == 2 || pdirty || pwrite || (SKIP == 1 && pending > 0)) ->\n"
            f"          {flush_all}; pwrite = 0; pdirty = 0; pg_dirty = 1\n"
            "        :: else -> skip\n"
            "     fi\n"
            "   :: else -> skip\n"
            "fi"
        ),
        "write_page_to_disk": "if :: in_cache && pg_dirty -> pg_dirty = 0; disk = mem :: else -> skip fi",
        # Not cached, or PG_dirty or D set: nothing. Else flush, lost if mem != disk, PTE cleared, the
        # page leaves the cache and memory holds disk's version.
        "drop_clean_page": (
            "if :: in_cache && !pg_dirty && !pdirty ->\n"
            f"     {flush_all};\n"
            "     if :: mem != disk -> lost = 1 :: else -> skip fi;\n"
            "     present = 0; pwrite = 0; pdirty = 0; young = 0; soft = 0; in_cache = 0; mem = disk\n"
            "   :: else -> skip\n"
            "fi"
        ),
    }
    if action not in bodies:
        sys.exit(f"gen.py: unknown action {action!r}")
    return bodies[action]


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--flags":
        print(flags(sys.argv[2]))
        return
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        scenario = json.load(f)
    if scenario.get("version", 1) != 1:
        sys.exit("gen.py: only scenario format version 1 is supported")
    cpus = scenario["cpus"]
    init = scenario.get("initial") or {}
    g = lambda key, default: init.get(key, default)
    tlb = (init.get("tlb") or []) + [None] * cpus
    lanes = [[] for _ in range(cpus)]
    for st in scenario.get("steps", []):
        lanes[st["cpu"]].append(st["action"])
    busy = sum(1 for lane in lanes if lane)

    out = []
    w = out.append
    w("/* Generated by bench/spin/gen.py from a tlbrace scenario; see its docstring. */")
    title = (scenario.get("title") or "").replace("*/", "* /")
    w(f"/* {title} */")
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
    w(f"int pending = {g('tlb_flush_pending', 0)};")
    # One scalar per CPU so that initial TLB entries need no extra step.
    for c in range(cpus):
        w(f"byte tlb{c} = {tlb_code(tlb[c])}; bool recorded{c} = 0; byte gather{c} = 0;")
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
        if not lanes[c]:
            continue  # An idle CPU has no program: no process, no state.
        w(f"active proctype cpu{c}() {{")
        for i, action in enumerate(lanes[c]):
            body = action_body(action, c, cpus)
            last = i == len(lanes[c]) - 1
            tail = ";\n   done++; CHECK_END" if last else ""
            w(f"  /* {i + 1}. {action} */")
            w(f"  d_step {{\n   {body}{tail}\n  }};")
        # Stay (blocked, at a valid end state) instead of terminating: Spin removes terminated
        # processes only in reverse creation order, which would add states tlbrace does not have.
        w("end:")
        w("  false")
        w("}")
        w("")
    if busy == 0:
        w("init { assert(!(in_cache && mem != disk && !pg_dirty && !pdirty)) }")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
