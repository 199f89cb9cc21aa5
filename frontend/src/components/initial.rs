//! The scenario's pages and the state it starts from.
//!
//! [`pages_bar`] (above the timeline) lists the virtual pages: each one's kind (a file page, an
//! anonymous page, or a second mapping of page 0's page), a button to remove the second, and buttons
//! to add one. [`InitialEditor`] (folded under the timeline) edits the overrides of the default
//! starting state, one control per field of core's table
//! ([`FIELDS`](tlbrace_core::model::initial::FIELDS)): each page's fields, then the
//! mm's; a checkbox for a flag, a number for a count, a choice per CPU for TLB entries. Every change is
//! one undoable edit; a machine that cannot exist is refused with the core's message.

use tlbrace_core::model::initial::{
    build, fields, Field, FieldKind, FieldValue, PageInitial, Scope,
};
use tlbrace_core::{InitialState, PageKind, PageSpec, Scenario, TlbEntry, MAX_PAGES};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::doc::Edit;

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

/// Whether a page field belongs to the page rather than to the virtual page's PTE: a second mapping
/// takes it from the page it maps. Asked of core, so the editor keeps no list of its own: `build`
/// refuses such an override on a second mapping for a reason it does not have on a page of its own.
pub fn page_level(f: &Field) -> bool {
    let value = match f.kind {
        FieldKind::Flag => FieldValue::Flag(f.default == 0),
        FieldKind::Count => FieldValue::Count(f.default + 1),
        FieldKind::TlbEntries => FieldValue::TlbEntries(vec![TlbEntry::from_code("r").flatten()]),
    };
    let second = |same_as| {
        let mut spec = PageSpec {
            same_as,
            ..PageSpec::default()
        };
        f.set_page(&mut spec.initial, Some(value.clone()));
        build(1, &[PageSpec::default(), spec], &InitialState::default())
    };
    let (own, shared) = (second(None), second(Some(0)));
    shared.is_err() && shared.err() != own.err()
}

/// A page's kind as the pages bar's menu names it: `file`, `anon`, or `same` (a second mapping of
/// page 0's page).
pub fn kind_id(spec: &PageSpec) -> &'static str {
    match (spec.same_as, spec.kind) {
        (Some(_), _) => "same",
        (None, PageKind::File) => "file",
        (None, PageKind::Anon) => "anon",
    }
}

/// The page `spec` becomes when its kind is set to `id` ([`kind_id`]'s words): a second mapping drops
/// the overrides that belong to the page it now shares.
pub fn with_kind(spec: &PageSpec, id: &str) -> PageSpec {
    match id {
        "same" => {
            let mut initial = spec.initial.clone();
            for f in fields(Scope::Page).filter(|f| page_level(f)) {
                f.set_page(&mut initial, None);
            }
            PageSpec {
                same_as: Some(0),
                initial,
                ..spec.clone()
            }
        }
        kind => PageSpec {
            kind: if kind == "anon" {
                PageKind::Anon
            } else {
                PageKind::File
            },
            same_as: None,
            ..spec.clone()
        },
    }
}

/// The pages bar: one entry per virtual page, with its kind, and the buttons that add a second page
/// or remove it.
pub fn pages_bar(scenario: &Scenario, edit: &Callback<Edit>) -> Html {
    let count = scenario.pages.len();
    let page = |(v, spec): (usize, &PageSpec)| {
        let onchange = {
            let spec = spec.clone();
            edit.reform(move |e: Event| {
                let id = e.target_unchecked_into::<HtmlSelectElement>().value();
                Edit::SetPage {
                    page: v,
                    spec: with_kind(&spec, &id),
                }
            })
        };
        let now = kind_id(spec);
        let option = |id: &'static str, text: String| {
            html! { <option value={id} selected={now == id}>{ text }</option> }
        };
        html! {
            <span class="page-entry" data-page={v.to_string()} data-kind={now} key={v}>
                <label>
                    { format!("page {v} ") }
                    <select class="page-kind" aria-label={format!("What page {v} maps")} {onchange}>
                        { option("file", "file page".into()) }
                        { option("anon", "anonymous page".into()) }
                        if v > 0 {
                            { option("same", "page 0's page again".into()) }
                        }
                    </select>
                </label>
                if v > 0 {
                    <button type="button" class="page-remove" title={format!("Remove page {v} and the steps on it")}
                        aria-label={format!("Remove page {v}")}
                        onclick={edit.reform(move |_: MouseEvent| Edit::RemovePage(v))}>{ "×" }</button>
                }
            </span>
        }
    };
    let add = |id: &'static str, text: &'static str, title: &'static str| {
        let spec = with_kind(&PageSpec::default(), id);
        html! {
            <button type="button" class="page-add" data-kind={id} {title}
                onclick={edit.reform(move |_: MouseEvent| Edit::AddPage(spec.clone()))}>{ text }</button>
        }
    };
    html! {
        <div class="pages-bar" role="group" aria-label="Virtual pages">
            <span class="pages-label">{ "Pages:" }</span>
            { for scenario.pages.iter().enumerate().map(page) }
            if count < MAX_PAGES {
                { add("file", "+ file page", "Map a second file page (MAP_SHARED)") }
                { add("anon", "+ anon page", "Map a second, anonymous page") }
                { add("same", "+ page 0 again", "Map page 0's page a second time, at another address") }
            }
        </div>
    }
}

