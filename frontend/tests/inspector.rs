//! The state inspector, rendered on its own in headless Chromium: for every step of Example 1 under
//! a preset, it shows the state the core computed and marks exactly the fields that step changed.

#![cfg(target_arch = "wasm32")]

use std::rc::Rc;
use std::time::Duration;

use tlbrace_core::examples::example;
use tlbrace_core::{run, Preset, State};
use tlbrace_frontend::components::inspector::{tlb_text, Inspector, InspectorProps};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

async fn render(props: InspectorProps) -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<Inspector>::with_root_and_props(root.clone(), props).render();
    yew::platform::time::sleep(Duration::from_millis(5)).await;
    root
}

/// Every field the inspector shows: its `data-field`, its text, and its value for comparison.
fn fields(s: &State) -> Vec<(String, Option<String>, String)> {
    let b = |v: bool| v.to_string();
    let mut f = vec![
        ("pte.present".into(), None, b(s.pte.present)),
        ("pte.write".into(), None, b(s.pte.write)),
        ("pte.dirty".into(), None, b(s.pte.dirty)),
        ("pte.young".into(), None, b(s.pte.young)),
        ("pte.soft_dirty".into(), None, b(s.pte.soft_dirty)),
        (
            "tlb_flush_pending".into(),
            Some(s.tlb_flush_pending.to_string()),
            s.tlb_flush_pending.to_string(),
        ),
        ("page.pg_dirty".into(), None, b(s.page.pg_dirty)),
        ("page.in_page_cache".into(), None, b(s.page.in_page_cache)),
        (
            "page.mem".into(),
            Some(format!("v{}", s.page.mem)),
            s.page.mem.to_string(),
        ),
        (
            "disk".into(),
            Some(format!("v{}", s.disk)),
            s.disk.to_string(),
        ),
    ];
    for c in 0..s.cpu_count() {
        f.push((
            format!("tlb.{c}"),
            Some(tlb_text(s.tlb[c])),
            format!("{:?}", s.tlb[c]),
        ));
    }
    f
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
        let before = fields(trace.before(i));
        for (j, (name, want_text, now)) in fields(&trace.states[i]).into_iter().enumerate() {
            let el = root
                .query_selector(&format!("[data-field=\"{name}\"]"))
                .unwrap()
                .unwrap_or_else(|| panic!("step {i}: no field {name} in {html}"));
            if let Some(want) = want_text {
                assert_eq!(el.text_content().unwrap(), want, "step {i} {name}");
            }
            let changed = now != before[j].2;
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
        .query_selector("[data-field=\"page.mem\"]")
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
        .query_selector("[data-field=\"pte.dirty\"]")
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
