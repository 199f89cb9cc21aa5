//! Kernel paths as units: a lane's steps group into path instances (one run of clear_refs, one
//! writeback, one migration…), each a sequence of steps a kernel runs in that order. Brackets (the
//! pending count raised and lowered, a gather opened and finished, a lock taken and dropped) live
//! inside an instance, so whatever cuts a timeline down -- minimisation -- removes an instance's tail,
//! never its head: it cannot keep `clean_record_pte()` while dropping the `inc_tlb_flush_pending()`
//! before it (docs/model.md §3.1).

use crate::model::action::{Action, KernelPath};
use crate::model::scenario::Scenario;

/// The family a step's path belongs to, for grouping: its kernel path, with the steps several paths
/// share (the mmu_gather, `flush_tlb_range`, `pte_unmap_unlock`) joining the path around them.
fn family(a: Action) -> Option<KernelPath> {
    match a.path() {
        // Each user access and each explicit flush of the whole mm is a unit of its own.
        KernelPath::UserSpace | KernelPath::Tlb => None,
        KernelPath::MmuGather => Some(KernelPath::MmuGather),
        p => Some(p),
    }
}

/// Whether a step of family `step` continues an instance of family `open`.
fn joins(open: KernelPath, step: Action) -> bool {
    let Some(f) = family(step) else {
        return false;
    };
    if f == open {
        return true;
    }
    match step {
        // The gather belongs to clear_refs' and to the unmaps' paths.
        Action::TlbGatherMmu | Action::TlbFinishMmu => {
            matches!(open, KernelPath::ClearRefs | KernelPath::Unmap)
        }
        // The deferred flush ends protection changes and device migration as it ends cleaning.
        Action::FlushTlbRange | Action::DecTlbFlushPending => {
            matches!(open, KernelPath::Protection | KernelPath::Migration)
        }
        Action::PteUnmapUnlock => open == KernelPath::Migration,
        _ => {
            open == KernelPath::MmuGather && matches!(f, KernelPath::ClearRefs | KernelPath::Unmap)
        }
    }
}

/// The path instances of `scenario`: each a list of step indexes on one lane, in order; every step is
/// in exactly one. Instances of a lane follow each other; a user access is an instance of its own.
pub fn instances(scenario: &Scenario) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    for lane in scenario.programs() {
        let mut open: Option<(KernelPath, Vec<usize>)> = None;
        for i in lane {
            let a = scenario.steps[i].action;
            match open.as_mut() {
                Some((f, steps)) if joins(*f, a) => {
                    if *f == KernelPath::MmuGather {
                        if let Some(g) = family(a).filter(|g| *g != KernelPath::MmuGather) {
                            *f = g;
                        }
                    }
                    steps.push(i);
                }
                _ => {
                    if let Some((_, steps)) = open.take() {
                        out.push(steps);
                    }
                    match family(a) {
                        Some(f) => open = Some((f, vec![i])),
                        None => out.push(vec![i]),
                    }
                }
            }
        }
        if let Some((_, steps)) = open {
            out.push(steps);
        }
    }
    out
}

