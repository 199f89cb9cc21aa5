//! The seed thread's diagrams, transcribed step for step (Yu Zhao, linux-arm-kernel, 23 Nov 2020, quoted
//! by Minchan Kim on 25 Nov 2020), with their bracketed remarks kept as step notes. They are the model's
//! acceptance tests.

use crate::model::action::Action::*;
use crate::model::initial::{PageInitial, PageSpec};
use crate::model::scenario::{Scenario, Step};

fn four_cpus(title: &str, steps: Vec<Step>) -> Scenario {
    Scenario {
        title: Some(title.to_string()),
        labels: vec![
            "userspace".into(),
            String::new(),
            String::new(),
            "page writeback".into(),
        ],
        steps,
        ..Scenario::new(4)
    }
}

fn three_cpus(title: &str, initial: PageInitial, steps: Vec<Step>) -> Scenario {
    Scenario {
        title: Some(title.to_string()),
        labels: vec!["userspace".into(), String::new(), "page writeback".into()],
        pages: vec![PageSpec {
            initial,
            ..PageSpec::default()
        }],
        steps,
        ..Scenario::new(3)
    }
}

pub(super) fn example_1() -> Scenario {
    four_cpus(
        "Example 1: memory corruption is still possible with patch 4 & 6",
        vec![
            Step::new(0, CachePteInTlb).note("cache writable PTE in TLB"),
            Step::new(1, IncTlbFlushPending),
            Step::new(1, CleanRecordPte),
            Step::new(1, PteMkclean),
            Step::new(2, TlbGatherMmu).note("set mm_tlb_flush_pending()"),
            Step::new(2, ClearRefsWrite),
            Step::new(2, PteWrprotect),
            Step::new(3, PageMkcleanOne).note("true, no flush"),
            Step::new(3, WritePageToDisk),
            Step::new(0, WriteToPage).note("using stale PTE"),
            Step::new(3, DropCleanPage).note("data integrity compromised"),
            Step::new(1, FlushTlbRange),
            Step::new(2, TlbFinishMmu).note("flush (with patch 4)"),
        ],
    )
}

pub(super) fn example_1_early_finish() -> Scenario {
    let mut s = example_1();
    s.title = Some("Example 1, with CPU2's tlb_finish_mmu() just before CPU0's write".into());
    let finish = s.steps.remove(12);
    s.steps.insert(9, finish);
    s
}

pub(super) fn example_2a() -> Scenario {
    four_cpus(
        "Example 2, case a",
        vec![
            Step::new(0, CachePteInTlb).note("cache writable PTE in TLB"),
            Step::new(1, IncTlbFlushPending),
            Step::new(1, CleanRecordPte),
            Step::new(1, PteMkclean),
            Step::new(2, ClearRefsWrite),
            Step::new(2, PteWrprotect),
            Step::new(3, PageMkcleanOne).note("false: flush"),
            Step::new(3, WritePageToDisk),
            Step::new(0, WriteToPage).note("page fault"),
            Step::new(3, DropCleanPage).note("data integrity guaranteed"),
            Step::new(1, FlushTlbRange),
        ],
    )
}

pub(super) fn example_2b() -> Scenario {
    three_cpus(
        "Example 2, case b",
        PageInitial {
            dirty: Some(false),
            ..PageInitial::default()
        },
        vec![
            Step::new(0, CachePteInTlb).note("cache writable PTE in TLB"),
            Step::new(1, ClearRefsWrite),
            Step::new(1, PteWrprotect).note("pte_dirty() is false"),
            Step::new(2, PageMkcleanOne).note("true: no flush"),
            Step::new(2, WritePageToDisk),
            Step::new(0, WriteToPage)
                .note("h/w tries to set the dirty bit but sees write-protected PTE, page fault"),
            Step::new(2, DropCleanPage).note("data integrity guaranteed"),
        ],
    )
}

pub(super) fn example_2c() -> Scenario {
    three_cpus(
        "Example 2, case c",
        PageInitial::default(),
        vec![
            Step::new(0, CachePteInTlb).note("cache writable PTE in TLB"),
            Step::new(1, ClearRefsWrite),
            Step::new(1, PteWrprotect).note("pte_dirty() is true"),
            Step::new(2, PageMkcleanOne).note("false: flush"),
            Step::new(2, WritePageToDisk),
            Step::new(0, WriteToPage).note("page fault"),
            Step::new(2, DropCleanPage).note("data integrity guaranteed"),
        ],
    )
}
