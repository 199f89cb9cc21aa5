//! Questions about every interleaving of a scenario's per-CPU programs: can any of them do harm
//! ([`explore`]), what is the smallest timeline that still does ([`minimize`]), and which changes to
//! the kernel close the race ([`fix`]).
//!
//! **Architecture invariant**: the search calls [`crate::model::step_in`] for every transition and
//! reads what an action touches from its declared footprint; it has no semantics of its own.

pub mod explore;
pub mod fix;
pub mod minimize;
