//! The playground's components.

pub mod app;
pub mod counterexample;
pub mod embed;
pub mod explore_results;
pub mod explorer;
pub mod fixes;
pub mod header;
pub mod initial;
pub mod inspector;
pub mod intro;
pub mod io;
pub mod palette;
pub mod part_ways;
pub mod releases;
pub mod reply;
pub mod saved;
pub mod share;
pub mod timeline;
pub mod unmapped;
pub mod verdicts;
