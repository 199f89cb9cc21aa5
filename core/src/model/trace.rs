//! Running a timeline: every state, one explanation event per step, and the verdict with the steps
//! that decided it.

use serde::{Deserialize, Serialize};

use crate::model::action::Action;
use crate::model::scenario::{Scenario, ScenarioError};
use crate::model::state::{State, MAX_CPUS};
use crate::model::variant::{Arch, Preset, Variant};
use crate::model::{explain, step, Effect, StorePath};

/// What one step did. The words are rendered on demand ([`Event::text`]): the playground recomputes
/// every variant's trace on each edit but shows one step's explanation at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The step's index in the timeline, from 0.
    pub step: usize,
    /// The CPU that ran it.
    pub cpu: usize,
    /// The action.
    pub action: Action,
    /// What happened.
    pub effect: Effect,
}

impl Event {
    /// What happened, in words, in kernel terms.
    pub fn text(&self) -> String {
        explain(self.cpu, self.action, &self.effect)
    }
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            step: usize,
            cpu: usize,
            action: Action,
            effect: &'a Effect,
            text: String,
        }
        Wire {
            step: self.step,
            cpu: self.cpu,
            action: self.action,
            effect: &self.effect,
            text: self.text(),
        }
        .serialize(serializer)
    }
}

/// A store that escaped dirty tracking or was lost, with the history that made it possible.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Culprit {
    /// The store that wrote the newest data (a step index), if a step wrote it at all.
    pub store: Option<usize>,
    /// The step that filled the TLB entry the store went through, if it went through a stale entry.
    pub stale_fill: Option<usize>,
    /// The last `page_mkclean_one` that skipped its flush while that CPU held the stale entry.
    pub skipped_flush: Option<usize>,
}

/// Whether dirty data survives the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "verdict")]
pub enum Verdict {
    /// Reclaim dropped the page while memory was newer than disk.
    Lost {
        /// The `drop clean page` step.
        drop: usize,
        /// The version that was lost.
        lost_version: u32,
        /// The version disk kept.
        disk_version: u32,
        /// How the newest data escaped.
        culprit: Culprit,
    },
    /// The timeline ended with data in memory that neither PG_dirty nor the PTE records: the next
    /// reclaim would drop it.
    AtRisk {
        /// The unrecorded version.
        mem_version: u32,
        /// The version on disk.
        disk_version: u32,
        /// How the newest data escaped.
        culprit: Culprit,
    },
    /// Neither: every write is on disk or recorded as dirty.
    Guaranteed,
}

impl Verdict {
    /// The verdict's short name: `lost`, `at risk`, `guaranteed`.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Lost { .. } => "lost",
            Verdict::AtRisk { .. } => "at risk",
            Verdict::Guaranteed => "guaranteed",
        }
    }

    /// The verdict as an identifier (`lost`, `at-risk`, `guaranteed`): the one spelling the SVG's
    /// classes, the playground's `data-verdict` attributes and the tests that read them share.
    pub fn id(&self) -> &'static str {
        match self {
            Verdict::Lost { .. } => "lost",
            Verdict::AtRisk { .. } => "at-risk",
            Verdict::Guaranteed => "guaranteed",
        }
    }

    /// The steps that decided the verdict, in timeline order: the fill that created the stale entry,
    /// the skipped flush, the store through the stale entry, and the drop.
    pub fn decisive_steps(&self) -> Vec<usize> {
        let (culprit, drop) = match self {
            Verdict::Lost { drop, culprit, .. } => (culprit, Some(*drop)),
            Verdict::AtRisk { culprit, .. } => (culprit, None),
            Verdict::Guaranteed => return Vec::new(),
        };
        let mut steps: Vec<usize> = [
            culprit.stale_fill,
            culprit.skipped_flush,
            culprit.store,
            drop,
        ]
        .into_iter()
        .flatten()
        .collect();
        steps.sort_unstable();
        steps.dedup();
        steps
    }

    /// One sentence naming what happened, for a verdict cell or the CLI.
    pub fn summary(&self, scenario: &Scenario) -> String {
        let name = |i: usize| {
            let s = &scenario.steps[i];
            format!(
                "step {} (CPU{} {})",
                i + 1,
                s.cpu,
                s.action
                    .label()
                    .strip_suffix("()")
                    .unwrap_or(s.action.label())
            )
        };
        let how = |c: &Culprit| {
            let mut parts = Vec::new();
            if let Some(i) = c.store {
                parts.push(format!("the store at {}", name(i)));
            }
            if let Some(i) = c.stale_fill {
                parts.push(format!("went through the stale entry from {}", name(i)));
            }
            if let Some(i) = c.skipped_flush {
                parts.push(format!("after {} skipped its flush", name(i)));
            }
            if parts.is_empty() {
                String::new()
            } else {
                format!("; {}", parts.join(" "))
            }
        };
        match self {
            Verdict::Lost { drop, lost_version, disk_version, culprit } => format!(
                "lost: {} dropped version {lost_version} (disk has {disk_version}){}",
                name(*drop),
                how(culprit)
            ),
            Verdict::AtRisk { mem_version, disk_version, culprit } => format!(
                "at risk: version {mem_version} is in memory (disk has {disk_version}) but neither PG_dirty nor \
                 the PTE's dirty bit records it{}",
                how(culprit)
            ),
            Verdict::Guaranteed => "guaranteed: every write is on disk or recorded as dirty".to_string(),
        }
    }
}

