//! The embed view (`?embed#v2.…`): a compact, read-only rendering of a shared scenario for mailing-list
//! archives, wikis and documentation pages, in an `<iframe>`.
//!
//! It shows the timeline (CPU lanes and steps), the verdict of every preset (presets that ran alike on
//! one line), and the selected
//! variant's explanation with its decisive steps marked, plus an "Open in tlbrace" link to the full
//! editor. Every preset runs on the architecture the URL asks for (`?arch=arm64`, else x86), which
//! the editor's Embed… snippet sets to its own. It keeps to the playground's DOM contract (`.lane[data-cpu]`, `.step[data-step]`,
//! `.verdicts .verdict[data-variant][data-verdict]`), so the same tests and styles apply. All the
//! semantics come from `tlbrace_core::run_all`; these components only lay it out.
//!
//! An embed checks itself: a link made by the editor records the verdicts its author saw and the
//! column they inspected (`Scenario::view`). The embed opens on that column (a custom kernel gets a
//! line of its own) and, where the model now says otherwise, says so above the timeline
//! (`.verdict-changed`: "verdict changed since this was written: was lost, now guaranteed under
//! v5.12").
//!
//! The page posts its height to the embedding page (`{type: "tlbrace:height", height}`) on load and
//! whenever its size changes, so the embedding page can size the iframe to fit (see `www/embed-demo.html`).

use std::rc::Rc;

use tlbrace_core::{formats::share, run, Arch, Scenario};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::verdicts::{badge, group_note, groups, preset_columns, verdict_id, Column, VariantKey};
use crate::browser::post_height;
use crate::location;
use crate::review::{authors_column, authors_extra, verdict_changes};
use crate::view::arch_id;

/// The run a reader most likely wants explained first: the first that does harm or risks data, else
/// the first preset.
pub fn default_selection(runs: &[Column]) -> usize {
    runs.iter()
        .position(|r| r.result.as_ref().as_ref().is_ok_and(|t| t.verdict.is_bad()))
        .unwrap_or(0)
}

/// A kernel function name with line-break opportunities after its underscores, so that a narrow lane
/// wraps `inc_tlb_flush_pending()` as `inc_tlb_flush_` / `pending()` rather than mid-word.
fn breakable(label: &str) -> Html {
    let mut parts = label.split_inclusive('_').peekable();
    let mut out = Vec::new();
    while let Some(part) = parts.next() {
        out.push(html! { { part } });
        if parts.peek().is_some() {
            out.push(html! { <wbr /> });
        }
    }
    out.into_iter().collect()
}

/// What [`StaticTimeline`] shows.
#[derive(Clone, PartialEq, Properties)]
pub struct StaticTimelineProps {
    /// The scenario.
    pub scenario: Rc<Scenario>,
    /// Steps to mark as decisive for the selected verdict (global indices).
    #[prop_or_default]
    pub decisive: Vec<usize>,
    /// A step the selected variant cannot run, to mark as the error.
    #[prop_or_default]
    pub error_step: Option<usize>,
}

/// A read-only timeline: one lane per CPU, each step in its lane on the row of its global position, so
/// the interleaving reads top to bottom as in the mailed diagrams.
#[component]
pub fn StaticTimeline(props: &StaticTimelineProps) -> Html {
    let s = &props.scenario;
    let rows = s.steps.len();
    let style = format!(
        "grid-template-columns: repeat({}, minmax(7rem, 1fr)); grid-template-rows: auto repeat({rows}, auto);",
        s.cpus.max(1)
    );
    html! {
        <section class="timeline readonly" data-testid="timeline" aria-label="Timeline" {style}>
            { for (0..s.cpus).map(|cpu| html! {
                <div class="lane" data-testid="lane" data-cpu={cpu.to_string()} key={cpu}
                     style={format!("grid-row: 1 / span {};", rows + 1)}>
                    <div class="lane-top">
                        <h2 class="lane-head">{ format!("CPU{cpu}") }</h2>
                        if let Some(label) = s.label(cpu) {
                            <span class="lane-label">{ label }</span>
                        }
                    </div>
                    <ol class="lane-steps">
                        { for s.steps.iter().enumerate().filter(|(_, st)| st.cpu == cpu).map(|(i, st)| {
                            let class = classes!(
                                "step",
                                props.decisive.contains(&i).then_some("decisive"),
                                (props.error_step == Some(i)).then_some("step-error"),
                            );
                            html! {
                                <li {class} key={i} style={format!("grid-row: {};", i + 2)}
                                    data-step={i.to_string()} data-cpu={cpu.to_string()}
                                    data-page={st.page.to_string()}
                                    data-action={st.action.id()} title={st.action.summary()}>
                                    <span class="step-no">{ i + 1 }</span>
                                    <span class="step-label">{ breakable(st.action.label()) }</span>
                                    if s.pages.len() > 1 && st.action.def().per_page {
                                        <span class="step-page-badge">{ format!("p{}", st.page) }</span>
                                    }
                                    if let Some(note) = st.note.as_deref().filter(|n| !n.is_empty()) {
                                        <span class="step-note">{ format!("[{note}]") }</span>
                                    }
                                </li>
                            }
                        }) }
                    </ol>
                </div>
            }) }
        </section>
    }
}

