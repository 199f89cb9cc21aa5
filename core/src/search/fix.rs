//! Which fix closes a race: the smallest sets of changes to a base variant's fixes under which no
//! interleaving of a scenario's programs does harm or ends at risk, each named in kernel terms with
//! the presets that contain it; and the tempting ones, which hold the timeline as drawn but not every
//! interleaving.
//!
//! The search only flips fixes some explored step asked about: a fix no step consults cannot change
//! any step's outcome. So it grows change sets one consulted fix at a time, breadth-first by size: a
//! minimal closing set is always reached this way (if none of its fixes were consulted under the base,
//! flipping them all would change nothing; if the set minus one fix does not close the race, some
//! remaining fix of the set is consulted under it, by the same argument). Sets that contain a closing
//! set are not explored.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use crate::model::scenario::{Scenario, ScenarioError};
use crate::model::trace::run;
use crate::model::variant::{Fix, Preset, Variant};
use crate::search::explore::{explore, Counterexample, Finding, Options, Outcome, Progress};

/// How far the fix search goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixOptions {
    /// The most fixes one change set may flip.
    pub max_changes: usize,
    /// The explorer's options for each candidate.
    pub explore: Options,
}

impl Default for FixOptions {
    fn default() -> FixOptions {
        FixOptions {
            max_changes: 3,
            explore: Options::default(),
        }
    }
}

/// One fix turned on or off relative to the base.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Change {
    /// The fix.
    pub fix: Fix,
    /// Whether the change turns it on (else off).
    pub on: bool,
}

impl Change {
    /// The derived order as a sort key: the fix (in declaration order), then off before on.
    fn order(&self) -> u64 {
        ((self.fix as u64) << 1) | u64::from(self.on)
    }

    /// The change in kernel terms: the fix's name, commit, and what it does to the kernel.
    pub fn words(self) -> String {
        let d = self.fix.def();
        let what = if self.on { "add" } else { "remove" };
        let when = d.release.map(|r| format!(", {r}")).unwrap_or_default();
        format!("{what} {} ({}{when}): {}", d.name, d.commit, d.summary)
    }
}

/// A set of changes under which every interleaving holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closing {
    /// The changes, in fix order.
    pub changes: Vec<Change>,
    /// The variant they make.
    pub variant: Variant,
    /// Presets on the same architecture that agree with it on every changed fix.
    pub presets: Vec<Preset>,
}

/// A set of changes that holds the timeline as drawn but not every interleaving.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tempting {
    /// The changes.
    pub changes: Vec<Change>,
    /// The variant they make.
    pub variant: Variant,
    /// An interleaving that still does harm under it.
    pub counterexample: Counterexample,
}

/// What the fix search found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixReport {
    /// The base variant.
    pub base: Variant,
    /// Whether some interleaving does harm under the base at all (if not, there is nothing to fix).
    pub base_unsafe: bool,
    /// The minimal closing sets, smallest first.
    pub closing: Vec<Closing>,
    /// Minimal tempting sets: each holds the drawn timeline, yet some interleaving still does harm.
    pub tempting: Vec<Tempting>,
    /// Candidate variants explored.
    pub explored: usize,
    /// Why the search ended: complete up to `max_changes`, or cancelled.
    pub outcome: Outcome,
}

/// Searches for the minimal change sets that close the race `scenario`'s programs have under `base`.
/// `on_progress` sees each candidate's exploration progress; breaking from it cancels the search.
pub fn find_fixes(
    scenario: &Scenario,
    base: &Variant,
    options: &FixOptions,
    mut on_progress: impl FnMut(&Progress) -> ControlFlow<()>,
) -> Result<FixReport, ScenarioError> {
    scenario.validate()?;
    let drawn_harmed = |v: &Variant| {
        run(scenario, v).is_ok_and(|t| t.verdict.is_bad()) // as drawn
    };
    let base_drawn_bad = drawn_harmed(base);
    let mut report = FixReport {
        base: *base,
        base_unsafe: false,
        closing: Vec::new(),
        tempting: Vec::new(),
        explored: 0,
        outcome: Outcome::Complete,
    };
    // A cancel from the callback ends the candidate's exploration as Outcome::Cancelled.
    let mut check = |v: &Variant, report: &mut FixReport| {
        report.explored += 1;
        explore(scenario, v, &options.explore, &mut on_progress)
    };
    let first = check(base, &mut report)?;
    report.base_unsafe = first.finding() == Finding::Unsafe;
    if !report.base_unsafe || first.outcome != Outcome::Complete {
        report.outcome = first.outcome;
        return Ok(report);
    }
    // Breadth-first over change sets; each frontier entry remembers what its variant consulted.
    let mut seen: BTreeSet<Vec<Change>> = BTreeSet::new();
    let mut frontier: Vec<(Vec<Change>, Variant, crate::model::variant::FixSet)> =
        vec![(Vec::new(), *base, first.consulted)];
    for _size in 1..=options.max_changes {
        let mut next = Vec::new();
        for (changes, variant, consulted) in &frontier {
            for fix in consulted.iter() {
                if changes.iter().any(|c| c.fix == fix) {
                    continue;
                }
                let change = Change {
                    fix,
                    on: !variant.fixes.has(fix),
                };
                let mut set = changes.clone();
                set.push(change);
                crate::sort::sort_by_key(&mut set, Change::order);
                if !seen.insert(set.clone()) {
                    continue;
                }
                // A superset of a closing set is not minimal.
                if report
                    .closing
                    .iter()
                    .any(|c| c.changes.iter().all(|x| set.contains(x)))
                {
                    continue;
                }
                let candidate = variant.with(fix, change.on);
                let r = check(&candidate, &mut report)?;
                if r.outcome == Outcome::Cancelled {
                    report.outcome = Outcome::Cancelled;
                    return Ok(report);
                }
                if r.outcome != Outcome::Complete {
                    // Over the explorer's limits: neither closing nor refuted; do not extend it.
                    continue;
                }
                if r.finding() == Finding::Safe {
                    report.closing.push(Closing {
                        presets: presets_agreeing(&candidate, &set),
                        changes: set,
                        variant: candidate,
                    });
                    continue;
                }
                if base_drawn_bad && !drawn_harmed(&candidate) {
                    let minimal = !report
                        .tempting
                        .iter()
                        .any(|t| t.changes.iter().all(|x| set.contains(x)));
                    if let (true, Some(cex)) = (minimal, r.counterexample.clone()) {
                        report.tempting.push(Tempting {
                            changes: set.clone(),
                            variant: candidate,
                            counterexample: cex,
                        });
                    }
                }
                next.push((set, candidate, r.consulted));
            }
        }
        frontier = next;
    }
    Ok(report)
}

/// The presets on `variant`'s architecture that set every changed fix as `variant` does.
fn presets_agreeing(variant: &Variant, changes: &[Change]) -> Vec<Preset> {
    Preset::ALL
        .into_iter()
        .filter(|p| {
            let v = p.variant().on(variant.arch);
            changes.iter().all(|c| v.fixes.has(c.fix) == c.on)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sort_key_orders_changes_as_their_derived_order_does() {
        let all: Vec<Change> = Fix::ALL
            .iter()
            .flat_map(|&fix| [false, true].map(|on| Change { fix, on }))
            .collect();
        for a in &all {
            for b in &all {
                assert_eq!(a.order().cmp(&b.order()), a.cmp(b), "{a:?} {b:?}");
            }
        }
    }
}
