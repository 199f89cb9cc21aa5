//! The verdict matrix: the scenario's verdict under every preset and under a custom combination of
//! policies, recomputed on every edit (one `run` per column; about a microsecond per step).
//! Clicking a column chooses the variant the inspector and the decisive-step highlights follow.

use std::rc::Rc;

use tlbrace_core::model::variant::{Batching, GatherMode, SkipTest};
use tlbrace_core::{run, run_all, Arch, Preset, Scenario, ScenarioError, Trace, Variant};
use web_sys::{HtmlSelectElement, KeyboardEvent};
use yew::prelude::*;

use crate::view::parse_arch;

/// A column of the matrix: a preset, or the custom variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariantKey {
    /// A named preset (on the chosen arch).
    Preset(Preset),
    /// The variant built from the toggles.
    Custom,
}

impl VariantKey {
    /// The column's `data-variant`: the preset's name, or `custom`.
    pub fn name(self) -> &'static str {
        match self {
            VariantKey::Preset(p) => p.name(),
            VariantKey::Custom => "custom",
        }
    }
}

/// One column: which variant, and the run under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// The column.
    pub key: VariantKey,
    /// Its policies, arch included.
    pub variant: Variant,
    /// The run, or why the scenario cannot happen under it (shared with the inspector).
    pub result: Rc<Result<Trace, ScenarioError>>,
}

/// Runs the scenario under every preset on `arch` and under `custom` (whose arch is replaced by `arch`).
pub fn columns(scenario: &Scenario, arch: Arch, custom: Variant) -> Vec<Column> {
    let custom = custom.on(arch);
    run_all(scenario, arch)
        .into_iter()
        .map(|r| Column {
            key: VariantKey::Preset(r.preset),
            variant: r.preset.variant().on(arch),
            result: Rc::new(r.result),
        })
        .chain(std::iter::once(Column {
            key: VariantKey::Custom,
            variant: custom,
            result: Rc::new(run(scenario, &custom)),
        }))
        .collect()
}

/// The `data-verdict` of a run: `lost`, `at-risk`, `guaranteed` or `error`.
pub fn verdict_id(result: &Result<Trace, ScenarioError>) -> &'static str {
    result.as_ref().map_or("error", |t| t.verdict.id())
}

/// The steps a run names: the decisive steps, or the step it failed at.
pub fn named_steps(result: &Result<Trace, ScenarioError>) -> Vec<usize> {
    match result {
        Ok(t) => t.verdict.decisive_steps(),
        Err(e) => e.step.into_iter().collect(),
    }
}

/// A column's full name: the preset's with its arch (`will-4+6@arm64`), or `custom`, saying which
/// preset it equals if it does.
pub fn column_name(c: &Column) -> String {
    match c.key {
        VariantKey::Preset(_) => c.variant.name(),
        VariantKey::Custom => match c.variant.preset() {
            Some(p) => format!("custom (the policies of {})", p.name()),
            None => "custom".to_string(),
        },
    }
}

/// What the matrix shows and whom it tells.
#[derive(Clone, PartialEq, Properties)]
pub struct VerdictsProps {
    /// The scenario (for the summaries' step names).
    pub scenario: Rc<Scenario>,
    /// The columns, from [`columns`].
    pub columns: Rc<Vec<Column>>,
    /// The chosen architecture.
    pub arch: Arch,
    /// The custom variant's policies.
    pub custom: Variant,
    /// The column the inspector follows.
    pub inspected: VariantKey,
    /// A column was clicked.
    pub on_inspect: Callback<VariantKey>,
    /// The architecture changed.
    pub on_arch: Callback<Arch>,
    /// The custom policies changed.
    pub on_custom: Callback<Variant>,
}

fn select_value(e: &Event) -> String {
    e.target_unchecked_into::<HtmlSelectElement>().value()
}