/// What [`VerdictMatrix`] shows.
#[derive(Clone, PartialEq, Properties)]
pub struct VerdictMatrixProps {
    /// One run per preset, from [`preset_columns`].
    pub runs: Rc<Vec<Column>>,
    /// The selected run's index.
    pub selected: usize,
    /// Selects a run.
    pub on_select: Callback<usize>,
}

/// The verdict of every preset, one button each, a line per group of presets that ran alike with the
/// verdict's words; the selected one is explained below it.
#[component]
pub fn VerdictMatrix(props: &VerdictMatrixProps) -> Html {
    let button = |i: usize| {
        let run = &props.runs[i];
        let on_select = props.on_select.clone();
        let name = run.key.name();
        let source = match run.key {
            VariantKey::Preset(p) => p.source(),
            VariantKey::Custom => "",
        };
        html! {
            <button type="button" key={name}
                class={classes!("verdict", (i == props.selected).then_some("selected"))}
                data-variant={name} data-verdict={verdict_id(&run.result)}
                aria-pressed={(i == props.selected).to_string()}
                title={source} onclick={move |_| on_select.emit(i)}>
                { name }
            </button>
        }
    };
    // The author's own kernel, when it is no preset: a line of its own.
    let custom = props
        .runs
        .iter()
        .position(|r| r.key == VariantKey::Custom)
        .map(|i| {
            let id = verdict_id(&props.runs[i].result);
            html! {
                <li class="verdict-group" data-verdict={id}>
                    { badge(id) }
                    <span class="group-members">{ button(i) }</span>
                    <span class="group-note">{ format!(" ({})", props.runs[i].variant.name()) }</span>
                </li>
            }
        });
    let all_groups = groups(&props.runs);
    html! {
        <div class="verdicts" role="group" aria-label="Verdict under each kernel variant">
            <ul class="verdict-groups">
                { for all_groups.iter().enumerate().map(|(k, g)| {
                    let id = verdict_id(&props.runs[g[0]].result);
                    // Only when another line has the same verdict: then it says why there are two.
                    let note = group_note(&props.runs, &all_groups, k, false);
                    let note = (!note.is_empty()).then_some(note);
                    html! {
                        <li class="verdict-group" data-verdict={id}>
                            { badge(id) }
                            <span class="group-members">{ for g.iter().copied().map(button) }</span>
                            if let Some(note) = note {
                                <span class="group-note">{ note }</span>
                            }
                        </li>
                    }
                }) }
                { custom }
            </ul>
        </div>
    }
}

/// What [`Overview`] shows.
#[derive(Clone, PartialEq, Properties)]
pub struct OverviewProps {
    /// The scenario.
    pub scenario: Rc<Scenario>,
    /// The architecture every preset runs on.
    #[prop_or(Arch::X86)]
    pub arch: Arch,
}

/// The read-only heart of the embed: timeline, verdict matrix and the selected verdict's explanation.
#[component]
pub fn Overview(props: &OverviewProps) -> Html {
    let runs = use_memo((props.scenario.clone(), props.arch), |(s, arch)| {
        let mut runs = preset_columns(s, *arch);
        if let Some(variant) = authors_extra(&s.view, &runs) {
            runs.push(Column {
                key: VariantKey::Custom,
                variant,
                result: Rc::new(run(s, &variant)),
            });
        }
        Rc::new(runs)
    });
    let runs: Rc<Vec<Column>> = (*runs).clone();
    // What the author saw and the model no longer says.
    let changes = use_memo((props.scenario.clone(), runs.clone()), |(s, runs)| {
        verdict_changes(s, runs)
    });
    let chosen = use_state(|| None::<usize>);
    // A new scenario gets the default selection again.
    {
        let chosen = chosen.clone();
        use_effect_with(props.scenario.clone(), move |_| chosen.set(None));
    }
    let selected = chosen
        .filter(|&i| i < runs.len())
        .or_else(|| authors_column(&props.scenario.view, &runs))
        .unwrap_or_else(|| default_selection(&runs));
    let on_select = {
        let chosen = chosen.clone();
        Callback::from(move |i| chosen.set(Some(i)))
    };
    let s = &props.scenario;
    let run = runs.get(selected);
    let (decisive, error_step) = match run.map(|r| r.result.as_ref()) {
        Some(Ok(trace)) => (trace.verdict.decisive_steps(), None),
        Some(Err(e)) => (Vec::new(), e.step),
        None => (Vec::new(), None),
    };
    let explanation = match run {
        None => html! {},
        Some(run) => {
            let body = match run.result.as_ref() {
                Ok(trace) => html! {
                    <>
                        <p class="verdict-summary">{ trace.verdict.summary(s) }</p>
                        if !decisive.is_empty() {
                            <ol class="decisive-steps">
                                { for decisive.iter().filter_map(|&i| trace.events.get(i)).map(|ev| html! {
                                    <li data-step={ev.step.to_string()}>
                                        <strong>{ format!("step {}: ", ev.step + 1) }</strong>
                                        { ev.text() }
                                    </li>
                                }) }
                            </ol>
                        }
                    </>
                },
                Err(e) => html! { <p class="verdict-summary">{ format!("cannot run: {e}") }</p> },
            };
            html! {
                <section class="explanation" aria-live="polite" data-variant={run.key.name()}>
                    <h3>{ format!("{} — {}", run.variant.name(), match run.key {
                        VariantKey::Preset(p) => p.source(),
                        VariantKey::Custom => "",
                    }) }</h3>
                    { body }
                </section>
            }
        }
    };
    html! {
        <div class="overview" data-arch={arch_id(props.arch)}>
            if !changes.is_empty() {
                <div class="verdict-changed" role="note">
                    { for changes.iter().map(|c| html! {
                        <p data-variant={c.spec.clone()} data-was={c.was.clone()} data-now={c.now.clone()}>
                            <span aria-hidden="true">{ "⚠ " }</span>{ c.words() }
                        </p>
                    }) }
                </div>
            }
            <StaticTimeline scenario={s.clone()} {decisive} {error_step} />
            <VerdictMatrix runs={runs.clone()} {selected} {on_select} />
            { explanation }
        </div>
    }
}

