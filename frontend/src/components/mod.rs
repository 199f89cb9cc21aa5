//! The playground's components.

pub mod app;
pub mod embed;
pub mod header;
pub mod io;
pub mod share;
pub mod timeline;
