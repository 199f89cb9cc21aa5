//! tlbrace's model of the TLB-flush races Linux memory-management developers argue about: one file
//! page, its PTE, every CPU's TLB entry, `mm->tlb_flush_pending`, the page cache and the disk, and the
//! kernel paths that change them, under the kernel variants of the seed thread.
//!
//! The model is the product's truth. The CLI and the playground only display it:
//! - [`model::step`] is the one function that says what an action does;
//! - [`trace::run`] runs a [`Scenario`] under a [`Variant`] and gives every state, an explanation
//!   per step and a [`Verdict`];
//! - [`format`](mod@format) reads and writes the versioned scenario format everything exchanges.
//!
//! Pure Rust, no I/O, no panics on any input: it builds for native targets and for wasm32.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod action;
pub mod ascii;
pub mod examples;
pub mod explore;
pub mod format;
pub mod model;
pub mod scenario;
pub mod share;
pub mod state;
pub mod svg;
pub mod trace;
pub mod variant;

pub use action::{Action, KernelPath};
pub use model::{step, Effect, StepError};
pub use scenario::{Scenario, ScenarioError, Step, MAX_STEPS};
pub use state::{CpuSet, InitialState, Page, Pte, State, TlbEntry, MAX_CPUS};
pub use trace::{run, run_all, Event, PresetRun, Trace, Verdict};
pub use variant::{Arch, Batching, GatherMode, Preset, SkipTest, Variant};
