#!/usr/bin/env python3
"""Differential test of `tlbrace convert --to promela` against `tlbrace explore --exact`: random model-v2
scenarios (one or two pages, file or anonymous or a second mapping, random initial states, programs
drawn from every action, often as whole kernel paths) under every preset on both architectures. For
each (scenario, variant) it checks that

  * the verdicts agree: pan reports an assertion violation exactly when tlbrace's exact search reached
    an end state that did harm or holds data at risk (`harmed_end_states + at_risk_end_states > 0`),
    and tlbrace's finding (`unsafe`, which also needs `trace::run` to confirm a counterexample) says
    the same;
  * pan's "states, stored" equals tlbrace's `states` (the Promela state is the exact node one to one);
  * for a safe verdict, pan's transitions (stored + matched) equal tlbrace's steps tried, less its
    erroring steps, plus one (pan counts the initial state's arrival), plus one per stuck end state (the
    `stuck_end` check) -- unless a step did harm in an interleaving that cannot finish, where tlbrace's
    count also holds the steps its completion search tried: pan's are then fewer, never more.

Usage: crosscheck.py [COUNT [SEED]]   (default 20 scenarios, seed 1)
Env: TLBRACE (default target/release/tlbrace), VARIANTS=seed (the five seed presets on x86 and arm64
instead of all sixteen), KEEP=DIR (keep each mismatch's scenario and model there). Needs spin and gcc;
installs spin if missing (apt-get). Exit 1 on any mismatch.
"""

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TLBRACE = os.environ.get("TLBRACE", os.path.join(ROOT, "target", "release", "tlbrace"))

PRESETS = ["v3.12", "v3.13", "v3.15", "v4.12", "v4.13", "v4.15", "v5.2", "v5.10-rc4", "will-4+6", "yu-fix",
           "yu-fix+flush", "v5.10", "v5.11", "v5.12", "v6.0", "v6.2"]
SEED = ["v5.10-rc4", "will-4+6", "yu-fix", "yu-fix+flush", "v5.12"]

PER_PAGE = {
    "cache_pte_in_tlb", "write_to_page", "read_page", "clean_record_pte", "pte_mkclean", "pte_wrprotect",
    "pte_mkold", "madvise_free_pte_range", "zap_pte_range", "mprotect", "change_prot_numa",
    "mwriteprotect_range", "do_numa_page", "try_to_migrate_one", "move_to_new_page",
    "migrate_vma_collect_pmd", "try_to_unmap_one", "drop_clean_page", "page_mkclean_one",
    "write_page_to_disk", "write_protect_page", "pages_identical", "replace_page", "wp_page_copy",
    "set_pte_at_notify", "local_flush_tlb_page",
}
WHOLE_MM = ["inc_tlb_flush_pending", "flush_tlb_range", "dec_tlb_flush_pending", "clear_refs_write",
            "tlb_gather_mmu", "tlb_finish_mmu", "pte_unmap_unlock", "oom_reap_task_mm", "try_to_unmap_flush",
            "flush_tlb_mm"]
ACTIONS = sorted(PER_PAGE) + WHOLE_MM
# Kernel paths as their kernels run them (None: a per-page step on the path's page).
PATHS = [
    ["tlb_gather_mmu", "clear_refs_write", "pte_wrprotect", "tlb_finish_mmu"],
    ["clear_refs_write", "tlb_gather_mmu", "pte_mkold", "tlb_finish_mmu"],
    ["tlb_gather_mmu", "madvise_free_pte_range", "tlb_finish_mmu"],
    ["tlb_gather_mmu", "zap_pte_range", "pte_unmap_unlock", "tlb_finish_mmu"],
    ["oom_reap_task_mm", "zap_pte_range", "tlb_finish_mmu"],
    ["inc_tlb_flush_pending", "clean_record_pte", "flush_tlb_range", "dec_tlb_flush_pending"],
    ["change_prot_numa", "flush_tlb_range"],
    ["mwriteprotect_range", "flush_tlb_range"],
    ["do_numa_page", "try_to_migrate_one", "move_to_new_page"],
    ["migrate_vma_collect_pmd", "pte_unmap_unlock", "flush_tlb_range"],
    ["try_to_unmap_one", "try_to_unmap_flush", "drop_clean_page"],
    ["page_mkclean_one", "write_page_to_disk"],
    ["write_protect_page", "pages_identical", "replace_page"],
    ["wp_page_copy", "set_pte_at_notify"],
    ["cache_pte_in_tlb", "write_to_page"],
    ["mprotect", "write_to_page"],
]


