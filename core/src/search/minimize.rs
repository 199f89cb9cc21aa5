//! Shrinking a bad timeline to the smallest diagram worth posting: steps are removed while the
//! timeline stays bad the same way, a path's tail at a time so that no path loses its head (a
//! `clean_record_pte()` never survives its `inc_tlb_flush_pending()`; docs/model.md §3.1), and only
//! while the timeline stays a kernel order (no step runs without a lock it needs).

use serde::Serialize;

use crate::model::action::Action;
use crate::model::paths;
use crate::model::scenario::{Scenario, ScenarioError};
use crate::model::trace::{run, Verdict};
use crate::model::variant::Variant;
use crate::search::explore::Failure;

/// Why a timeline cannot be minimised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MinimizeError {
    /// The scenario does not run under the variant.
    Invalid {
        /// Why.
        error: ScenarioError,
    },
    /// The timeline does no harm under the variant: there is nothing to keep.
    NotLosing,
}

impl std::fmt::Display for MinimizeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MinimizeError::Invalid { error } => write!(f, "{error}"),
            MinimizeError::NotLosing => f.write_str(
                "the timeline is guaranteed under this variant as written: nothing to minimise \
                 (explore searches its other interleavings)",
            ),
        }
    }
}

impl std::error::Error for MinimizeError {}

/// Drops steps from a bad timeline while it keeps its verdict kind under `variant` (harmed stays
/// harmed the same way, at risk stays at risk) and stays a kernel order, until no path tail can be
/// removed: a 1-minimal counterexample. Lanes and the initial state are kept.
pub fn minimize(scenario: &Scenario, variant: &Variant) -> Result<Scenario, MinimizeError> {
    minimize_with(scenario, variant, false)
}

/// [`minimize`], optionally keeping writeback whole: with `keep_writeback_pairs`, a writeback
/// (`page_mkclean_one()` then `write page to disk`) is removed only entirely, never its I/O alone.
pub fn minimize_with(
    scenario: &Scenario,
    variant: &Variant,
    keep_writeback_pairs: bool,
) -> Result<Scenario, MinimizeError> {
    let kind = |s: &Scenario| -> Option<(Failure, &'static str)> {
        let t = run(s, variant).ok()?;
        if !t.waits.is_empty() {
            return None;
        }
        match t.verdict {
            Verdict::Harmed { bad, .. } => Some((Failure::Harmed, bad.id())),
            Verdict::AtRisk { .. } => Some((Failure::AtRisk, "at-risk")),
            Verdict::Latent { .. } | Verdict::Guaranteed { .. } => None,
        }
    };
    let want = match run(scenario, variant) {
        Err(error) => return Err(MinimizeError::Invalid { error }),
        Ok(_) => kind(scenario).ok_or(MinimizeError::NotLosing)?,
    };
    let mut best = scenario.clone();
    loop {
        let mut changed = false;
        // Removal units from the end: the steps after the harm go first, in one sweep.
        let mut units = removal_units(&best, keep_writeback_pairs);
        while let Some(unit) = units.pop() {
            let mut candidate = best.clone();
            for &i in unit.iter().rev() {
                candidate.steps.remove(i);
            }
            if kind(&candidate) == Some(want) {
                best = candidate;
                changed = true;
                // Indexes moved: recompute the units and keep those this sweep has not tried, the
                // ones ending before the removed unit's first step.
                let cutoff = unit[0];
                units = removal_units(&best, keep_writeback_pairs);
                units.retain(|u| u[u.len() - 1] < cutoff);
            }
        }
        if !changed {
            return Ok(best);
        }
    }
}

/// The step sets `minimize` tries to remove, each in ascending order, ordered by their last index:
/// every tail of every path instance (a whole writeback only, with `keep_writeback_pairs`).
fn removal_units(s: &Scenario, keep_writeback_pairs: bool) -> Vec<Vec<usize>> {
    let mut units: Vec<Vec<usize>> = Vec::new();
    for instance in paths::instances(s) {
        let writeback = instance
            .first()
            .is_some_and(|&i| s.steps[i].action == Action::PageMkcleanOne);
        if keep_writeback_pairs && writeback {
            units.push(instance);
            continue;
        }
        for k in 0..instance.len() {
            units.push(instance[k..].to_vec());
        }
    }
    // By last step, longer units first.
    crate::sort::sort_by_key(&mut units, |u| {
        crate::sort::pair(u[u.len() - 1], u32::MAX as usize - u.len())
    });
    units
}