/// What the editor edits.
#[derive(Clone, PartialEq, Properties)]
pub struct InitialEditorProps {
    /// The virtual pages and their overrides.
    pub pages: Vec<PageSpec>,
    /// The mm's overrides.
    pub mm: InitialState,
    /// How many CPUs (one TLB entry each).
    pub cpus: usize,
    /// Scenario edits (`SetPage`, `SetInitial`, `ResetInitial`).
    pub on_edit: Callback<Edit>,
}

/// A control for one field: its current value, and what to emit for a new one.
fn control(
    f: &'static Field,
    value: FieldValue,
    page: Option<usize>,
    cpus: usize,
    emit: Callback<FieldValue>,
) -> Html {
    let page_attr = page.map(|p| p.to_string());
    match value {
        FieldValue::Flag(value) => {
            // The box shows the scenario: back to its value until the edit, if accepted, redraws it
            // (a refused edit redraws nothing).
            let onchange = Callback::from(move |e: Event| {
                let input = e.target_unchecked_into::<HtmlInputElement>();
                let wanted = input.checked();
                input.set_checked(value);
                emit.emit(FieldValue::Flag(wanted));
            });
            html! {
                <label class="init-flag" key={f.key}>
                    <input type="checkbox" data-field={f.key} data-page={page_attr} checked={value} {onchange} />
                    <code>{ f.label }</code>
                </label>
            }
        }
        FieldValue::Count(value) => {
            let onchange = Callback::from(move |e: Event| {
                let input = e.target_unchecked_into::<HtmlInputElement>();
                let text = input.value();
                // The field shows the scenario's value until an accepted edit redraws it: an
                // unreadable number, or a refused one, leaves the old value.
                input.set_value(&value.to_string());
                if let Ok(v) = text.trim().parse::<u32>() {
                    emit.emit(FieldValue::Count(v.min(MAX_COUNT)));
                }
            });
            html! {
                <label class="init-num" key={f.key}>
                    <code>{ f.label }</code>
                    <input type="number" min="0" max={MAX_COUNT.to_string()} data-field={f.key}
                        data-page={page_attr} value={value.to_string()} {onchange} />
                </label>
            }
        }
        FieldValue::TlbEntries(entries) => (0..cpus)
            .map(|c| tlb_select(c, &entries, cpus, page_attr.clone(), emit.clone()))
            .collect::<Html>(),
    }
}

