//! Errors of this crate.

/// An error of this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A version string that its scheme cannot parse or does not accept.
    #[error("invalid {scheme} version {version:?}: {problem}")]
    InvalidVersion {
        /// The scheme that rejected the version, e.g. `dpkg`.
        scheme: &'static str,
        /// The version string as given.
        version: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// An ecosystem name without a known version scheme.
    #[error("no version scheme for ecosystem {0:?}")]
    UnknownEcosystem(String),
    /// A version range that the advisory model cannot hold.
    #[error("invalid range: {0}")]
    InvalidRange(&'static str),
    /// An advisory record that does not fit the advisory model.
    #[error("invalid advisory {id}: {problem}")]
    InvalidAdvisory {
        /// The record's id (or, when it has none, where it came from).
        id: String,
        /// What is wrong with it.
        problem: String,
    },
}

impl Error {
    /// Builds an [`Error::InvalidVersion`].
    pub(crate) fn invalid(scheme: &'static str, version: &str, problem: &'static str) -> Self {
        Self::InvalidVersion { scheme, version: version.to_owned(), problem }
    }

    /// Builds an [`Error::InvalidAdvisory`].
    pub(crate) fn advisory(id: &str, problem: impl Into<String>) -> Self {
        Self::InvalidAdvisory { id: id.to_owned(), problem: problem.into() }
    }
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
