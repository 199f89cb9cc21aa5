//! The whole page: one [`Doc`] reducer holding the scenario, and the panels around it.
//!
//! Data flows one way: panels get the scenario (`Rc<Scenario>`) and report [`Edit`]s, which the
//! reducer applies; verdicts and traces are recomputed from the scenario on every render that
//! changed it. Panels written elsewhere (share/import, explorer) plug into the side column with
//! `scenario` and `on_load` (see "Feature panels" below).

use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use tlbrace_core::examples::{example, EXAMPLES};
use tlbrace_core::model::variant::SkipTest;
use tlbrace_core::{Action, Arch, Preset, Scenario, Variant};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlSelectElement, KeyboardEvent};
use yew::prelude::*;

use super::counterexample::Counterexample;
use super::embed::EmbedPage;
use super::explorer::Explorer;
use super::header::Header;
use super::initial::InitialEditor;
use super::inspector::Inspector;
use super::io::ImportExport;
use super::palette::Palette;
use super::share::SharePanel;
use super::timeline::Timeline;
use super::verdicts::{columns, VariantKey, Verdicts};
use crate::dnd::Src;
use crate::doc::{Doc, Edit};
use crate::location;
use crate::storage;

/// A parameter of the page's query string.
fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
        .map(str::to_string)
}

/// The document the page opens with: the example a `?example=<name>` query names (with the step a
/// `&step=<n>` selects, from 1: links from docs and screenshots), else the autosaved scenario, else
/// an empty timeline (with a notice when the saved one could not be read).
///
/// An example from the query is loaded *over* the autosaved scenario, as an undoable edit, so that
/// opening a link never loses the user's work (Undo brings it back; the autosave is only written
/// after the first edit, see [`App`]).
fn initial_doc() -> Doc {
    let mut doc = match storage::load() {
        Ok(Some(s)) => Doc::new(s),
        Ok(None) => Doc::default(),
        Err(message) => Doc {
            message: Some(message),
            ..Doc::default()
        },
    };
    if let Some(s) = query_param("example").and_then(|name| example(&name)) {
        let message = doc.message.take();
        doc.apply(Edit::Load(s));
        doc.message = message;
        let step = query_param("step").and_then(|n| n.parse::<usize>().ok());
        doc.apply(Edit::Select(step.and_then(|n| n.checked_sub(1))));
    }
    doc
}

/// The custom column's starting policies: v5.10's clear_refs with a `page_mkclean_one` that never
/// skips, the reference that shows what the skip test risks.
fn default_custom() -> Variant {
    Variant {
        skip_test: SkipTest::Never,
        ..Preset::V5_10Rc4.variant()
    }
}

/// Whether a key event comes from a field that edits text or a choice, where Ctrl+Z belongs to the
/// field (a checkbox does not count).
fn from_text_field(e: &web_sys::Event) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| match el.tag_name().as_str() {
            "TEXTAREA" | "SELECT" => true,
            "INPUT" => el.get_attribute("type").as_deref() != Some("checkbox"),
            _ => false,
        })
}

/// The playground: the editor, or with `?embed` in the query the read-only embed of the scenario in
/// the fragment (decided once per page load: the query string does not change).
#[component]
pub fn App() -> Html {
    let embed = use_state(location::is_embed);
    if *embed {
        html! { <EmbedPage /> }
    } else {
        html! { <Editor /> }
    }
}

