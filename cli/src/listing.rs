//! `tlbrace variants` and `tlbrace actions`: the model's tables, for people and for scripts.

use serde_json::{json, Value};
use tlbrace_core::model::variant::{FixKind, PresetKind, FIXES};
use tlbrace_core::{Action, Arch, Fix, FixSet, KernelPath, Preset};

/// Arguments of the listings.
#[derive(clap::Args)]
pub struct ListArgs {
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// Width lists of names are wrapped to.
const WIDTH: usize = 100;

fn kind_name(k: FixKind) -> &'static str {
    match k {
        FixKind::Fix => "fix",
        FixKind::Change => "change",
        FixKind::Proposal => "proposal",
        FixKind::Reference => "reference",
    }
}

/// A commit id as the table shows it (12 hex digits), or who posted a proposal.
fn short_commit(commit: &str) -> &str {
    if commit.bytes().all(|b| b.is_ascii_hexdigit()) {
        &commit[..commit.len().min(12)]
    } else {
        commit.split(',').next().unwrap_or(commit)
    }
}

/// The fixes a release has that the release before it lacks.
fn new_in(p: Preset) -> FixSet {
    let before = Preset::releases()
        .take_while(|&r| r != p)
        .last()
        .map_or(FixSet::EMPTY, Preset::fixes);
    p.fixes()
        .iter()
        .filter(|f| !before.has(*f))
        .fold(FixSet::EMPTY, FixSet::with)
}

/// Words after `indent`, wrapped at [`WIDTH`].
fn wrapped(indent: usize, words: &[String]) -> String {
    let mut out = String::new();
    let mut col = indent;
    out.push_str(&" ".repeat(indent));
    for (i, w) in words.iter().enumerate() {
        let sep = if i + 1 < words.len() { "," } else { "" };
        let len = w.chars().count() + sep.len();
        if col > indent && col + 1 + len > WIDTH {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            col = indent;
        } else if col > indent {
            out.push(' ');
            col += 1;
        }
        out.push_str(w);
        out.push_str(sep);
        col += len;
    }
    out
}

fn arch_note(f: Fix) -> &'static str {
    match f.def().arch {
        Some(Arch::Arm64) => " (arm64)",
        Some(Arch::X86) => " (x86)",
        None => "",
    }
}

/// Runs `tlbrace variants`.
pub fn cmd_variants(args: &ListArgs) -> Result<(), String> {
    if args.json {
        return print(&variants_json());
    }
    let width = Preset::ALL
        .iter()
        .map(|p| p.name().len())
        .max()
        .unwrap_or(0);
    outln!("Kernel releases: every fix merged by then (* first appears in that release)");
    for p in Preset::releases() {
        let new = new_in(p);
        outln!("  {:<width$}  {}", p.name(), p.source());
        let fixes: Vec<String> = p
            .fixes()
            .iter()
            .map(|f| {
                let mark = if new.has(f) { "*" } else { "" };
                format!("{mark}{}{}", f.name(), arch_note(f))
            })
            .collect();
        if fixes.is_empty() {
            outln!("  {:<width$}  (no fixes)", "");
        } else {
            outln!("{}", wrapped(width + 4, &fixes));
        }
    }
    outln!("\nProposals: a release plus patches posted to a list");
    for p in Preset::ALL
        .into_iter()
        .filter(|p| p.def().kind == PresetKind::Proposal)
    {
        let d = p.def();
        let patches: Vec<&str> = d.patches.iter().map(|f| f.name()).collect();
        outln!("  {:<width$}  {}", p.name(), p.source());
        outln!("  {:<width$}  {} + {}", "", d.release, patches.join(" + "));
    }

    outln!("\nFixes: a spec adds or removes them by name or commit id");
    let name_w = FIXES.iter().map(|d| d.name.len()).max().unwrap_or(0);
    let hook_w = FIXES.iter().map(|d| d.hook.len()).max().unwrap_or(0);
    outln!(
        "  {:<name_w$}  {:<12}  {:<10}  {:<9}  {:<5}  {:<hook_w$}  title",
        "name",
        "commit",
        "release",
        "kind",
        "arch",
        "function"
    );
    for d in FIXES {
        let release = d.release.map_or("-".to_string(), |r| r.to_string());
        outln!(
            "  {:<name_w$}  {:<12}  {:<10}  {:<9}  {:<5}  {:<hook_w$}  {}",
            d.name,
            short_commit(d.commit),
            release,
            kind_name(d.kind),
            d.arch.map_or("any", Arch::name),
            d.hook,
            d.title
        );
    }
    outln!(
        "\nA variant spec is a preset, then +FIX or -FIX (a name or a commit id), then @arm64 or @x86:\n  \
         tlbrace run example-1 --variant v5.10-rc4+yu-mkclean-pending@arm64\n  \
         tlbrace run example-1 --variant v4.13+912efa17e512\n\
         Model v1's policy form (skip=…,batching=…,gather=…) is read too. `--json` gives each fix's summary."
    );
    Ok(())
}

