//! Vulnerability database matching for hullguard.
//!
//! - [`version`]: the version ordering schemes of the ecosystems that OSV and
//!   the distro feeds use;
//! - [`advisory`]: the one advisory model every feed is turned into, and its
//!   match function [`advisory::Affected::affects`];
//! - [`import`]: importers from the feeds' formats into that model (and the
//!   severity and KEV side feeds);
//! - [`severity`]: CVSS scores and vendor labels on one [`severity::Level`] scale.
//! - [`detect`]: an inventory matched into the vulnerability report (queries, ratings,
//!   support notes, remediations);
//! - [`update`]: fetching the production feeds into a local mirror;
//! - [`refresh`]: the database file built from feeds, or fetched into its mirror and rebuilt.

pub mod advisory;
pub mod db;
pub mod detect;
mod error;
pub mod feeds;
pub mod import;
pub mod matcher;
pub mod refresh;
pub mod severity;
mod temp;
pub mod update;
pub mod version;

pub use error::{Error, Result};
