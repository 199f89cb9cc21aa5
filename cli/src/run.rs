//! `tlbrace run`: one timeline under every preset (or the variants named), a verdict each.
//!
//! Under the presets the lines are grouped: presets whose runs agree on every fix the timeline asked
//! about ran alike ([`tlbrace_core::run_all`] runs them once), and one line says so, naming them all.

use serde::Serialize;
use tlbrace_core::{
    run, run_all, Arch, Event, Fix, FixSet, Preset, Scenario, ScenarioError, Trace, Variant,
    Verdict,
};

use crate::{diagram, load, parse_spec, ArchArg};

#[derive(clap::Args)]
pub struct RunArgs {
    /// A scenario: a file (JSON, share link or ASCII diagram), `-` for standard input, a built-in
    /// example name, or a share link (`https://…#v2.…` or `v2.…`).
    scenario: String,
    /// Only these variants (repeatable): a preset (`v5.12`, `yu-fix`), a preset with fixes added or
    /// removed by name or commit id (`v5.10-rc4+yu-mkclean-pending`, `v4.13+912efa17e512`), with
    /// `@arm64` or `@x86`; or model v1's `skip=…,batching=…,gather=…`. Default: every preset.
    #[arg(long = "variant", short = 'v', value_name = "SPEC")]
    variants: Vec<String>,
    /// The architecture of the presets, and of every spec without `@…`.
    #[arg(long, value_enum, default_value_t = ArchArg::X86)]
    arch: ArchArg,
    /// Draw the timeline with the state after every step and each step's explanation (naming the
    /// fix that decided it).
    #[arg(long)]
    explain: bool,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
    /// For a diagram: leave out the lines that name nothing the model knows (each is said on
    /// standard error) instead of refusing the diagram.
    #[arg(long)]
    allow_unmapped: bool,
}

/// One variant's run.
struct Row {
    /// The preset's name, or the spec's canonical name.
    name: String,
    /// The preset, when the row is one.
    preset: Option<Preset>,
    variant: Variant,
    result: Result<Trace, ScenarioError>,
}

/// Rows that ran alike, as indexes into the rows, in order.
type Group = Vec<usize>;

/// Runs `tlbrace run`.
pub fn cmd_run(args: &RunArgs) -> Result<(), String> {
    let scenario = load::load_scenario_as(
        &args.scenario,
        None,
        load::Unmapped::flag(args.allow_unmapped),
    )?;
    scenario.validate().map_err(|e| e.to_string())?;
    let arch: Arch = args.arch.into();
    let rows: Vec<Row> = if args.variants.is_empty() {
        run_all(&scenario, arch)
            .into_iter()
            .map(|r| Row {
                name: r.preset.name().to_string(),
                preset: Some(r.preset),
                variant: r.preset.variant().on(arch),
                result: r.result,
            })
            .collect()
    } else {
        let variants = args
            .variants
            .iter()
            .map(|spec| parse_spec(spec, arch))
            .collect::<Result<Vec<_>, _>>()?;
        variants
            .into_iter()
            .map(|v| Row {
                name: v.name(),
                preset: None,
                variant: v,
                result: run(&scenario, &v),
            })
            .collect()
    };
    // Named variants are shown one by one, as asked; presets grouped where they ran alike.
    let groups = if args.variants.is_empty() {
        group(&rows)
    } else {
        (0..rows.len()).map(|i| vec![i]).collect()
    };
    let irregular = crate::warn_irregular(&scenario);

    if args.json {
        return print_json(&scenario, arch, &rows, &groups, &irregular, args.explain);
    }

    if let Some(t) = &scenario.title {
        outln!("{t}");
    }
    let names: Vec<String> = groups.iter().map(|g| group_name(&rows, g)).collect();
    if args.explain {
        for (g, name) in groups.iter().zip(&names) {
            let first = &rows[g[0]];
            outln!("\n=== {name}");
            match &first.result {
                Ok(t) => {
                    let fixes = fixes_line(&first.variant, t.consulted, g.len() > 1);
                    for line in fixes.lines().flat_map(|l| diagram::wrap(l, 100)) {
                        outln!("{line}");
                    }
                    outln!();
                    out!("{}", diagram::render(&scenario, t));
                    outln!("\nverdict under {name}: {}", t.verdict.summary(&scenario));
                }
                Err(e) => outln!("error: {e}"),
            }
        }
        outln!();
        for line in diagram::wrap(&diagram::legend(&scenario), 100) {
            outln!("{line}");
        }
        outln!();
    }
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    for (g, name) in groups.iter().zip(&names) {
        let pad = width - name.chars().count();
        match &rows[g[0]].result {
            Ok(t) => {
                outln!("{name}{:pad$}  {}", "", t.verdict.summary(&scenario));
                for w in &t.waits {
                    outln!(
                        "{:width$}  (as drawn, not a kernel order: step {} would wait, since {})",
                        "",
                        w.step + 1,
                        w.blocked
                    );
                }
            }
            Err(e) => outln!("{name}{:pad$}  error: {e}", ""),
        }
    }
    if args.variants.is_empty() {
        print_flips(&rows);
    }
    if groups.iter().any(|g| g.len() > 1) {
        outln!(
            "\nPresets on one line ran alike: they differ only in fixes this timeline never consulted \
             (`--explain` lists the ones it did)."
        );
    }
    Ok(())
}