def ensure_tools():
    if shutil.which("spin") is None:
        print("crosscheck: installing spin (apt-get install -y spin)", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "spin"], check=True, stdout=subprocess.DEVNULL)
    for tool in ("spin", "gcc"):
        if shutil.which(tool) is None:
            sys.exit(f"crosscheck: {tool} is missing")
    if not os.access(TLBRACE, os.X_OK):
        sys.exit(f"crosscheck: {TLBRACE} not built (cargo build --release -p tlbrace-cli, or set TLBRACE)")


def random_page(rng, cpus, shared_with=None):
    """A page spec with random, valid overrides of its starting state."""
    spec = {} if shared_with is not None else {"kind": rng.choice(["file", "anon"])}
    if shared_with is not None:
        spec["same_as"] = shared_with
    if rng.random() < 0.6:
        present = rng.random() < 0.8
        if present:
            spec["write"] = rng.random() < 0.7
            spec["dirty"] = rng.random() < 0.6
            spec["young"] = rng.random() < 0.7
            spec["soft_dirty"] = rng.random() < 0.7
            if rng.random() < 0.5:
                spec["tlb"] = [None if rng.random() < 0.5 else
                               {"writable": rng.random() < 0.6, "dirty": rng.random() < 0.6}
                               for _ in range(rng.randint(1, cpus))]
        else:
            spec.update(present=False, write=False, dirty=False)
        if shared_with is None:
            if not present and rng.random() < 0.4:
                spec.update(in_page_cache=False, mem=0, disk=0, pg_dirty=False)
            else:
                if rng.random() < 0.3:
                    spec["pg_dirty"] = False
                if rng.random() < 0.2:
                    spec["lazyfree"] = True
                if rng.random() < 0.2:
                    spec["shared"] = True
                if rng.random() < 0.2:
                    spec["disk"] = 1
    return spec


def random_scenario(rng):
    cpus = rng.randint(2, 4)
    pages = [random_page(rng, cpus)]
    if rng.random() < 0.35:
        second = random_page(rng, cpus, shared_with=0 if rng.random() < 0.4 else None)
        if "same_as" in second and pages[0].get("in_page_cache") is False:
            # A second mapping of a page not in memory cannot be present either.
            second.pop("tlb", None)
            second.update(present=False, write=False, dirty=False)
        pages.append(second)
    initial = {}
    if rng.random() < 0.25:
        initial["tlb_flush_pending"] = rng.randint(1, 2)
    if rng.random() < 0.15:
        initial["tlb_flush_batched"] = True
    steps = []
    for cpu in range(cpus):
        n = rng.randint(2, 5)
        lane = []
        while len(lane) < n:
            page = rng.randrange(len(pages))
            if cpu == 0 and rng.random() < 0.8:
                # Mostly user space on CPU0: the stores that stale entries let through.
                lane.append((rng.choice(["cache_pte_in_tlb", "write_to_page", "write_to_page", "read_page"]), page))
            elif rng.random() < 0.7:
                path = rng.choice(PATHS)
                lane += [(a, page) for a in path[: n - len(lane) + 1]]
            else:
                lane.append((rng.choice(ACTIONS), page))
        for a, page in lane:
            step = {"cpu": cpu, "action": a}
            if a in PER_PAGE and page:
                step["page"] = page
            steps.append(step)
    # The global order is lane after lane: the explorer only reads the programs.
    sc = {"version": 2, "cpus": cpus, "pages": pages, "steps": steps}
    if initial:
        sc["initial"] = initial
    return sc


def tlbrace_runs(path, variants):
    args = [TLBRACE, "explore", path, "--exact", "--json"]
    for v in variants:
        args += ["--variant", v]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out)["runs"]


