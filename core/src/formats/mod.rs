//! The scenario's external forms: versioned JSON ([`json`]), share-link fragments ([`share`]),
//! mailing-list ASCII diagrams ([`ascii`]) and SVG pictures ([`svg`]). `docs/scenario-format.md`
//! specifies the first three.
//!
//! **Architecture invariant**: formats read and write scenarios; they never run one except where a
//! picture shows verdicts ([`svg`]), and then only through [`crate::run`].

pub mod ascii;
pub mod json;
pub mod share;
pub mod svg;
