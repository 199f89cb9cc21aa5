//! The model: what the machine is ([`state`]), what a CPU can do ([`action`], each action's semantics
//! and footprint declared together in `actions/`), which kernel it runs ([`variant`]), what a step did
//! ([`effect`]), and what a whole timeline comes to ([`trace`]). docs/model.md is its specification.
//!
//! **Architecture invariant**: this folder decides every semantic question, and [`step`] is the one
//! entry to it; `formats` and `search` use the model and never re-decide what an action means.
//! Nothing here imports from them.

pub mod action;
mod actions;
pub mod effect;
pub mod footprint;
pub mod initial;
pub mod scenario;
pub mod state;
pub mod trace;
pub mod variant;

pub use effect::{explain, Effect, FaultCause, FinishFlush, FlushScope, StepError, StorePath};

use action::Action;
use state::State;
use variant::Variant;

/// Performs `action` on `cpu` under `variant`: the next state and what happened, or why the step
/// cannot happen. Pure and panic-free; the semantics of each action are its row's `apply`
/// (`model/actions/`).
pub fn step(
    state: &State,
    cpu: usize,
    action: Action,
    variant: &Variant,
) -> Result<(State, Effect), StepError> {
    if cpu >= state.cpu_count() {
        return Err(StepError::NoSuchCpu {
            cpu,
            cpus: state.cpu_count(),
        });
    }
    let mut next = *state;
    let effect = (action.def().apply)(&mut next, cpu, variant)?;
    Ok((next, effect))
}
