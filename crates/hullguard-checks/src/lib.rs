//! hullguard's misconfiguration checks.
//!
//! - [`registry`]: the metadata of every check (hullguard id, catalogue concept, severity, peer ids).
//! - [`dockerfile`]: the Dockerfile parser, the `RUN` script splitter and the Dockerfile checks;
//!   the entry point is [`dockerfile::check_dockerfile`].
//! - [`image`]: checks on a built image's config, history and file metadata; the entry point is
//!   [`image::check_image`].

pub mod dockerfile;
pub mod image;
pub mod registry;