/// The editor, folded by default under the timeline.
#[component]
pub fn InitialEditor(props: &InitialEditorProps) -> Html {
    let is_default = props.mm.is_default()
        && props
            .pages
            .iter()
            .all(|p| p.initial == PageInitial::default());
    let page_fields = |(v, spec): (usize, &PageSpec)| {
        let shown = fields(Scope::Page).filter(|f| spec.same_as.is_none() || !page_level(f));
        let control = |f: &'static Field| {
            let value = f
                .get_page(&spec.initial)
                .unwrap_or_else(|| f.default_value());
            let emit = {
                let spec = spec.clone();
                props.on_edit.reform(move |value: FieldValue| {
                    let mut spec = spec.clone();
                    f.set_page(&mut spec.initial, Some(value));
                    Edit::SetPage { page: v, spec }
                })
            };
            control(f, value, Some(v), props.cpus, emit)
        };
        let note = spec
            .same_as
            .map(|o| format!(" (page {o}'s page: its page's fields are page {o}'s)"));
        html! {
            <fieldset class="init-page" data-page={v.to_string()} key={v}>
                <legend>{ format!("Page {v}") }{ note }</legend>
                <div class="initial-grid">{ for shown.map(control) }</div>
            </fieldset>
        }
    };
    let mm_fields = fields(Scope::Mm).map(|f| {
        let value = f.get_mm(&props.mm).unwrap_or_else(|| f.default_value());
        let emit = {
            let mm = props.mm.clone();
            props.on_edit.reform(move |value: FieldValue| {
                let mut mm = mm.clone();
                f.set_mm(&mut mm, Some(value));
                Edit::SetInitial(mm)
            })
        };
        control(f, value, None, props.cpus, emit)
    });
    let reset = props.on_edit.reform(|_: MouseEvent| Edit::ResetInitial);
    html! {
        <details class="initial" open={!is_default}>
            <summary>
                { "Initial state" }
                { if is_default { html! { <span class="sub">{ " (default: CPU0 wrote each page earlier)" }</span> } }
                  else { html! { <span class="sub changed-note">{ " (overridden)" }</span> } } }
            </summary>
            <div class="initial-pages">
                { for props.pages.iter().enumerate().map(page_fields) }
                <fieldset class="init-mm">
                    <legend>{ "mm" }</legend>
                    <div class="initial-grid">{ for mm_fields }</div>
                </fieldset>
            </div>
            <button class="initial-reset" onclick={reset} disabled={is_default}>{ "Reset to default" }</button>
        </details>
    }
}

/// CPU `c`'s TLB entry: a choice among [`TLB_CHOICES`].
fn tlb_select(
    c: usize,
    entries: &[Option<TlbEntry>],
    cpus: usize,
    page: Option<String>,
    emit: Callback<FieldValue>,
) -> Html {
    let entries = entries.to_vec();
    let now = TlbEntry::code(entries.get(c).copied().flatten());
    let onchange = emit.reform(move |e: Event| {
        let code = e.target_unchecked_into::<HtmlSelectElement>().value();
        let mut next = entries.clone();
        next.resize(cpus.max(next.len()), None);
        next[c] = TlbEntry::from_code(&code).flatten();
        while next.last() == Some(&None) {
            next.pop();
        }
        FieldValue::TlbEntries(next)
    });
    html! {
        <label class="init-tlb" key={format!("tlb{c}")}>
            <code>{ format!("CPU{c} TLB") }</code>
            <select data-field={format!("tlb.{c}")} data-page={page} {onchange}>
                { for TLB_CHOICES.iter().map(|(code, text)| html! {
                    <option value={*code} selected={now == *code}>{ *text }</option>
                }) }
            </select>
        </label>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_level_fields_are_those_a_second_mapping_shares() {
        let shared: Vec<&str> = fields(Scope::Page)
            .filter(|f| page_level(f))
            .map(|f| f.key)
            .collect();
        for key in ["pg_dirty", "mem", "disk"] {
            assert!(shared.contains(&key), "{key} in {shared:?}");
        }
        for key in ["present", "write", "dirty", "tlb"] {
            assert!(!shared.contains(&key), "{key} in {shared:?}");
        }
    }

    #[test]
    fn a_page_becomes_a_second_mapping_without_its_page_fields() {
        let mut spec = PageSpec::new(PageKind::Anon);
        tlbrace_core::model::initial::field("pg_dirty")
            .unwrap()
            .set_page(&mut spec.initial, Some(FieldValue::Flag(false)));
        tlbrace_core::model::initial::field("dirty")
            .unwrap()
            .set_page(&mut spec.initial, Some(FieldValue::Flag(false)));
        let same = with_kind(&spec, "same");
        assert_eq!((kind_id(&same), same.same_as), ("same", Some(0)));
        assert_eq!(same.initial.pg_dirty, None);
        assert_eq!(same.initial.dirty, Some(false));
        assert_eq!(kind_id(&with_kind(&same, "file")), "file");
        assert_eq!(with_kind(&same, "file").same_as, None);
    }
}
