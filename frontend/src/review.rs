//! Pure helpers behind two review features, tested natively:
//!
//! - the **hazard marker** ([`hazard`]): where, under the inspected kernel, the danger began
//!   (core's [`Trace::hazard`]: the first step after which a stale entry outlives every flush the
//!   kernel owes), in words for its tooltip, naming the harm that follows or, for a latent verdict,
//!   the step since which it is latent;
//! - **self-checking links** ([`author_view`], [`verdict_changes`]): a share link or embed records
//!   the verdicts its author saw (`Scenario::view.seen`, by variant spec) and the column they
//!   inspected (`view.variant`); the embed compares them with what the model says today and says so
//!   when they differ, and opens on the author's column.

use tlbrace_core::model::scenario::View;
use tlbrace_core::{run, Scenario, Trace, Variant, Verdict};

use crate::components::verdicts::{verdict_id, Column, VariantKey};

/// The hazard marker: the step, and what it means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hazard {
    /// The first hazardous step (from 0).
    pub step: usize,
    /// The tooltip.
    pub text: String,
}

/// `step 3 (CPU1 pte_mkclean())`.
fn step_name(s: &Scenario, i: usize) -> String {
    match s.steps.get(i) {
        Some(st) => format!("step {} (CPU{} {})", i + 1, st.cpu, st.action.label()),
        None => format!("step {}", i + 1),
    }
}

/// The hazard of a run under `variant` (its name), if the run has one.
pub fn hazard(s: &Scenario, trace: &Trace, variant: &str) -> Option<Hazard> {
    let h = trace.hazard?;
    let mut text = format!(
        "Hazard under {variant}: after {}, a CPU holds a stale, writable TLB entry that no flush \
         the kernel still owes will remove; a store through it escapes the kernel.",
        step_name(s, h)
    );
    let then = match trace.verdict {
        Verdict::Harmed { step, .. } if step > h => {
            format!(" The harm comes at {}.", step_name(s, step))
        }
        Verdict::Harmed { step, .. } if step == h => " The harm comes at this very step.".into(),
        Verdict::Harmed { step, .. } => {
            format!(" (The harm came earlier, at {}.)", step_name(s, step))
        }
        Verdict::AtRisk { .. } => " The timeline ends with the data at risk.".into(),
        Verdict::Latent { since, .. } => format!(
            " The verdict is latent: {} nothing the kernel owes will flush the entry.",
            since.map_or("from the start".to_string(), |i| format!(
                "since {}",
                step_name(s, i)
            ))
        ),
        Verdict::Guaranteed { .. } => {
            " No harm follows in this timeline, but a later store through the entry would escape."
                .into()
        }
    };
    text.push_str(&then);
    Some(Hazard { step: h, text })
}

/// What the author of a link sees: the verdict of every column whose key is in `shown` (the
/// matrix's cards) and of the inspected one, by variant spec, and the inspected column's spec.
/// Columns that cannot run record nothing.
pub fn author_view(cols: &[Column], shown: &[&str], inspected: VariantKey) -> View {
    let mut view = View::default();
    for c in cols {
        let Ok(t) = c.result.as_ref() else { continue };
        if c.key == inspected || shown.contains(&c.key.name()) {
            view.seen
                .insert(c.variant.name(), t.verdict.id().to_string());
        }
        if c.key == inspected {
            view.variant = Some(c.variant.name());
        }
    }
    view
}

/// One verdict that changed since the link was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerdictChange {
    /// The variant spec, as recorded.
    pub spec: String,
    /// The verdict the author saw.
    pub was: String,
    /// The verdict today.
    pub now: String,
}

impl VerdictChange {
    /// "verdict changed since this was written: was lost, now guaranteed under v5.12".
    pub fn words(&self) -> String {
        let words = |id: &str| id.replace('-', " ");
        format!(
            "verdict changed since this was written: was {}, now {} under {}",
            words(&self.was),
            words(&self.now),
            self.spec
        )
    }
}

/// The column `variant` ran in, or a run of it.
fn verdict_now(s: &Scenario, cols: &[Column], variant: &Variant) -> String {
    match cols.iter().find(|c| c.variant == *variant) {
        Some(c) => verdict_id(&c.result).to_string(),
        None => verdict_id(&run(s, variant)).to_string(),
    }
}

/// The verdicts recorded in `s.view.seen` that the model no longer gives, in the record's order.
/// Specs this release cannot read are left alone (a later release may know more kernels).
pub fn verdict_changes(s: &Scenario, cols: &[Column]) -> Vec<VerdictChange> {
    s.view
        .seen
        .iter()
        .filter_map(|(spec, was)| {
            let v = Variant::parse(spec).ok()?;
            let now = verdict_now(s, cols, &v);
            (now != *was).then(|| VerdictChange {
                spec: spec.clone(),
                was: was.clone(),
                now,
            })
        })
        .collect()
}

