//! The crate's error: what could not be read, and why.

/// An error of the audit: the Engine could not be reached or answered an error, or a file
/// could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{subject}: {problem}")]
pub struct Error {
    /// What was being read (`Docker Engine at unix:///var/run/docker.sock`, a path).
    pub subject: String,
    /// What went wrong.
    pub problem: String,
}

impl Error {
    /// An error about `subject`.
    pub fn new(subject: impl Into<String>, problem: impl std::fmt::Display) -> Self {
        Error { subject: subject.into(), problem: problem.to_string() }
    }
}

/// The crate's result.
pub type Result<T> = std::result::Result<T, Error>;
