//! The run-time audit: the Docker daemon and its host, every running container, and seccomp
//! profiles — what docker-bench-security checks with a shell script (CIS Docker Benchmark §1–§8),
//! as [`Finding`](hullguard_report::Finding)s of the one check registry.
//!
//! - [`engine`]: facts from the Engine API (`/info`, `/version`, `/plugins`, `/containers/json`,
//!   `/containers/{id}/json`, `/containers/{id}/top`, `/exec/{id}/json`) through bollard.
//! - [`hostfs`]: facts from the files under a host root (daemon.json, unit files, sockets, audit
//!   rules, mounts), never following a symlink out of the root.
//! - [`daemon`] and [`containers`]: the checks, pure functions from facts to an [`Audit`].
//! - [`seccomp`]: the audit of a seccomp profile against Docker's default.
//! - [`report`]: the report of an audit (JSON, table, SARIF; CIS ordering and summary).
//!
//! Every check ends in one [`CheckStatus`](hullguard_report::CheckStatus) per subject: `warn` and
//! `manual` are findings, `pass` and `n/a` are counted in the compliance summary.

pub mod audit;
pub mod containers;
pub mod daemon;
pub mod engine;
pub mod hostfs;
pub mod report;
pub mod seccomp;

mod error;

pub use audit::{Audit, Outcome, Verdict};
pub use error::{Error, Result};
