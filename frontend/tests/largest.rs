//! The largest scenario the limits allow (256 steps on 8 CPUs, two pages, every starting-state
//! override, a 500-character title, captions, notes and view entries, in the characters JSON
//! escapes longest) goes through the autosave and back intact. Natively: core's JSON and its size
//! cap; in headless Chromium also localStorage and a reload of the editor.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use std::collections::BTreeMap;

use tlbrace_core::formats::json::{from_json, to_json, to_json_compact, MAX_JSON_BYTES};
use tlbrace_core::model::initial::PageInitial;
use tlbrace_core::model::scenario::{MAX_STEPS, MAX_TEXT, MAX_VIEW_ENTRIES};
use tlbrace_core::{
    Action, InitialState, PageKind, PageSpec, Scenario, Step, TlbEntry, MAX_CPUS, MAX_PAGES,
};

/// `n` characters, each one JSON writes as six bytes (`\u0001`) or as four (a crab), mixed.
fn text(n: usize, seed: usize) -> String {
    (0..n)
        .map(|i| {
            if (i + seed).is_multiple_of(3) {
                '🦀'
            } else {
                '\u{1}'
            }
        })
        .collect()
}

/// Every override of a page, TLB entries for every CPU (as a scenario holds them: frame 0, the page's
/// frame being filled in when the state is built).
fn every_override() -> PageInitial {
    PageInitial {
        present: Some(true),
        write: Some(true),
        dirty: Some(true),
        young: Some(true),
        soft_dirty: Some(true),
        pg_dirty: Some(true),
        in_page_cache: Some(true),
        mem: Some(3),
        disk: Some(2),
        tlb: Some(vec![
            Some(TlbEntry {
                writable: true,
                dirty: true,
                frame: 0,
            });
            MAX_CPUS
        ]),
        lazyfree: Some(false),
        shared: Some(false),
    }
}

/// The largest valid scenario.
pub fn largest() -> Scenario {
    let actions = [Action::CachePteInTlb, Action::WriteToPage, Action::ReadPage];
    let mut s = Scenario::new(MAX_CPUS);
    s.title = Some(text(MAX_TEXT, 0));
    s.labels = (0..MAX_CPUS).map(|c| text(MAX_TEXT, c)).collect();
    s.pages = vec![
        PageSpec {
            kind: PageKind::File,
            same_as: None,
            initial: every_override(),
        },
        PageSpec {
            kind: PageKind::Anon,
            same_as: None,
            initial: PageInitial {
                in_page_cache: None,
                ..every_override()
            },
        },
    ];
    assert_eq!(s.pages.len(), MAX_PAGES);
    s.initial = InitialState {
        tlb_flush_pending: Some(0),
        tlb_flush_batched: Some(false),
    };
    s.view.variant = Some("v5.12".to_string());
    s.view.seen = (0..MAX_VIEW_ENTRIES - 1)
        .map(|i| {
            (
                format!("{}{i}", text(MAX_TEXT - 3, i)),
                text(MAX_TEXT, i + 1),
            )
        })
        .collect::<BTreeMap<_, _>>();
    s.steps = (0..MAX_STEPS)
        .map(|i| {
            Step::new(i % MAX_CPUS, actions[i % actions.len()])
                .on(i % 2)
                .note(&text(MAX_TEXT, i))
        })
        .collect();
    s
}

#[test]
fn the_largest_scenario_is_valid_and_its_json_within_the_cap() {
    let s = largest();
    if let Err(e) = s.validate() {
        panic!("not valid: {e}");
    }
    let compact = to_json_compact(&s);
    let pretty = to_json(&s);
    assert!(
        compact.len() > 1_000_000,
        "{} bytes: not the largest",
        compact.len()
    );
    assert!(
        pretty.len() <= MAX_JSON_BYTES,
        "{} > {MAX_JSON_BYTES}",
        pretty.len()
    );
    for (form, text) in [("compact", &compact), ("pretty", &pretty)] {
        let back = from_json(text).unwrap();
        // Field by field: a whole scenario this size does not print usefully.
        assert_eq!(back.title, s.title, "{form}: title");
        assert_eq!(back.labels, s.labels, "{form}: labels");
        assert_eq!(back.pages, s.pages, "{form}: pages");
        assert_eq!(back.initial, s.initial, "{form}: initial");
        assert_eq!(back.view.variant, s.view.variant, "{form}: view");
        assert!(back.view.seen == s.view.seen, "{form}: view entries");
        for (i, (a, b)) in back.steps.iter().zip(&s.steps).enumerate() {
            assert!(a == b, "{form}: step {i}");
        }
        assert!(back == s, "{form}: the scenario");
    }
}

#[cfg(target_arch = "wasm32")]
mod support;

#[cfg(target_arch = "wasm32")]
mod browser {
    use super::{largest, support};
    use tlbrace_frontend::{storage, App};
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    async fn the_largest_scenario_survives_the_autosave_and_a_reload() {
        let s = largest();
        storage::save(&s).expect("localStorage takes the largest scenario");
        assert_eq!(storage::load(), Ok(Some(s.clone())));

        // A reload: the editor opens it from storage, every step in its lane.
        let root = support::root();
        yew::Renderer::<App>::with_root(root.clone()).render();
        support::until("the 256th step", || {
            root.query_selector(".timeline .step[data-step=\"255\"]")
                .unwrap()
                .is_some()
        })
        .await;
        assert_eq!(support::count(&root, ".timeline .lane"), 8);
        assert_eq!(support::count(&root, ".timeline .step"), 256);
        assert_eq!(support::count(&root, ".pages-bar .page-entry"), 2);
        assert!(root.query_selector("[role=alert]").unwrap().is_none());
        // Nothing the page did changed what is saved.
        assert_eq!(storage::load(), Ok(Some(s)));
        support::clear_storage();
    }
}
