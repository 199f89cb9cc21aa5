//! The verdict matrix: the scenario's verdict under every preset (16 kernel releases and proposals)
//! and under a custom set of fixes, recomputed on every edit.
//!
//! Sixteen columns do not read at a glance, so the matrix shows first the kernels that matter for
//! this scenario ([`featured`]): the two an example contrasts (`harmed under`, `holds under`), or
//! else every preset whose verdict differs from its neighbour's (the release before it; for a
//! proposal, the release it applies to), naming the fixes that made the difference; and always the
//! column the inspector follows. The rest is one click away, under "all releases", where presets
//! that ran alike ([`groups`]: they agree on every fix the timeline consulted, so `run_all` ran them
//! once) share a line. Clicking a kernel chooses the variant the inspector and the decisive-step
//! marks follow.
//!
//! DOM contract: each preset and `custom` is exactly one `.verdicts .verdict[data-variant]
//! [data-verdict]`, a card in `.verdict-row` when featured (with `data-role`), else a chip in
//! `details.all-verdicts`; the verdict's words are in its `.v-badge`.

use std::rc::Rc;

use tlbrace_core::model::variant::{PresetKind, FIXES};
use tlbrace_core::{
    run, run_all, Arch, Fix, FixSet, Preset, Scenario, ScenarioError, Trace, Variant,
};
use web_sys::{HtmlInputElement, HtmlSelectElement, KeyboardEvent};
use yew::prelude::*;

use crate::view::{arch_id, parse_arch};

/// A column of the matrix: a preset, or the custom variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariantKey {
    /// A named preset (on the chosen arch).
    Preset(Preset),
    /// The variant built from the fixes chosen by hand.
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
    /// Its fixes, arch included.
    pub variant: Variant,
    /// The run, or why the scenario cannot happen under it (shared with the inspector).
    pub result: Rc<Result<Trace, ScenarioError>>,
}

/// Runs the scenario under every preset on `arch`, in [`Preset::ALL`]'s order (`run_all`: presets
/// that agree on every fix the timeline asks about share one run).
pub fn preset_columns(scenario: &Scenario, arch: Arch) -> Vec<Column> {
    run_all(scenario, arch)
        .into_iter()
        .map(|r| Column {
            key: VariantKey::Preset(r.preset),
            variant: r.preset.variant().on(arch),
            result: Rc::new(r.result),
        })
        .collect()
}

/// The matrix: [`preset_columns`], then `custom` (whose arch is replaced by `arch`).
pub fn columns(scenario: &Scenario, arch: Arch, custom: Variant) -> Vec<Column> {
    let custom = custom.on(arch);
    let mut cols = preset_columns(scenario, arch);
    cols.push(Column {
        key: VariantKey::Custom,
        variant: custom,
        result: Rc::new(run(scenario, &custom)),
    });
    cols
}

/// The `data-verdict` of a run: core's [`Verdict::id`](tlbrace_core::Verdict::id) (`lost`,
/// `use-after-free`, `write-after-protect`, `write-after-unmap`, `soft-dirty-miss`, `at-risk`,
/// `latent`, `guaranteed`), or `error`.
pub fn verdict_id(result: &Result<Trace, ScenarioError>) -> &'static str {
    result.as_ref().map_or("error", |t| t.verdict.id())
}

/// How a verdict reads on the page: a glyph and words, distinct for every kind, so that the colour
/// (set by `data-verdict` in the style sheet) is never the only cue.
pub fn verdict_words(id: &str) -> (&'static str, &'static str) {
    match id {
        "lost" => ("✗", "data lost"),
        "use-after-free" => ("✗", "use after free"),
        "write-after-protect" => ("✗", "write after mprotect"),
        "write-after-unmap" => ("✗", "write after unmap"),
        "soft-dirty-miss" => ("✗", "soft-dirty missed"),
        "at-risk" => ("!", "at risk"),
        "latent" => ("~", "latent"),
        "guaranteed" => ("✓", "guaranteed"),
        _ => ("?", "cannot run"),
    }
}