/// The result of running one timeline under one variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Trace {
    /// The variant it ran under.
    pub variant: Variant,
    /// The state before the first step.
    pub initial: State,
    /// The state after each step (`states[i]` follows `events[i]`).
    pub states: Vec<State>,
    /// One event per step.
    pub events: Vec<Event>,
    /// Whether data was lost.
    pub verdict: Verdict,
}

impl Trace {
    /// The state before step `i` (the initial state for the first).
    pub fn before(&self, i: usize) -> &State {
        if i == 0 {
            &self.initial
        } else {
            &self.states[i - 1]
        }
    }

    /// The state at the end of the timeline.
    pub fn last(&self) -> &State {
        self.states.last().unwrap_or(&self.initial)
    }
}

/// Runs the timeline under `variant`. Deterministic and panic-free: a scenario that cannot happen
/// returns an error naming the step.
pub fn run(scenario: &Scenario, variant: &Variant) -> Result<Trace, ScenarioError> {
    let initial = scenario.validate()?;
    let mut state = initial;
    let mut states = Vec::with_capacity(scenario.steps.len());
    let mut events = Vec::with_capacity(scenario.steps.len());
    // History the verdict names: which step created each CPU's entry, and the last skipped flush that
    // left each CPU holding a stale entry.
    let mut entry_origin: [Option<usize>; MAX_CPUS] = [None; MAX_CPUS];
    let mut skipped_for: [Option<usize>; MAX_CPUS] = [None; MAX_CPUS];
    // Who wrote the data memory holds now, and how.
    let mut writer = Culprit::default();
    let mut lost: Option<Verdict> = None;

    for (i, st) in scenario.steps.iter().enumerate() {
        let (next, effect) = step(&state, st.cpu, st.action, variant).map_err(|e| {
            ScenarioError::at(i, format!("CPU{} {}: {e}", st.cpu, st.action.label()))
        })?;
        match effect {
            Effect::Filled { .. } => entry_origin[st.cpu] = Some(i),
            Effect::Stored { path, .. } => {
                let stale = path == StorePath::Entry { stale: true };
                writer = Culprit {
                    store: Some(i),
                    stale_fill: if stale { entry_origin[st.cpu] } else { None },
                    skipped_flush: if stale { skipped_for[st.cpu] } else { None },
                };
                if path == StorePath::Walk {
                    entry_origin[st.cpu] = Some(i);
                }
            }
            Effect::Faulted { .. } => {
                writer = Culprit {
                    store: Some(i),
                    stale_fill: None,
                    skipped_flush: None,
                };
                entry_origin[st.cpu] = Some(i);
            }
            Effect::MkcleanSkipped { stale, .. } => {
                for c in stale.iter() {
                    skipped_for[c] = Some(i);
                }
            }
            Effect::Dropped { mem, disk, .. } if mem != disk && lost.is_none() => {
                lost = Some(Verdict::Lost {
                    drop: i,
                    lost_version: mem,
                    disk_version: disk,
                    culprit: writer,
                });
            }
            _ => {}
        }
        // An entry that is gone no longer has an origin, and a CPU without one has nothing stale.
        for c in 0..next.cpu_count() {
            if next.tlb[c].is_none() {
                entry_origin[c] = None;
                skipped_for[c] = None;
            }
        }
        events.push(Event {
            step: i,
            cpu: st.cpu,
            action: st.action,
            effect,
        });
        states.push(next);
        state = next;
    }

    let verdict = lost.unwrap_or_else(|| {
        if state.unrecorded_data() {
            Verdict::AtRisk {
                mem_version: state.page.mem,
                disk_version: state.disk,
                culprit: writer,
            }
        } else {
            Verdict::Guaranteed
        }
    });
    Ok(Trace {
        variant: *variant,
        initial,
        states,
        events,
        verdict,
    })
}

/// The result of one preset in [`run_all`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PresetRun {
    /// The preset.
    pub preset: Preset,
    /// Its trace, or why the scenario cannot happen under it.
    pub result: Result<Trace, ScenarioError>,
}

/// Runs the timeline under every preset on `arch`: the verdict matrix.
pub fn run_all(scenario: &Scenario, arch: Arch) -> Vec<PresetRun> {
    Preset::ALL
        .into_iter()
        .map(|preset| PresetRun {
            preset,
            result: run(scenario, &preset.variant().on(arch)),
        })
        .collect()
}

#[cfg(test)]
mod decisive_tests {
    use super::{Culprit, Verdict};

    #[test]
    fn decisive_steps_come_sorted_and_once() {
        let lost = |store, stale_fill, skipped_flush, drop| Verdict::Lost {
            drop,
            lost_version: 2,
            disk_version: 1,
            culprit: Culprit {
                store,
                stale_fill,
                skipped_flush,
            },
        };
        assert_eq!(
            lost(Some(9), Some(4), Some(1), 7).decisive_steps(),
            vec![1, 4, 7, 9]
        );
        assert_eq!(lost(Some(3), Some(3), None, 0).decisive_steps(), vec![0, 3]);
        assert_eq!(lost(None, None, None, 5).decisive_steps(), vec![5]);
        assert!(Verdict::Guaranteed.decisive_steps().is_empty());
    }
}
