//! A scenario: the one format the UI, share URLs, JSON files and the CLI exchange. It is versioned
//! (see [`crate::formats::json`]) so that a link shared today opens in every later release.

use serde::{Deserialize, Serialize};

use crate::model::action::Action;
use crate::model::initial::InitialState;
use crate::model::state::{State, MAX_CPUS};

/// The scenario format this release writes.
pub const FORMAT_VERSION: u32 = 1;
/// The most steps a timeline may hold: far beyond any diagram, small enough that nothing can stall.
pub const MAX_STEPS: usize = 256;
/// The CPUs a new scenario starts with, as in the seed's diagrams.
pub const DEFAULT_CPUS: usize = 4;
/// The longest note or label kept, in characters.
pub const MAX_TEXT: usize = 500;

/// One row of a timeline: a CPU performs an action, with the diagram's bracketed remark if any.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The CPU (lane) that runs the action, from 0.
    pub cpu: usize,
    /// What it does.
    pub action: Action,
    /// The remark a diagram writes in brackets under the action, without the brackets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Step {
    /// A step without a note.
    pub fn new(cpu: usize, action: Action) -> Step {
        Step {
            cpu,
            action,
            note: None,
        }
    }

    /// The same step with a note.
    pub fn note(mut self, note: &str) -> Step {
        self.note = Some(note.to_string());
        self
    }
}

/// A race, as a diagram: CPU lanes, an optional starting state, and the steps in global order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The format version the scenario was written in.
    pub version: u32,
    /// A title, for lists and embeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// How many CPU lanes.
    pub cpus: usize,
    /// Lane captions under the CPU names, as the diagrams write them ("userspace", "page writeback").
    /// Shorter than `cpus` when the last lanes have none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Overrides of the default initial state.
    #[serde(default, skip_serializing_if = "InitialState::is_default")]
    pub initial: InitialState,
    /// The timeline, top to bottom.
    #[serde(default)]
    pub steps: Vec<Step>,
}

impl Default for Scenario {
    fn default() -> Scenario {
        Scenario::new(DEFAULT_CPUS)
    }
}

/// Why a scenario cannot be run: a message for the user, and the step it concerns if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScenarioError {
    /// The step (from 0) the problem is at.
    pub step: Option<usize>,
    /// What is wrong, in words.
    pub message: String,
}

impl ScenarioError {
    /// An error about the scenario as a whole.
    pub fn whole(message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            step: None,
            message: message.into(),
        }
    }

    /// An error at one step.
    pub fn at(step: usize, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            step: Some(step),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.step {
            Some(i) => write!(f, "step {}: {}", i + 1, self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ScenarioError {}

impl Scenario {
    /// An empty timeline with `cpus` lanes.
    pub fn new(cpus: usize) -> Scenario {
        Scenario {
            version: FORMAT_VERSION,
            title: None,
            cpus,
            labels: Vec::new(),
            initial: InitialState::default(),
            steps: Vec::new(),
        }
    }

    /// The caption of a lane, if it has one.
    pub fn label(&self, cpu: usize) -> Option<&str> {
        self.labels
            .get(cpu)
            .map(String::as_str)
            .filter(|l| !l.is_empty())
    }

    /// Checks the limits and that every step names an existing CPU; returns the initial state.
    /// Everything that can be said without running the timeline is said here.
    pub fn validate(&self) -> Result<State, ScenarioError> {
        if self.version != FORMAT_VERSION {
            return Err(ScenarioError::whole(format!(
                "scenario format version {} is not one this release runs (it runs version {FORMAT_VERSION}); \
                 read it through tlbrace_core::format, which migrates older versions",
                self.version
            )));
        }
        if self.cpus == 0 || self.cpus > MAX_CPUS {
            return Err(ScenarioError::whole(format!(
                "a scenario has 1 to {MAX_CPUS} CPUs, not {}",
                self.cpus
            )));
        }
        if self.steps.len() > MAX_STEPS {
            return Err(ScenarioError::whole(format!(
                "a scenario has at most {MAX_STEPS} steps, not {}",
                self.steps.len()
            )));
        }
        if self.labels.len() > self.cpus {
            return Err(ScenarioError::whole(format!(
                "{} lane labels for {} CPUs",
                self.labels.len(),
                self.cpus
            )));
        }
        let long = |s: &String| s.chars().count() > MAX_TEXT;
        if self.title.as_ref().is_some_and(long) || self.labels.iter().any(long) {
            return Err(ScenarioError::whole(format!(
                "titles and labels are at most {MAX_TEXT} characters"
            )));
        }
        for (i, step) in self.steps.iter().enumerate() {
            if step.cpu >= self.cpus {
                return Err(ScenarioError::at(
                    i,
                    format!(
                        "{} runs on CPU{}, but the scenario has {} CPUs",
                        step.action, step.cpu, self.cpus
                    ),
                ));
            }
            if step.note.as_ref().is_some_and(long) {
                return Err(ScenarioError::at(
                    i,
                    format!("notes are at most {MAX_TEXT} characters"),
                ));
            }
        }
        self.initial.build(self.cpus).map_err(ScenarioError::whole)
    }

    /// Each CPU's steps in program order, as indexes into `steps`: the per-CPU programs the explorer
    /// interleaves.
    pub fn programs(&self) -> Vec<Vec<usize>> {
        let mut lanes = vec![Vec::new(); self.cpus];
        for (i, s) in self.steps.iter().enumerate() {
            if let Some(lane) = lanes.get_mut(s.cpu) {
                lane.push(i);
            }
        }
        lanes
    }
}
