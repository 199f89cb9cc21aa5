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
use tlbrace_core::{Scenario, Verdict};
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
use super::intro::IntroStrip;
use super::io::ImportExport;
use super::palette::{self, Palette};
use super::part_ways::PartWays;
use super::releases::ReleaseTimeline;
use super::saved::{recent_menu, use_saved_work};
use super::share::SharePanel;
use super::timeline::{step_dom_id, InlineInput, Timeline, Warning};
use super::verdicts::{columns, featured, VariantKey, Verdicts};
use crate::dnd::Src;
use crate::doc::{Doc, Edit};
use crate::keys::{self, Key};
use crate::view::{contrast, open_example, parse_arch, Command, View, ViewEdit};
use crate::{location, storage};

/// The example a first visit opens on: the seed thread's Example 1.
pub const FIRST_EXAMPLE: &str = "example-1";

/// Whether the page opens with nothing of the user's to show: nothing saved (or nothing readable), no
/// `?example=` and no share link in the address bar. It then opens on [`FIRST_EXAMPLE`].
pub fn first_visit() -> bool {
    storage::get(storage::KEY).is_none()
        && location::current_param("example").is_none()
        && !location::has_link()
}

/// The document the page opens with: the example a `?example=<name>` query names (with the step a
/// `&step=<n>` selects, from 1: links from docs and screenshots), else the autosaved scenario, else,
/// on a [`first_visit`], [`FIRST_EXAMPLE`]; an empty timeline with a notice when the saved one could
/// not be read.
///
/// An example from the query, and the first visit's, are *opened* ([`Edit::Open`]): they become the
/// user's work, and are autosaved, only once edited; the query's is opened over the autosaved
/// scenario, so Undo brings that back (see [`super::saved`]).
fn initial_doc(first_visit: bool) -> Doc {
    let (saved, message) = match storage::load() {
        Ok(saved) => (saved, None),
        Err(message) => (None, Some(message)),
    };
    let example = location::current_param("example").and_then(|name| find(&name));
    let mut doc = match (saved, example) {
        (Some(s), Some(e)) => {
            let mut doc = Doc::new(s);
            doc.apply(Edit::Open(e.scenario()));
            doc
        }
        (None, Some(e)) => Doc::opened(e.scenario()),
        (Some(s), None) => Doc::new(s),
        (None, None) => match find(FIRST_EXAMPLE).filter(|_| first_visit) {
            Some(e) => Doc::opened(e.scenario()),
            None => Doc::default(),
        },
    };
    if example.is_some() {
        let step = location::current_param("step").and_then(|n| n.parse::<usize>().ok());
        doc.apply(Edit::Select(step.and_then(|n| n.checked_sub(1))));
    }
    doc.message = message;
    doc
}

/// The example the page opens on, if any: `?example=`'s, or the first visit's.
fn initial_example(first_visit: bool) -> Option<&'static Example> {
    match location::current_param("example") {
        Some(name) => find(&name),
        None => first_visit.then(|| find(FIRST_EXAMPLE)).flatten(),
    }
}