def spin(pml, flags, work):
    subprocess.run(["spin", *flags, "-o1", "-o2", "-o3", "-a", pml], cwd=work, check=True, capture_output=True)
    subprocess.run(["gcc", "-O0", "-w", "-DSAFETY", "-DNOREDUCE", "-o", "pan", "pan.c"], cwd=work, check=True)
    out = subprocess.run(["./pan", "-E", "-c0", "-w18", "-m10000"], cwd=work, capture_output=True, text=True).stdout
    if "max search depth too small" in out:
        sys.exit("crosscheck: pan's depth limit reached")
    errors = int(re.search(r"errors: (\d+)", out).group(1))
    stored = int(re.search(r"(\d+) states, stored", out).group(1))
    trans = int(re.search(r"(\d+) transitions \(= stored\+matched\)", out).group(1))
    return ("unsafe" if errors else "safe"), stored, trans


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    ensure_tools()
    names = SEED if os.environ.get("VARIANTS") == "seed" else PRESETS
    variants = names + [f"{p}@arm64" for p in names]
    keep = os.environ.get("KEEP")
    rng = random.Random(seed)
    flags = {}
    for v in variants:
        flags[v] = subprocess.run([TLBRACE, "convert", "--promela-flags", v], check=True, capture_output=True,
                                  text=True).stdout.split()
    checked = agreed = unsafe = finding_differs = trans_checked = completion = 0
    with_errors = with_stuck = 0
    actions = set()
    failures = []
    with tempfile.TemporaryDirectory() as work:
        for k in range(count):
            sc = random_scenario(rng)
            path = os.path.join(work, "s.json")
            with open(path, "w") as f:
                json.dump(sc, f)
            pml = os.path.join(work, "m.pml")
            with open(pml, "w") as f:
                subprocess.run([TLBRACE, "convert", path, "--to", "promela"], check=True, stdout=f)
            runs = tlbrace_runs(path, variants)
            actions.update(st["action"] for st in sc["steps"])
            line = []
            for v, r in zip(variants, runs):
                verdict, stored, trans = spin(pml, flags[v], work)
                bad_ends = r["harmed_end_states"] + r["at_risk_end_states"]
                explored = "unsafe" if bad_ends else "safe"
                checked += 1
                unsafe += verdict == "unsafe"
                with_errors += r["error_steps"] > 0
                with_stuck += r["stuck_end_states"] > 0
                problems = []
                if verdict != explored:
                    problems.append(f"pan {verdict}, tlbrace's exact graph {explored} ({bad_ends} bad end states)")
                if r["states"] != stored:
                    problems.append(f"states: pan {stored}, tlbrace {r['states']}")
                # tlbrace's transitions also count its completion search after a harm, which never
                # finishes in a safe search: pan's are then fewer, never more.
                expected = r["transitions"] - r["error_steps"] + 1 + r["stuck_end_states"]
                if verdict == "safe":
                    if trans == expected:
                        trans_checked += 1
                    elif trans > expected:
                        problems.append(f"transitions: pan {trans}, tlbrace {expected} (steps tried - errors + 1 + stuck)")
                    else:
                        completion += 1
                if r["finding"] != explored:
                    # Not a Promela mismatch: tlbrace's own graph and its confirmed finding differ.
                    finding_differs += 1
                    print(f"NOTE scenario {k} {v}: tlbrace finding {r['finding']} but its exact graph has "
                          f"{bad_ends} bad end states (the counterexample was not confirmed by trace::run)")
                if problems:
                    failures.append((k, v))
                    print(f"MISMATCH scenario {k} {v}: " + "; ".join(problems))
                    if keep:
                        os.makedirs(keep, exist_ok=True)
                        shutil.copy(path, os.path.join(keep, f"s{seed}-{k}.json"))
                        shutil.copy(pml, os.path.join(keep, f"s{seed}-{k}.pml"))
                else:
                    agreed += 1
                line.append(verdict[0])
            print(f"scenario {k}: {len(sc['steps'])} steps on {sc['cpus']} CPUs, {len(sc['pages'])} page(s): "
                  f"{''.join(line)}", flush=True)
            if failures and failures[-1][0] == k:
                print(json.dumps(sc))
    print(f"{checked} searches ({count} scenarios x {len(variants)} variants), {unsafe} unsafe; "
          f"{agreed} agreed on verdict and states; of the safe ones {trans_checked} on transitions too and "
          f"{completion} had fewer (tlbrace's completion search after a harm that never finishes); "
          f"{len(failures)} mismatched; {finding_differs} where tlbrace's finding differs from its own graph")
    print(f"exercised: {len(actions)} of {len(ACTIONS)} actions; {with_errors} searches met a refused step "
          f"(StepError), {with_stuck} ended stuck on a lock")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
