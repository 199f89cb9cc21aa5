//! Where two columns part ways: pick two kernels of the matrix, and see the timeline's steps side by
//! side under both, the first step after which what the hardware and the pages see differs marked,
//! the fields that differ listed, and the fix that decided it named, all from core's
//! [`model::diff::diff`](tlbrace_core::model::diff::diff). Steps before it where only the kernel's
//! bookkeeping differed are marked too.
//!
//! DOM contract: `.part-ways` with `select.diff-a`, `select.diff-b` (option values: the columns'
//! `data-variant`), `.diff-step[data-step]` per step (class `first` on the divergence, `bookkeeping`
//! where only bookkeeping differed, `after` past the divergence), `.diff-field[data-field]` and
//! `.diff-fix[data-fix]`.

use std::rc::Rc;

use tlbrace_core::model::diff::{diff, Diff};
use tlbrace_core::{Scenario, ScenarioError, Trace};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use super::verdicts::{verdict_id, Column, VariantKey};

/// The pair shown until the user picks: the example's contrast when it has one, else the inspected
/// column and the first column (in matrix order) whose verdict differs from it, else the next one.
pub fn default_pair(
    cols: &[Column],
    contrast: Option<(VariantKey, VariantKey)>,
    inspected: VariantKey,
) -> (VariantKey, VariantKey) {
    if let Some(pair) = contrast {
        return pair;
    }
    let a = cols
        .iter()
        .find(|c| c.key == inspected)
        .or_else(|| cols.first());
    let Some(a) = a else {
        return (inspected, inspected);
    };
    let id = verdict_id(&a.result);
    let b = cols
        .iter()
        .find(|c| verdict_id(&c.result) != id)
        .or_else(|| cols.iter().find(|c| c.key != a.key))
        .map_or(a.key, |c| c.key);
    (a.key, b)
}

/// Whether step `i` is where the runs part ways, only bookkeeping, or after the parting.
pub fn step_class(d: &Diff, i: usize) -> Option<&'static str> {
    match &d.first {
        Some(f) if f.step == i => Some("first"),
        Some(f) if i > f.step => Some("after"),
        _ => d
            .bookkeeping
            .iter()
            .any(|b| b.step == i)
            .then_some("bookkeeping"),
    }
}

/// A choice of one of the matrix's columns: option values are the columns' `data-variant`, the
/// words their kernels' specs.
pub fn column_select(
    class: &'static str,
    label: &'static str,
    columns: &[Column],
    chosen: VariantKey,
    onchange: Callback<Event>,
) -> Html {
    html! {
        <select {class} {onchange} aria-label={label}>
            { for columns.iter().map(|c| html! {
                <option value={c.key.name()} selected={c.key == chosen}>{ c.variant.name() }</option>
            }) }
        </select>
    }
}

/// What the panel is given.
#[derive(Clone, PartialEq, Properties)]
pub struct PartWaysProps {
    /// The scenario.
    pub scenario: Rc<Scenario>,
    /// The matrix's columns (their traces give each step's words).
    pub columns: Rc<Vec<Column>>,
    /// The kernels an example contrasts, as columns.
    #[prop_or_default]
    pub contrast: Option<(VariantKey, VariantKey)>,
    /// The inspected column.
    pub inspected: VariantKey,
}

/// The "where two kernels part ways" panel.
#[component]
pub fn PartWays(props: &PartWaysProps) -> Html {
    let picked = use_state(|| (None::<VariantKey>, None::<VariantKey>));
    let (da, db) = default_pair(&props.columns, props.contrast, props.inspected);
    let a_key = picked.0.unwrap_or(da);
    let b_key = picked.1.unwrap_or(db);
    let col = |k: VariantKey| props.columns.iter().find(|c| c.key == k);
    let variants = col(a_key)
        .zip(col(b_key))
        .map(|(a, b)| (a.variant, b.variant));
    let compared = use_memo((props.scenario.clone(), variants), |(s, variants)| {
        variants.map(|(va, vb)| diff(s, &va, &vb))
    });
    let pick = |second: bool| {
        let (picked, columns) = (picked.clone(), props.columns.clone());
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            let key = columns.iter().map(|c| c.key).find(|k| k.name() == value);
            let (x, y) = *picked;
            picked.set(if second { (x, key) } else { (key, y) });
        })
    };
    let (Some(a), Some(b), Some(compared)) = (col(a_key), col(b_key), compared.as_ref()) else {
        return html! {};
    };
    let (na, nb) = (a.variant.name(), b.variant.name());
    let body = match compared {
        // Not an alert: the page says so above the timeline already.
        Err(e) => html! { <p class="diff-error">{ format!("Cannot compare: {e}") }</p> },
        Ok(d) => view(&props.scenario, d, (&na, &a.result), (&nb, &b.result)),
    };
    html! {
        <section class="part-ways" aria-label="Where two kernels part ways">
            <h2 class="part-ways-head">{ "Where two kernels part ways" }</h2>
            <div class="diff-pick">
                { column_select("diff-a", "The first kernel", &props.columns, a_key, pick(false)) }
                { " vs " }
                { column_select("diff-b", "The second kernel", &props.columns, b_key, pick(true)) }
            </div>
            { body }
        </section>
    }
}

