//! docs/model.md is the model's specification: its tables must name every fix (with its commit and
//! release), every preset, every action and every history example the code has, so that neither can
//! grow without the other.

use tlbrace_core::examples::{Origin, EXAMPLES};
use tlbrace_core::model::variant::FIXES;
use tlbrace_core::{Action, Preset};

fn doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/model.md"))
        .expect("docs/model.md")
}

/// The table row whose first column is `key` in backticks.
fn row<'a>(doc: &'a str, key: &str) -> Option<&'a str> {
    let first = format!("| `{key}` |");
    doc.lines().find(|l| l.starts_with(&first))
}

#[test]
fn every_fix_has_its_row_with_commit_and_release() {
    let doc = doc();
    for f in FIXES.iter() {
        let line = row(&doc, f.name).unwrap_or_else(|| panic!("no row for fix {}", f.name));
        assert!(line.contains(f.commit), "{}: {line}", f.commit);
        if let Some(r) = f.release {
            assert!(line.contains(&r.to_string()), "{}: {line}", f.name);
        }
        assert!(line.contains(f.hook), "{}: {line}", f.name);
    }
}

#[test]
fn every_preset_and_action_has_its_row() {
    let doc = doc();
    for p in Preset::ALL {
        assert!(row(&doc, p.name()).is_some(), "preset {}", p.name());
    }
    for a in Action::ALL {
        let d = a.def();
        let line = row(&doc, d.id).unwrap_or_else(|| panic!("action {}", d.id));
        assert!(
            line.contains(&format!("| {} |", d.code)),
            "{}: {line}",
            d.id
        );
    }
}

#[test]
fn every_history_example_and_verdict_is_described() {
    let doc = doc();
    for e in EXAMPLES.iter().filter(|e| e.origin == Origin::History) {
        let line = row(&doc, e.name).unwrap_or_else(|| panic!("history {}", e.name));
        assert!(line.contains(e.commit.unwrap()), "{line}");
    }
    for id in [
        "`lost`",
        "`use-after-free`",
        "`write-after-protect`",
        "`write-after-unmap`",
        "`soft-dirty-miss`",
        "**at risk**",
        "**latent**",
        "**guaranteed**",
    ] {
        assert!(doc.contains(id), "{id}");
    }
}
