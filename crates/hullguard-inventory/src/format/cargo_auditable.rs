//! Rust dependency lists embedded in executables by `cargo auditable`.
//!
//! `cargo auditable build` links a section named `.dep-v0` (ELF, PE; `__dep_v0` on Mach-O)
//! holding zlib-compressed JSON of the form
//!
//! ```json
//! {"format":1,"packages":[
//!   {"name":"app","version":"0.1.0","source":"local","dependencies":[1],"root":true},
//!   {"name":"serde","version":"1.0.228","source":"crates.io","kind":"build"}
//! ]}
//! ```
//!
//! `source` is `crates.io`, `registry`, `git`, `local` or something newer; `kind` is `build` or
//! `runtime` (the default when absent); `dependencies` are indices into `packages`; at most one
//! package is the `root`. The format is the `VersionInfo` type of the `auditable-serde` crate;
//! it is parsed here with our own types so that every field is validated and the decompressed
//! size is capped (the section is attacker-controlled: a small zlib stream can inflate to
//! gigabytes).

use std::fmt;

use flate2::{Decompress, FlushDecompress, Status};
use object::{Object, ObjectSection};
use serde::Deserialize;

/// Section names that hold the audit data, by object format.
pub const SECTION_NAMES: [&str; 2] = [".dep-v0", "__dep_v0"];
/// Upper bound for the compressed section.
pub const MAX_COMPRESSED_LEN: usize = 8 << 20;
/// Upper bound for the decompressed JSON: larger output is refused (zip bombs).
pub const MAX_DECOMPRESSED_LEN: usize = 8 << 20;
/// Upper bound for a crate name.
pub const MAX_NAME_LEN: usize = 256;
/// Upper bound for a version.
pub const MAX_VERSION_LEN: usize = 256;

/// Errors from reading `cargo auditable` data.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bytes are not an object file the `object` crate can read, or a section is malformed.
    #[error("cannot read object file: {0}")]
    Object(#[from] object::read::Error),
    /// The section is present but holds no bytes.
    #[error("empty audit data section")]
    Empty,
    /// The compressed section is larger than [`MAX_COMPRESSED_LEN`].
    #[error("compressed audit data of {0} bytes exceeds limit {MAX_COMPRESSED_LEN}")]
    CompressedTooLarge(usize),
    /// The zlib stream is corrupt.
    #[error("corrupt zlib stream: {0}")]
    Inflate(#[from] flate2::DecompressError),
    /// The zlib stream ends before its end marker and checksum.
    #[error("truncated zlib stream")]
    Truncated,
    /// The stream inflates to more than [`MAX_DECOMPRESSED_LEN`] bytes.
    #[error("audit data inflates to more than {MAX_DECOMPRESSED_LEN} bytes")]
    DecompressedTooLarge,
    /// The decompressed data is not the expected JSON.
    #[error("invalid audit JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A package entry is well-formed JSON but not a valid package.
    #[error("invalid package #{index}: {reason}")]
    Invalid {
        /// Index of the package in the `packages` array.
        index: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Result of the functions in this module.
pub type Result<T> = std::result::Result<T, Error>;

/// Where a crate came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// crates.io.
    CratesIo,
    /// Another registry.
    Registry,
    /// A git repository.
    Git,
    /// A local path: the workspace's own crates.
    Local,
    /// A source this parser does not know, as spelled in the data.
    Other(String),
}

impl Source {
    fn parse(s: &str) -> Self {
        match s {
            "crates.io" => Source::CratesIo,
            "registry" => Source::Registry,
            "git" => Source::Git,
            "local" => Source::Local,
            other => Source::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::CratesIo => "crates.io",
            Source::Registry => "registry",
            Source::Git => "git",
            Source::Local => "local",
            Source::Other(s) => s,
        })
    }
}

/// Whether a crate is linked into the binary or only used to build it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DependencyKind {
    /// Used at run time (also when it is both a build and a runtime dependency).
    Runtime,
    /// Used only at build time (build scripts, proc macros).
    Build,
}

/// One crate of the dependency tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// Crate name, e.g. `serde`.
    pub name: String,
    /// Crate version, e.g. `1.0.228`.
    pub version: String,
    /// Where it came from.
    pub source: Source,
    /// Runtime or build-only.
    pub kind: DependencyKind,
    /// Indices of its dependencies in [`AuditData::packages`] (all checked to be in range).
    pub dependencies: Vec<usize>,
    /// Whether it is the root of the tree (the crate the binary was built from).
    pub root: bool,
}

/// The dependency tree of one binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditData {
    /// Format revision (0 when absent).
    pub format: u32,
    /// The crates, in recorded order.
    pub packages: Vec<Package>,
}

#[derive(Deserialize)]
struct RawAuditData {
    #[serde(default)]
    format: u32,
    packages: Vec<RawPackage>,
}

#[derive(Deserialize)]
struct RawPackage {
    name: String,
    version: String,
    source: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    dependencies: Vec<usize>,
    #[serde(default)]
    root: bool,
}

/// Reads the `cargo auditable` dependency tree from an executable's bytes: parses the object
/// file, then [`audit_data`]. For callers that hold only the bytes (tests); the image scan parses
/// each executable once and hands the parsed file to [`audit_data`].
///
/// Returns `Ok(None)` for an object file without the audit data section, and an error for bytes
/// that are not a readable object file or whose audit data is empty, corrupt or too large.
pub fn parse_cargo_auditable(binary: &[u8]) -> Result<Option<AuditData>> {
    audit_data(&object::File::parse(binary)?)
}

