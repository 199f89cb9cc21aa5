//! The whole page: two reducers, the document ([`Doc`]) and the view ([`View`]), and the panels
//! around them.
//!
//! Data flows one way: panels get the scenario (`Rc<Scenario>`) and the view's fields, and report
//! [`Edit`]s and [`ViewEdit`]s, which the reducers apply; the keyboard ([`keys`]) maps key presses to
//! the same edits. Verdicts and traces are recomputed from the scenario on every change of it. Panels
//! written elsewhere (share, import/export, explorer) take `scenario` and, to replace it, `on_load`
//! (one undoable [`Edit::Load`]).

use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use tlbrace_core::examples::{find, Example, Origin, EXAMPLES};
use tlbrace_core::model::paths;
use tlbrace_core::Scenario;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlSelectElement, KeyboardEvent};
use yew::prelude::*;

use super::counterexample::Counterexample;
use super::embed::EmbedPage;
use super::explorer::Explorer;
use super::fixes::FixFinder;
use super::header::Header;
use super::initial::{pages_bar, InitialEditor};
use super::inspector::Inspector;
use super::io::ImportExport;
use super::palette::Palette;
use super::part_ways::PartWays;
use super::releases::ReleaseTimeline;
use super::share::SharePanel;
use super::timeline::{step_dom_id, Timeline, Warning};
use super::verdicts::{columns, featured, VariantKey, Verdicts};
use crate::dnd::Src;
use crate::doc::{Doc, Edit};
use crate::keys::{self, Key};
use crate::view::{contrast, open_example, parse_arch, Command, View, ViewEdit};
use crate::{location, storage};

/// The document the page opens with: the example a `?example=<name>` query names (with the step a
/// `&step=<n>` selects, from 1: links from docs and screenshots), else the autosaved scenario, else
/// an empty timeline (with a notice when the saved one could not be read).
///
/// An example from the query is loaded *over* the autosaved scenario, as an undoable edit, so that
/// opening a link never loses the user's work (Undo brings it back; the autosave is only written
/// after the first edit, see [`use_autosave`]).
fn initial_doc() -> Doc {
    let mut doc = match storage::load() {
        Ok(Some(s)) => Doc::new(s),
        Ok(None) => Doc::default(),
        Err(message) => Doc {
            message: Some(message),
            ..Doc::default()
        },
    };
    if let Some(e) = location::current_param("example").and_then(|name| find(&name)) {
        let message = doc.message.take();
        doc.apply(Edit::Load(e.scenario()));
        doc.message = message;
        let step = location::current_param("step").and_then(|n| n.parse::<usize>().ok());
        doc.apply(Edit::Select(step.and_then(|n| n.checked_sub(1))));
    }
    doc
}

/// The view the page opens with: for an example named in the URL, its contrast's architecture and
/// harmed kernel ([`open_example`]); the architecture the URL asks for (`?arch=arm64`) wins.
fn initial_view() -> View {
    let mut view = View::default();
    if let Some(e) = location::current_param("example").and_then(|name| find(&name)) {
        for command in open_example(e) {
            if let Command::View(edit) = command {
                view.apply(edit);
            }
        }
    }
    if let Some(arch) = location::current_param("arch").and_then(|a| parse_arch(&a)) {
        view.arch = arch;
    }
    view
}

/// The built-in example a scenario is (or was edited from), known by its title: its story, commit
/// and contrast stay on the page while it is edited, and come back with Undo or a reload.
pub fn origin(scenario: &Scenario) -> Option<&'static Example> {
    let title = scenario.title.as_deref()?;
    EXAMPLES
        .iter()
        .find(|e| e.scenario().title.as_deref() == Some(title))
}