/// What [`EmbedView`] shows.
#[derive(Clone, PartialEq, Properties)]
pub struct EmbedViewProps {
    /// The scenario.
    pub scenario: Rc<Scenario>,
    /// The architecture every preset runs on.
    #[prop_or(Arch::X86)]
    pub arch: Arch,
    /// Where "Open in tlbrace" leads: the editor with the same scenario.
    pub open_url: AttrValue,
}

/// The embed: a title bar with the "Open in tlbrace" link over the [`Overview`].
#[component]
pub fn EmbedView(props: &EmbedViewProps) -> Html {
    let title = props
        .scenario
        .title
        .clone()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "tlbrace scenario".to_string());
    html! {
        <>
            <div class="embed-bar">
                <span class="embed-title">{ title }</span>
                <a class="open-in-tlbrace" href={props.open_url.clone()} target="_blank" rel="noopener">
                    { "Open in tlbrace ↗" }
                </a>
            </div>
            <Overview scenario={props.scenario.clone()} arch={props.arch} />
        </>
    }
}

/// The embed route: reads the scenario from the fragment (again on `hashchange`) and the architecture
/// from the query, renders [`EmbedView`] or the reason it cannot, and keeps the parent page told of
/// its height.
#[component]
pub fn EmbedPage() -> Html {
    let link = use_state(location::scenario_from_location);
    let arch = *use_memo((), |_| location::arch());
    {
        let link = link.clone();
        use_effect_with((), move |_| {
            let listener =
                gloo_events::EventListener::new(&gloo_utils::window(), "hashchange", move |_| {
                    link.set(location::scenario_from_location())
                });
            move || drop(listener)
        });
    }
    let root = use_node_ref();
    use_height_reporter(root.clone());
    let body = match &*link {
        Some(Ok(scenario)) => {
            let scenario = Rc::new(scenario.clone());
            // The editor on the same scenario and architecture: this page without the embed flag.
            let open_url: AttrValue = location::share_url(&scenario, arch).into();
            html! { <EmbedView {scenario} {arch} {open_url} /> }
        }
        Some(Err(message)) => html! {
            <p class="error" role="alert">{ message.clone() }</p>
        },
        None => html! {
            <p class="error" role="alert">
                { format!("This embed names no scenario: its URL should end in #{}…", share::PREFIX) }
            </p>
        },
    };
    html! {
        <div class="embed" ref={root}>{ body }</div>
    }
}

/// Posts the height of the element behind `root` to the parent page after each render and whenever
/// the element is resized (a ResizeObserver: the text reflows when the iframe's width changes).
#[hook]
fn use_height_reporter(root: NodeRef) {
    // After every render: the explanation's length changes with the selected variant.
    {
        let root = root.clone();
        use_effect(move || {
            report_height(&root);
        });
    }
    use_effect_with((), move |_| {
        let observer = root.cast::<web_sys::Element>().and_then(|el| {
            let root = root.clone();
            let callback = Closure::<dyn FnMut()>::new(move || report_height(&root));
            let observer = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()).ok()?;
            observer.observe(&el);
            Some((observer, callback))
        });
        move || {
            if let Some((observer, _callback)) = observer {
                observer.disconnect();
            }
        }
    });
}

fn report_height(root: &NodeRef) {
    if let Some(el) = root.cast::<web_sys::Element>() {
        post_height(el.get_bounding_client_rect().height());
    }
}
