//! Resolving a pasted diagram's unmapped lines: diagrams as people draw them name things the model
//! does not know ("user touches memory through a RW PTE"). Core's lenient importer
//! ([`ascii::import_lenient`](tlbrace_core::formats::ascii::import_lenient)) lists each such line with
//! the nearest actions; this panel shows them (line, text, lane), offers those suggestions, every
//! action, or "ignore this line", and opens the diagram only once every line is resolved. Until then
//! the open scenario is not touched; Open replaces it as one undoable edit.
//!
//! The picks are kept apart from the import and applied to a fresh copy of it ([`resolved`]), so a
//! pick can be changed: core's [`Import::resolve`] works in any order, but cannot be undone.
//!
//! DOM contract: `.unmapped-panel` with `.unmapped[data-index][data-line][data-cpu]` per line (class
//! `resolved` once picked), `.unmapped-suggestion[data-action]`, `select.unmapped-action` (option
//! values: action ids), `.unmapped-ignore`, `.unmapped-change`, `.unmapped-open`, `.unmapped-cancel`.

use std::rc::Rc;

use tlbrace_core::formats::ascii::{Import, UnmappedKind};
use tlbrace_core::{Action, KernelPath, Scenario};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// What the user made of one unmapped line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    /// A step of this action, on the line's lane, at its place.
    Step(Action),
    /// Not a step: a remark about the race.
    Ignore,
}