/// Steps that are not a kernel order, in words, for the timeline and the list above it: steps no
/// kernel path runs where they stand ([`paths::irregular`]), and steps that would wait for a lock
/// under the inspected variant (`Trace::waits`).
pub fn order_warnings(
    scenario: &Scenario,
    trace: Option<&tlbrace_core::Trace>,
    variant: &str,
) -> Vec<Warning> {
    let mut out: Vec<Warning> = paths::irregular(scenario)
        .into_iter()
        .map(|x| Warning {
            step: x.step,
            kind: "irregular",
            text: x.to_string(),
        })
        .collect();
    // Both lists come in step order; each wait goes after the warnings on steps up to its own.
    for w in trace.map_or(&[][..], |t| &t.waits[..]) {
        let at = out.partition_point(|x| x.step <= w.step);
        out.insert(
            at,
            Warning {
                step: w.step,
                kind: "wait",
                text: format!(
                    "step {} would wait under {variant}: {}; as drawn, not a kernel order",
                    w.step + 1,
                    w.blocked
                ),
            },
        );
    }
    out
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

/// Saves the scenario on every change of it. Not on mount: what the page opened with is either what
/// storage holds already, or a link's example that must not overwrite the user's work.
#[hook]
fn use_autosave(doc: &Doc) {
    let scenario = doc.scenario.clone();
    let mounted = use_mut_ref(|| false);
    use_effect_with(doc.revision, move |_| {
        if std::mem::replace(&mut *mounted.borrow_mut(), true) {
            storage::save(&scenario);
        }
    });
}

/// Keeps the selected step in view (arrow keys on a long timeline).
#[hook]
fn use_selected_in_view(selected: Option<usize>) {
    use_effect_with(selected, |selected| {
        let step = selected.and_then(|i| gloo_utils::document().get_element_by_id(&step_dom_id(i)));
        if let Some(el) = step {
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_block(web_sys::ScrollLogicalPosition::Nearest);
            options.set_inline(web_sys::ScrollLogicalPosition::Nearest);
            el.scroll_into_view_with_scroll_into_view_options(&options);
        }
    });
}

/// Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y anywhere on the page but in a text field ([`keys::undo_redo`]).
#[hook]
fn use_undo_keys(doc: UseReducerDispatcher<Doc>) {
    use_effect_with((), move |_| {
        // Not passive: the handler cancels the browser's own undo.
        let options = EventListenerOptions::enable_prevent_default();
        let document = gloo_utils::document();
        let listener =
            EventListener::new_with_options(&document, "keydown", options, move |event| {
                let Some(e) = event.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                if let Some(edit) = keys::undo_redo(&Key::of(e), keys::from_text_field(event)) {
                    e.prevent_default();
                    doc.dispatch(edit);
                }
            });
        move || drop(listener)
    });
}

/// The editor page.
#[component]
fn Editor() -> Html {
    let doc = use_reducer(initial_doc);
    let view = use_reducer(initial_view);
    let timeline_ref = use_node_ref();
    use_autosave(&doc);
    use_selected_in_view(doc.selected);
    use_undo_keys(doc.dispatcher());

    let scenario = doc.scenario.clone();
    let origin = *use_memo(doc.revision, |_| origin(&scenario));
    let contrast = origin.and_then(contrast);
    let cols = {
        let scenario = scenario.clone();
        use_memo(
            (doc.revision, view.arch, view.custom),
            move |&(_, arch, custom)| columns(&scenario, arch, custom),
        )
    };
    let edit = {
        let doc = doc.dispatcher();
        Callback::from(move |e: Edit| doc.dispatch(e))
    };
    let view_edit = {
        let view = view.dispatcher();
        Callback::from(move |e: ViewEdit| view.dispatch(e))
    };
    let run = {
        let (doc, view) = (doc.dispatcher(), view.dispatcher());
        Callback::from(move |commands: Vec<Command>| {
            for command in commands {
                match command {
                    Command::Doc(e) => doc.dispatch(e),
                    Command::View(e) => view.dispatch(e),
                }
            }
        })
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
        let (doc, view_edit, focus_timeline) =
            (doc.clone(), view_edit.clone(), focus_timeline.clone());
        Callback::from(move |action| {
            view_edit.emit(ViewEdit::pick(action, &doc));
            focus_timeline();
        })
    };
    let on_cell = {
        let (view, run) = (view.clone(), run.clone());
        Callback::from(move |(cpu, row)| run.emit(view.click_cell(cpu, row)))
    };
    let on_timeline_key = {
        let (doc, view, run) = (doc.clone(), view.clone(), run.clone());
        Callback::from(move |e: KeyboardEvent| {
            if let Some(commands) = keys::timeline(&Key::of(&e), &doc, &view) {
                e.prevent_default();
                run.emit(commands);
            }
        })
    };
    let on_editing = {
        let (view_edit, focus_timeline) = (view_edit.clone(), focus_timeline.clone());
        Callback::from(move |step: Option<usize>| {
            view_edit.emit(ViewEdit::EditNote(step));
            if step.is_none() {
                focus_timeline();
            }
        })
    };

    let inspected = cols
        .iter()
        .find(|c| c.key == view.inspected)
        .or_else(|| cols.first())
        .cloned()
        .expect("the matrix has a column per preset");
    let inspected_name = inspected.key.name();
    // What the explorer searches until the user chooses: the kernels the matrix shows first.
    let explore_defaults: Vec<&'static str> = {
        let pair = contrast.and_then(|(h, k)| Some((h.preset()?, k.preset()?)));
        featured(&cols, pair, view.inspected)
            .into_iter()
            .map(|(p, _)| p.name())
            .chain(["custom"])
            .collect()
    };
    // The review panels: the kernels shown first as columns, and where the inspected run's hazard begins.
    let kernels: Vec<tlbrace_core::Variant> = cols
        .iter()
        .filter(|c| explore_defaults.contains(&c.key.name()) && c.key != VariantKey::Custom)
        .map(|c| c.variant)
        .collect();
    let pair = contrast.and_then(|(h, k)| {
        Some((
            VariantKey::Preset(h.preset()?),
            VariantKey::Preset(k.preset()?),
        ))
    });
    let hazard = inspected
        .result
        .as_ref()
        .as_ref()
        .ok()
        .and_then(|t| crate::review::hazard(&scenario, t, &inspected.variant.name()));
    let warnings = Rc::new(order_warnings(
        &scenario,
        inspected.result.as_ref().as_ref().ok(),
        inspected_name,
    ));
    // The inspected variant cannot run the timeline: say so above it, naming the step.
    let (decisive, error_step, run_error) = match inspected.result.as_ref() {
        Ok(t) => (Rc::new(t.verdict.decisive_steps()), None, None),
        Err(e) => (
            Rc::default(),
            e.step,
            Some(format!(
                "Under {inspected_name}, this timeline cannot run: {e}"
            )),
        ),
    };

    // A share link in the address bar opens as one undoable Edit::Load over the saved work; a broken
    // one is reported and the scenario kept.
    let link = location::use_location_link(on_load.clone());
    let link_error = link
        .error
        .as_deref()
        .map(|message| alert("error link-error", message, link.dismiss.reform(|_| ())));
    let message = doc
        .message
        .as_deref()
        .map(|m| alert("error", m, edit.reform(|_| Edit::DismissMessage)));

    html! {
        <div class="app">
            <div class="topbar">
                <Header />
                { toolbar(&doc, &edit, &run) }
            </div>
            { message }
            { link_error }
            <Verdicts scenario={scenario.clone()} columns={cols.clone()} arch={view.arch} {contrast}
                custom={view.custom} inspected={view.inspected}
                on_inspect={view_edit.reform(ViewEdit::Inspect)}
                on_arch={view_edit.reform(ViewEdit::SetArch)}
                on_custom={view_edit.reform(ViewEdit::SetCustom)} />
            <ReleaseTimeline columns={cols.clone()} />
            <div class="workspace">
                <Palette scenario={scenario.clone()} {on_pick} on_trash={edit.reform(Edit::RemoveStep)}
                    on_drag_end={view_edit.reform(|()| ViewEdit::Target(None))}
                    picked={match view.placing { Some(Src::Action(a)) => Some(a), _ => None }} />
                <main class="center">
                    <div class="scenario-head">
                        <h2 class="scenario-title">{ scenario.title.clone().unwrap_or_else(|| "Untitled scenario".into()) }</h2>
                        <span class="counts">{ format!("{} CPUs · {} steps", scenario.cpus, scenario.steps.len()) }</span>
                    </div>
                    { origin.map(story) }
                    { pages_bar(&scenario, &edit) }
                    if let Some(e) = run_error {
                        <p class="error run-error" role="alert">{ e }</p>
                    }
                    { view.placing.map(placing_hint) }
                    if !warnings.is_empty() {
                        <ul class="order-warnings" aria-label="Not a kernel order">
                            { for warnings.iter().map(|w| html! {
                                <li class="order-warning" data-step={w.step.to_string()} data-kind={w.kind}>
                                    <span aria-hidden="true">{ "⚠ " }</span>{ w.text.clone() }
                                </li>
                            }) }
                        </ul>
                    }
                    <Timeline scenario={scenario.clone()} selected={doc.selected} {decisive}
                        {error_step} {hazard} warnings={warnings.clone()} target={view.target} placing={view.placing} editing={view.editing}
                        on_edit={edit.clone()}
                        on_target={view_edit.reform(ViewEdit::Target)}
                        {on_cell}
                        on_select={edit.reform(|i| Edit::Select(Some(i)))}
                        {on_editing}
                        onkeydown={on_timeline_key}
                        node_ref={timeline_ref.clone()} />
                    <InitialEditor pages={scenario.pages.clone()} mm={scenario.initial.clone()}
                        cpus={scenario.cpus} on_edit={edit.clone()} />
                    <p class="keys hint">
                        { "Keys: focus the timeline, ↑/↓ select, Alt+arrows move, Delete removes, Enter edits the note, \
                           P moves a step to the other page; Ctrl+Z / Ctrl+Shift+Z undo and redo." }
                    </p>
                    <section class="explore-row" aria-label="Explore every interleaving">
                        <Explorer scenario={scenario.clone()} arch={view.arch} custom={view.custom}
                            defaults={explore_defaults.clone()}
                            on_open={view_edit.reform(|(s, v)| ViewEdit::ShowCounterexample(Some((Rc::new(s), v))))} />
                        if let Some((scenario, variant)) = &view.counterexample {
                            <Counterexample scenario={scenario.clone()} variant={*variant}
                                on_load={on_load.clone()}
                                on_close={view_edit.reform(|()| ViewEdit::ShowCounterexample(None))} />
                        }
                    </section>
                    <section class="review-row" aria-label="Review">
                        <PartWays scenario={scenario.clone()} columns={cols.clone()} contrast={pair} inspected={view.inspected} />
                        <FixFinder scenario={scenario.clone()} columns={cols.clone()} inspected={view.inspected}
                            on_open={view_edit.reform(|(s, v)| ViewEdit::ShowCounterexample(Some((Rc::new(s), v))))} />
                    </section>
                    <section class="io-row">
                        <ImportExport scenario={scenario.clone()} arch={view.arch} on_load={on_load.clone()} {kernels} />
                    </section>
                </main>
                <aside class="side">
                    <Inspector scenario={scenario.clone()} variant={AttrValue::from(inspected_name)}
                        result={inspected.result.clone()} selected={doc.selected} />
                    <div class="panels">
                        <SharePanel scenario={scenario.clone()} arch={view.arch} columns={cols.clone()}
                            shown={explore_defaults.clone()} inspected={Some(view.inspected)} />
                    </div>
                </aside>
            </div>
        </div>
    }
}

