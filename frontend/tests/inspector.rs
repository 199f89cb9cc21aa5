//! The state inspector, rendered on its own in headless Chromium: for every step of Example 1 under
//! a preset, it shows the state the core computed and marks exactly the fields that step changed.

#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use tlbrace_core::examples::example;
use tlbrace_core::model::state::{FrameStatus, Kernel};
use tlbrace_core::{run, Preset, State};
use tlbrace_frontend::components::inspector::{
    holder_text, kernel_text, mapping_text, mmap_text, page_text, pte_frame_text, tlb_text,
    Inspector, InspectorProps,
};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

mod support;

async fn render(props: InspectorProps) -> Element {
    let root = support::root();
    yew::Renderer::<Inspector>::with_root_and_props(root.clone(), props).render();
    support::rendered(&root, ".inspector").await;
    root
}

/// Every field the inspector shows after a step (state `s`, `b` the state before it), or with `all`
/// every field it could show: its `data-field`, its text if it is a text, and its value for
/// comparison.
fn fields(s: &State, b: &State, all: bool) -> Vec<(String, Option<String>, String)> {
    let t = |v: &dyn std::fmt::Debug| format!("{v:?}");
    let mut f: Vec<(String, Option<String>, String)> = Vec::new();
    for v in 0..s.vpage_count() {
        let p = s.pte[v];
        for (key, value, always) in [
            ("present", p.present, true),
            ("write", p.write, true),
            ("dirty", p.dirty, true),
            ("young", p.young, true),
            ("soft_dirty", p.soft_dirty, true),
            ("protnone", p.protnone, false),
            ("uffd_wp", p.uffd_wp, false),
            ("migration", p.migration, false),
        ] {
            let before = t(&b.pte[v]);
            if all || always || value || before.contains(&format!("{key}: true")) {
                f.push((format!("pte.{v}.{key}"), None, value.to_string()));
            }
        }
        f.push((
            format!("pte.{v}.frame"),
            Some(pte_frame_text(p)),
            pte_frame_text(p),
        ));
        f.push((
            format!("map.{v}"),
            Some(mapping_text(s.map[v])),
            t(&s.map[v]),
        ));
        for c in 0..s.cpu_count() {
            f.push((
                format!("tlb.{c}.{v}"),
                Some(tlb_text(s.tlb[c][v])),
                t(&s.tlb[c][v]),
            ));
        }
    }
    for p in 0..usize::from(s.pages) {
        f.push((format!("page.{p}"), Some(page_text(s, p)), page_text(s, p)));
        f.push((
            format!("locks.page.{p}"),
            Some(holder_text(s.locks.page[p])),
            t(&s.locks.page[p]),
        ));
    }
    f.push((
        "tlb_flush_pending".into(),
        Some(s.tlb_flush_pending.to_string()),
        s.tlb_flush_pending.to_string(),
    ));
    f.push((
        "tlb_flush_batched".into(),
        None,
        s.tlb_flush_batched.to_string(),
    ));
    f.push((
        "locks.ptl".into(),
        Some(holder_text(s.locks.ptl)),
        t(&s.locks.ptl),
    ));
    f.push(("locks.mmap".into(), Some(mmap_text(s)), mmap_text(s)));
    for c in 0..s.cpu_count() {
        if all || s.kernel[c] != Kernel::default() || s.kernel[c] != b.kernel[c] {
            f.push((
                format!("kernel.{c}"),
                Some(kernel_text(&s.kernel[c])),
                kernel_text(&s.kernel[c]),
            ));
        }
    }
    for (i, frame) in s.frame.iter().enumerate() {
        if !all && frame.status == FrameStatus::Free && b.frame[i].status == FrameStatus::Free {
            continue;
        }
        f.push((format!("frame.{i}.status"), None, t(&frame.status)));
        f.push((
            format!("frame.{i}.data"),
            Some(format!("v{}", frame.data)),
            frame.data.to_string(),
        ));
        f.push((
            format!("frame.{i}.pg_dirty"),
            None,
            frame.pg_dirty.to_string(),
        ));
        f.push((
            format!("frame.{i}.mapcount"),
            Some(frame.mapcount.to_string()),
            frame.mapcount.to_string(),
        ));
    }
    f
}

/// The value a field had before the step, found by its name in the list for the earlier state.
fn before_value(before: &[(String, Option<String>, String)], name: &str) -> Option<String> {
    before
        .iter()
        .find(|(n, ..)| n == name)
        .map(|(.., v)| v.clone())
}

