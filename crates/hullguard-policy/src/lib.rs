//! Custom policies in Rego v1, evaluated by `regorus`, over hullguard's input documents.
//!
//! - [`Policies::load`] reads every `*.rego` file of the policy directories; a file that does not
//!   parse is an error naming `file:line:col`.
//! - Rules named `deny`, `warn`, `violation` (or `deny_…`, `warn_…`, `violation_…`) give
//!   findings, with their metadata ([`metadata`]) from `# METADATA` comments or a
//!   `__rego_metadata__` rule: id, title, severity, description, fix, references.
//! - [`Policies::evaluate`] runs them over one input document of an [`InputKind`], under
//!   [`Limits`] (a time limit per rule evaluation, a cap on generated collections);
//!   [`Policies::evaluate_all`] runs them over many documents on every core.
//! - [`test::run`] runs `test_*` rules as `opa test` does; [`Policies::query`] evaluates a query.
//!
//! The input documents are described in docs/policy.md; [`input`] builds those of scanned
//! targets (image, inventory).

mod eval;
mod index;
pub mod input;
pub mod metadata;
mod source;
pub mod test;

use std::path::PathBuf;
use std::time::Duration;

pub use eval::result_location;
pub use source::{Policies, Rule, RuleKind};

/// The kinds of input documents, one per target kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputKind {
    /// A Dockerfile: the document of `hullguard dockerfile --format input`.
    Dockerfile,
    /// One Kubernetes object, raw.
    Kubernetes,
    /// One compose file, raw.
    Compose,
    /// An image: config, history, layers and the final filesystem's files of interest.
    Image,
    /// An image's or tree's inventory with its findings.
    Inventory,
    /// The Docker daemon's facts and its host's files.
    Host,
    /// One container, as the Engine inspects it.
    Container,
}

impl InputKind {
    /// Every kind.
    pub const ALL: [Self; 7] =
        [Self::Dockerfile, Self::Kubernetes, Self::Compose, Self::Image, Self::Inventory, Self::Host, Self::Container];

    /// The name a selector uses (`input.selector[].type`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Dockerfile => "dockerfile",
            Self::Kubernetes => "kubernetes",
            Self::Compose => "compose",
            Self::Image => "image",
            Self::Inventory => "inventory",
            Self::Host => "host",
            Self::Container => "container",
        }
    }

    /// The kind a selector type names: ours, and Trivy's aliases (`k8s`, `rbac`, `docker`).
    #[must_use]
    pub fn from_selector(name: &str) -> Option<Self> {
        let name = name.to_ascii_lowercase();
        match name.as_str() {
            "k8s" | "rbac" => Some(Self::Kubernetes),
            "docker" => Some(Self::Dockerfile),
            _ => Self::ALL.into_iter().find(|k| k.as_str() == name),
        }
    }
}

/// Bounds on evaluation, so that no policy can hang or exhaust a scan.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest evaluation of one rule over one input document (regorus' execution timer).
    pub time: Duration,
    /// Most elements `numbers.range` and `numbers.range_step` may generate.
    pub max_range: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self { time: Duration::from_secs(2), max_range: 1_000_000 }
    }
}

/// What went wrong with policies.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A policy directory or file that cannot be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A policy directory that cannot be listed.
    #[error(transparent)]
    Walk(#[from] hullguard_manifest::files::Error),
    /// A policy that does not load: `file:line:col: problem`.
    #[error("{0}")]
    Load(String),
    /// An evaluation that failed (a limit, a builtin error): the rule and the problem.
    #[error("{rule}: {message}")]
    Eval {
        /// `data.package.rule`, or the query.
        rule: String,
        /// What happened (`file:line:col: …` when regorus names a place).
        message: String,
    },
}