/// A message in a `role="alert"` with a button that dismisses it.
fn alert(class: &'static str, message: &str, on_dismiss: Callback<MouseEvent>) -> Html {
    html! {
        <div {class} role="alert">
            <span>{ message }</span>
            <button type="button" class="dismiss" aria-label="Dismiss" onclick={on_dismiss}>{ "×" }</button>
        </div>
    }
}

/// What the keyboard is placing, and the keys that place it.
fn placing_hint(src: Src) -> Html {
    let what = match src {
        Src::Action(a) => a.label().to_string(),
        Src::Step(i) => format!("step {}", i + 1),
    };
    html! {
        <p class="placing-hint" role="status">
            { format!("Placing {what}: arrows choose the lane and row, Enter places, Escape cancels.") }
        </p>
    }
}

/// A built-in example's story, above the timeline while the scenario is (an edit of) it.
fn story(e: &'static Example) -> Html {
    let mut facts = vec![e.year.to_string(), e.path.title().to_string()];
    if let Some(commit) = e.commit {
        facts.insert(0, format!("commit {commit}"));
    }
    if let Some(c) = e.contrast {
        facts.push(format!(
            "harmed under {}, holds under {}",
            c.harmed, c.holds
        ));
    }
    html! {
        <details class="example-story" data-example={e.name} open=true>
            <summary>{ e.description }</summary>
            <p class="story-facts">{ facts.join(" · ") }</p>
            <p class="story-text">{ e.story }</p>
        </details>
    }
}

