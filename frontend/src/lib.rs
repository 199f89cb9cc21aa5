//! The tlbrace playground: Yew components over `tlbrace-core`.
//!
//! The components live in a library so that the binary (`src/main.rs`) only mounts [`App`] and the
//! browser tests (`tests/`) can render any of them into a detached element.

#![forbid(unsafe_code)]

pub mod browser;
pub mod components;
pub mod dnd;
pub mod doc;
pub mod explore_protocol;
pub mod fix_protocol;
pub mod fix_worker;
pub mod keys;
pub mod location;
pub mod minimise;
pub mod perf;
pub mod review;
pub mod storage;
pub mod view;
pub mod worker;

pub use components::app::App;