/// A step's explanation under one run, or the reason the run stopped.
fn text(result: &Result<Trace, ScenarioError>, i: usize) -> String {
    match result {
        Ok(t) => t.events.get(i).map(|e| e.text()).unwrap_or_default(),
        Err(e) => e.to_string(),
    }
}

fn view(
    s: &Scenario,
    d: &Diff,
    (na, ra): (&str, &Result<Trace, ScenarioError>),
    (nb, rb): (&str, &Result<Trace, ScenarioError>),
) -> Html {
    let verdicts = html! {
        <p class="diff-verdicts">
            { format!("{na}: {}   ·   {nb}: {}", d.verdicts.0, d.verdicts.1) }
        </p>
    };
    let first = match &d.first {
        None => html! {
            <p class="diff-same">{ "The two kernels never part ways on this timeline: after every step, \
                the hardware and the pages see the same under both." }</p>
        },
        Some(f) => {
            let st = &s.steps[f.step];
            html! {
                <div class="diff-first" data-step={f.step.to_string()}>
                    <p><strong>{ format!(
                        "They part ways at step {} (CPU{} {}){}",
                        f.step + 1,
                        st.cpu,
                        st.action.label(),
                        if f.fixes.is_empty() { "" } else { ", decided by:" }
                    ) }</strong></p>
                    <ul class="diff-fixes">
                        { for f.fixes.iter().map(|fix| {
                            let def = fix.def();
                            html! {
                                <li class="diff-fix" data-fix={def.name}>
                                    { format!("{} ({}): {}", def.name, def.commit, def.summary) }
                                </li>
                            }
                        }) }
                    </ul>
                    <table class="diff-fields">
                        <thead><tr><th scope="col">{ "field" }</th><th scope="col">{ na }</th><th scope="col">{ nb }</th></tr></thead>
                        <tbody>
                            { for f.fields.iter().map(|x| html! {
                                <tr class="diff-field" data-field={x.field.clone()}>
                                    <th scope="row">{ x.field.clone() }</th>
                                    <td>{ x.a.clone() }</td>
                                    <td>{ x.b.clone() }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            }
        }
    };
    // Side by side: a step both runs explain alike spans both columns.
    let rows = s.steps.iter().enumerate().map(|(i, st)| {
        let (ta, tb) = (text(ra, i), text(rb, i));
        let class = step_class(d, i);
        let title = match class {
            Some("first") => "the first step after which the hardware and the pages see different things",
            Some("bookkeeping") => "only the kernel's bookkeeping differs after this step",
            _ => "",
        };
        html! {
            <tr class={classes!("diff-step", class)} data-step={i.to_string()} title={title}>
                <th scope="row" class="diff-step-name">
                    { format!("{} ", i + 1) }<code>{ format!("CPU{} {}", st.cpu, st.action.label()) }</code>
                </th>
                if ta == tb {
                    <td colspan="2" class="diff-alike">{ ta }</td>
                } else {
                    <td>{ ta }</td><td>{ tb }</td>
                }
            </tr>
        }
    });
    html! {
        <>
            { verdicts }
            { first }
            <details class="diff-side" open=true>
                <summary>{ "Every step under both" }</summary>
                <table class="diff-steps">
                    <thead><tr><th scope="col">{ "step" }</th><th scope="col">{ na }</th><th scope="col">{ nb }</th></tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </details>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::verdicts::columns;
    use tlbrace_core::examples::example;
    use tlbrace_core::{Arch, Preset};

    #[test]
    fn example_1_parts_ways_at_page_mkclean_one() {
        let s = example("example-1").unwrap();
        let cols = columns(&s, Arch::X86, crate::view::default_custom());
        let key = |p| VariantKey::Preset(p);
        let (a, b) = default_pair(&cols, None, key(Preset::V5_10Rc4));
        assert_eq!(a, key(Preset::V5_10Rc4));
        assert_eq!(
            b,
            key(Preset::YuFix),
            "the first column with another verdict"
        );
        let d = diff(&s, &Preset::V5_10Rc4.variant(), &Preset::YuFix.variant()).unwrap();
        assert_eq!(d.first.as_ref().unwrap().step, 7);
        assert_eq!(step_class(&d, 7), Some("first"));
        assert_eq!(step_class(&d, 9), Some("after"));
        assert_eq!(step_class(&d, 4), Some("bookkeeping"));
        assert_eq!(step_class(&d, 0), None);
        let contrast = (key(Preset::Will4And6), key(Preset::YuFix));
        assert_eq!(
            default_pair(&cols, Some(contrast), key(Preset::V3_12)),
            contrast
        );
    }
}