/// The scenario toolbar: the examples menu (the seed thread's diagrams, then the history by year),
/// Undo and Redo.
fn toolbar(doc: &Doc, edit: &Callback<Edit>, run: &Callback<Vec<Command>>) -> Html {
    let on_preset = {
        let run = run.clone();
        Callback::from(move |e: Event| {
            let select = e.target_unchecked_into::<HtmlSelectElement>();
            let name = select.value();
            select.set_value("");
            if name == "new" {
                run.emit(vec![Command::Doc(Edit::Load(Scenario::default()))]);
            } else if let Some(e) = find(&name) {
                run.emit(open_example(e));
            }
        })
    };
    let option = |e: &&'static Example| {
        let title = match e.commit {
            Some(c) => format!("{} (commit {c})", e.description),
            None => e.description.to_string(),
        };
        html! { <option value={e.name} {title}>{ e.name }</option> }
    };
    let history = || EXAMPLES.iter().filter(|e| e.origin == Origin::History);
    let first = history().map(|e| e.year).min().unwrap_or(0);
    let last = history().map(|e| e.year).max().unwrap_or(0);
    let years = (first..=last).filter(|&y| history().any(|e| e.year == y));
    let seed = EXAMPLES.iter().filter(|e| e.origin == Origin::Seed);
    html! {
        <div class="toolbar" role="toolbar" aria-label="Scenario">
            <select class="presets" aria-label="Load an example" onchange={on_preset}
                title="Load a built-in scenario (undoable): the seed thread's diagrams, or a race from the kernel's history">
                <option value="" selected=true>{ "Load example…" }</option>
                <optgroup label="The seed thread (2020)">{ for seed.map(|e| option(&e)) }</optgroup>
                { for years.map(|y| html! {
                    <optgroup label={format!("History: {y}")}>
                        { for EXAMPLES.iter().filter(|e| e.origin == Origin::History && e.year == y).map(|e| option(&e)) }
                    </optgroup>
                }) }
                <option value="new">{ "New empty timeline" }</option>
            </select>
            <button class="undo" disabled={!doc.can_undo()} title="Undo (Ctrl+Z)"
                onclick={edit.reform(|_: MouseEvent| Edit::Undo)}>{ "Undo" }</button>
            <button class="redo" disabled={!doc.can_redo()} title="Redo (Ctrl+Shift+Z, Ctrl+Y)"
                onclick={edit.reform(|_: MouseEvent| Edit::Redo)}>{ "Redo" }</button>
        </div>
    }
}