/// The verdict matrix.
#[component]
pub fn Verdicts(props: &VerdictsProps) -> Html {
    let on_arch = props
        .on_arch
        .reform(|e: Event| parse_arch(&select_value(&e)).unwrap_or(Arch::X86));
    let column = |c: &Column| {
        let key = c.key;
        let selected = props.inspected == key;
        let onclick = props.on_inspect.reform(move |_: MouseEvent| key);
        let onkeydown = {
            let on_inspect = props.on_inspect.clone();
            Callback::from(move |e: KeyboardEvent| {
                if e.key() == "Enter" || e.key() == " " {
                    e.prevent_default();
                    on_inspect.emit(key);
                }
            })
        };
        let (label, summary) = match c.result.as_ref() {
            Ok(t) => (
                t.verdict.label().to_string(),
                t.verdict.summary(&props.scenario),
            ),
            Err(e) => ("error".to_string(), e.to_string()),
        };
        let steps = named_steps(&c.result);
        let steps = (!steps.is_empty()).then(|| {
            let list: Vec<String> = steps.iter().map(|i| (i + 1).to_string()).collect();
            let word = if steps.len() == 1 { "step" } else { "steps" };
            html! { <div class="v-steps">{ format!("{word} {}", list.join(", ")) }</div> }
        });
        let source = match key {
            VariantKey::Preset(p) => p.source().to_string(),
            VariantKey::Custom => c.variant.describe(),
        };
        html! {
            // The card is clickable; its focusable part is the button-like summary, so that the custom
            // column's policy selects are not nested inside a button.
            <div key={key.name()} class={classes!("verdict", selected.then_some("selected"))}
                data-variant={key.name()} data-verdict={verdict_id(&c.result)}
                title={format!("{}: {source}\n{summary}", column_name(c))} {onclick}>
                <div class="v-main" role="button" tabindex="0" aria-pressed={selected.to_string()} {onkeydown}>
                    <div class="v-head">
                        <span class="v-name">{ key.name() }</span>
                        <span class="v-badge">{ label }</span>
                    </div>
                    { steps }
                    <div class="v-summary">{ summary.clone() }</div>
                </div>
                { (key == VariantKey::Custom).then(|| custom_controls(props)) }
            </div>
        }
    };
    html! {
        <section class="verdicts" aria-label="Verdict per kernel variant">
            <div class="verdicts-head">
                <h2 class="panel-title">{ "Verdicts" }</h2>
                <label class="arch">{ "arch " }
                    <select class="arch-select" onchange={on_arch} aria-label="Architecture">
                        <option value="x86" selected={props.arch == Arch::X86}>{ "x86" }</option>
                        <option value="arm64" selected={props.arch == Arch::Arm64}>{ "arm64" }</option>
                    </select>
                </label>
            </div>
            <div class="verdict-row">
                { for props.columns.iter().map(column) }
            </div>
        </section>
    }
}

/// The custom column's toggles.
fn custom_controls(props: &VerdictsProps) -> Html {
    let v = props.custom;
    let skip = props.on_custom.reform(move |e: Event| Variant {
        skip_test: match select_value(&e).as_str() {
            "checks-pending" => SkipTest::ChecksPending,
            "never" => SkipTest::Never,
            _ => SkipTest::Mainline,
        },
        ..v
    });
    let batching = props.on_custom.reform(move |e: Event| Variant {
        batching: match select_value(&e).as_str() {
            "recorded" => Batching::Recorded,
            "mm" => Batching::Mm,
            "none" => Batching::None,
            _ => Batching::NestedOnly,
        },
        ..v
    });
    let gather = props.on_custom.reform(move |e: Event| Variant {
        gather_mode: match select_value(&e).as_str() {
            "fullmm" => GatherMode::Fullmm,
            _ => GatherMode::Ranged,
        },
        ..v
    });
    let opt = |value: &'static str, text: &'static str, on: bool| {
        html! { <option {value} selected={on}>{ text }</option> }
    };
    let stop = Callback::from(|e: MouseEvent| e.stop_propagation());
    html! {
        <details class="custom-controls" onclick={stop}>
            <summary>{ "policies" }</summary>
            <label>{ "skip test" }
                <select class="custom-skip" onchange={skip}>
                    { opt("mainline", "mainline", v.skip_test == SkipTest::Mainline) }
                    { opt("checks-pending", "+ !mm_tlb_flush_pending", v.skip_test == SkipTest::ChecksPending) }
                    { opt("never", "never skip", v.skip_test == SkipTest::Never) }
                </select>
            </label>
            <label>{ "clear_refs" }
                <select class="custom-batching" onchange={batching}>
                    { opt("nested-only", "gather, nested flush", v.batching == Batching::NestedOnly) }
                    { opt("recorded", "gather, recorded flush", v.batching == Batching::Recorded) }
                    { opt("mm", "flush_tlb_mm", v.batching == Batching::Mm) }
                    { opt("none", "no batching", v.batching == Batching::None) }
                </select>
            </label>
            <label>{ "gather" }
                <select class="custom-gather" onchange={gather} disabled={!v.uses_gather_mode()}>
                    { opt("fullmm", "fullmm", v.gather_mode == GatherMode::Fullmm) }
                    { opt("ranged", "ranged", v.gather_mode == GatherMode::Ranged) }
                </select>
            </label>
        </details>
    }
}
