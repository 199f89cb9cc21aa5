//! The playground's components.

pub mod app;
pub mod header;
pub mod initial;
pub mod inspector;
pub mod palette;
pub mod timeline;
pub mod verdicts;
