//! tlbrace's model of the TLB-flush races Linux memory-management developers argue about: one file
//! page, its PTE, every CPU's TLB entry, `mm->tlb_flush_pending`, the page cache and the disk, and the
//! kernel paths that change them, under the kernel variants of the seed thread.
//!
//! The crate has three layers, each a folder; the later ones use the earlier ones, never the reverse:
//! - [`model`]: the semantics. [`model::step`] is the one function that says what an action does,
//!   [`run`] folds it over a [`Scenario`] under a [`Variant`] and derives the [`Verdict`].
//!   `docs/model.md` is its specification.
//! - [`formats`]: the scenario as JSON, share links, mailing-list ASCII diagrams and SVG, and the
//!   detector that tells them apart ([`formats::detect`]).
//! - [`search`]: every interleaving at once ([`search::explore`]) and counterexample minimisation.
//!
//! [`examples`] holds the built-in scenarios. Pure Rust, no I/O, no panics on any input: it builds for
//! native targets and for wasm32.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod examples;
pub mod formats;
pub mod model;
pub mod search;
mod sort;

pub use model::action::{Action, KernelPath};
pub use model::effect::{Bad, LossHow};
pub use model::initial::{InitialState, PageSpec};
pub use model::scenario::{Scenario, ScenarioError, Step, MAX_STEPS};
pub use model::state::{CpuSet, Frame, Page, PageKind, Pte, State, TlbEntry, MAX_CPUS, MAX_PAGES};
pub use model::trace::{release_flips, run, run_all, Event, Flip, PresetRun, Trace, Verdict};
pub use model::variant::{Arch, Fix, FixSet, Preset, Variant};
pub use model::{step, Effect, StepError};