/// The view the page opens with: for the example it opens on, its contrast's architecture and
/// harmed kernel ([`open_example`]); the architecture the URL asks for (`?arch=arm64`) wins.
fn initial_view(first_visit: bool) -> View {
    let mut view = View::default();
    if let Some(e) = initial_example(first_visit) {
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
    let foreign_frame = use_state(crate::browser::framed_by_other_origin);
    if *embed {
        html! { <EmbedPage /> }
    } else if *foreign_frame {
        framed_notice()
    } else {
        html! { <Editor /> }
    }
}

/// What the editor shows in another site's frame instead of itself: it would read and write this
/// origin's saved work under a page the user may not know is there. A link opens it top-level.
fn framed_notice() -> Html {
    let here = gloo_utils::window().location().href().unwrap_or_default();
    html! {
        <div class="framed-notice" role="alert">
            <p>{ "The tlbrace editor does not run inside another site's page." }</p>
            <p><a class="open-top" href={here} target="_blank" rel="noopener">{ "Open tlbrace in its own tab ↗" }</a></p>
        </div>
    }
}

/// Keeps the selected step in view (arrow keys on a long timeline). Scrolls only when the step is
/// not already wholly inside the window and every scrolling panel around it: `scrollIntoView` with
/// "nearest" still walks and lays out every scrolling ancestor, and on a 64-step timeline that was
/// half of an edit's time (a CPU profile of the page's benchmark), for a step that is almost always
/// in view already.
#[hook]
fn use_selected_in_view(selected: Option<usize>) {
    use_effect_with(selected, |selected| {
        let step = selected.and_then(|i| gloo_utils::document().get_element_by_id(&step_dom_id(i)));
        if let Some(el) = step.filter(|el| !wholly_visible(el)) {
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_block(web_sys::ScrollLogicalPosition::Nearest);
            options.set_inline(web_sys::ScrollLogicalPosition::Nearest);
            el.scroll_into_view_with_scroll_into_view_options(&options);
        }
    });
}

/// Whether `el` lies wholly inside the window and inside each ancestor that scrolls.
fn wholly_visible(el: &web_sys::Element) -> bool {
    let r = el.get_bounding_client_rect();
    let inside = |top: f64, bottom: f64, left: f64, right: f64| {
        r.top() >= top && r.bottom() <= bottom && r.left() >= left && r.right() <= right
    };
    let window = gloo_utils::window();
    let (w, h) = (
        window.inner_width().ok().and_then(|v| v.as_f64()),
        window.inner_height().ok().and_then(|v| v.as_f64()),
    );
    let (Some(w), Some(h)) = (w, h) else {
        return false;
    };
    if !inside(0.0, h, 0.0, w) {
        return false;
    }
    let mut ancestor = el.parent_element();
    while let Some(a) = ancestor {
        let scrolls = a.scroll_height() > a.client_height() || a.scroll_width() > a.client_width();
        if scrolls {
            let b = a.get_bounding_client_rect();
            if !inside(b.top(), b.bottom(), b.left(), b.right()) {
                return false;
            }
        }
        ancestor = a.parent_element();
    }
    true
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
                let key = Key::of(e);
                let in_text = keys::from_text_field(event);
                if let Some(edit) = keys::undo_redo(&key, in_text) {
                    e.prevent_default();
                    doc.dispatch(edit);
                } else if key == Key::plain("a") && !in_text {
                    // A: to the palette (the action last picked), from anywhere but a text field.
                    e.prevent_default();
                    palette::focus_item(None);
                }
            });
        move || drop(listener)
    });
}

