//! The document reducer: edits, limits, undo and redo. Plain Rust, so these run natively
//! (`cargo test -p tlbrace-frontend --test doc`) and in headless Chromium (the wasm32 test run).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use tlbrace_core::examples::example;
use tlbrace_core::model::initial::PageInitial;
use tlbrace_core::{Action, InitialState, PageKind, PageSpec, Scenario, Step};
use tlbrace_frontend::doc::{Doc, Edit, MAX_UNDO};

fn ids(doc: &Doc) -> Vec<(usize, &'static str)> {
    doc.scenario
        .steps
        .iter()
        .map(|s| (s.cpu, s.action.id()))
        .collect()
}

fn insert(doc: &mut Doc, cpu: usize, row: usize, action: Action) {
    doc.apply(Edit::InsertStep { cpu, row, action });
    assert_eq!(doc.message, None, "insert refused");
}

/// Builds Example 1 the way the e2e test drags it: each step onto the empty row at the end.
fn build_example_1(doc: &mut Doc) -> Scenario {
    let want = example("example-1").unwrap();
    for s in &want.steps {
        let row = doc.scenario.steps.len();
        insert(doc, s.cpu, row, s.action);
    }
    want
}

#[test]
fn insert_at_a_row_puts_the_step_at_that_global_index() {
    let mut doc = Doc::default();
    insert(&mut doc, 0, 0, Action::CachePteInTlb);
    insert(&mut doc, 1, 1, Action::PteMkclean);
    insert(&mut doc, 2, 1, Action::ClearRefsWrite);
    assert_eq!(
        ids(&doc),
        vec![
            (0, "cache_pte_in_tlb"),
            (2, "clear_refs_write"),
            (1, "pte_mkclean")
        ]
    );
    assert_eq!(doc.selected, Some(1), "the new step is selected");
    // A row past the end appends.
    insert(&mut doc, 3, 99, Action::DropCleanPage);
    assert_eq!(ids(&doc)[3], (3, "drop_clean_page"));
}

#[test]
fn building_example_1_step_by_step_gives_its_programs() {
    let mut doc = Doc::default();
    let want = build_example_1(&mut doc);
    let got: Vec<(usize, Action)> = doc
        .scenario
        .steps
        .iter()
        .map(|s| (s.cpu, s.action))
        .collect();
    let exp: Vec<(usize, Action)> = want.steps.iter().map(|s| (s.cpu, s.action)).collect();
    assert_eq!(got, exp);
    assert_eq!(doc.undo.len(), want.steps.len());
}

#[test]
fn move_changes_cpu_and_row() {
    let mut doc = Doc::default();
    insert(&mut doc, 0, 0, Action::CachePteInTlb); // 0
    insert(&mut doc, 1, 1, Action::PteMkclean); // 1
    insert(&mut doc, 2, 2, Action::ClearRefsWrite); // 2
                                                    // Down: step 0 dropped on the end row lands last.
    doc.apply(Edit::MoveStep {
        from: 0,
        cpu: 3,
        row: 3,
    });
    assert_eq!(
        ids(&doc),
        vec![
            (1, "pte_mkclean"),
            (2, "clear_refs_write"),
            (3, "cache_pte_in_tlb")
        ]
    );
    assert_eq!(doc.selected, Some(2));
    // Up: step 2 dropped on row 0 lands first.
    doc.apply(Edit::MoveStep {
        from: 2,
        cpu: 0,
        row: 0,
    });
    assert_eq!(ids(&doc)[0], (0, "cache_pte_in_tlb"));
    // On its own row: only the CPU changes.
    doc.apply(Edit::MoveStep {
        from: 1,
        cpu: 3,
        row: 1,
    });
    assert_eq!(ids(&doc)[1], (3, "pte_mkclean"));
    // On the next row: same place too.
    doc.apply(Edit::MoveStep {
        from: 1,
        cpu: 1,
        row: 2,
    });
    assert_eq!(ids(&doc)[1], (1, "pte_mkclean"));
}