/// A verdict's badge: its glyph and words.
pub fn badge(id: &str) -> Html {
    let (glyph, words) = verdict_words(id);
    html! {
        <span class="v-badge" data-verdict={id.to_string()}>
            <span class="v-glyph" aria-hidden="true">{ glyph }</span>{ words }
        </span>
    }
}

/// The steps a run names: the decisive steps, or the step it failed at.
pub fn named_steps(result: &Result<Trace, ScenarioError>) -> Vec<usize> {
    match result {
        Ok(t) => t.verdict.decisive_steps(),
        Err(e) => e.step.into_iter().collect(),
    }
}

/// A column's full name: the preset's with its arch (`will-4+6@arm64`), or `custom`, saying which
/// variant it is.
pub fn column_name(c: &Column) -> String {
    match c.key {
        VariantKey::Preset(_) => c.variant.name(),
        VariantKey::Custom => format!("custom ({})", c.variant.name()),
    }
}

/// The fixes a run asked about (none for a run that failed).
fn consulted(c: &Column) -> FixSet {
    c.result
        .as_ref()
        .as_ref()
        .map_or(FixSet::EMPTY, |t| t.consulted)
}

/// Whether two columns ran alike: both runs asked about the same fixes and got the same answers (so
/// every step did the same), or both failed with the same message.
fn alike(a: &Column, b: &Column) -> bool {
    match (a.result.as_ref(), b.result.as_ref()) {
        (Ok(x), Ok(y)) => {
            x.consulted == y.consulted
                && a.variant.arch == b.variant.arch
                && x.consulted
                    .iter()
                    .all(|f| a.variant.has(f) == b.variant.has(f))
        }
        (Err(x), Err(y)) => x == y,
        _ => false,
    }
}

/// The presets' columns grouped by run: indexes into `cols`, each group in preset order, groups in the
/// order of their first preset. The custom column is left out.
pub fn groups(cols: &[Column]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, c) in cols.iter().enumerate() {
        if c.key == VariantKey::Custom {
            continue;
        }
        match groups.iter_mut().find(|g| alike(&cols[g[0]], c)) {
            Some(g) => g.push(i),
            None => groups.push(vec![i]),
        }
    }
    groups
}

