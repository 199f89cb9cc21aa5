//! The playground's components.

pub mod app;
pub mod counterexample;
pub mod explorer;
pub mod header;
pub mod scenario_json;
pub mod timeline;