#[test]
fn a_move_that_changes_nothing_records_no_undo_step() {
    let mut doc = Doc::default();
    insert(&mut doc, 0, 0, Action::CachePteInTlb);
    let undo = doc.undo.len();
    doc.apply(Edit::MoveStep {
        from: 0,
        cpu: 0,
        row: 0,
    });
    assert_eq!(doc.undo.len(), undo);
}

#[test]
fn remove_step_and_bad_indexes() {
    let mut doc = Doc::default();
    insert(&mut doc, 0, 0, Action::CachePteInTlb);
    insert(&mut doc, 1, 1, Action::PteMkclean);
    doc.apply(Edit::RemoveStep(0));
    assert_eq!(ids(&doc), vec![(1, "pte_mkclean")]);
    assert_eq!(doc.selected, Some(0), "the next step is selected");
    let before = doc.scenario.clone();
    for bad in [
        Edit::RemoveStep(5),
        Edit::MoveStep {
            from: 7,
            cpu: 0,
            row: 0,
        },
        Edit::MoveStep {
            from: 0,
            cpu: 4,
            row: 0,
        },
        Edit::InsertStep {
            cpu: 4,
            row: 0,
            action: Action::PteMkold,
        },
        Edit::SetNote {
            step: 3,
            note: Some("x".into()),
        },
        Edit::RemoveCpu(9),
    ] {
        doc.apply(bad.clone());
        assert!(doc.message.is_some(), "{bad:?} is refused with a message");
        assert_eq!(doc.scenario, before, "{bad:?} changes nothing");
    }
    doc.apply(Edit::RemoveStep(0));
    assert_eq!(doc.selected, None, "nothing left to select");
}

#[test]
fn notes_are_set_trimmed_and_cleared() {
    let mut doc = Doc::default();
    insert(&mut doc, 0, 0, Action::WriteToPage);
    doc.apply(Edit::SetNote {
        step: 0,
        note: Some("  using stale PTE ".into()),
    });
    assert_eq!(
        doc.scenario.steps[0].note.as_deref(),
        Some("using stale PTE")
    );
    doc.apply(Edit::SetNote {
        step: 0,
        note: Some("   ".into()),
    });
    assert_eq!(doc.scenario.steps[0].note, None);
    doc.apply(Edit::SetNote {
        step: 0,
        note: Some("x".repeat(501)),
    });
    assert!(doc.message.as_deref().unwrap().contains("500"));
    assert_eq!(doc.scenario.steps[0].note, None);
}

#[test]
fn cpu_limits_are_refused_with_a_message() {
    let mut doc = Doc::default();
    for _ in 0..4 {
        doc.apply(Edit::AddCpu);
    }
    assert_eq!(doc.scenario.cpus, 8);
    assert_eq!(doc.message, None);
    doc.apply(Edit::AddCpu);
    assert_eq!(doc.scenario.cpus, 8, "no 9th CPU");
    assert!(doc.message.as_deref().unwrap().contains("at most 8 CPUs"));
    let mut one = Doc::new(Scenario::new(1));
    one.apply(Edit::RemoveCpu(0));
    assert_eq!(one.scenario.cpus, 1);
    assert!(one.message.as_deref().unwrap().contains("at least one CPU"));
}

#[test]
fn step_limit_is_refused_with_a_message() {
    let mut doc = Doc::default();
    for i in 0..256 {
        doc.apply(Edit::InsertStep {
            cpu: i % 4,
            row: i,
            action: Action::PteMkold,
        });
    }
    assert_eq!(doc.scenario.steps.len(), 256);
    assert_eq!(doc.message, None);
    doc.apply(Edit::InsertStep {
        cpu: 0,
        row: 0,
        action: Action::PteMkold,
    });
    assert_eq!(doc.scenario.steps.len(), 256, "no 257th step");
    assert!(doc
        .message
        .as_deref()
        .unwrap()
        .contains("at most 256 steps"));
    assert!(doc.undo.len() <= MAX_UNDO, "undo history is bounded");
}