/// The release timeline: where the verdict changes from one release to the next, and which commits
/// changed it.
fn print_flips(rows: &[Row]) {
    let runs: Vec<tlbrace_core::PresetRun> = rows
        .iter()
        .filter_map(|r| {
            Some(tlbrace_core::PresetRun {
                preset: r.preset?,
                result: r.result.clone(),
            })
        })
        .collect();
    let flips = tlbrace_core::release_flips(&runs);
    if flips.is_empty() {
        return;
    }
    outln!("\nWhere the releases part ways:");
    for f in flips {
        let commits: Vec<String> = f
            .fixes
            .iter()
            .map(|x| format!("{} ({})", x.def().commit, x.name()))
            .collect();
        outln!(
            "  {} -> {}: {} -> {}{}",
            f.from.name(),
            f.to.name(),
            f.labels.0,
            f.labels.1,
            if commits.is_empty() {
                String::new()
            } else {
                format!(", by {}", commits.join(", "))
            }
        );
    }
}

/// Groups rows whose runs agree: the same architecture, the same fixes consulted, and the same answer
/// from each of them ([`Variant::has`], so an arm64 fix is off on x86 whichever set holds it). The
/// model asks about fixes only through that answer, so every step of such runs did exactly the same.
/// Errors stay on their own.
fn group(rows: &[Row]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let joins = |g: &Group| {
            let first = &rows[g[0]];
            match (&first.result, &row.result) {
                (Ok(a), Ok(b)) => {
                    a.consulted == b.consulted
                        && first.variant.arch == row.variant.arch
                        && a.consulted
                            .iter()
                            .all(|f| first.variant.has(f) == row.variant.has(f))
                }
                _ => false,
            }
        };
        match groups.iter_mut().find(|g| joins(g)) {
            Some(g) => g.push(i),
            None => groups.push(vec![i]),
        }
    }
    groups
}

/// A group's names: runs of three or more presets adjacent in [`Preset::ALL`] as `first … last`
/// (the order `tlbrace variants` lists), the rest one by one.
fn group_name(rows: &[Row], g: &Group) -> String {
    let index = |i: usize| rows[i].preset.map(|p| p as usize);
    let mut parts: Vec<String> = Vec::new();
    let mut k = 0;
    while k < g.len() {
        let mut end = k;
        while end + 1 < g.len()
            && index(g[end]).is_some()
            && index(g[end + 1]) == index(g[end]).map(|x| x + 1)
        {
            end += 1;
        }
        if end - k >= 2 {
            parts.push(format!("{} … {}", rows[g[k]].name, rows[g[end]].name));
        } else {
            parts.extend((k..=end).map(|j| rows[g[j]].name.clone()));
        }
        k = end + 1;
    }
    parts.join(", ")
}

/// What decided a run: the fixes the timeline consulted, each on or off, and for a single variant
/// its whole fix set.
fn fixes_line(v: &Variant, consulted: FixSet, grouped: bool) -> String {
    let asked: Vec<String> = consulted
        .iter()
        .map(|f| format!("{} {}", f.name(), if v.has(f) { "on" } else { "off" }))
        .collect();
    let asked = if asked.is_empty() {
        "none".to_string()
    } else {
        asked.join(", ")
    };
    if grouped {
        format!("fixes consulted (the same in each): {asked}")
    } else {
        format!("fixes: {}\nfixes consulted: {asked}", v.describe())
    }
}

#[derive(Serialize)]
struct JsonRun<'a> {
    variant: String,
    #[serde(flatten)]
    spec: Variant,
    /// The first row of the group, when this one ran alike.
    #[serde(skip_serializing_if = "Option::is_none")]
    same_as: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consulted: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<&'a Verdict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    decisive_steps: Option<Vec<usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    waits: Option<&'a [tlbrace_core::model::trace::Wait]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<&'a [Event]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn print_json(
    scenario: &Scenario,
    arch: Arch,
    rows: &[Row],
    groups: &[Group],
    irregular: &[tlbrace_core::model::paths::Irregular],
    explain: bool,
) -> Result<(), String> {
    let first_of = |i: usize| groups.iter().find(|g| g.contains(&i)).map_or(i, |g| g[0]);
    let out: Vec<JsonRun> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let same_as = (first_of(i) != i).then(|| rows[first_of(i)].name.as_str());
            let base = JsonRun {
                variant: row.name.clone(),
                spec: row.variant,
                same_as,
                consulted: None,
                label: None,
                verdict: None,
                summary: None,
                decisive_steps: None,
                waits: None,
                events: None,
                error: None,
            };
            match &row.result {
                Ok(t) => JsonRun {
                    consulted: Some(t.consulted.iter().map(Fix::name).collect()),
                    label: Some(t.verdict.label()),
                    verdict: Some(&t.verdict),
                    summary: Some(t.verdict.summary(scenario)),
                    decisive_steps: Some(t.verdict.decisive_steps()),
                    waits: Some(&t.waits),
                    events: explain.then_some(&t.events[..]),
                    ..base
                },
                Err(e) => JsonRun {
                    error: Some(e.to_string()),
                    ..base
                },
            }
        })
        .collect();
    let doc = serde_json::json!({
        "title": scenario.title,
        "arch": arch,
        "irregular": crate::irregular_json(irregular),
        "runs": out,
    });
    outln!(
        "{}",
        serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
    );
    Ok(())
}
