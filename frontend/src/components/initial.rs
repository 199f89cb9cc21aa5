//! The initial-state editor: the scenario's overrides of the default starting state
//! (`InitialState`), one control per field of core's table ([`FIELDS`]): a checkbox for a flag, a
//! number for a count, a choice per CPU for TLB entries. Every change is one undoable edit; a
//! machine that cannot exist is refused with the core's message.

use tlbrace_core::model::initial::{Field, FieldKind, FieldValue, FIELDS};
use tlbrace_core::{InitialState, TlbEntry};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// What the editor edits.
#[derive(Clone, PartialEq, Properties)]
pub struct InitialEditorProps {
    /// The current overrides.
    pub initial: InitialState,
    /// How many CPUs (one TLB entry each).
    pub cpus: usize,
    /// The new overrides.
    pub on_change: Callback<InitialState>,
}

/// The largest count the editor accepts: versions and counters far beyond any diagram.
const MAX_COUNT: u32 = 1_000_000;

/// The TLB entry choices, by their core code ([`TlbEntry::code`]), with what the menu says.
const TLB_CHOICES: [(&str, &str); 5] = [
    ("-", "none"),
    ("wd", "W D"),
    ("w", "W clean"),
    ("d", "r/o D"),
    ("r", "r/o clean"),
];

/// The editor, folded by default under the timeline.
#[component]
pub fn InitialEditor(props: &InitialEditorProps) -> Html {
    let i = &props.initial;
    // `emit(field, value)`: the overrides with that field set (cleared when it is the default).
    let emit = {
        let (initial, on_change) = (i.clone(), props.on_change.clone());
        move |f: &Field, value: FieldValue| {
            let mut next = initial.clone();
            f.set_value(&mut next, value);
            on_change.emit(next);
        }
    };
    let control = |f: &'static Field| -> Html {
        match (f.kind, f.value(i)) {
            (FieldKind::Flag, FieldValue::Flag(value)) => {
                let emit = emit.clone();
                let onchange = Callback::from(move |e: Event| {
                    let on = e.target_unchecked_into::<HtmlInputElement>().checked();
                    emit(f, FieldValue::Flag(on));
                });
                html! {
                    <label class="init-flag" key={f.key}>
                        <input type="checkbox" data-field={f.key} checked={value} {onchange} />
                        <code>{ f.label }</code>
                    </label>
                }
            }
            (FieldKind::Count, FieldValue::Count(value)) => {
                let emit = emit.clone();
                let onchange = Callback::from(move |e: Event| {
                    let text = e.target_unchecked_into::<HtmlInputElement>().value();
                    // An unreadable number keeps the old value; the field is redrawn from the scenario.
                    if let Ok(v) = text.trim().parse::<u32>() {
                        emit(f, FieldValue::Count(v.min(MAX_COUNT)));
                    }
                });
                html! {
                    <label class="init-num" key={f.key}>
                        <code>{ f.label }</code>
                        <input type="number" min="0" max={MAX_COUNT.to_string()} data-field={f.key}
                            value={value.to_string()} {onchange} />
                    </label>
                }
            }
            (FieldKind::TlbEntries, FieldValue::TlbEntries(entries)) => (0..props.cpus)
                .map(|c| tlb_select(f, c, &entries, props.cpus, emit.clone()))
                .collect::<Html>(),
            _ => html! {},
        }
    };
    let column = |kind: FieldKind| {
        html! {
            <div class="init-col">
                { for FIELDS.iter().filter(|f| f.kind == kind).map(control) }
            </div>
        }
    };
    let reset = props
        .on_change
        .reform(|_: MouseEvent| InitialState::default());
    html! {
        <details class="initial" open={!i.is_default()}>
            <summary>
                { "Initial state" }
                { if i.is_default() { html! { <span class="sub">{ " (default: CPU0 wrote the page earlier)" }</span> } }
                  else { html! { <span class="sub changed-note">{ " (overridden)" }</span> } } }
            </summary>
            <div class="initial-grid">
                { column(FieldKind::Flag) }
                { column(FieldKind::Count) }
                { column(FieldKind::TlbEntries) }
            </div>
            <button class="initial-reset" onclick={reset} disabled={i.is_default()}>{ "Reset to default" }</button>
        </details>
    }
}

/// CPU `c`'s TLB entry: a choice among [`TLB_CHOICES`].
fn tlb_select(
    f: &'static Field,
    c: usize,
    entries: &[Option<TlbEntry>],
    cpus: usize,
    emit: impl Fn(&Field, FieldValue) + 'static,
) -> Html {
    let entries = entries.to_vec();
    let now = TlbEntry::code(entries.get(c).copied().flatten());
    let onchange = {
        let entries = entries.clone();
        Callback::from(move |e: Event| {
            let code = e.target_unchecked_into::<HtmlSelectElement>().value();
            let mut next = entries.clone();
            next.resize(cpus.max(next.len()), None);
            next[c] = TlbEntry::from_code(&code).flatten();
            while next.last() == Some(&None) {
                next.pop();
            }
            emit(f, FieldValue::TlbEntries(next));
        })
    };
    html! {
        <label class="init-tlb" key={c}>
            <code>{ format!("CPU{c} TLB") }</code>
            <select data-field={format!("tlb.{c}")} {onchange}>
                { for TLB_CHOICES.iter().map(|(code, text)| html! {
                    <option value={*code} selected={now == *code}>{ *text }</option>
                }) }
            </select>
        </label>
    }
}