#[test]
fn removing_a_lane_removes_its_steps_and_renumbers_the_rest() {
    let mut doc = Doc::new(example("example-1").unwrap());
    doc.apply(Edit::RemoveCpu(1));
    let s = &doc.scenario;
    assert_eq!(s.cpus, 3);
    assert_eq!(s.steps.len(), 13 - 4, "CPU1's four steps are gone");
    assert!(s.steps.iter().all(|st| st.cpu < 3));
    // CPU2's clear_refs steps are now on CPU1, writeback on CPU2, lane labels follow.
    assert!(s
        .steps
        .iter()
        .any(|st| st.cpu == 1 && st.action == Action::TlbGatherMmu));
    assert!(s
        .steps
        .iter()
        .any(|st| st.cpu == 2 && st.action == Action::DropCleanPage));
    assert_eq!(s.label(2), Some("page writeback"));
    doc.apply(Edit::Undo);
    assert_eq!(*doc.scenario, example("example-1").unwrap());
}

#[test]
fn undo_and_redo_cover_every_edit() {
    let mut doc = Doc::default();
    let mut history = vec![(*doc.scenario).clone()];
    let edits = vec![
        Edit::InsertStep {
            cpu: 0,
            row: 0,
            action: Action::CachePteInTlb,
        },
        Edit::InsertStep {
            cpu: 1,
            row: 1,
            action: Action::PteMkclean,
        },
        Edit::MoveStep {
            from: 1,
            cpu: 2,
            row: 0,
        },
        Edit::SetNote {
            step: 0,
            note: Some("n".into()),
        },
        Edit::AddCpu,
        Edit::RemoveCpu(2),
        Edit::SetInitial(InitialState {
            tlb_flush_pending: Some(1),
            ..InitialState::default()
        }),
        Edit::SetPage {
            page: 0,
            spec: PageSpec {
                initial: PageInitial {
                    dirty: Some(false),
                    ..PageInitial::default()
                },
                ..PageSpec::default()
            },
        },
        Edit::AddPage(PageSpec::new(PageKind::Anon)),
        Edit::SetStepPage { step: 0, page: 1 },
        Edit::ResetInitial,
        Edit::SetStepPage { step: 0, page: 0 },
        Edit::RemovePage(1),
        Edit::RemoveStep(0),
        Edit::Load(example("example-2b").unwrap()),
    ];
    for e in edits {
        doc.apply(e.clone());
        assert_eq!(doc.message, None, "{e:?}");
        assert_ne!(
            doc.scenario.as_ref(),
            history.last().unwrap(),
            "{e:?} changed nothing"
        );
        history.push((*doc.scenario).clone());
    }
    for want in history.iter().rev().skip(1) {
        doc.apply(Edit::Undo);
        assert_eq!(*doc.scenario, *want);
    }
    assert!(!doc.can_undo());
    for want in history.iter().skip(1) {
        doc.apply(Edit::Redo);
        assert_eq!(*doc.scenario, *want);
    }
    assert!(!doc.can_redo());
    // A new edit after an undo drops the redo history.
    doc.apply(Edit::Undo);
    assert!(doc.can_redo());
    doc.apply(Edit::AddCpu);
    assert!(!doc.can_redo());
}

#[test]
fn load_is_one_undoable_edit_and_refuses_invalid_scenarios() {
    let mut doc = Doc::default();
    insert(&mut doc, 0, 0, Action::WriteToPage);
    doc.apply(Edit::Select(Some(0)));
    let ex = example("example-1").unwrap();
    doc.apply(Edit::Load(ex.clone()));
    assert_eq!(*doc.scenario, ex);
    assert_eq!(doc.selected, None, "a load clears the selection");
    doc.apply(Edit::Undo);
    assert_eq!(doc.scenario.steps.len(), 1);

    let mut bad = Scenario::new(2);
    bad.steps.push(Step::new(5, Action::PteMkold));
    let before = doc.scenario.clone();
    doc.apply(Edit::Load(bad));
    assert_eq!(doc.scenario, before);
    assert!(doc.message.as_deref().unwrap().contains("CPU5"));
}

