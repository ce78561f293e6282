//! The one error type of this crate: every failure names what it is about (a file, a blob, an image)
//! and the problem, so the CLI can print `hullguard: <subject>: <problem>` on one line.

use std::fmt;

/// What kind of failure happened; lets callers and tests tell failures apart without parsing text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Reading a file, socket or stream failed.
    Io,
    /// A blob's content does not hash to the digest its descriptor or config claims.
    DigestMismatch,
    /// A blob's length differs from the size its descriptor claims.
    SizeMismatch,
    /// The input is not what it claims to be: bad JSON, a corrupt tar, garbage, an empty file.
    Malformed,
    /// The input tries something no honest image does: paths escaping the root, duplicate or
    /// conflicting entries, symlink loops, non-UTF-8 names.
    Unsafe,
    /// A configured limit (size, expansion ratio, nesting) was exceeded.
    Limit,
    /// Something named does not exist: an image, a reference, a platform, a blob.
    NotFound,
    /// The source is not supported (an unknown transport or media type).
    Unsupported,
    /// The Docker Engine refused or failed a request.
    Daemon,
}

/// An error naming its subject and the problem.
#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
    subject: String,
    problem: String,
}

impl Error {
    /// A new error about `subject` (a file, blob or image name).
    pub fn new(kind: ErrorKind, subject: impl Into<String>, problem: impl Into<String>) -> Self {
        Error { kind, subject: subject.into(), problem: problem.into() }
    }

    /// An I/O error about `subject`, with the OS message as the problem.
    pub fn io(subject: impl Into<String>, err: &std::io::Error) -> Self {
        Self::new(ErrorKind::Io, subject, io_problem(err))
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// What the error is about.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The problem, without the subject.
    pub fn problem(&self) -> &str {
        &self.problem
    }

    /// Prefix the subject with an outer context (e.g. the archive around a blob).
    #[must_use]
    pub fn within(mut self, outer: &str) -> Self {
        if !outer.is_empty() && !self.subject.starts_with(outer) {
            self.subject = format!("{outer}: {}", self.subject);
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.subject, self.problem)
    }
}

impl std::error::Error for Error {}

/// Turn an I/O error into a short problem text; errors we raised ourselves inside readers keep
/// their own message (a wrapped [`Error`] comes back out whole in [`from_io`]).
fn io_problem(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::UnexpectedEof => "unexpected end of data (truncated?)".to_string(),
        _ => err.to_string(),
    }
}

/// Convert an I/O error raised while reading `subject`: if a reader inside the stack raised one of
/// our own errors (digest, limit), return it unchanged; otherwise classify the I/O failure.
pub(crate) fn from_io(subject: &str, err: std::io::Error) -> Error {
    if err.get_ref().is_some_and(|inner| inner.is::<Error>()) {
        if let Some(inner) = err.into_inner()
            && let Ok(ours) = inner.downcast::<Error>()
        {
            return *ours;
        }
        return Error::new(ErrorKind::Io, subject, "read failed");
    }
    let kind = match err.kind() {
        std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::InvalidData | std::io::ErrorKind::InvalidInput => {
            ErrorKind::Malformed
        }
        std::io::ErrorKind::NotFound => ErrorKind::NotFound,
        _ => ErrorKind::Io,
    };
    Error::new(kind, subject, io_problem(&err))
}

/// Wrap one of our errors so it can travel through `std::io::Read`.
pub(crate) fn into_io(err: Error) -> std::io::Error {
    std::io::Error::other(err)
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