/// The editor page.
#[component]
fn Editor() -> Html {
    // Asked before the document is read (which moves an unreadable saved value aside).
    let first_visit = *use_state(first_visit);
    let doc = use_reducer(move || initial_doc(first_visit));
    let view = use_reducer(move || initial_view(first_visit));
    let timeline_ref = use_node_ref();
    let editing_title = use_state(|| false);
    // `?example=` is applied once: a reload must not open it again over the user's edits.
    use_effect_with((), |_| location::forget_example());
    use_selected_in_view(doc.selected);
    use_undo_keys(doc.dispatcher());

    let scenario = doc.scenario.clone();
    let origin = *use_memo(doc.revision, |_| origin(&scenario));
    let contrast = origin.and_then(contrast);
    let cols = {
        let scenario = scenario.clone();
        use_memo(
            (doc.revision, view.arch, view.custom),
            move |&(_, arch, custom)| {
                crate::perf::measure("tlbrace:run_all", || columns(&scenario, arch, custom))
            },
        )
    };
    // The callbacks the panels get are made once (or when what they read changes): a memoised panel
    // (a lane, the palette, a verdict card) is re-rendered only when what it shows changes.
    let edit = use_callback(doc.dispatcher(), |e: Edit, doc| doc.dispatch(e));
    let view_edit = use_callback(view.dispatcher(), |e: ViewEdit, view| view.dispatch(e));
    let run = use_callback(
        (doc.dispatcher(), view.dispatcher()),
        |commands: Vec<Command>, (doc, view)| {
            for command in commands {
                match command {
                    Command::Doc(e) => doc.dispatch(e),
                    Command::View(e) => view.dispatch(e),
                }
            }
        },
    );
    // Feature panels replace the scenario through this: one undoable Edit::Load.
    let on_load = use_callback(doc.dispatcher(), |s: Scenario, doc| {
        doc.dispatch(Edit::Load(s))
    });
    let work = use_saved_work(&doc, first_visit, edit.clone());
    // The document as of this render, for callbacks made once that must read it.
    let latest = use_mut_ref(|| doc.clone());
    *latest.borrow_mut() = doc.clone();

    let on_pick = use_callback(
        (view.dispatcher(), latest.clone(), timeline_ref.clone()),
        |action, (view, latest, timeline)| {
            view.dispatch(ViewEdit::pick(action, &latest.borrow()));
            if let Some(el) = timeline.cast::<HtmlElement>() {
                let _ = el.focus();
            }
        },
    );
    let on_cell = use_callback(
        (view.placing, run.clone()),
        |(cpu, row): (usize, usize), (placing, run)| {
            let view = View {
                placing: *placing,
                ..View::default()
            };
            run.emit(view.click_cell(cpu, row));
        },
    );
    let on_timeline_key = {
        let (doc, view, run) = (doc.clone(), view.clone(), run.clone());
        Callback::from(move |e: KeyboardEvent| {
            if let Some(commands) = keys::timeline(&Key::of(&e), &doc, &view) {
                e.prevent_default();
                // An action placed with the keyboard: back to the palette for the next one.
                let placed = commands.contains(&Command::View(ViewEdit::StopPlacing));
                let back = match view.placing {
                    Some(Src::Action(a)) if placed && e.key() != "Escape" => Some(a),
                    _ => None,
                };
                run.emit(commands);
                if back.is_some() {
                    palette::focus_item(back);
                }
            }
        })
    };
    let on_editing = use_callback(
        (view.dispatcher(), timeline_ref.clone()),
        |step: Option<usize>, (view, timeline)| {
            view.dispatch(ViewEdit::EditNote(step));
            if step.is_none() {
                if let Some(el) = timeline.cast::<HtmlElement>() {
                    let _ = el.focus();
                }
            }
        },
    );
    let on_target = use_callback(view.dispatcher(), |t, view| {
        view.dispatch(ViewEdit::Target(t))
    });
    let on_select = use_callback(doc.dispatcher(), |i, doc| {
        doc.dispatch(Edit::Select(Some(i)))
    });
    let on_inspect = use_callback(view.dispatcher(), |k, view| {
        view.dispatch(ViewEdit::Inspect(k))
    });
    let on_arch = use_callback(view.dispatcher(), |a, view| {
        view.dispatch(ViewEdit::SetArch(a))
    });
    let on_custom = use_callback(view.dispatcher(), |v, view| {
        view.dispatch(ViewEdit::SetCustom(v))
    });
    let on_trash = use_callback(doc.dispatcher(), |i, doc| doc.dispatch(Edit::RemoveStep(i)));
    let on_drag_end = use_callback(view.dispatcher(), |(), view| {
        view.dispatch(ViewEdit::Target(None))
    });

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
    // Why it was safe: the step that kept the data, under the inspected kernel and under the one
    // an example says holds, when their verdict is guaranteed.
    let saved = {
        let holds = contrast
            .and_then(|(_, h)| h.preset())
            .map(VariantKey::Preset);
        let keys = std::iter::once(inspected.key).chain(holds.filter(|&h| h != inspected.key));
        Rc::new(
            keys.filter_map(|key| {
                let col = cols.iter().find(|c| c.key == key)?;
                match col.result.as_ref() {
                    Ok(t) => match t.verdict {
                        Verdict::Guaranteed {
                            saved_by: Some(step),
                        } => Some((step, key.name())),
                        _ => None,
                    },
                    Err(_) => None,
                }
            })
            .collect::<Vec<_>>(),
        )
    };
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

    // A share link in the address bar opens as one undoable Edit::Open over the saved work (which it
    // does not overwrite until edited); a broken one is reported and the scenario kept.
    let link = location::use_location_link(edit.reform(Edit::Open));
    let link_error = link
        .error
        .as_deref()
        .map(|message| alert("error link-error", message, link.dismiss.reform(|_| ())));
    let message = doc
        .message
        .as_deref()
        .map(|m| alert("error", m, edit.reform(|_| Edit::DismissMessage)));

    html! {
        <div class={classes!("app", doc.selected.is_some().then_some("has-selection"))}>
            <div class="topbar">
                <Header />
                { toolbar(&doc, &edit, &run, recent_menu(&work.recents, &on_load)) }
            </div>
            <div class="notices">
                { work.notices }
                { message }
                { link_error }
                <IntroStrip shown={origin.is_some_and(|e| e.name == FIRST_EXAMPLE)} />
            </div>
            <Verdicts scenario={scenario.clone()} columns={cols.clone()} arch={view.arch} {contrast}
                custom={view.custom} inspected={view.inspected}
                {on_inspect} {on_arch} {on_custom} />
            <ReleaseTimeline columns={cols.clone()} />
            <div class="workspace">
                <Palette used={palette::used_paths(&scenario)} {on_pick} {on_trash} {on_drag_end}
                    picked={match view.placing { Some(Src::Action(a)) => Some(a), _ => None }} />
                <main class="center">
                    <div class="scenario-head">
                        <h2 class="scenario-title">{ title_head(&scenario, &editing_title, &edit) }</h2>
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
                        {error_step} {saved} {hazard} warnings={warnings.clone()} target={view.target} placing={view.placing} editing={view.editing}
                        on_edit={edit.clone()} {on_target} {on_cell} {on_select} {on_editing}
                        onkeydown={on_timeline_key}
                        node_ref={timeline_ref.clone()} />
                    <InitialEditor pages={scenario.pages.clone()} mm={scenario.initial.clone()}
                        cpus={scenario.cpus} on_edit={edit.clone()} />
                    <p class="keys hint">
                        { "Keys: A goes to the actions (↑/↓ or a letter choose, Enter picks, then arrows or a lane's digit aim \
                           and Enter places); on the timeline ↑/↓ select, Alt+arrows move, Delete removes, Enter edits the note, \
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
                    // On a narrow screen the selected step's state is a drawer at the bottom, beside the step.
                    if doc.selected.is_some() {
                        <button type="button" class="drawer-close" aria-label="Close the step's state"
                            onclick={edit.reform(|_: MouseEvent| Edit::Select(None))}>{ "×" }</button>
                    }
                    <Inspector scenario={scenario.clone()} variant={AttrValue::from(inspected.variant.name())}
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

/// The scenario's title, edited in place (one undoable edit): a button until clicked, then a field.
fn title_head(scenario: &Scenario, editing: &UseStateHandle<bool>, edit: &Callback<Edit>) -> Html {
    let title = scenario.title.clone().unwrap_or_default();
    if **editing {
        let done = editing.clone();
        return html! {
            <InlineInput class="title-input" label="Title" placeholder="a title, e.g. the race in a few words"
                value={title} on_commit={edit.reform(|t| Edit::SetTitle(Some(t)))}
                on_done={Callback::from(move |()| done.set(false))} />
        };
    }
    let start = editing.clone();
    html! {
        <button type="button" class="title-edit" title="Edit the title"
            onclick={Callback::from(move |_: MouseEvent| start.set(true))}>
            { if title.is_empty() { "Untitled scenario".to_string() } else { title } }
        </button>
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
fn toolbar(doc: &Doc, edit: &Callback<Edit>, run: &Callback<Vec<Command>>, recent: Html) -> Html {
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
        // What it is, in the list itself (its whole description and commit in the tooltip).
        let mut what: String = e.description.chars().take(64).collect();
        if what.len() < e.description.len() {
            what.push('…');
        }
        html! { <option value={e.name} {title}>{ format!("{} · {what}", e.name) }</option> }
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
            { recent }
            <button class="undo" disabled={!doc.can_undo()} title="Undo (Ctrl+Z)"
                onclick={edit.reform(|_: MouseEvent| Edit::Undo)}>{ "Undo" }</button>
            <button class="redo" disabled={!doc.can_redo()} title="Redo (Ctrl+Shift+Z, Ctrl+Y)"
                onclick={edit.reform(|_: MouseEvent| Edit::Redo)}>{ "Redo" }</button>
        </div>
    }
}
