//! The model: what the machine is ([`state`]), what a CPU can do ([`action`]), which kernel it runs
//! ([`variant`]), what each action does ([`step`]), and what a whole timeline comes to ([`trace`]).
//!
//! **Architecture invariant**: this folder decides every semantic question; `formats` and `search`
//! use it and never re-decide what an action means. Nothing here imports from them.

pub mod action;
pub mod scenario;
pub mod state;
pub mod step;
pub mod trace;
pub mod variant;

pub use step::step;
pub use step::{explain, Effect, FaultCause, FinishFlush, FlushScope, StepError, StorePath};