/// Steps that only run after their path's head: a step listed here with nothing of its list earlier
/// in its own path instance is not something a kernel runs (docs/model.md §3.1).
const HEADS: &[(Action, &[Action])] = &[
    // clear_soft_dirty() and clear_refs_test_walk() run inside clear_refs_write().
    (Action::PteWrprotect, &[Action::ClearRefsWrite]),
    (Action::PteMkold, &[Action::ClearRefsWrite]),
    // wp_clean_pre() raises the count before the walk (mm/mapping_dirty_helpers.c).
    (Action::CleanRecordPte, &[Action::IncTlbFlushPending]),
    (Action::PteMkclean, &[Action::IncTlbFlushPending]),
    // madvise_free_single_vma() and zap_page_range() gather before walking.
    (Action::MadviseFreePteRange, &[Action::TlbGatherMmu]),
    (
        Action::ZapPteRange,
        &[Action::TlbGatherMmu, Action::OomReapTaskMm],
    ),
    (
        Action::PteUnmapUnlock,
        &[Action::ZapPteRange, Action::MigrateVmaCollectPmd],
    ),
    // try_to_merge_one_page(): write_protect_page(), pages_identical(), replace_page().
    (Action::PagesIdentical, &[Action::WriteProtectPage]),
    (Action::ReplacePage, &[Action::WriteProtectPage]),
    // wp_page_copy() maps its copy with set_pte_at_notify().
    (Action::SetPteAtNotify, &[Action::WpPageCopy]),
    (
        Action::MoveToNewPage,
        &[Action::TryToMigrateOne, Action::MigrateVmaCollectPmd],
    ),
    // write_cache_pages(): clear_page_dirty_for_io() (page_mkclean) before ->writepage.
    (Action::WritePageToDisk, &[Action::PageMkcleanOne]),
];

/// A step drawn without the head of its kernel path before it on its lane: the timeline may still run,
/// but no kernel runs it, so its verdict says nothing about a kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Irregular {
    /// The step's index in the scenario.
    pub step: usize,
    /// Its CPU.
    pub cpu: usize,
    /// Its action.
    pub action: Action,
    /// The head it lacks (the first of the possible ones).
    pub missing: Action,
}

impl std::fmt::Display for Irregular {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "step {} ({}() on CPU{}) has no {}() before it in its path: no kernel runs it alone",
            self.step + 1,
            self.action.id(),
            self.cpu,
            self.missing.id()
        )
    }
}

/// The steps of `scenario` no kernel path runs where they stand (empty for every timeline `minimize`
/// and the explorer produce from a regular one, since they only remove path tails and keep lane order).
pub fn irregular(scenario: &Scenario) -> Vec<Irregular> {
    let mut out = Vec::new();
    for instance in instances(scenario) {
        for (k, &i) in instance.iter().enumerate() {
            let action = scenario.steps[i].action;
            let Some((_, heads)) = HEADS.iter().find(|(a, _)| *a == action) else {
                continue;
            };
            let before = |h: &Action| {
                instance[..k]
                    .iter()
                    .any(|&j| scenario.steps[j].action == *h)
            };
            if !heads.iter().any(before) {
                out.push(Irregular {
                    step: i,
                    cpu: scenario.steps[i].cpu,
                    action,
                    missing: heads[0],
                });
            }
        }
    }
    crate::sort::sort_by_key(&mut out, |x| x.step as u64);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::example;

    #[test]
    fn example_1_groups_into_its_paths() {
        let s = example("example-1").unwrap();
        let mut got = instances(&s);
        got.sort();
        // CPU0: the fill and the store; CPU1: clean_record_shared_mapping_range; CPU2: clear_refs;
        // CPU3: writeback (mkclean, write) and reclaim (drop).
        assert_eq!(
            got,
            vec![
                vec![0],
                vec![1, 2, 3, 11],
                vec![4, 5, 6, 12],
                vec![7, 8],
                vec![9],
                vec![10],
            ]
        );
        assert!(irregular(&s).is_empty());
    }

    #[test]
    fn a_step_without_its_head_is_named() {
        let mut s = example("example-1").unwrap();
        // Drop CPU1's inc_tlb_flush_pending(): its clean_record_pte() and pte_mkclean() now run without
        // the count raised.
        s.steps.remove(1);
        let got = irregular(&s);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[1].action, Action::PteMkclean);
        assert_eq!(got[0].action, Action::CleanRecordPte);
        assert_eq!(got[0].missing, Action::IncTlbFlushPending);
        assert!(
            got[0].to_string().contains("clean_record_pte() on CPU1"),
            "{}",
            got[0]
        );
    }

    #[test]
    fn every_built_in_example_is_regular() {
        for e in crate::examples::EXAMPLES {
            let s = e.scenario();
            assert_eq!(irregular(&s), vec![], "{}", e.name);
        }
    }
}
