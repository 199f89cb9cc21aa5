//! Share links, the embed view and the import box, in headless Chromium.
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner CHROMEDRIVER=/usr/bin/chromedriver
//! cargo test -p tlbrace-frontend --target wasm32-unknown-unknown --test share`
//!
//! The tests that read the address bar set it with `history.replaceState` (no navigation, no
//! `hashchange`) and put it back afterwards.

#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use tlbrace_core::examples::example;
use tlbrace_core::{formats::share, run_all, Arch, Scenario};
use tlbrace_frontend::components::embed::{EmbedView, EmbedViewProps};
use tlbrace_frontend::components::verdicts::verdict_id;
use tlbrace_frontend::{location, App};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Sets the address bar's query and fragment (`"?embed#v2.…"`), returning the old URL to restore.
fn set_url(search_and_hash: &str) -> String {
    let window = web_sys::window().unwrap();
    let old = window.location().href().unwrap();
    let path = window.location().pathname().unwrap();
    let url = format!("{path}{search_and_hash}");
    window
        .history()
        .unwrap()
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
        .unwrap();
    old
}

fn restore_url(old: &str) {
    web_sys::window()
        .unwrap()
        .history()
        .unwrap()
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(old))
        .unwrap();
}

mod support;
use support::{rendered, root as new_root, until};

/// The number of steps the editor's timeline shows.
fn step_count(root: &Element) -> usize {
    all(root, ".timeline .step").len()
}

fn attr(el: &Element, name: &str) -> String {
    el.get_attribute(name)
        .unwrap_or_else(|| panic!("no {name} on {}", el.outer_html()))
}

fn all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

/// Checks that `root` shows `scenario`'s lanes and steps (in their lanes, in time order) and its
/// verdict under every preset, as `run_all` computes them.
fn assert_shows(root: &Element, scenario: &Scenario) {
    let lanes = all(root, ".timeline .lane");
    assert_eq!(lanes.len(), scenario.cpus, "{}", root.inner_html());
    for (cpu, lane) in lanes.iter().enumerate() {
        assert_eq!(attr(lane, "data-cpu"), cpu.to_string());
        let head = lane.query_selector(".lane-head").unwrap().unwrap();
        assert_eq!(head.text_content().unwrap(), format!("CPU{cpu}"));
        let steps: Vec<(usize, String)> = all(lane, ".step")
            .iter()
            .map(|s| {
                assert_eq!(attr(s, "data-cpu"), cpu.to_string());
                (
                    attr(s, "data-step").parse().unwrap(),
                    attr(s, "data-action"),
                )
            })
            .collect();
        let want: Vec<(usize, String)> = scenario
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.cpu == cpu)
            .map(|(i, s)| (i, s.action.id().to_string()))
            .collect();
        assert_eq!(steps, want, "CPU{cpu}'s lane");
    }
    let runs = run_all(scenario, Arch::X86);
    // One verdict per preset (the editor adds a custom one, which no link fixes), wherever the page
    // shows it: first, or under "all releases".
    let verdicts = all(root, ".verdicts .verdict:not([data-variant=custom])");
    assert_eq!(verdicts.len(), runs.len());
    for run in &runs {
        assert_eq!(
            verdict_of(root, run.preset.name()),
            verdict_id(&run.result),
            "{}",
            run.preset.name()
        );
    }
}

fn verdict_of(root: &Element, variant: &str) -> String {
    let el = root
        .query_selector(&format!(".verdict[data-variant=\"{variant}\"]"))
        .unwrap()
        .unwrap_or_else(|| panic!("no verdict for {variant}"));
    attr(&el, "data-verdict")
}

