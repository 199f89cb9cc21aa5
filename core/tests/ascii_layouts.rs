//! Layouts the issue named, each on a small diagram: notes above a lane's first action, lane names
//! and captions, misaligned lines, wrapped phrases, remarks, and the unmapped panel's resolution in
//! any order.

use tlbrace_core::formats::ascii::{import, import_lenient, Resolved, Use};
use tlbrace_core::Action::{self, *};
use tlbrace_core::Scenario;

fn timeline(s: &Scenario) -> Vec<(usize, Action)> {
    s.steps.iter().map(|st| (st.cpu, st.action)).collect()
}

#[test]
fn a_note_above_a_lanes_first_action_is_its_note() {
    let text = "CPU0                CPU1\n----                ----\n[ holds mmap_lock ]\nmprotect(addr, PROT_READ)\n                    [ cached ]\n                    Write to page\n";
    let s = import(text).unwrap();
    assert_eq!(timeline(&s), [(0, Mprotect), (1, WriteToPage)]);
    assert_eq!(s.steps[0].note.as_deref(), Some("holds mmap_lock"));
    assert_eq!(s.steps[1].note.as_deref(), Some("cached"));
    // With nothing below it, it is unmapped.
    let d =
        import_lenient("CPU0        CPU1\n----        ----\n[ odd ]\n\n            pte_mkold()\n")
            .unwrap();
    assert_eq!(d.unmapped.len(), 1);
    assert_eq!(d.unmapped[0].text, "odd");
}

#[test]
fn lane_names_captions_and_misaligned_lines() {
    let text = "\
> > Task A (userspace)        Task B (reclaim)
> >
> > load TLB entry
> >                             try_to_unmap_one()
> >                          ==> ptep_get_and_clear()
> >  user writes using cached RW PTE
> >                              try_to_unmap_flush()
";
    let s = import(text).unwrap();
    assert_eq!(s.labels, ["userspace", "reclaim"]);
    assert_eq!(
        timeline(&s),
        [
            (0, CachePteInTlb),
            (1, TryToUnmapOne),
            (0, WriteToPage),
            (1, TryToUnmapFlush)
        ]
    );
    for header in [
        "CPU 0      CPU 1",
        "cpu0       cpu1",
        "Thread 1   Thread 2",
        "t1         t2",
    ] {
        let text = format!("{header}\n\nflush_tlb_mm()\n           pte_mkold()\n");
        assert_eq!(
            timeline(&import(&text).unwrap()),
            [(0, FlushTlbMm), (1, PteMkold)],
            "{header}"
        );
    }
}

#[test]
fn remarks_and_conditions_are_listed_not_dropped() {
    let text = "CPU0            CPU1\n----            ----\nWrite to page\nlose data\n                if (pte_dirty(pte))\n                pte_mkclean()\n";
    let d = import_lenient(text).unwrap();
    assert_eq!(timeline(&d.scenario), [(0, WriteToPage), (1, PteMkclean)]);
    assert_eq!(d.commentary.len(), 1);
    assert_eq!((d.commentary[0].line, d.commentary[0].step), (4, Some(0)));
    assert_eq!(d.conditions.len(), 1);
    assert!(d
        .uses
        .iter()
        .any(|u| u.line == 4 && u.what == Use::Commentary));
}

#[test]
fn resolving_in_any_order_gives_one_timeline() {
    let text = "CPU0            CPU1\n----            ----\nfoo\n                bar\nWrite to page\n                baz\n";
    let picks = [Some(CachePteInTlb), Some(PteMkclean), None];
    let mut results = Vec::new();
    for order in [[0, 1, 2], [2, 1, 0], [1, 0, 2], [1, 2, 0]] {
        let mut d = import_lenient(text).unwrap();
        assert_eq!(
            d.unmapped.iter().map(|u| u.line).collect::<Vec<_>>(),
            [3, 4, 6]
        );
        for k in order {
            d.resolve(k, picks[k]).unwrap();
        }
        assert!(d.resolve(0, None).is_err(), "already resolved");
        assert_eq!(d.unmapped[2].resolved, Some(Resolved::Commentary));
        results.push(d.finish().unwrap().scenario);
    }
    assert_eq!(
        timeline(&results[0]),
        [(0, CachePteInTlb), (1, PteMkclean), (0, WriteToPage)]
    );
    assert_eq!(results[0].steps[0].note.as_deref(), Some("foo"));
    assert!(results.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn the_issues_diagrams_no_longer_import_to_nothing() {
    // 3ea277194daa's shape: indented, `==>` chains, a blank line and `...` inside. It used to give
    // a scenario with no steps and no error.
    let text = "        CPU0                            CPU1\n        ----                            ----\n                                        user writes using cached RW PTE\n        try_to_unmap_one()\n        ==> set_tlb_ubc_flush_pending()\n\n        ...\n        try_to_unmap_flush()\n";
    assert_eq!(
        timeline(&import(text).unwrap()),
        [(1, WriteToPage), (0, TryToUnmapOne), (0, TryToUnmapFlush)]
    );
    // A function the model does not know is listed, not the end of the diagram.
    let text =
        "  CPU0        CPU1\n  ----        ----\n  frob_pages()\n              pte_mkold()\n";
    let d = import_lenient(text).unwrap();
    assert_eq!(d.unmapped.len(), 1);
    assert_eq!(timeline(&d.scenario), [(1, PteMkold)]);
    assert!(import(text)
        .unwrap_err()
        .0
        .starts_with("line 3, column 3: unknown action `frob_pages()`"));
}
