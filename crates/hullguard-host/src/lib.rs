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

/// The catalogue concepts of the two sections ("Docker host and daemon", "Running containers and
/// operations") that hullguard reports but cannot decide from where it runs: they are only ever
/// `manual` (with the facts seen) or `n/a`, with the reason.
pub const NOT_AUTOMATED: &[(&str, &str)] = &[
    ("host-hardened", "hardening of the host OS is its own benchmark; hullguard does not audit the OS"),
    ("host-docker-up-to-date", "needs the current Docker release list (no network): the Engine version is reported"),
    ("swarm-manager-count", "with swarm active the manager count is reported; the right number is a design choice"),
    (
        "swarm-bind-interface",
        "needs the swarm's listen address (docker swarm inspect, not read); n/a with swarm inactive",
    ),
    ("swarm-overlay-encrypted", "needs every overlay network's options (not read); n/a with swarm inactive"),
    ("swarm-secrets", "a practice, not a setting; n/a with swarm inactive"),
    ("swarm-autolock", "needs docker swarm inspect (not read); n/a with swarm inactive"),
    ("swarm-autolock-rotation", "a practice over time; n/a with swarm inactive"),
    ("swarm-node-cert-rotation", "a practice over time; n/a with swarm inactive"),
    ("swarm-ca-rotation", "a practice over time; n/a with swarm inactive"),
    ("swarm-mgmt-data-separation", "needs the swarm's addresses (not read); n/a with swarm inactive"),
    ("ee-ucp-ldap", "Docker Enterprise UCP (discontinued): its settings are not in the Engine API; n/a without it"),
    ("ee-ucp-external-certs", "Docker Enterprise UCP (discontinued): n/a without it, manual with it"),
    ("ee-ucp-client-bundles", "Docker Enterprise UCP (discontinued): n/a without it, manual with it"),
    ("ee-ucp-rbac", "Docker Enterprise UCP (discontinued): n/a without it, manual with it"),
    ("ee-ucp-signed-images", "Docker Enterprise UCP (discontinued): n/a without it, manual with it"),
    ("ee-ucp-session-limit", "Docker Enterprise UCP (discontinued): n/a without it, manual with it"),
    ("ee-ucp-session-lifetime", "Docker Enterprise UCP (discontinued): n/a without it, manual with it"),
    ("ee-dtr-scanning", "Docker Enterprise DTR (discontinued): n/a without it, manual with it"),
    ("ctr-latest-image", "needs the registry's current digest of the tag (no pull here): the image id is reported"),
    ("ops-image-sprawl", "a judgement on counts: the image count is reported"),
    ("ops-container-sprawl", "a judgement on counts: the container counts are reported"),
];