#[wasm_bindgen_test]
async fn every_step_shows_the_cores_state_and_marks_what_changed() {
    let scenario = Rc::new(example("example-1").unwrap());
    let trace = run(&scenario, &Preset::Will4And6.variant()).unwrap();
    let result = Rc::new(Ok(trace.clone()));
    let mut changed_somewhere = 0;
    for i in 0..scenario.steps.len() {
        let root = render(InspectorProps {
            scenario: scenario.clone(),
            variant: "will-4+6".into(),
            result: result.clone(),
            selected: Some(i),
        })
        .await;
        let html = root.inner_html();
        let text = root
            .query_selector(".event-text")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap();
        assert_eq!(text, trace.events[i].text(), "step {i}");
        let before = fields(trace.before(i), trace.before(i), true);
        for (name, want_text, now) in fields(&trace.states[i], trace.before(i), false) {
            let el = root
                .query_selector(&format!("[data-field=\"{name}\"]"))
                .unwrap()
                .unwrap_or_else(|| panic!("step {i}: no field {name} in {html}"));
            if let Some(want) = want_text {
                assert_eq!(el.text_content().unwrap(), want, "step {i} {name}");
            }
            let changed = before_value(&before, &name).is_some_and(|b| b != now);
            changed_somewhere += usize::from(changed);
            assert_eq!(
                el.class_list().contains("changed"),
                changed,
                "step {i}: {name} changed={changed}"
            );
        }
    }
    assert!(changed_somewhere > 5, "the example changes the state");
}

#[wasm_bindgen_test]
async fn the_stale_store_is_shown() {
    // Step 10 of Example 1 (index 9): CPU0 writes through its stale entry: memory becomes v2.
    let scenario = Rc::new(example("example-1").unwrap());
    let result = Rc::new(run(&scenario, &Preset::Will4And6.variant()));
    let root = render(InspectorProps {
        scenario: scenario.clone(),
        variant: "will-4+6".into(),
        result,
        selected: Some(9),
    })
    .await;
    let mem = root
        .query_selector("[data-field=\"frame.0.data\"]")
        .unwrap()
        .unwrap();
    assert_eq!(mem.text_content().unwrap(), "v2");
    assert!(mem.class_list().contains("changed"));
    let head = root.query_selector(".inspector-step").unwrap().unwrap();
    assert!(head.text_content().unwrap().contains("step 10"));
    assert!(
        root.query_selector(".stale-mark").unwrap().is_some(),
        "CPU0's entry is stale"
    );
}

#[wasm_bindgen_test]
async fn nothing_selected_shows_the_initial_state_and_errors_show_the_message() {
    let scenario = Rc::new(example("example-2b").unwrap());
    let result = Rc::new(run(&scenario, &Preset::V5_12.variant()));
    let root = render(InspectorProps {
        scenario: scenario.clone(),
        variant: "v5.12".into(),
        result,
        selected: None,
    })
    .await;
    assert!(root.text_content().unwrap().contains("Initial state"));
    // example-2b starts with a clean PTE.
    let d = root
        .query_selector("[data-field=\"pte.0.dirty\"]")
        .unwrap()
        .unwrap();
    assert!(d.class_list().contains("off"));
    assert_eq!(root.query_selector_all(".changed").unwrap().length(), 0);

    let mut bad = (*scenario).clone();
    bad.cpus = 9;
    let bad = Rc::new(bad);
    let result = Rc::new(run(&bad, &Preset::V5_12.variant()));
    assert!(result.is_err());
    let root = render(InspectorProps {
        scenario: bad,
        variant: "v5.12".into(),
        result,
        selected: Some(0),
    })
    .await;
    assert!(root.text_content().unwrap().contains("cannot run"));
}

#[wasm_bindgen_test]
async fn two_pages_show_a_pte_each_and_a_tlb_column_each() {
    // pending-counter, step 3 (index 2): CPU2's change_prot_numa() makes page 1's PTE PROT_NONE and
    // owes a flush of page 1.
    let scenario = Rc::new(example("pending-counter").unwrap());
    let trace = run(&scenario, &Preset::V4_12.variant()).unwrap();
    let root = render(InspectorProps {
        scenario: scenario.clone(),
        variant: "v4.12".into(),
        result: Rc::new(Ok(trace.clone())),
        selected: Some(2),
    })
    .await;
    let field = |name: &str| {
        root.query_selector(&format!("[data-field=\"{name}\"]"))
            .unwrap()
            .unwrap_or_else(|| panic!("no {name}: {}", root.inner_html()))
    };
    let head = root.query_selector(".inspector-step").unwrap().unwrap();
    assert!(head.text_content().unwrap().ends_with("(page 1)"));
    let protnone = field("pte.1.protnone");
    assert_eq!(protnone.text_content().unwrap(), "PROT_NONE");
    assert!(protnone.class_list().contains("changed"));
    assert!(
        root.query_selector("[data-field=\"pte.0.migration\"]")
            .unwrap()
            .is_none(),
        "a rare bit that is clear and unchanged is left out"
    );
    assert_eq!(field("pte.1.frame").text_content().unwrap(), "F1");
    assert_eq!(field("tlb.0.0").text_content().unwrap(), "W D → F0");
    assert_eq!(field("tlb.0.1").text_content().unwrap(), "—");
    let kernel = field("kernel.2").text_content().unwrap();
    assert!(kernel.contains("flush owed (page 1"), "{kernel}");
    assert_eq!(field("tlb_flush_pending").text_content().unwrap(), "1");
    assert_eq!(
        field("page.1").text_content().unwrap(),
        page_text(&trace.states[2], 1)
    );
}
