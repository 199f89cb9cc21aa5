#!/usr/bin/env python3
"""Differential test of gen.py against tlbrace: random small scenarios, every preset (and the two
presets whose arm64 rule differs), exact search in both tools. For each pair it checks that

  * the verdicts agree (tlbrace's finding `unsafe` exactly when pan reports an assertion violation),
  * pan's "states, stored" equals tlbrace's `states`, and
  * pan's transitions (stored + matched) equal tlbrace's steps tried minus its erroring steps, plus one
    (pan counts the initial state's arrival).

Programs are drawn from every action, so impossible orders (a finish without its gather, a counter
below zero) occur too; initial states are drawn from the valid ones (TLB entries, a clean or read-only
PTE, a reclaimed page, a pending flush).

Usage: crosscheck.py [COUNT [SEED]]   (needs target/release/tlbrace, spin and gcc; exit 1 on a mismatch)
"""

import json
import os
import random
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TLBRACE = os.environ.get("TLBRACE", os.path.join(ROOT, "target", "release", "tlbrace"))
GEN = os.path.join(HERE, "gen.py")

ACTIONS = [
    "cache_pte_in_tlb", "write_to_page", "inc_tlb_flush_pending", "clean_record_pte", "pte_mkclean",
    "flush_tlb_range", "dec_tlb_flush_pending", "tlb_gather_mmu", "clear_refs_write", "pte_wrprotect",
    "pte_mkold", "tlb_finish_mmu", "page_mkclean_one", "write_page_to_disk", "drop_clean_page",
    "flush_tlb_mm", "local_flush_tlb_page",
]
# Drawn twice as often: the steps of the seed's races.
RACY = ["cache_pte_in_tlb", "write_to_page", "clean_record_pte", "page_mkclean_one", "write_page_to_disk",
        "drop_clean_page", "pte_wrprotect", "inc_tlb_flush_pending"]
VARIANTS = ["v5.10-rc4", "will-4+6", "yu-fix", "yu-fix+flush", "v5.12", "v5.10-rc4@arm64", "will-4+6@arm64"]


def random_scenario(rng):
    cpus = rng.randint(2, 4)
    initial = {}
    if rng.random() < 0.5:
        present = rng.random() < 0.8
        if present:
            initial.update(write=rng.random() < 0.7, dirty=rng.random() < 0.6)
            if rng.random() < 0.5:
                initial["tlb"] = [
                    None if rng.random() < 0.5 else {"writable": rng.random() < 0.6, "dirty": rng.random() < 0.6}
                    for _ in range(rng.randint(1, cpus))
                ]
        else:
            # A reclaimed page: not mapped, not cached, memory equals disk.
            initial.update(present=False, write=False, dirty=False, in_page_cache=False, mem=0, disk=0,
                           pg_dirty=False)
        if rng.random() < 0.3:
            initial["tlb_flush_pending"] = 1
        if rng.random() < 0.3:
            initial["pg_dirty"] = False
    # Lanes: biased toward the actions of the seed's races, with gather/finish pairs most of the time.
    steps = []
    for cpu in range(cpus):
        n = rng.randint(2, 5)
        lane = []
        while len(lane) < n:
            a = rng.choice(ACTIONS + RACY)
            if a == "tlb_gather_mmu" and rng.random() < 0.8 and len(lane) + 2 <= n + 1:
                lane += ["tlb_gather_mmu", rng.choice(["pte_wrprotect", "pte_mkold", "clear_refs_write"]),
                         "tlb_finish_mmu"]
            else:
                lane.append(a)
        steps += [{"cpu": cpu, "action": a} for a in lane]
    # The global order is lane after lane: the explorer only reads the programs.
    return {"version": 1, "cpus": cpus, "initial": initial, "steps": steps}


def tlbrace(path, variant):
    out = subprocess.run([TLBRACE, "explore", path, "--exact", "--json", "--variant", variant],
                         check=True, capture_output=True, text=True).stdout
    r = json.loads(out)["runs"][0]
    return r["finding"], r["states"], r["transitions"] - r["error_steps"]


def spin(pml, variant, work):
    flags = subprocess.run([sys.executable, GEN, "--flags", variant], check=True, capture_output=True,
                           text=True).stdout.split()
    subprocess.run(["spin", *flags, "-o1", "-o2", "-o3", "-a", pml], cwd=work, check=True, capture_output=True)
    subprocess.run(["gcc", "-O0", "-DSAFETY", "-DNOREDUCE", "-o", "pan", "pan.c"], cwd=work, check=True)
    out = subprocess.run(["./pan", "-E", "-c0", "-w18"], cwd=work, capture_output=True, text=True).stdout
    errors = int(re.search(r"errors: (\d+)", out).group(1))
    stored = int(re.search(r"(\d+) states, stored", out).group(1))
    trans = int(re.search(r"(\d+) transitions \(= stored\+matched\)", out).group(1))
    return ("unsafe" if errors else "safe"), stored, trans - 1


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    rng = random.Random(seed)
    bad = 0
    checked = 0
    unsafe = 0
    with tempfile.TemporaryDirectory() as work:
        for k in range(count):
            sc = random_scenario(rng)
            path = os.path.join(work, "s.json")
            with open(path, "w") as f:
                json.dump(sc, f)
            pml = os.path.join(work, "m.pml")
            with open(pml, "w") as f:
                subprocess.run([sys.executable, GEN, path], check=True, stdout=f)
            for v in VARIANTS:
                t = tlbrace(path, v)
                s = spin(pml, v, work)
                checked += 1
                unsafe += t[0] == "unsafe"
                if t != s:
                    bad += 1
                    print(f"MISMATCH scenario {k} {v}: tlbrace {t} spin {s}\n{json.dumps(sc)}")
            print(f"scenario {k}: {len(sc['steps'])} steps on {sc['cpus']} CPUs, last {v}: {t}", flush=True)
    print(f"{unsafe} of {checked} searches found a loss or data at risk")
    print(f"{checked - bad} passed, {bad} failed")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