#[wasm_bindgen_test]
fn the_address_bar_is_parsed() {
    let s = example("example-1").unwrap();
    let link = share::encode(&s);

    let old = set_url("");
    assert_eq!(location::scenario_from_location(), None, "no fragment");
    assert!(!location::is_embed());

    set_url(&format!("#{link}"));
    assert_eq!(location::scenario_from_location(), Some(Ok(s.clone())));
    assert!(!location::is_embed());
    let share_url = location::share_url(&s, Arch::X86);
    assert!(share_url.ends_with(&format!("#{link}")), "{share_url}");
    assert!(share_url.starts_with("http"), "{share_url}");
    assert!(!share_url.contains('?'), "{share_url}");
    assert!(location::share_url(&s, Arch::Arm64).contains("?arch=arm64#"));

    set_url(&format!("?embed#{link}"));
    assert!(location::is_embed());
    assert_eq!(location::scenario_from_location(), Some(Ok(s.clone())));
    // The editor's URL, seen from an embed, drops the flag; the embed URL has it once.
    assert!(!location::share_url(&s, Arch::X86).contains("embed"));
    assert_eq!(
        location::embed_url(&s, Arch::X86)
            .matches("?embed#")
            .count(),
        1
    );
    // Both carry the page's architecture.
    assert_eq!(
        location::embed_url(&s, Arch::Arm64)
            .matches("?embed&arch=arm64#")
            .count(),
        1
    );

    set_url(&format!("#{}", &link[..link.len() - 7]));
    match location::scenario_from_location() {
        Some(Err(message)) => assert!(message.contains("share link"), "{message}"),
        other => panic!("a truncated link should fail: {other:?}"),
    }
    set_url(&format!("#v9.{}", &link[3..]));
    match location::scenario_from_location() {
        Some(Err(message)) => assert!(message.contains("newer tlbrace"), "{message}"),
        other => panic!("a v9 link should fail: {other:?}"),
    }
    restore_url(&old);
}

