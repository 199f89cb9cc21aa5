//! The playground's components.

pub mod app;
pub mod header;
pub mod timeline;