fn variants_json() -> Value {
    let presets: Vec<Value> = Preset::ALL
        .iter()
        .map(|&p| {
            let d = p.def();
            let names = |s: FixSet| s.iter().map(Fix::name).collect::<Vec<_>>();
            let mut v = json!({
                "name": p.name(),
                "kind": d.kind,
                "release": d.release.to_string(),
                "source": d.source,
                "fixes": names(p.fixes()),
            });
            match d.kind {
                PresetKind::Release => v["new"] = json!(names(new_in(p))),
                PresetKind::Proposal => {
                    v["patches"] = json!(d.patches.iter().map(|f| f.name()).collect::<Vec<_>>())
                }
            }
            v
        })
        .collect();
    let fixes: Vec<Value> = FIXES
        .iter()
        .map(|d| {
            json!({
                "name": d.name,
                "commit": d.commit,
                "release": d.release.map(|r| r.to_string()),
                "kind": d.kind,
                "arch": d.arch,
                "function": d.hook,
                "title": d.title,
                "summary": d.summary,
            })
        })
        .collect();
    json!({ "presets": presets, "fixes": fixes })
}

/// Runs `tlbrace actions`.
pub fn cmd_actions(args: &ListArgs) -> Result<(), String> {
    if args.json {
        let paths: Vec<Value> = KernelPath::ALL
            .iter()
            .map(|&path| {
                let actions: Vec<Value> = actions_of(path)
                    .map(|a| {
                        let d = a.def();
                        json!({
                            "id": d.id,
                            "label": d.label,
                            "aliases": d.aliases,
                            "per_page": d.per_page,
                            "summary": d.summary,
                        })
                    })
                    .collect();
                json!({ "path": path, "title": path.title(), "actions": actions })
            })
            .collect();
        return print(&json!({ "paths": paths }));
    }
    let id_w = Action::ALL.iter().map(|a| a.id().len()).max().unwrap_or(0);
    let label_w = Action::ALL
        .iter()
        .map(|a| a.label().len())
        .max()
        .unwrap_or(0);
    for (k, path) in KernelPath::ALL.into_iter().enumerate() {
        if k > 0 {
            outln!();
        }
        outln!("{}:", path.title());
        for a in actions_of(path) {
            let d = a.def();
            let scope = if d.per_page { "page" } else { "mm" };
            outln!(
                "  {:<id_w$}  {:<label_w$}  {scope:<4}  {}",
                d.id,
                d.label,
                d.summary
            );
            if !d.aliases.is_empty() {
                outln!("  {:<id_w$}  also: {}", "", d.aliases.join(", "));
            }
        }
    }
    outln!(
        "\npage: the step acts on one virtual page (a step names which, `\"page\": 1`); mm: on the whole \
         address space. A step is written by its id, its label, or an alias."
    );
    Ok(())
}

fn actions_of(path: KernelPath) -> impl Iterator<Item = Action> {
    Action::ALL.into_iter().filter(move |a| a.path() == path)
}

fn print(doc: &Value) -> Result<(), String> {
    outln!(
        "{}",
        serde_json::to_string_pretty(doc).map_err(|e| e.to_string())?
    );
    Ok(())
}