#[test]
fn invalid_initial_state_is_refused() {
    let mut doc = Doc::default();
    doc.apply(Edit::SetPage {
        page: 0,
        spec: PageSpec {
            initial: PageInitial {
                present: Some(false),
                ..PageInitial::default()
            },
            ..PageSpec::default()
        },
    });
    assert!(doc.message.as_deref().unwrap().contains("not present"));
    assert!(doc.scenario.pages[0].initial.is_default());
}

#[test]
fn a_second_page_is_added_used_and_removed_with_its_steps() {
    let mut doc = Doc::new(example("example-1").unwrap());
    doc.apply(Edit::AddPage(PageSpec::new(PageKind::Anon)));
    assert_eq!(doc.scenario.pages.len(), 2);
    doc.apply(Edit::AddPage(PageSpec::default()));
    assert!(doc.message.as_deref().unwrap().contains("at most 2"));
    assert_eq!(doc.scenario.pages.len(), 2);

    // CPU0's first step moves to page 1; a new step on its lane follows it there.
    doc.apply(Edit::SetStepPage { step: 0, page: 1 });
    assert_eq!(doc.message, None);
    assert_eq!(doc.scenario.steps[0].page, 1);
    insert(&mut doc, 0, 1, Action::WriteToPage);
    assert_eq!(doc.scenario.steps[1].page, 1, "follows its lane's page");
    // An action on the whole mm has no page to choose.
    let mm = doc
        .scenario
        .steps
        .iter()
        .position(|s| !s.action.def().per_page)
        .unwrap();
    doc.apply(Edit::SetStepPage { step: mm, page: 1 });
    assert!(doc.message.as_deref().unwrap().contains("whole mm"));
    doc.apply(Edit::SetStepPage { step: 0, page: 2 });
    assert!(doc.message.as_deref().unwrap().contains("no page 2"));

    let steps = doc.scenario.steps.len();
    doc.apply(Edit::RemovePage(1));
    assert_eq!(doc.message, None);
    assert_eq!(doc.scenario.pages.len(), 1);
    assert_eq!(
        doc.scenario.steps.len(),
        steps - 2,
        "its two steps went with it"
    );
    doc.apply(Edit::RemovePage(0));
    assert!(doc
        .message
        .as_deref()
        .unwrap()
        .contains("at least one page"));
}

#[test]
fn removing_the_first_page_keeps_a_second_mapping_of_it_as_a_page_of_its_own() {
    let mut doc = Doc::default();
    doc.apply(Edit::SetPage {
        page: 0,
        spec: PageSpec::new(PageKind::Anon),
    });
    doc.apply(Edit::AddPage(PageSpec {
        same_as: Some(0),
        ..PageSpec::default()
    }));
    insert(&mut doc, 1, 0, Action::WriteToPage);
    doc.apply(Edit::SetStepPage { step: 0, page: 1 });
    doc.apply(Edit::RemovePage(0));
    assert_eq!(doc.message, None);
    assert_eq!(doc.scenario.pages, vec![PageSpec::new(PageKind::Anon)]);
    assert_eq!(doc.scenario.steps[0].page, 0);
}

#[test]
fn removing_a_lane_drops_its_initial_tlb_entries() {
    let mut s = Scenario::new(3);
    s.pages[0].initial.tlb = Some(vec![None, tlbrace_core::TlbEntry::from_code("wd").unwrap()]);
    let mut doc = Doc::new(s);
    doc.apply(Edit::RemoveCpu(0));
    assert_eq!(doc.message, None);
    assert_eq!(
        doc.scenario.pages[0].initial.tlb,
        Some(vec![tlbrace_core::TlbEntry::from_code("wd").unwrap()])
    );
    doc.apply(Edit::RemoveCpu(0));
    assert_eq!(doc.scenario.pages[0].initial.tlb, None);
}

