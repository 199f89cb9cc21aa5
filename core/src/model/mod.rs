//! The model: what the machine is ([`state`]), what a CPU can do ([`action`], each action's semantics
//! and footprint declared together in `actions/`), which kernel it runs ([`variant`]), what a step did
//! ([`effect`]), and what a whole timeline comes to ([`trace`]). docs/model.md is its specification.
//!
//! **Architecture invariant**: this folder decides every semantic question, and [`step`] is the one
//! entry to it; `formats` and `search` use the model and never re-decide what an action means.
//! Nothing here imports from them.

pub mod action;
mod actions;
pub mod diff;
pub mod effect;
pub mod footprint;
pub mod initial;
pub mod paths;
pub mod scenario;
pub mod state;
pub mod trace;
pub mod variant;

pub use actions::Locking;
pub use effect::{
    explain, Bad, Blocked, Effect, FaultCause, FinishFlush, FlushScope, StepError, StorePath, What,
};

use action::Action;
use actions::kernel::Run;
use scenario::StepCtx;
use state::{CpuSet, State};
use variant::Variant;

/// Performs `action` in context `ctx` under `variant`: the next state and what happened, or why the
/// step cannot happen. With [`Locking::Strict`] a step that would wait for a lock fails with
/// [`StepError::Blocked`]; [`Locking::AsDrawn`] runs it and notes the wait on the effect. Pure and
/// panic-free; the semantics of each action are its row's `apply` (`model/actions/`).
pub fn step_in(
    state: &State,
    ctx: &StepCtx,
    action: Action,
    variant: &Variant,
    locking: Locking,
) -> Result<(State, Effect), StepError> {
    step_consulting(state, ctx, action, variant, locking).0
}

/// [`step_in`], also saying which fixes the step asked about: under any variant that agrees with
/// `variant` on them (and on the architecture), the step does exactly the same.
pub fn step_consulting(
    state: &State,
    ctx: &StepCtx,
    action: Action,
    variant: &Variant,
    locking: Locking,
) -> (Result<(State, Effect), StepError>, variant::FixSet) {
    if ctx.cpu >= state.cpu_count() {
        let e = StepError::NoSuchCpu {
            cpu: ctx.cpu,
            cpus: state.cpu_count(),
        };
        return (Err(e), variant::FixSet::EMPTY);
    }
    if ctx.page >= state.vpage_count() {
        let e = StepError::NoSuchPage {
            page: ctx.page,
            pages: state.vpage_count(),
        };
        return (Err(e), variant::FixSet::EMPTY);
    }
    let mut next = *state;
    let mut run = Run {
        s: &mut next,
        ctx,
        v: variant,
        locking,
        waited: None,
        bad: None,
        hinge: None,
        consulted: Default::default(),
    };
    let result = (action.def().apply)(&mut run);
    let consulted = run.consulted.get();
    let (waited, bad, hinge) = (run.waited, run.bad, run.hinge);
    let what = match result {
        Ok(w) => w,
        Err(e) => return (Err(e), consulted),
    };
    let flushed = (0..state.cpu_count())
        .filter(|&c| {
            (0..state.vpage_count()).any(|v| state.tlb[c][v].is_some() && next.tlb[c][v].is_none())
        })
        .fold(CpuSet::EMPTY, CpuSet::with);
    let effect = Effect {
        what,
        flushed,
        bad,
        hinge,
        waited,
    };
    (Ok((next, effect)), consulted)
}

/// [`step_in`] for a step on page 0 with nothing after it on its lane, run as drawn: model v1's
/// `step(state, cpu, action, variant)`.
pub fn step(
    state: &State,
    cpu: usize,
    action: Action,
    variant: &Variant,
) -> Result<(State, Effect), StepError> {
    step_in(
        state,
        &StepCtx::alone(cpu, 0),
        action,
        variant,
        Locking::AsDrawn,
    )
}