#[wasm_bindgen_test]
async fn the_embed_view_shows_example_1() {
    let s = example("example-1").unwrap();
    let root = new_root();
    let props = EmbedViewProps {
        scenario: Rc::new(s.clone()),
        arch: Arch::X86,
        open_url: "https://example.invalid/tlbrace/#v1.x".into(),
    };
    yew::Renderer::<EmbedView>::with_root_and_props(root.clone(), props).render();
    rendered(&root, ".explanation").await;
    // Its effects too (a new scenario resets the selection), before the click below.
    support::next_turn().await;

    assert_shows(&root, &s);
    assert_eq!(verdict_of(&root, "will-4+6"), "lost");
    assert_eq!(verdict_of(&root, "yu-fix"), "guaranteed");
    assert_eq!(all(&root, ".step").len(), s.steps.len());

    let open = root.query_selector(".open-in-tlbrace").unwrap().unwrap();
    assert_eq!(attr(&open, "target"), "_blank");
    assert_eq!(attr(&open, "href"), "https://example.invalid/tlbrace/#v1.x");

    // The first variant that does harm (the oldest release) is explained, its decisive steps marked.
    let explanation = root.query_selector(".explanation").unwrap().unwrap();
    assert_eq!(attr(&explanation, "data-variant"), "v3.12");
    assert!(explanation.text_content().unwrap().contains("lost"));
    let decisive: Vec<String> = all(&root, ".step.decisive")
        .iter()
        .map(|e| attr(e, "data-step"))
        .collect();
    assert!(
        decisive.contains(&"10".to_string()),
        "the drop is decisive: {decisive:?}"
    );

    // Selecting yu-fix explains it: nothing lost; the one step marked is the flush that kept the data
    // (page_mkclean_one, step 8).
    let yu: HtmlElement = root
        .query_selector(".verdict[data-variant=\"yu-fix\"]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    yu.click();
    until("yu-fix's explanation", || {
        root.query_selector(".explanation[data-variant=\"yu-fix\"]")
            .unwrap()
            .is_some()
    })
    .await;
    let explanation = root.query_selector(".explanation").unwrap().unwrap();
    assert_eq!(attr(&explanation, "data-variant"), "yu-fix");
    assert!(explanation.text_content().unwrap().contains("guaranteed"));
    let decisive: Vec<String> = all(&root, ".step.decisive")
        .iter()
        .map(|e| attr(e, "data-action"))
        .collect();
    assert_eq!(decisive, ["page_mkclean_one"]);
    assert_eq!(attr(&yu, "aria-pressed"), "true");
}

#[wasm_bindgen_test]
async fn the_app_opens_a_share_link_and_drops_the_fragment() {
    let s = example("example-2c").unwrap();
    let old = set_url(&format!("#{}", share::encode(&s)));
    let root = new_root();
    yew::Renderer::<App>::with_root(root.clone()).render();
    until("the link's steps", || step_count(&root) == s.steps.len()).await;
    assert_shows(&root, &s);
    assert_eq!(
        web_sys::window().unwrap().location().hash().unwrap(),
        "",
        "the fragment is dropped once the scenario is open"
    );
    assert!(root.query_selector("[role=alert]").unwrap().is_none());
    restore_url(&old);
}

#[wasm_bindgen_test]
async fn a_damaged_link_is_an_alert_and_the_scenario_is_kept() {
    // Nothing autosaved by earlier tests: the scenario kept is the empty default.
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .remove_item(tlbrace_frontend::storage::KEY)
        .unwrap();
    let link = share::encode(&example("example-1").unwrap());
    let old = set_url(&format!("#{}", &link[..link.len() / 2]));
    let root = new_root();
    yew::Renderer::<App>::with_root(root.clone()).render();
    rendered(&root, ".link-error[role=alert]").await;
    let alert = root
        .query_selector(".link-error[role=alert]")
        .unwrap()
        .unwrap_or_else(|| {
            panic!(
                "an alert at {:?}: {}",
                web_sys::window().unwrap().location().href(),
                root.inner_html()
            )
        });
    assert!(
        alert.text_content().unwrap().contains("share link"),
        "{}",
        alert.outer_html()
    );
    // The default scenario is still there (nothing to judge: no verdicts), and the bad link stays
    // visible in the address bar.
    assert_eq!(all(&root, ".timeline .lane").len(), 4);
    assert_eq!(step_count(&root), 0);
    assert!(root
        .query_selector(".verdicts .no-steps")
        .unwrap()
        .is_some());
    assert!(web_sys::window()
        .unwrap()
        .location()
        .hash()
        .unwrap()
        .starts_with("#v2."));
    restore_url(&old);
}

#[wasm_bindgen_test]
async fn the_app_renders_the_embed_route() {
    let s = example("example-1").unwrap();
    let old = set_url(&format!("?embed#{}", share::encode(&s)));
    let root = new_root();
    yew::Renderer::<App>::with_root(root.clone()).render();
    rendered(&root, ".embed .overview").await;
    assert!(
        root.query_selector(".share-button").unwrap().is_none(),
        "read-only"
    );
    assert_shows(&root, &s);
    let open = root.query_selector(".open-in-tlbrace").unwrap().unwrap();
    let href = attr(&open, "href");
    assert!(
        href.ends_with(&format!("#{}", share::encode(&s))) && !href.contains("embed"),
        "{href}"
    );
    // The embed keeps its fragment: there the URL is the content.
    assert!(web_sys::window()
        .unwrap()
        .location()
        .hash()
        .unwrap()
        .starts_with("#v2."));
    restore_url(&old);
}

#[wasm_bindgen_test]
async fn an_embed_runs_on_the_architecture_its_url_names() {
    let s = example("example-1").unwrap();
    let old = set_url(&format!("?embed&arch=arm64#{}", share::encode(&s)));
    let root = new_root();
    yew::Renderer::<App>::with_root(root.clone()).render();
    rendered(&root, ".overview").await;
    let overview = root
        .query_selector(".overview")
        .unwrap()
        .expect("the embed");
    assert_eq!(attr(&overview, "data-arch"), "arm64");
    let runs = run_all(&s, Arch::Arm64);
    for run in &runs {
        assert_eq!(
            verdict_of(&root, run.preset.name()),
            verdict_id(&run.result)
        );
    }
    let heading = root.query_selector(".explanation h3").unwrap().unwrap();
    assert!(
        heading.text_content().unwrap().contains("@arm64"),
        "{}",
        heading.outer_html()
    );
    // "Open in tlbrace" opens the editor on the same architecture.
    let href = attr(
        &root.query_selector(".open-in-tlbrace").unwrap().unwrap(),
        "href",
    );
    assert!(
        href.contains("?arch=arm64#") && !href.contains("embed"),
        "{href}"
    );
    restore_url(&old);
}

#[wasm_bindgen_test]
async fn pasting_a_quoted_diagram_loads_it() {
    let old = set_url("");
    let root = new_root();
    yew::Renderer::<App>::with_root(root.clone()).render();
    rendered(&root, ".import-text").await;
    let s = example("example-1").unwrap();
    let quoted: String = tlbrace_core::formats::ascii::export(&s)
        .lines()
        .map(|l| format!("> {l}\n"))
        .collect();
    let area: web_sys::HtmlTextAreaElement = root
        .query_selector(".import-text")
        .unwrap()
        .unwrap()
        .unchecked_into();
    area.set_value(&quoted);
    area.dispatch_event(&web_sys::InputEvent::new("input").unwrap())
        .unwrap();
    support::next_turn().await;
    let button: HtmlElement = root
        .query_selector(".import-button")
        .unwrap()
        .unwrap()
        .unchecked_into();
    button.click();
    rendered(&root, ".io-panel .status").await;
    assert_shows(&root, &s);

    // A line the model does not know waits in the panel, naming its line, and the scenario stays.
    area.set_value(
        "  CPU0        CPU1\n  ----        ----\n\n  pte_mkclean()\n              frobnicate()\n",
    );
    area.dispatch_event(&web_sys::InputEvent::new("input").unwrap())
        .unwrap();
    support::next_turn().await;
    button.click();
    let line = rendered(&root, ".unmapped-panel .unmapped").await;
    assert_eq!(attr(&line, "data-line"), "5");
    assert_eq!(attr(&line, "data-cpu"), "1");
    assert_shows(&root, &s);
    // Ignored, the diagram opens with its one known step.
    let click = |selector: &str| {
        root.query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("no {selector}"))
            .unchecked_into::<HtmlElement>()
            .click()
    };
    click(".unmapped-ignore");
    rendered(&root, ".unmapped.resolved").await;
    click(".unmapped-open");
    until("the diagram with its one known step", || {
        step_count(&root) == 1
    })
    .await;
    assert_eq!(step_count(&root), 1);
    assert!(root.query_selector(".unmapped-panel").unwrap().is_none());
    restore_url(&old);
}

