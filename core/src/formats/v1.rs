//! Model v1's scenario, exactly as version 1 of the format wrote it (one file page; a flat initial
//! state), and its migration to the current format. Frozen: JSON files and `v1.` share links written
//! by earlier releases are read through these types, forever (docs/scenario-format.md §4).

use serde::{Deserialize, Serialize};

use crate::model::action::Action;
use crate::model::initial::{InitialState, PageInitial, PageSpec};
use crate::model::scenario::{Scenario, Step, View, FORMAT_VERSION};
use crate::model::state::TlbEntry;

/// A version-1 scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioV1 {
    /// Always 1.
    pub version: u32,
    /// A title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// How many CPU lanes.
    pub cpus: usize,
    /// Lane captions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Overrides of the default initial state.
    #[serde(default, skip_serializing_if = "InitialV1::is_default")]
    pub initial: InitialV1,
    /// The timeline.
    #[serde(default)]
    pub steps: Vec<StepV1>,
}

/// A version-1 step: no page (there was one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepV1 {
    /// The CPU.
    pub cpu: usize,
    /// The action (one of model v1's seventeen).
    pub action: Action,
    /// The remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A version-1 TLB entry: no frame (there was one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlbEntryV1 {
    /// The entry permits stores.
    pub writable: bool,
    /// The entry knows the PTE is dirty.
    pub dirty: bool,
}

/// Version 1's initial-state overrides, flat.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[allow(missing_docs)]
pub struct InitialV1 {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub present: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dirty: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub young: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soft_dirty: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pg_dirty: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_page_cache: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mem: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tlb_flush_pending: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tlb: Option<Vec<Option<TlbEntryV1>>>,
}

impl InitialV1 {
    /// Whether nothing is overridden.
    pub fn is_default(&self) -> bool {
        *self == InitialV1::default()
    }
}

impl From<ScenarioV1> for Scenario {
    /// Model v1's one file page becomes page 0; its flat initial state splits into that page's
    /// overrides and the mm's counter.
    fn from(v1: ScenarioV1) -> Scenario {
        let i = v1.initial;
        let page = PageInitial {
            present: i.present,
            write: i.write,
            dirty: i.dirty,
            young: i.young,
            soft_dirty: i.soft_dirty,
            pg_dirty: i.pg_dirty,
            in_page_cache: i.in_page_cache,
            mem: i.mem,
            disk: i.disk,
            tlb: i.tlb.map(|entries| {
                entries
                    .into_iter()
                    .map(|e| {
                        e.map(|e| TlbEntry {
                            writable: e.writable,
                            dirty: e.dirty,
                            frame: 0,
                        })
                    })
                    .collect()
            }),
            lazyfree: None,
            shared: None,
        };
        Scenario {
            version: FORMAT_VERSION,
            title: v1.title,
            cpus: v1.cpus,
            labels: v1.labels,
            pages: vec![PageSpec {
                initial: page,
                ..PageSpec::default()
            }],
            initial: InitialState {
                tlb_flush_pending: i.tlb_flush_pending,
                tlb_flush_batched: None,
            },
            view: View::default(),
            steps: v1
                .steps
                .into_iter()
                .map(|s| Step {
                    cpu: s.cpu,
                    action: s.action,
                    page: 0,
                    note: s.note,
                })
                .collect(),
        }
    }
}
