//! The initial-state editor: the scenario's overrides of the default starting state
//! (`InitialState`). Every change is one undoable edit; a machine that cannot exist is refused with
//! the core's message.

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

/// Keeps an override only when it differs from the default, so the scenario names only what it changes.
fn over<T: PartialEq>(value: T, default: T) -> Option<T> {
    (value != default).then_some(value)
}

type Setter = fn(&mut InitialState, bool);

/// The editor, folded by default under the timeline.
#[component]
pub fn InitialEditor(props: &InitialEditorProps) -> Html {
    let i = &props.initial;
    let flags: [(&str, &str, bool, Setter); 7] = [
        (
            "present",
            "PTE present",
            i.present.unwrap_or(true),
            |s, v| s.present = over(v, true),
        ),
        ("write", "PTE W", i.write.unwrap_or(true), |s, v| {
            s.write = over(v, true)
        }),
        ("dirty", "PTE D", i.dirty.unwrap_or(true), |s, v| {
            s.dirty = over(v, true)
        }),
        ("young", "PTE A (young)", i.young.unwrap_or(true), |s, v| {
            s.young = over(v, true)
        }),
        (
            "soft_dirty",
            "PTE soft-dirty",
            i.soft_dirty.unwrap_or(true),
            |s, v| s.soft_dirty = over(v, true),
        ),
        (
            "pg_dirty",
            "PG_dirty",
            i.pg_dirty.unwrap_or(true),
            |s, v| s.pg_dirty = over(v, true),
        ),
        (
            "in_page_cache",
            "in page cache",
            i.in_page_cache.unwrap_or(true),
            |s, v| s.in_page_cache = over(v, true),
        ),
    ];
    let checkbox = |(name, label, value, set): (&'static str, &'static str, bool, Setter)| {
        let (initial, on_change) = (i.clone(), props.on_change.clone());
        let onchange = Callback::from(move |e: Event| {
            let mut next = initial.clone();
            set(
                &mut next,
                e.target_unchecked_into::<HtmlInputElement>().checked(),
            );
            on_change.emit(next);
        });
        html! {
            <label class="init-flag" key={name}>
                <input type="checkbox" data-field={name} checked={value} {onchange} />
                <code>{ label }</code>
            </label>
        }
    };
    type NumSetter = fn(&mut InitialState, u32);
    let numbers: [(&str, &str, u32, NumSetter); 3] = [
        ("mem", "memory version", i.mem.unwrap_or(1), |s, v| {
            s.mem = over(v, 1)
        }),
        ("disk", "disk version", i.disk.unwrap_or(0), |s, v| {
            s.disk = over(v, 0)
        }),
        (
            "tlb_flush_pending",
            "tlb_flush_pending",
            i.tlb_flush_pending.unwrap_or(0),
            |s, v| s.tlb_flush_pending = over(v, 0),
        ),
    ];
    let number = |(name, label, value, set): (&'static str, &'static str, u32, NumSetter)| {
        let (initial, on_change) = (i.clone(), props.on_change.clone());
        let onchange = Callback::from(move |e: Event| {
            let text = e.target_unchecked_into::<HtmlInputElement>().value();
            // An unreadable number keeps the old value; the field is redrawn from the scenario.
            if let Ok(v) = text.trim().parse::<u32>() {
                let mut next = initial.clone();
                set(&mut next, v.min(1_000_000));
                on_change.emit(next);
            }
        });
        html! {
            <label class="init-num" key={name}>
                <code>{ label }</code>
                <input type="number" min="0" max="1000000" data-field={name} value={value.to_string()} {onchange} />
            </label>
        }
    };
    let tlb_of = |c: usize| i.tlb.as_ref().and_then(|t| t.get(c).copied().flatten());
    let tlb = |c: usize| {
        let (initial, on_change, cpus) = (i.clone(), props.on_change.clone(), props.cpus);
        let onchange = Callback::from(move |e: Event| {
            let entry = match e
                .target_unchecked_into::<HtmlSelectElement>()
                .value()
                .as_str()
            {
                "wd" => Some(TlbEntry {
                    writable: true,
                    dirty: true,
                }),
                "w" => Some(TlbEntry {
                    writable: true,
                    dirty: false,
                }),
                "d" => Some(TlbEntry {
                    writable: false,
                    dirty: true,
                }),
                "ro" => Some(TlbEntry {
                    writable: false,
                    dirty: false,
                }),
                _ => None,
            };
            let mut next = initial.clone();
            let mut entries = next.tlb.take().unwrap_or_default();
            entries.resize(cpus.max(entries.len()), None);
            entries[c] = entry;
            while entries.last() == Some(&None) {
                entries.pop();
            }
            next.tlb = (!entries.is_empty()).then_some(entries);
            on_change.emit(next);
        });
        let now = tlb_of(c);
        let opt = |value: &'static str, text: &'static str, e: Option<TlbEntry>| {
            html! { <option {value} selected={now == e}>{ text }</option> }
        };
        html! {
            <label class="init-tlb" key={c}>
                <code>{ format!("CPU{c} TLB") }</code>
                <select data-field={format!("tlb.{c}")} {onchange}>
                    { opt("none", "none", None) }
                    { opt("wd", "W D", Some(TlbEntry { writable: true, dirty: true })) }
                    { opt("w", "W clean", Some(TlbEntry { writable: true, dirty: false })) }
                    { opt("d", "r/o D", Some(TlbEntry { writable: false, dirty: true })) }
                    { opt("ro", "r/o clean", Some(TlbEntry { writable: false, dirty: false })) }
                </select>
            </label>
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
                <div class="init-col">{ for flags.into_iter().map(checkbox) }</div>
                <div class="init-col">{ for numbers.into_iter().map(number) }</div>
                <div class="init-col">{ for (0..props.cpus).map(tlb) }</div>
            </div>
            <button class="initial-reset" onclick={reset} disabled={i.is_default()}>{ "Reset to default" }</button>
        </details>
    }
}
