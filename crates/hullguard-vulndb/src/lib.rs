//! Vulnerability database matching for hullguard.
//!
//! For now this crate holds the version ordering schemes of the ecosystems
//! that OSV and the distro feeds use, see [`version`].

mod error;
pub mod version;

pub use error::{Error, Result};