/// The author's variant, when it reads and is not one of `cols` (a custom kernel): the embed adds
/// it as a column of its own.
pub fn authors_extra(view: &View, cols: &[Column]) -> Option<Variant> {
    let v = Variant::parse(view.variant.as_deref()?).ok()?;
    (!cols.iter().any(|c| c.variant == v)).then_some(v)
}

/// The column the author inspected, if the view names one of `cols`.
pub fn authors_column(view: &View, cols: &[Column]) -> Option<usize> {
    let v = Variant::parse(view.variant.as_deref()?).ok()?;
    cols.iter().position(|c| c.variant == v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::verdicts::{columns, preset_columns};
    use tlbrace_core::examples::example;
    use tlbrace_core::formats::share;
    use tlbrace_core::{Action, Arch, Preset, Step};

    #[test]
    fn the_hazard_comes_before_the_harm_and_says_so() {
        let e = tlbrace_core::examples::find("soft-dirty").unwrap();
        let (harmed, _) = crate::view::contrast(e).unwrap();
        let (s, name) = (e.scenario(), harmed.name());
        let t = run(&s, &harmed).unwrap();
        let Verdict::Harmed { step, .. } = t.verdict else {
            panic!("{:?}", t.verdict)
        };
        let h = hazard(&s, &t, &name).expect("a hazard");
        assert!(h.step < step, "{h:?}");
        assert!(
            h.text
                .starts_with(&format!("Hazard under {name}: after step ")),
            "{}",
            h.text
        );
        assert!(
            h.text
                .contains(&format!("The harm comes at step {} (", step + 1)),
            "{}",
            h.text
        );
        // Example 1 loses its data before the owed flush comes: no step outlives every owed flush.
        let e1 = example("example-1").unwrap();
        let t = run(&e1, &Preset::Will4And6.variant()).unwrap();
        assert_eq!(hazard(&e1, &t, "will-4+6"), None);
    }

    #[test]
    fn a_latent_verdict_names_its_since_step() {
        // A writable, dirty entry, then the PTE cleaned with nothing owed to flush it.
        let mut s = Scenario::new(2);
        s.steps = vec![
            Step::new(0, Action::CachePteInTlb),
            Step::new(1, Action::PteMkclean),
        ];
        let t = run(&s, &Preset::V5_12.variant()).unwrap();
        assert!(
            matches!(t.verdict, Verdict::Latent { .. }),
            "{:?}",
            t.verdict
        );
        let h = hazard(&s, &t, "v5.12").unwrap();
        assert!(
            h.text
                .contains("The verdict is latent: since step 2 (CPU1 pte_mkclean())"),
            "{}",
            h.text
        );
    }

    #[test]
    fn a_link_records_what_its_author_saw_and_the_embed_checks_it() {
        let s = example("example-1").unwrap();
        let cols = columns(&s, Arch::X86, crate::view::default_custom());
        let view = author_view(
            &cols,
            &["will-4+6", "yu-fix", "custom"],
            VariantKey::Preset(Preset::Will4And6),
        );
        assert_eq!(view.variant.as_deref(), Some("will-4+6"));
        assert_eq!(view.seen.len(), 3);
        assert_eq!(view.seen["will-4+6"], "lost");
        assert_eq!(view.seen["yu-fix"], "guaranteed");
        assert_eq!(view.seen["v5.10-rc4+mkclean-never-skips"], "guaranteed");

        let mut authored = s.clone();
        authored.view = view;
        let embed = preset_columns(&authored, Arch::X86);
        assert_eq!(verdict_changes(&authored, &embed), []);
        assert_eq!(
            authors_column(&authored.view, &embed),
            Some(Preset::Will4And6 as usize)
        );
        assert!(authors_extra(&authored.view, &embed).is_none());

        // What the model said once, and says no more; a spec from a later release is left alone.
        authored
            .view
            .seen
            .insert("v5.12".into(), "guaranteed".into());
        authored.view.seen.insert("v9.9+frob".into(), "lost".into());
        let changes = verdict_changes(&authored, &embed);
        assert_eq!(changes.len(), 1);
        assert_eq!(
            changes[0].words(),
            "verdict changed since this was written: was guaranteed, now lost under v5.12"
        );
        // A custom author's column is checked by a run of its own.
        authored.view.variant = Some("v5.10-rc4+mkclean-never-skips".into());
        assert!(authors_extra(&authored.view, &embed).is_some());
    }

    #[test]
    fn the_e2e_fixture_links_are_what_core_encodes_today() {
        let mut s = example("example-1").unwrap();
        s.view.variant = Some("v5.12".into());
        s.view.seen.insert("v5.12".into(), "guaranteed".into());
        let link = include_str!("../../e2e/fixtures/example-1-seen-changed.url").trim();
        assert_eq!(link, share::encode(&s));
    }
}
