//! hullguard's misconfiguration checks.
//!
//! - [`registry`]: the metadata of every check (hullguard id, catalogue concept, severity, peer ids).
//! - [`dockerfile`]: the Dockerfile parser, the `RUN` script splitter and the Dockerfile checks;
//!   the entry point is [`dockerfile::check_dockerfile`].

pub mod dockerfile;
pub mod registry;
