//! The error of this crate: each names its subject (a key file, an image, a signature) and the
//! problem, for one line on stderr.

/// A trust failure that is an error (exit 2), not a verdict.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that is not what it claims to be (a key, a payload, a bundle, a policy).
    #[error("{subject}: {problem}")]
    Invalid {
        /// What is malformed.
        subject: String,
        /// Why.
        problem: String,
    },
    /// An encrypted key that the password does not open.
    #[error("{subject}: wrong password (the key does not decrypt with it)")]
    WrongPassword {
        /// The key file.
        subject: String,
    },
    /// Reading or writing a file failed.
    #[error("{subject}: {source}")]
    Io {
        /// The file.
        subject: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The registry or image layer failed.
    #[error(transparent)]
    Image(#[from] hullguard_image::Error),
}

impl Error {
    /// Malformed `subject`.
    pub fn invalid(subject: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::Invalid { subject: subject.into(), problem: problem.into() }
    }

    /// A failed read or write of `subject`.
    pub fn io(subject: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { subject: subject.into(), source }
    }
}

/// This crate's result.
pub type Result<T> = std::result::Result<T, Error>;