#[wasm_bindgen_test]
async fn an_embed_says_which_verdicts_changed_since_its_author_saw_them() {
    let mut s = example("example-1").unwrap();
    s.view.variant = Some("v5.12".into());
    s.view.seen.insert("v5.12".into(), "guaranteed".into());
    s.view.seen.insert("yu-fix".into(), "guaranteed".into());
    let root = new_root();
    yew::Renderer::<EmbedView>::with_root_and_props(
        root.clone(),
        EmbedViewProps {
            scenario: Rc::new(s.clone()),
            arch: Arch::X86,
            open_url: "x".into(),
        },
    )
    .render();
    rendered(&root, ".verdict-changed p").await;
    let notes = all(&root, ".verdict-changed p");
    assert_eq!(notes.len(), 1, "{}", root.inner_html());
    assert_eq!(
        notes[0].text_content().unwrap().trim_start_matches("⚠ "),
        "verdict changed since this was written: was guaranteed, now lost under v5.12"
    );
    let explanation = root.query_selector(".explanation").unwrap().unwrap();
    assert_eq!(attr(&explanation, "data-variant"), "v5.12");

    // What the model says today: no notice.
    s.view.seen.insert("v5.12".into(), "lost".into());
    let agrees = new_root();
    yew::Renderer::<EmbedView>::with_root_and_props(
        agrees.clone(),
        EmbedViewProps {
            scenario: Rc::new(s),
            arch: Arch::X86,
            open_url: "x".into(),
        },
    )
    .render();
    rendered(&agrees, ".explanation").await;
    assert!(all(&agrees, ".verdict-changed").is_empty());
}