#[test]
fn selection_is_not_undoable_and_stays_valid() {
    let mut doc = Doc::default();
    insert(&mut doc, 0, 0, Action::CachePteInTlb);
    insert(&mut doc, 0, 1, Action::WriteToPage);
    let undo = doc.undo.len();
    doc.apply(Edit::Select(Some(0)));
    assert_eq!(doc.selected, Some(0));
    assert_eq!(doc.undo.len(), undo);
    doc.apply(Edit::Select(Some(9)));
    assert_eq!(
        doc.selected, None,
        "selecting a missing step selects nothing"
    );
    doc.apply(Edit::Select(Some(1)));
    doc.apply(Edit::Undo);
    assert_eq!(doc.selected, Some(0), "clamped to the remaining steps");
}

#[test]
fn an_opened_scenario_is_not_the_users_work_until_edited() {
    let mut doc = Doc::default();
    insert(&mut doc, 0, 0, Action::CachePteInTlb);
    let mine = doc.scenario.clone();
    let loads = doc.loads;
    doc.apply(Edit::Open(example("example-1").unwrap()));
    assert!(doc.unedited_open());
    assert_eq!(doc.loads, loads + 1, "a load, as the autosave sees it");
    assert_eq!(
        doc.undo.last(),
        Some(&mine),
        "Undo goes back to the user's work"
    );
    // Undo and redo keep it the same unedited scenario.
    doc.apply(Edit::Undo);
    assert!(!doc.unedited_open());
    doc.apply(Edit::Redo);
    assert!(doc.unedited_open());
    // Any edit makes it the user's.
    doc.apply(Edit::SetNote {
        step: 0,
        note: Some("mine now".into()),
    });
    assert!(!doc.unedited_open());
    // A load from the menu or an import is the user's choice: not an open.
    doc.apply(Edit::Load(example("example-2c").unwrap()));
    assert!(!doc.unedited_open());
    assert_eq!(doc.loads, loads + 2);
    assert!(Doc::opened(Scenario::default()).unedited_open());
}

#[test]
fn the_title_and_lane_captions_edit_in_place_undoably() {
    let mut doc = Doc::new(example("example-1").unwrap());
    doc.apply(Edit::SetTitle(Some("  My race  ".into())));
    assert_eq!(doc.scenario.title.as_deref(), Some("My race"));
    doc.apply(Edit::SetLabel {
        cpu: 1,
        label: Some("GPU driver".into()),
    });
    assert_eq!(doc.scenario.label(1), Some("GPU driver"));
    assert_eq!(doc.scenario.label(0), Some("userspace"), "the others kept");
    // Clearing the last lanes' captions leaves no trailing empty ones.
    doc.apply(Edit::SetLabel {
        cpu: 3,
        label: None,
    });
    assert_eq!(doc.scenario.label(3), None);
    assert!(doc.scenario.labels.len() <= 3);
    let mut blank = Doc::new(Scenario::new(4));
    blank.apply(Edit::SetLabel {
        cpu: 2,
        label: Some("reclaim".into()),
    });
    assert_eq!(blank.scenario.labels, ["", "", "reclaim"]);
    blank.apply(Edit::SetLabel {
        cpu: 2,
        label: Some(" ".into()),
    });
    assert!(blank.scenario.labels.is_empty());
    // A caption for a lane the scenario lacks, or one too long, is refused.
    doc.apply(Edit::SetLabel {
        cpu: 4,
        label: Some("x".into()),
    });
    assert!(doc.message.as_deref().unwrap().contains("no CPU4"));
    doc.apply(Edit::SetTitle(Some("x".repeat(501))));
    assert!(doc.message.is_some());
    assert_eq!(doc.scenario.title.as_deref(), Some("My race"));
    // Each is one undoable edit.
    doc.apply(Edit::Undo);
    doc.apply(Edit::Undo);
    assert_eq!(doc.scenario.label(1), None);
    doc.apply(Edit::Undo);
    assert_eq!(doc.scenario.title, example("example-1").unwrap().title);
}