/// What a group's heading adds to its verdict: "ran alike" for several presets (when `alike`), and,
/// when other groups reach the same verdict by a different run, which of them it is ("… a different
/// run, 2 of 3"), so that two headings saying the same verdict do not read as a mistake. Empty when
/// there is nothing to add.
pub fn group_note(cols: &[Column], groups: &[Vec<usize>], k: usize, alike: bool) -> String {
    let id = |g: &Vec<usize>| verdict_id(&cols[g[0]].result);
    let this = id(&groups[k]);
    let same: Vec<usize> = (0..groups.len())
        .filter(|&j| id(&groups[j]) == this)
        .collect();
    let mut parts = Vec::new();
    if alike && groups[k].len() > 1 {
        parts.push("ran alike".to_string());
    }
    if same.len() > 1 {
        let nth = same.iter().position(|&j| j == k).unwrap_or(0) + 1;
        parts.push(format!(
            "the same verdict by a different run, {nth} of {}",
            same.len()
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

/// Why a preset is shown first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The kernel the example says does harm.
    Harmed,
    /// The kernel the example says does not.
    Holds,
    /// Its verdict differs from `from`'s (its previous release, or the release a proposal applies
    /// to), and these consulted fixes are what differs between them.
    Changed {
        /// The neighbour.
        from: Preset,
        /// The fixes one has and the other not, among those the runs asked about.
        fixes: FixSet,
    },
    /// The neighbour of a change, before it.
    Before,
    /// Every preset gave this verdict.
    Alike,
    /// The column the inspector follows.
    Inspected,
}

impl Role {
    /// `data-role`.
    pub fn id(self) -> &'static str {
        match self {
            Role::Harmed => "harmed",
            Role::Holds => "holds",
            Role::Changed { .. } => "changed",
            Role::Before => "before",
            Role::Alike => "alike",
            Role::Inspected => "inspected",
        }
    }

    /// What the card says above the kernel's name.
    pub fn text(self) -> String {
        match self {
            Role::Harmed => "harmed under".into(),
            Role::Holds => "holds under".into(),
            Role::Changed { from, fixes } => {
                let names: Vec<&str> = fixes.iter().map(Fix::name).collect();
                if names.is_empty() {
                    format!("differs from {}", from.name())
                } else {
                    format!("differs from {} by {}", from.name(), names.join(", "))
                }
            }
            Role::Before => "before a change".into(),
            Role::Alike => "every preset".into(),
            Role::Inspected => "inspected".into(),
        }
    }
}

/// The preset a preset is compared with: the release before it, or for a proposal the release it
/// applies to.
pub fn neighbour(p: Preset) -> Option<Preset> {
    let def = p.def();
    match def.kind {
        PresetKind::Proposal => Preset::releases().find(|r| r.def().release == def.release),
        PresetKind::Release => Preset::releases().take_while(|&r| r != p).last(),
    }
}

/// The presets shown first, in order, with why: the example's contrast when it has one, else every
/// preset whose verdict differs from its [`neighbour`]'s and that neighbour (in preset order), else
/// the inspected one as what every preset says; and the inspected preset if not among them.
pub fn featured(
    cols: &[Column],
    contrast: Option<(Preset, Preset)>,
    inspected: VariantKey,
) -> Vec<(Preset, Role)> {
    let col = |p: Preset| cols.iter().find(|c| c.key == VariantKey::Preset(p));
    let mut out: Vec<(Preset, Role)> = Vec::new();
    if let Some((harmed, holds)) = contrast {
        out.push((harmed, Role::Harmed));
        out.push((holds, Role::Holds));
    } else {
        // Each preset's role, by its index in `Preset::ALL`: the list comes out in preset order.
        let mut roles: Vec<Option<Role>> = vec![None; Preset::ALL.len()];
        for p in Preset::ALL {
            let (Some(n), Some(a)) = (neighbour(p), col(p)) else {
                continue;
            };
            let Some(b) = col(n) else { continue };
            if verdict_id(&a.result) == verdict_id(&b.result) {
                continue;
            }
            let fixes = consulted(a)
                .union(consulted(b))
                .iter()
                .filter(|&f| a.variant.has(f) != b.variant.has(f))
                .fold(FixSet::EMPTY, FixSet::with);
            roles[n as usize].get_or_insert(Role::Before);
            roles[p as usize] = Some(Role::Changed { from: n, fixes });
        }
        out.extend(
            Preset::ALL
                .into_iter()
                .zip(roles)
                .filter_map(|(p, role)| Some((p, role?))),
        );
    }
    let inspected = match inspected {
        VariantKey::Preset(p) => Some(p),
        VariantKey::Custom => None,
    };
    if out.is_empty() {
        out.push((inspected.unwrap_or(Preset::V5_10Rc4), Role::Alike));
    } else if let Some(p) = inspected.filter(|p| !out.iter().any(|(q, _)| q == p)) {
        out.push((p, Role::Inspected));
    }
    out
}

/// Preset names as a list, with runs of three or more adjacent presets as `first … last`.
pub fn names(presets: &[Preset]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut k = 0;
    while k < presets.len() {
        let mut end = k;
        while end + 1 < presets.len() && presets[end + 1] as usize == presets[end] as usize + 1 {
            end += 1;
        }
        if end - k >= 2 {
            parts.push(format!("{} … {}", presets[k].name(), presets[end].name()));
        } else {
            parts.extend(presets[k..=end].iter().map(|p| p.name().to_string()));
        }
        k = end + 1;
    }
    parts.join(", ")
}

/// What the matrix shows and whom it tells.
#[derive(Clone, PartialEq, Properties)]
pub struct VerdictsProps {
    /// The scenario (for the summaries' step names).
    pub scenario: Rc<Scenario>,
    /// The columns, from [`columns`].
    pub columns: Rc<Vec<Column>>,
    /// The kernels the scenario's example contrasts, if it came from one (`harmed`, `holds`).
    #[prop_or_default]
    pub contrast: Option<(Variant, Variant)>,
    /// The chosen architecture.
    pub arch: Arch,
    /// The custom variant.
    pub custom: Variant,
    /// The column the inspector follows.
    pub inspected: VariantKey,
    /// A column was clicked.
    pub on_inspect: Callback<VariantKey>,
    /// The architecture changed.
    pub on_arch: Callback<Arch>,
    /// The custom variant changed.
    pub on_custom: Callback<Variant>,
}

/// The verdict matrix.
#[component]
pub fn Verdicts(props: &VerdictsProps) -> Html {
    let cols = &props.columns;
    let on_arch = props.on_arch.reform(|e: Event| {
        parse_arch(&e.target_unchecked_into::<HtmlSelectElement>().value()).unwrap_or(Arch::X86)
    });
    let contrast = props
        .contrast
        .and_then(|(h, k)| Some((h.preset()?, k.preset()?)));
    let shown = featured(cols, contrast, props.inspected);
    let groups = groups(cols);
    let group_of = |i: usize| groups.iter().find(|g| g.contains(&i));
    let col_index = |p: Preset| cols.iter().position(|c| c.key == VariantKey::Preset(p));

    let inspect = |key: VariantKey| inspect_handlers(&props.on_inspect, key);
    let title = |c: &Column| {
        let summary = match c.result.as_ref() {
            Ok(t) => t.verdict.summary(&props.scenario),
            Err(e) => e.to_string(),
        };
        let source = match c.key {
            VariantKey::Preset(p) => p.source().to_string(),
            VariantKey::Custom => c.variant.describe(),
        };
        format!("{}: {source}\n{summary}", column_name(c))
    };

    let card = |c: &Column, role: Option<Role>, alike: Option<String>| {
        let summary = match c.result.as_ref() {
            Ok(t) => t.verdict.summary(&props.scenario),
            Err(e) => e.to_string(),
        };
        let steps = named_steps(&c.result);
        let steps = (!steps.is_empty()).then(|| {
            let list: Vec<String> = steps.iter().map(|i| (i + 1).to_string()).collect();
            let word = if steps.len() == 1 { "step" } else { "steps" };
            format!("{word} {}", list.join(", "))
        });
        html! {
            <VerdictCard key={c.key.name()} column={c.key} id={verdict_id(&c.result)} {role}
                name={c.variant.name()} {steps} {summary} title={title(c)} {alike}
                selected={props.inspected == c.key}
                custom={(c.key == VariantKey::Custom).then_some(props.custom)}
                on_inspect={props.on_inspect.clone()} on_custom={props.on_custom.clone()} />
        }
    };

    let cards = shown.iter().filter_map(|&(p, role)| {
        let i = col_index(p)?;
        let mates: Vec<Preset> = group_of(i)
            .map(|g| {
                g.iter()
                    .filter(|&&j| j != i)
                    .filter_map(|&j| match cols[j].key {
                        VariantKey::Preset(q) => Some(q),
                        VariantKey::Custom => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let alike = match role {
            Role::Alike => None,
            _ => (!mates.is_empty()).then(|| names(&mates)),
        };
        Some(card(&cols[i], Some(role), alike))
    });
    let custom = cols.iter().find(|c| c.key == VariantKey::Custom);

    let chip = |i: usize| {
        let c = &cols[i];
        let key = c.key;
        let (onclick, _) = inspect(key);
        let is_shown = shown.iter().any(|(p, _)| VariantKey::Preset(*p) == key);
        // A featured preset is a card above; here it is only named, so each preset is one `.verdict`.
        let class = if is_shown {
            classes!("verdict-ref")
        } else {
            classes!(
                "verdict",
                "chip",
                (props.inspected == key).then_some("selected")
            )
        };
        html! {
            <button type="button" key={key.name()} {class} data-variant={key.name()}
                data-verdict={verdict_id(&c.result)} title={title(c)} {onclick}>
                { key.name() }
            </button>
        }
    };
    let group_row = |k: usize, g: &Vec<usize>| {
        let first = &cols[g[0]];
        let id = verdict_id(&first.result);
        let runs = group_note(cols, &groups, k, true);
        // Each preset with what it is, on the page rather than only in its tooltip.
        let member = |i: usize| {
            let source = match cols[i].key {
                VariantKey::Preset(p) => p.source(),
                VariantKey::Custom => "",
            };
            html! {
                <li class="member" key={cols[i].key.name()}>
                    { chip(i) }<span class="v-source">{ source }</span>
                </li>
            }
        };
        html! {
            <li class="verdict-group" data-verdict={id}>
                <div class="group-head">{ badge(id) }<span class="group-note">{ runs }</span></div>
                <ul class="group-members">{ for g.iter().map(|&i| member(i)) }</ul>
            </li>
        }
    };

    let arch_note = props
        .contrast
        .filter(|(h, _)| h.arch != props.arch)
        .map(|(h, _)| {
            let arch = h.arch;
            let onclick = props.on_arch.reform(move |_: MouseEvent| arch);
            html! {
                <p class="contrast-arch">
                    { format!("This example's kernels differ on {}. ", arch_id(arch)) }
                    <button type="button" {onclick}>{ format!("Run on {}", arch_id(arch)) }</button>
                </p>
            }
        });
    let presets = Preset::ALL.len();
    let arch_select = html! {
        <label class="arch">{ "arch " }
            <select class="arch-select" onchange={on_arch} aria-label="Architecture">
                <option value="x86" selected={props.arch == Arch::X86}>{ "x86" }</option>
                <option value="arm64" selected={props.arch == Arch::Arm64}>{ "arm64" }</option>
            </select>
        </label>
    };
    // An empty timeline from the default start has nothing to judge: say so, rather than a row of
    // "guaranteed". (A starting state of its own can be at risk with no step at all.)
    let s = &props.scenario;
    if s.steps.is_empty() && s.initial.is_default() && s.pages == Scenario::default().pages {
        return html! {
            <section class="verdicts" aria-label="Verdict per kernel variant">
                <div class="verdicts-head">
                    <h2 class="panel-title">{ "Verdicts" }</h2>
                    { arch_select }
                </div>
                <p class="no-steps" role="status">
                    { "No steps yet: each kernel's verdict appears here once a lane has a step.                        Drag an action from the palette onto a lane." }
                </p>
            </section>
        };
    }
    html! {
        <section class="verdicts" aria-label="Verdict per kernel variant">
            <div class="verdicts-head">
                <h2 class="panel-title">{ "Verdicts" }</h2>
                { arch_select }
                <span class="verdicts-count">
                    { format!("{presets} presets, {} distinct runs", groups.len()) }
                </span>
            </div>
            { arch_note }
            <div class="verdict-row">
                { for cards }
                { for custom.map(|c| card(c, None, None)) }
            </div>
            <details class="all-verdicts">
                <summary>{ format!("All releases and proposals ({presets})") }</summary>
                <ul class="verdict-groups">{ for groups.iter().enumerate().map(|(k, g)| group_row(k, g)) }</ul>
            </details>
        </section>
    }
}

/// What a verdict card shows, by value: an edit re-renders the cards whose words changed.
#[derive(Clone, PartialEq, Properties)]
struct CardProps {
    /// The column.
    column: VariantKey,
    /// `data-verdict`.
    id: &'static str,
    /// Why it is shown first.
    role: Option<Role>,
    /// The variant's full name.
    name: String,
    /// The steps it names ("steps 1, 8").
    steps: Option<String>,
    /// The verdict in a sentence.
    summary: String,
    /// The tooltip.
    title: String,
    /// The presets that ran alike.
    alike: Option<String>,
    /// It is the inspected column.
    selected: bool,
    /// The custom column's variant (its card holds the fix controls).
    custom: Option<Variant>,
    on_inspect: Callback<VariantKey>,
    on_custom: Callback<Variant>,
}

/// What makes a column's verdict a button that inspects it: a click, or Enter or Space on it.
fn inspect_handlers(
    on_inspect: &Callback<VariantKey>,
    key: VariantKey,
) -> (Callback<MouseEvent>, Callback<KeyboardEvent>) {
    let onclick = on_inspect.reform(move |_: MouseEvent| key);
    let on_inspect = on_inspect.clone();
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            on_inspect.emit(key);
        }
    });
    (onclick, onkeydown)
}

/// A kernel shown first, as a card: its role, name, verdict, what it is, the steps its verdict
/// names and the verdict in a sentence. Clicking it inspects it.
#[component]
fn VerdictCard(props: &CardProps) -> Html {
    let key = props.column;
    let (onclick, onkeydown) = inspect_handlers(&props.on_inspect, key);
    let selected = props.selected;
    html! {
        // The card is clickable; its focusable part is the button-like main part, so that the
        // custom column's controls are not nested inside a button.
        <div class={classes!("verdict", "card", selected.then_some("selected"))}
            data-variant={key.name()} data-verdict={props.id} data-role={props.role.map(Role::id)}
            title={props.title.clone()} {onclick}>
            <div class="v-main" role="button" tabindex="0" aria-pressed={selected.to_string()} {onkeydown}>
                if let Some(role) = props.role {
                    <div class="v-role">{ role.text() }</div>
                } else if key == VariantKey::Custom {
                    <div class="v-role">{ "custom fixes" }</div>
                }
                <div class="v-head">
                    <span class="v-name">{ props.name.clone() }</span>
                    { badge(props.id) }
                </div>
                if let VariantKey::Preset(p) = key {
                    <div class="v-source">{ p.source() }</div>
                }
                if let Some(steps) = &props.steps {
                    <div class="v-steps">{ steps.clone() }</div>
                }
                <div class="v-summary">{ props.summary.clone() }</div>
                if let Some(alike) = &props.alike {
                    <div class="v-alike">{ format!("ran alike: {alike}") }</div>
                }
            </div>
            if let Some(custom) = props.custom {
                <CustomControls {custom} on_custom={props.on_custom.clone()} />
            }
        </div>
    }
}

/// What [`CustomControls`] edits.
#[derive(Clone, PartialEq, Properties)]
struct CustomProps {
    custom: Variant,
    on_custom: Callback<Variant>,
}

/// The custom column's fixes: a variant spec to type (`v5.10-rc4+yu-mkclean-pending`, as the CLI
/// reads it) and a checkbox per row of core's fix table.
#[component]
fn CustomControls(props: &CustomProps) -> Html {
    let error = use_state(|| None::<String>);
    let v = props.custom;
    let on_spec = {
        let (error, on_custom) = (error.clone(), props.on_custom.clone());
        Callback::from(move |e: Event| {
            let text = e.target_unchecked_into::<HtmlInputElement>().value();
            match Variant::parse(&text) {
                Ok(parsed) => {
                    error.set(None);
                    on_custom.emit(parsed.on(v.arch));
                }
                Err(message) => error.set(Some(message)),
            }
        })
    };
    let fix = |def: &'static tlbrace_core::model::variant::FixDef| {
        let f = def.fix;
        let onchange = props.on_custom.reform(move |e: Event| {
            v.with(f, e.target_unchecked_into::<HtmlInputElement>().checked())
        });
        let release = def.release.map(|r| format!(" ({r})")).unwrap_or_default();
        html! {
            <li key={def.name}>
                <label class="custom-fix" data-fix={def.name}
                    title={format!("{}{release}: {}\n{}", def.commit, def.title, def.summary)}>
                    <input type="checkbox" checked={v.fixes.has(f)} {onchange} />
                    { def.name }
                </label>
            </li>
        }
    };
    let stop = Callback::from(|e: MouseEvent| e.stop_propagation());
    html! {
        <details class="custom-controls" onclick={stop}>
            <summary>{ "fixes" }</summary>
            <label class="custom-spec-label">{ "spec " }
                <input class="custom-spec" type="text" spellcheck="false" value={v.on(Arch::X86).name()}
                    onchange={on_spec} aria-label="Custom variant spec" />
            </label>
            if let Some(e) = &*error {
                <p class="custom-error">{ e }</p>
            }
            <ul class="custom-fixes">{ for FIXES.iter().map(fix) }</ul>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlbrace_core::examples::example;

    fn cols(name: &str) -> Vec<Column> {
        columns(
            &example(name).unwrap(),
            Arch::X86,
            crate::view::default_custom(),
        )
    }

    #[test]
    fn every_verdict_kind_reads_differently() {
        let ids = [
            "lost",
            "use-after-free",
            "write-after-protect",
            "write-after-unmap",
            "soft-dirty-miss",
            "at-risk",
            "latent",
            "guaranteed",
            "error",
        ];
        let mut words: Vec<&str> = ids.iter().map(|id| verdict_words(id).1).collect();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), ids.len());
    }

    #[test]
    fn neighbours_are_the_release_before_or_the_base_release() {
        assert_eq!(neighbour(Preset::V3_12), None);
        assert_eq!(neighbour(Preset::V3_13), Some(Preset::V3_12));
        assert_eq!(neighbour(Preset::YuFix), Some(Preset::V5_10Rc4));
        assert_eq!(neighbour(Preset::V5_10), Some(Preset::V5_10Rc4));
    }

    #[test]
    fn a_contrast_comes_first_and_the_inspected_column_is_kept() {
        let c = cols("example-1");
        let f = featured(
            &c,
            Some((Preset::Will4And6, Preset::YuFix)),
            VariantKey::Preset(Preset::V5_12),
        );
        assert_eq!(
            f,
            vec![
                (Preset::Will4And6, Role::Harmed),
                (Preset::YuFix, Role::Holds),
                (Preset::V5_12, Role::Inspected)
            ]
        );
    }

    #[test]
    fn without_a_contrast_the_changes_come_first_naming_the_fixes() {
        let c = cols("numa-migration");
        let f = featured(&c, None, VariantKey::Preset(Preset::V3_12));
        assert_eq!(f[0], (Preset::V3_12, Role::Before));
        match f[1] {
            (Preset::V3_13, Role::Changed { from, fixes }) => {
                assert_eq!(from, Preset::V3_12);
                assert!(fixes.has(Fix::PteAccessiblePending), "{fixes:?}");
            }
            other => panic!("{other:?}"),
        }
        // An empty timeline: one verdict everywhere.
        let empty = columns(
            &Scenario::default(),
            Arch::X86,
            crate::view::default_custom(),
        );
        assert_eq!(
            featured(&empty, None, VariantKey::Custom),
            vec![(Preset::V5_10Rc4, Role::Alike)]
        );
        assert_eq!(
            groups(&empty).len(),
            1,
            "an empty timeline consults nothing"
        );
    }

    #[test]
    fn presets_that_ran_alike_share_a_group() {
        let c = cols("example-1");
        let g = groups(&c);
        assert!(g.len() > 1 && g.len() < Preset::ALL.len());
        assert_eq!(g.iter().map(Vec::len).sum::<usize>(), Preset::ALL.len());
        for group in &g {
            let ids: Vec<&str> = group.iter().map(|&i| verdict_id(&c[i].result)).collect();
            assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
        }
    }

    #[test]
    fn two_lines_with_one_verdict_say_they_are_different_runs() {
        // KSM: v3.12 does harm alone, v3.13 … v4.12 alike; both use after free.
        let c = cols("ksm");
        let g = groups(&c);
        let id = |k: usize| verdict_id(&c[g[k][0]].result);
        let k = (0..g.len())
            .find(|&k| (0..g.len()).any(|j| j != k && id(j) == id(k)))
            .expect("two groups with one verdict");
        let same = (0..g.len()).filter(|&j| id(j) == id(k)).count();
        let note = group_note(&c, &g, k, true);
        assert!(
            note.contains(&format!("the same verdict by a different run, 1 of {same}")),
            "{note}"
        );
        // A verdict no other group has: at most "ran alike".
        for j in (0..g.len()).filter(|&j| (0..g.len()).all(|i| i == j || id(i) != id(j))) {
            let note = group_note(&c, &g, j, true);
            assert!(note.is_empty() || note == " (ran alike)", "{note}");
        }
    }

    #[test]
    fn adjacent_presets_are_named_as_a_range() {
        assert_eq!(
            names(&[Preset::V3_13, Preset::V3_15, Preset::V4_12, Preset::V5_10]),
            "v3.13 … v4.12, v5.10"
        );
        assert_eq!(names(&[Preset::V3_12, Preset::V3_13]), "v3.12, v3.13");
    }
}