/// Reads the `cargo auditable` dependency tree from an already parsed object file.
///
/// Returns `Ok(None)` when the file has no audit data section, and an error when the section
/// cannot be read or its audit data is empty, corrupt or too large.
pub fn audit_data(file: &object::File<'_>) -> Result<Option<AuditData>> {
    let Some(section) = SECTION_NAMES.iter().find_map(|name| file.section_by_name(name)) else {
        return Ok(None);
    };
    decode_audit_data(section.data()?).map(Some)
}

/// Decodes the content of the audit data section: inflates it (bounded by
/// [`MAX_DECOMPRESSED_LEN`]) and parses the JSON with [`parse_audit_json`].
pub fn decode_audit_data(compressed: &[u8]) -> Result<AuditData> {
    if compressed.is_empty() {
        return Err(Error::Empty);
    }
    if compressed.len() > MAX_COMPRESSED_LEN {
        return Err(Error::CompressedTooLarge(compressed.len()));
    }
    parse_audit_json(&inflate(compressed)?)
}

/// Inflates a complete zlib stream into at most [`MAX_DECOMPRESSED_LEN`] bytes.
fn inflate(data: &[u8]) -> Result<Vec<u8>> {
    let mut z = Decompress::new(true);
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let consumed = usize::try_from(z.total_in()).map_err(|_| Error::Truncated)?;
        let input = data.get(consumed..).ok_or(Error::Truncated)?;
        let (in_before, out_before) = (z.total_in(), z.total_out());
        let status = z.decompress(input, &mut chunk, FlushDecompress::None)?;
        let produced = usize::try_from(z.total_out() - out_before).map_err(|_| Error::DecompressedTooLarge)?;
        let produced = chunk.get(..produced).ok_or(Error::DecompressedTooLarge)?;
        if out.len() + produced.len() > MAX_DECOMPRESSED_LEN {
            return Err(Error::DecompressedTooLarge);
        }
        out.extend_from_slice(produced);
        match status {
            Status::StreamEnd => return Ok(out),
            Status::Ok | Status::BufError => {
                if z.total_in() == in_before && produced.is_empty() {
                    return Err(Error::Truncated);
                }
            }
        }
    }
}

/// Parses and validates the decompressed JSON.
///
/// Every package needs a crate-like name and a version that starts with a digit; dependency
/// indices must point at another package; at most one package may be the root; `kind` must be
/// `build` or `runtime` when present.
pub fn parse_audit_json(json: &[u8]) -> Result<AuditData> {
    let raw: RawAuditData = serde_json::from_slice(json)?;
    let count = raw.packages.len();
    let mut roots = 0usize;
    let mut packages = Vec::with_capacity(count);
    for (index, p) in raw.packages.into_iter().enumerate() {
        let invalid = |reason| Error::Invalid { index, reason };
        if !valid_name(&p.name) {
            return Err(invalid("bad crate name"));
        }
        if !valid_version(&p.version) {
            return Err(invalid("bad version"));
        }
        if p.source.is_empty() || p.source.len() > MAX_NAME_LEN || p.source.chars().any(char::is_control) {
            return Err(invalid("bad source"));
        }
        let kind = match p.kind.as_deref() {
            None | Some("runtime") => DependencyKind::Runtime,
            Some("build") => DependencyKind::Build,
            Some(_) => return Err(invalid("unknown dependency kind")),
        };
        if p.dependencies.iter().any(|&d| d >= count || d == index) {
            return Err(invalid("dependency index out of range or self-referential"));
        }
        if p.root {
            roots += 1;
            if roots > 1 {
                return Err(invalid("more than one root package"));
            }
        }
        packages.push(Package {
            name: p.name,
            version: p.version,
            source: Source::parse(&p.source),
            kind,
            dependencies: p.dependencies,
            root: p.root,
        });
    }
    Ok(AuditData { format: raw.format, packages })
}

/// A Cargo package name: letters, digits, `-` and `_`, not empty, bounded.
fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= MAX_NAME_LEN && name.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

/// A SemVer-shaped version: starts with a digit; ASCII letters, digits, `.`, `-`, `+`; bounded.
fn valid_version(version: &str) -> bool {
    version.len() <= MAX_VERSION_LEN
        && version.starts_with(|c: char| c.is_ascii_digit())
        && version.bytes().all(|b| b.is_ascii_alphanumeric() || b".-+".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_versions() {
        assert!(valid_name("serde_json"));
        assert!(valid_name("tokio-util"));
        assert!(!valid_name(""));
        assert!(!valid_name("a/b"));
        assert!(!valid_name("a b"));
        assert!(valid_version("1.0.0-rc.1+build.5"));
        assert!(!valid_version(""));
        assert!(!valid_version("v1.0.0"));
        assert!(!valid_version("1.0 "));
    }

    #[test]
    fn json_defaults_and_validation() {
        let data = parse_audit_json(br#"{"packages":[{"name":"a","version":"1.0.0","source":"registry"}]}"#).unwrap();
        assert_eq!(data.format, 0);
        assert_eq!(data.packages[0].kind, DependencyKind::Runtime);
        assert_eq!(data.packages[0].source, Source::Registry);
        assert!(!data.packages[0].root);
        let bad = br#"{"packages":[{"name":"a","version":"1.0.0","source":"git","dependencies":[1]}]}"#;
        assert!(matches!(parse_audit_json(bad), Err(Error::Invalid { index: 0, .. })));
        let two_roots = br#"{"packages":[{"name":"a","version":"1.0.0","source":"local","root":true},
            {"name":"b","version":"1.0.0","source":"local","root":true}]}"#;
        assert!(matches!(parse_audit_json(two_roots), Err(Error::Invalid { index: 1, .. })));
        let kind = br#"{"packages":[{"name":"a","version":"1.0.0","source":"local","kind":"dev"}]}"#;
        assert!(matches!(parse_audit_json(kind), Err(Error::Invalid { index: 0, .. })));
    }
}