/// The editor page.
#[component]
fn Editor() -> Html {
    let doc = use_reducer(initial_doc);
    let arch = use_state_eq(|| Arch::X86);
    let custom = use_state_eq(default_custom);
    let inspected = use_state_eq(|| VariantKey::Preset(Preset::V5_10Rc4));
    let target = use_state_eq(|| None::<(usize, usize)>);
    let placing = use_state_eq(|| None::<Src>);
    let editing = use_state_eq(|| None::<usize>);
    let timeline_ref = use_node_ref();

    let scenario = doc.scenario.clone();
    let cols = {
        let scenario = scenario.clone();
        use_memo((doc.revision, *arch, *custom), move |&(_, arch, custom)| {
            columns(&scenario, arch, custom)
        })
    };

    // Autosave on every change of the scenario. Not on mount: what the page opened with is either
    // what storage holds already, or a link's example that must not overwrite the user's work.
    {
        let scenario = scenario.clone();
        let mounted = use_mut_ref(|| false);
        use_effect_with(doc.revision, move |_| {
            if std::mem::replace(&mut *mounted.borrow_mut(), true) {
                storage::save(&scenario);
            }
        });
    }

    // Keep the selected step in view (arrow keys on a long timeline).
    use_effect_with(doc.selected, |selected| {
        let el = selected.and_then(|i| {
            web_sys::window()?
                .document()?
                .get_element_by_id(&super::timeline::step_dom_id(i))
        });
        if let Some(el) = el {
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_block(web_sys::ScrollLogicalPosition::Nearest);
            options.set_inline(web_sys::ScrollLogicalPosition::Nearest);
            el.scroll_into_view_with_scroll_into_view_options(&options);
        }
    });

    // Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y anywhere but in a text field.
    {
        let dispatcher = doc.dispatcher();
        use_effect_with((), move |_| {
            let listener = web_sys::window()
                .and_then(|w| w.document())
                .map(|document| {
                    // Not passive: the handler cancels the browser's own undo.
                    let options = EventListenerOptions::enable_prevent_default();
                    EventListener::new_with_options(&document, "keydown", options, move |event| {
                        let Some(e) = event.dyn_ref::<KeyboardEvent>() else {
                            return;
                        };
                        if !(e.ctrl_key() || e.meta_key()) || e.alt_key() || from_text_field(event)
                        {
                            return;
                        }
                        let edit = match e.key().to_ascii_lowercase().as_str() {
                            "z" if e.shift_key() => Edit::Redo,
                            "z" => Edit::Undo,
                            "y" => Edit::Redo,
                            _ => return,
                        };
                        e.prevent_default();
                        dispatcher.dispatch(edit);
                    })
                });
            move || drop(listener)
        });
    }

    let edit = {
        let dispatcher = doc.dispatcher();
        Callback::from(move |e: Edit| dispatcher.dispatch(e))
    };
    // Feature panels replace the scenario through this: one undoable Edit::Load.
    let on_load = edit.reform(Edit::Load);

    let focus_timeline = {
        let timeline_ref = timeline_ref.clone();
        move || {
            if let Some(el) = timeline_ref.cast::<HtmlElement>() {
                let _ = el.focus();
            }
        }
    };

    let on_pick = {
        let (placing, target, doc) = (placing.clone(), target.clone(), doc.clone());
        let focus_timeline = focus_timeline.clone();
        Callback::from(move |a: Action| {
            let len = doc.scenario.steps.len();
            let cpu = doc
                .selected
                .and_then(|i| doc.scenario.steps.get(i))
                .map_or(0, |s| s.cpu);
            let row = doc.selected.map_or(len, |i| (i + 1).min(len));
            placing.set(Some(Src::Action(a)));
            target.set(Some((cpu, row)));
            focus_timeline();
        })
    };

    let on_cell = {
        let (placing, target, edit) = (placing.clone(), target.clone(), edit.clone());
        Callback::from(move |(cpu, row): (usize, usize)| match *placing {
            Some(src) => {
                edit.emit(src.edit(cpu, row));
                placing.set(None);
                target.set(None);
            }
            None => edit.emit(Edit::Select(None)),
        })
    };

    let on_timeline_key = {
        let (placing, target, editing, doc) = (
            placing.clone(),
            target.clone(),
            editing.clone(),
            doc.clone(),
        );
        Callback::from(move |e: KeyboardEvent| {
            let key = e.key();
            let s = &doc.scenario;
            let len = s.steps.len();
            let handled = if let Some(src) = *placing {
                let (cpu, row) = target.unwrap_or((0, len));
                match key.as_str() {
                    "ArrowLeft" => target.set(Some((cpu.saturating_sub(1), row))),
                    "ArrowRight" => target.set(Some(((cpu + 1).min(s.cpus - 1), row))),
                    "ArrowUp" => target.set(Some((cpu, row.saturating_sub(1)))),
                    "ArrowDown" => target.set(Some((cpu, (row + 1).min(len)))),
                    "Home" => target.set(Some((cpu, 0))),
                    "End" => target.set(Some((cpu, len))),
                    "Enter" | " " => {
                        doc.dispatch(src.edit(cpu, row));
                        placing.set(None);
                        target.set(None);
                    }
                    "Escape" => {
                        placing.set(None);
                        target.set(None);
                    }
                    _ => return,
                }
                true
            } else {
                let sel = doc.selected;
                match (key.as_str(), sel) {
                    ("ArrowUp", Some(i)) if e.alt_key() => {
                        if i > 0 {
                            doc.dispatch(Edit::MoveStep {
                                from: i,
                                cpu: s.steps[i].cpu,
                                row: i - 1,
                            });
                        }
                    }
                    ("ArrowDown", Some(i)) if e.alt_key() => {
                        if i + 1 < len {
                            doc.dispatch(Edit::MoveStep {
                                from: i,
                                cpu: s.steps[i].cpu,
                                row: i + 2,
                            });
                        }
                    }
                    ("ArrowLeft", Some(i)) if e.alt_key() => {
                        if s.steps[i].cpu > 0 {
                            doc.dispatch(Edit::MoveStep {
                                from: i,
                                cpu: s.steps[i].cpu - 1,
                                row: i,
                            });
                        }
                    }
                    ("ArrowRight", Some(i)) if e.alt_key() => {
                        if s.steps[i].cpu + 1 < s.cpus {
                            doc.dispatch(Edit::MoveStep {
                                from: i,
                                cpu: s.steps[i].cpu + 1,
                                row: i,
                            });
                        }
                    }
                    ("ArrowUp", _) if len > 0 => doc.dispatch(Edit::Select(Some(
                        sel.map_or(len - 1, |i| i.saturating_sub(1)),
                    ))),
                    ("ArrowDown", _) if len > 0 => {
                        doc.dispatch(Edit::Select(Some(sel.map_or(0, |i| (i + 1).min(len - 1)))))
                    }
                    ("Home", _) if len > 0 => doc.dispatch(Edit::Select(Some(0))),
                    ("End", _) if len > 0 => doc.dispatch(Edit::Select(Some(len - 1))),
                    ("Delete" | "Backspace", Some(i)) => doc.dispatch(Edit::RemoveStep(i)),
                    ("Enter", Some(i)) => editing.set(Some(i)),
                    ("Escape", Some(_)) => doc.dispatch(Edit::Select(None)),
                    _ => return,
                }
                true
            };
            if handled {
                e.prevent_default();
            }
        })
    };

    let on_editing = {
        let editing = editing.clone();
        let focus_timeline = focus_timeline.clone();
        Callback::from(move |i: Option<usize>| {
            editing.set(i);
            if i.is_none() {
                focus_timeline();
            }
        })
    };

    let on_preset = {
        let on_load = on_load.clone();
        Callback::from(move |e: Event| {
            let select = e.target_unchecked_into::<HtmlSelectElement>();
            let name = select.value();
            select.set_value("");
            match name.as_str() {
                "" => {}
                "new" => on_load.emit(Scenario::default()),
                name => {
                    if let Some(s) = example(name) {
                        on_load.emit(s);
                    }
                }
            }
        })
    };

    let inspected_col = cols
        .iter()
        .find(|c| c.key == *inspected)
        .or_else(|| cols.first())
        .cloned();
    // The inspected variant cannot run the timeline: say so above it, naming the step.
    let run_error = inspected_col
        .as_ref()
        .and_then(|c| c.result.as_ref().err().map(|e| (c.key.name(), e.to_string())))
        .map(|(name, e)| {
            html! {
                <p class="error run-error" role="alert">{ format!("Under {name}, this timeline cannot run: {e}") }</p>
            }
        });
    let (decisive, error_step, result) = match &inspected_col {
        Some(c) => (
            Rc::new(
                c.result
                    .as_ref()
                    .map(|t| t.verdict.decisive_steps())
                    .unwrap_or_default(),
            ),
            c.result.as_ref().err().and_then(|e| e.step),
            Rc::new(c.result.clone()),
        ),
        None => (
            Rc::default(),
            None,
            Rc::new(Err(tlbrace_core::ScenarioError::whole("no variant"))),
        ),
    };

    // A share link in the address bar opens as one undoable Edit::Load over the saved work; a broken
    // one is reported and the scenario kept.
    let link = location::use_location_link(on_load.clone());
    let link_error = link.error.clone().map(|message| {
        let dismiss = link.dismiss.clone();
        html! {
            <div class="error link-error" role="alert">
                <span>{ message }</span>
                <button type="button" class="dismiss" aria-label="Dismiss"
                    onclick={move |_| dismiss.emit(())}>{ "×" }</button>
            </div>
        }
    });

    // The explorer's opened counterexample, with the variant it goes wrong under, shown beside the
    // explorer until loaded or closed.
    let opened = use_state(|| None::<(Rc<Scenario>, Variant)>);
    let on_open = {
        let opened = opened.clone();
        Callback::from(move |(s, variant): (Scenario, Variant)| {
            opened.set(Some((Rc::new(s), variant)))
        })
    };
    let on_close = {
        let opened = opened.clone();
        Callback::from(move |()| opened.set(None))
    };
    let explore = html! {
        <section class="explore-row" aria-label="Explore every interleaving">
            <Explorer scenario={scenario.clone()} arch={*arch} custom={*custom} {on_open} />
            if let Some((c, variant)) = &*opened {
                <Counterexample scenario={c.clone()} variant={*variant} on_load={on_load.clone()} {on_close} />
            }
        </section>
    };

    // Feature panels: each takes `scenario` and, when it replaces the scenario, `on_load`. Share sits
    // under the inspector; the explorer and import/export (wide: tables, diagrams) follow the timeline
    // in the centre column.
    let panels = html! { <SharePanel scenario={scenario.clone()} /> };
    let io = html! {
        <section class="io-row">
            <ImportExport scenario={scenario.clone()} on_load={on_load.clone()} />
        </section>
    };

    let message = doc.message.clone().map(|m| {
        let dismiss = edit.reform(|_: MouseEvent| Edit::DismissMessage);
        html! {
            <div class="error" role="alert">
                <span>{ m }</span>
                <button class="dismiss" aria-label="Dismiss" onclick={dismiss}>{ "×" }</button>
            </div>
        }
    });

    html! {
        <div class="app">
            <div class="topbar">
                <Header />
                <div class="toolbar" role="toolbar" aria-label="Scenario">
                    <select class="presets" aria-label="Load an example" onchange={on_preset}
                        title="Load one of the seed thread's diagrams (undoable)">
                        <option value="" selected=true>{ "Load example…" }</option>
                        { for EXAMPLES.iter().map(|e| html! {
                            <option value={e.name} title={e.description}>{ e.name }</option>
                        }) }
                        <option value="new">{ "New empty timeline" }</option>
                    </select>
                    <button class="undo" disabled={!doc.can_undo()} title="Undo (Ctrl+Z)"
                        onclick={edit.reform(|_: MouseEvent| Edit::Undo)}>{ "Undo" }</button>
                    <button class="redo" disabled={!doc.can_redo()} title="Redo (Ctrl+Shift+Z, Ctrl+Y)"
                        onclick={edit.reform(|_: MouseEvent| Edit::Redo)}>{ "Redo" }</button>
                </div>
            </div>
            { message }
            { link_error }
            <Verdicts scenario={scenario.clone()} columns={cols.clone()} arch={*arch} custom={*custom}
                inspected={*inspected}
                on_inspect={{ let i = inspected.clone(); Callback::from(move |k| i.set(k)) }}
                on_arch={{ let a = arch.clone(); Callback::from(move |v| a.set(v)) }}
                on_custom={{ let c = custom.clone(); Callback::from(move |v| c.set(v)) }} />
            <div class="workspace">
                <Palette on_pick={on_pick} on_trash={edit.reform(Edit::RemoveStep)}
                    on_drag_end={{ let t = target.clone(); Callback::from(move |_| t.set(None)) }}
                    picked={match *placing { Some(Src::Action(a)) => Some(a), _ => None }} />
                <main class="center">
                    <div class="scenario-head">
                        <h2 class="scenario-title">{ scenario.title.clone().unwrap_or_else(|| "Untitled scenario".into()) }</h2>
                        <span class="counts">{ format!("{} CPUs · {} steps", scenario.cpus, scenario.steps.len()) }</span>
                    </div>
                    { run_error }
                    { placing.map(|src| html! {
                        <p class="placing-hint" role="status">
                            { format!("Placing {}: arrows choose the lane and row, Enter places, Escape cancels.",
                                match src { Src::Action(a) => a.label().to_string(), Src::Step(i) => format!("step {}", i + 1) }) }
                        </p>
                    }) }
                    <Timeline scenario={scenario.clone()} selected={doc.selected} decisive={decisive}
                        error_step={error_step} target={*target} placing={*placing} editing={*editing}
                        on_edit={edit.clone()}
                        on_target={{ let t = target.clone(); Callback::from(move |v| t.set(v)) }}
                        on_cell={on_cell}
                        on_select={edit.reform(|i| Edit::Select(Some(i)))}
                        on_editing={on_editing}
                        onkeydown={on_timeline_key}
                        node_ref={timeline_ref.clone()} />
                    <InitialEditor initial={scenario.initial.clone()} cpus={scenario.cpus}
                        on_change={edit.reform(Edit::SetInitial)} />
                    <p class="keys hint">
                        { "Keys: focus the timeline, ↑/↓ select, Alt+arrows move, Delete removes, Enter edits the note; \
                           Ctrl+Z / Ctrl+Shift+Z undo and redo." }
                    </p>
                    { explore }
                    { io }
                </main>
                <aside class="side">
                    <Inspector scenario={scenario.clone()}
                        variant={AttrValue::from(inspected_col.as_ref().map_or("", |c| c.key.name()))}
                        result={result} selected={doc.selected} />
                    <div class="panels">{ panels }</div>
                </aside>
            </div>
        </div>
    }
}