/// The import with `picks` applied (`picks[k]` for `import.unmapped[k]`; `None`: not yet).
pub fn resolved(import: &Import, picks: &[Option<Pick>]) -> Result<Import, String> {
    let mut out = import.clone();
    for (k, pick) in picks.iter().enumerate() {
        let action = match pick {
            None => continue,
            Some(Pick::Step(a)) => Some(*a),
            Some(Pick::Ignore) => None,
        };
        out.resolve(k, action).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// The scenario, once every line is picked; else why not (a line left, no step at all, a limit).
pub fn finish(import: &Import, picks: &[Option<Pick>]) -> Result<(Scenario, usize), String> {
    let left = (0..import.unmapped.len())
        .filter(|&k| picks.get(k).copied().flatten().is_none())
        .count();
    if left > 0 {
        let lines = if left == 1 { "line is" } else { "lines are" };
        return Err(format!("{left} {lines} still to resolve."));
    }
    let done = resolved(import, picks)?
        .finish()
        .map_err(|e| format!("Cannot open this diagram: {e}."))?;
    Ok((done.scenario, done.conditions.len()))
}

/// A lane as the diagram names it, and as the timeline will: `cpu2 (CPU2)`, `t1 (CPU0)`.
fn lane(import: &Import, cpu: usize) -> String {
    match import.lanes.get(cpu) {
        Some(l) if l.name.eq_ignore_ascii_case(&format!("cpu{cpu}")) => format!("CPU{cpu}"),
        Some(l) => format!("{} (CPU{cpu})", l.name),
        None => format!("CPU{cpu}"),
    }
}

/// What [`UnmappedPanel`] resolves.
#[derive(Clone, PartialEq, Properties)]
pub struct UnmappedPanelProps {
    /// The diagram, read leniently.
    pub import: Rc<Import>,
    /// Opens the resolved scenario (with the number of condition lines left out).
    pub on_open: Callback<(Scenario, usize)>,
    /// Drops the diagram; the open scenario stays.
    pub on_cancel: Callback<()>,
}

/// The panel of unmapped lines.
#[component]
pub fn UnmappedPanel(props: &UnmappedPanelProps) -> Html {
    let picks = use_state(Vec::<Option<Pick>>::new);
    let error = use_state(|| None::<String>);
    {
        let (picks, error) = (picks.clone(), error.clone());
        use_effect_with(props.import.clone(), move |_| {
            picks.set(Vec::new());
            error.set(None);
        });
    }
    let import = &props.import;
    let set = |k: usize, pick: Option<Pick>| {
        let (picks, error) = (picks.clone(), error.clone());
        move || {
            let mut next = (*picks).clone();
            if next.len() <= k {
                next.resize(k + 1, None);
            }
            next[k] = pick;
            picks.set(next);
            error.set(None);
        }
    };
    let picked = |k: usize| picks.get(k).copied().flatten();
    let left = (0..import.unmapped.len())
        .filter(|&k| picked(k).is_none())
        .count();

    let row = |(k, u): (usize, &tlbrace_core::formats::ascii::Unmapped)| {
        let pick = picked(k);
        let text = match u.kind {
            UnmappedKind::Note => format!("[{}]", u.text),
            _ => u.text.clone(),
        };
        let what = match u.kind {
            UnmappedKind::Text => "names no action the model knows",
            UnmappedKind::Note => "a note under no step of its lane",
            UnmappedKind::AfterNote => "text after a note",
        };
        let body = match pick {
            Some(p) => {
                let chosen = match p {
                    Pick::Step(a) => format!("→ a step: {}", a.label()),
                    Pick::Ignore => "→ ignored (a remark, no step)".to_string(),
                };
                let change = set(k, None);
                html! {
                    <div class="unmapped-resolution">
                        <span class="unmapped-choice">{ chosen }</span>
                        <button type="button" class="unmapped-change" onclick={move |_| change()}>{ "change" }</button>
                    </div>
                }
            }
            None => {
                let on_select = {
                    let (picks, error) = (picks.clone(), error.clone());
                    Callback::from(move |e: Event| {
                        let select = e.target_unchecked_into::<HtmlSelectElement>();
                        let id = select.value();
                        if let Some(a) = Action::ALL.into_iter().find(|a| a.id() == id) {
                            let mut next = (*picks).clone();
                            if next.len() <= k {
                                next.resize(k + 1, None);
                            }
                            next[k] = Some(Pick::Step(a));
                            picks.set(next);
                            error.set(None);
                        }
                    })
                };
                let ignore = set(k, Some(Pick::Ignore));
                html! {
                    <div class="unmapped-options">
                        if !u.suggestions.is_empty() {
                            <span class="unmapped-label">{ "Did you mean " }</span>
                        }
                        { for u.suggestions.iter().map(|&a| {
                            let choose = set(k, Some(Pick::Step(a)));
                            html! {
                                <button type="button" class="unmapped-suggestion" data-action={a.id()}
                                    title={a.summary()} onclick={move |_| choose()}>
                                    <code>{ a.label() }</code>
                                </button>
                            }
                        }) }
                        <select class="unmapped-action" aria-label={format!("Any action for line {}", u.line)}
                            onchange={on_select}>
                            <option value="" selected=true>{ "another action…" }</option>
                            { for KernelPath::ALL.into_iter().map(|path| html! {
                                <optgroup label={path.title()}>
                                    { for Action::ALL.into_iter().filter(|a| a.path() == path).map(|a| html! {
                                        <option value={a.id()} title={a.summary()}>{ a.label() }</option>
                                    }) }
                                </optgroup>
                            }) }
                        </select>
                        <button type="button" class="unmapped-ignore" onclick={move |_| ignore()}
                            title="Not a step: keep it as a remark about the race">{ "ignore this line" }</button>
                    </div>
                }
            }
        };
        html! {
            <li class={classes!("unmapped", pick.is_some().then_some("resolved"))} key={k}
                data-index={k.to_string()} data-line={u.line.to_string()} data-cpu={u.cpu.to_string()}>
                <div class="unmapped-where">
                    <span class="unmapped-line">{ format!("line {}", u.line) }</span>
                    { " · " }<span class="unmapped-lane">{ lane(import, u.cpu) }</span>
                    { " · " }<span class="unmapped-what">{ what }</span>
                </div>
                <code class="unmapped-text">{ text }</code>
                { body }
            </li>
        }
    };

    let on_open = {
        let (import, picks, error, on_open) = (
            props.import.clone(),
            picks.clone(),
            error.clone(),
            props.on_open.clone(),
        );
        Callback::from(move |_: MouseEvent| match finish(&import, &picks) {
            Ok(done) => on_open.emit(done),
            Err(e) => error.set(Some(e)),
        })
    };
    let title = import
        .scenario
        .title
        .clone()
        .unwrap_or_else(|| "The diagram".to_string());
    let n = import.unmapped.len();
    html! {
        <section class="unmapped-panel" aria-label="Lines the model does not know">
            <h3 class="unmapped-head">{ format!(
                "{title}: {n} line{} name{} nothing the model knows",
                if n == 1 { "" } else { "s" },
                if n == 1 { "s" } else { "" }
            ) }</h3>
            <p class="hint">{ format!(
                "Read so far: {} CPUs, {} steps. Map each line to an action, or ignore it; \
                 the open scenario is not replaced until you press Open.",
                import.scenario.cpus,
                import.scenario.steps.len()
            ) }</p>
            <ol class="unmapped-list">{ for import.unmapped.iter().enumerate().map(row) }</ol>
            if let Some(e) = &*error {
                <p class="error" role="alert">{ e.clone() }</p>
            }
            <div class="io-actions">
                <button type="button" class="unmapped-open" disabled={left > 0} onclick={on_open}
                    title={if left > 0 { format!("{left} left to resolve") } else { "Replace the open scenario (undoable)".to_string() }}>
                    { "Open" }</button>
                <button type="button" class="unmapped-cancel"
                    onclick={props.on_cancel.reform(|_: MouseEvent| ())}>{ "Cancel" }</button>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlbrace_core::formats::ascii::import_lenient;

    const RECLAIM: &str = include_str!("../../../core/tests/fixtures/history-3ea277194daa.txt");

    #[test]
    fn every_line_must_be_picked_and_picks_can_change() {
        let d = import_lenient(RECLAIM).unwrap();
        assert_eq!(d.unmapped.len(), 2);
        let e = finish(&d, &[Some(Pick::Step(Action::CachePteInTlb))]).unwrap_err();
        assert_eq!(e, "1 line is still to resolve.");
        // Picks are applied to a fresh copy: a changed pick replaces the first.
        let (s, _) = finish(
            &d,
            &[Some(Pick::Step(Action::CachePteInTlb)), Some(Pick::Ignore)],
        )
        .unwrap();
        assert_eq!(s.steps.len(), d.scenario.steps.len() + 1);
        let (s, _) = finish(
            &d,
            &[
                Some(Pick::Step(Action::CachePteInTlb)),
                Some(Pick::Step(Action::WriteToPage)),
            ],
        )
        .unwrap();
        assert_eq!(s.steps.len(), d.scenario.steps.len() + 2);
        assert_eq!(s.steps[0].action, Action::CachePteInTlb);
        assert!(s.steps[1..]
            .iter()
            .any(|st| st.action == Action::WriteToPage));
        assert_eq!(
            d.unmapped.iter().filter(|u| u.resolved.is_some()).count(),
            0
        );
    }

    #[test]
    fn a_diagram_left_without_steps_is_refused() {
        let d = import_lenient(
            "  CPU0        CPU1\n  ----        ----\n\n              frobnicate_pte()\n",
        )
        .unwrap();
        assert!(d.scenario.steps.is_empty());
        let e = finish(&d, &[Some(Pick::Ignore)]).unwrap_err();
        assert!(
            e.starts_with("Cannot open this diagram: ") && e.contains("no steps"),
            "{e}"
        );
    }

    #[test]
    fn lanes_read_as_written_and_as_the_timeline_names_them() {
        let d = import_lenient(RECLAIM).unwrap();
        assert_eq!(lane(&d, 0), "CPU0");
        let t = import_lenient("  t1            t2\n  --            --\n  pte_mkclean()\n                frobnicate()\n")
            .unwrap();
        assert_eq!(lane(&t, 1), "t2 (CPU1)");
    }
}
