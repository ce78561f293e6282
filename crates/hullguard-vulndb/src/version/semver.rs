//! SemVer 2.0 versions (crates.io, npm, Bitnami), ordered by SemVer
//! precedence; build metadata is ignored.
//!
//! Parsing is lenient as advisory data needs: a leading `v`, any number of
//! numeric components (missing ones are 0, those past the third start the
//! pre-release), and numbers of any size (`999999999999999999999999999991`).
//! [`VersionScheme::validate`] is strict SemVer 2.0.
//!
//! Own code rather than the `semver` or `nodejs-semver` crates: both reject
//! those lenient forms, which the osv-scalibr fixtures (and real advisories)
//! use.

use std::cmp::Ordering;

use super::{VersionScheme, check_basic, cmp_digits, is_digits, version_traits};
use crate::{Error, Result};

/// The SemVer scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct SemVer;

/// A version split the SemVer way, leniently: shared by SemVer, NuGet and Pub.
#[derive(Debug, Clone)]
pub(crate) struct Lenient {
    /// Numeric components, at most the scheme's count.
    pub(crate) numbers: Vec<String>,
    /// Pre-release identifiers (empty: a release).
    pub(crate) pre: Vec<String>,
    /// Build metadata identifiers.
    pub(crate) build: Vec<String>,
}

impl Lenient {
    /// Splits `s` into up to `max_numbers` numeric components, a pre-release
    /// and build metadata. Anything after the numbers that does not start
    /// with `+` is the pre-release (a `-` before it is dropped).
    pub(crate) fn parse(s: &str, max_numbers: usize) -> Self {
        let s = s.strip_prefix('v').unwrap_or(s);
        let mut numbers = Vec::new();
        let mut rest = s;
        while numbers.len() < max_numbers {
            let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
            if end == 0 {
                break;
            }
            numbers.push(rest[..end].to_owned());
            rest = &rest[end..];
            match rest.strip_prefix('.') {
                Some(after) if numbers.len() < max_numbers => rest = after,
                _ => break,
            }
        }
        let (pre, build) = rest.split_once('+').unwrap_or((rest, ""));
        let pre = pre.strip_prefix('-').unwrap_or(pre);
        let split = |s: &str| {
            if s.is_empty() { Vec::new() } else { s.split('.').map(str::to_owned).collect() }
        };
        Self { numbers, pre: split(pre), build: split(build) }
    }

    /// Compares the numeric components, missing ones being 0.
    pub(crate) fn cmp_numbers(&self, other: &Self) -> Ordering {
        let n = self.numbers.len().max(other.numbers.len());
        (0..n)
            .map(|i| {
                cmp_digits(
                    self.numbers.get(i).map_or("0", String::as_str),
                    other.numbers.get(i).map_or("0", String::as_str),
                )
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

/// Compares identifier lists the SemVer way: numbers by value and before
/// text, text by ASCII, and a longer list after its prefix.
pub(crate) fn cmp_identifiers(a: &[String], b: &[String]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let ord = match (is_digits(x), is_digits(y)) {
            (true, true) => cmp_digits(x, y),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => x.cmp(y),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    a.len().cmp(&b.len())
}

/// Compares pre-releases: a release (no identifiers) sorts after any pre-release.
pub(crate) fn cmp_pre(a: &[String], b: &[String]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => cmp_identifiers(a, b),
    }
}

/// Strict SemVer 2.0 (`MAJOR.MINOR.PATCH[-PRE][+BUILD]`), with the
/// component count given and an optional leading `v`.
pub(crate) fn check_strict(
    scheme: &'static str,
    s: &str,
    min_numbers: usize,
    max_numbers: usize,
    allow_leading_zeros: bool,
) -> Result<()> {
    check_basic(scheme, s)?;
    let bad = |problem| Err(Error::invalid(scheme, s, problem));
    let body = s.strip_prefix('v').unwrap_or(s);
    let (body, build) = match body.split_once('+') {
        Some((body, build)) => (body, Some(build)),
        None => (body, None),
    };
    let (core, pre) = match body.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (body, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    if numbers.len() < min_numbers || numbers.len() > max_numbers {
        return bad("wrong number of numeric components");
    }
    for n in &numbers {
        if !is_digits(n) {
            return bad("a numeric component is not a number");
        }
        if !allow_leading_zeros && n.len() > 1 && n.starts_with('0') {
            return bad("a numeric component has a leading zero");
        }
    }
    let ident_ok = |id: &str| !id.is_empty() && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-');
    if let Some(pre) = pre {
        for id in pre.split('.') {
            if !ident_ok(id) {
                return bad("empty pre-release identifier or one with a character other than [0-9A-Za-z-]");
            }
            if !allow_leading_zeros && is_digits(id) && id.len() > 1 && id.starts_with('0') {
                return bad("a numeric pre-release identifier has a leading zero");
            }
        }
    }
    if build.is_some_and(|b| !b.split('.').all(ident_ok)) {
        return bad("empty build identifier or one with a character other than [0-9A-Za-z-]");
    }
    Ok(())
}

/// A parsed SemVer version.
#[derive(Debug, Clone)]
pub struct SemVerVersion {
    original: String,
    parts: Lenient,
}

impl Ord for SemVerVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts.cmp_numbers(&other.parts).then_with(|| cmp_pre(&self.parts.pre, &other.parts.pre))
    }
}
version_traits!(SemVerVersion);

impl VersionScheme for SemVer {
    type Version = SemVerVersion;
    const NAME: &'static str = "semver";

    fn parse(&self, version: &str) -> Result<SemVerVersion> {
        check_basic(Self::NAME, version)?;
        Ok(SemVerVersion { original: version.to_owned(), parts: Lenient::parse(version, 3) })
    }

    fn validate(&self, version: &str) -> Result<()> {
        check_strict(Self::NAME, version, 3, 3, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn ordering() {
        let cases = [
            ("1.0.0-alpha", "1.0.0-alpha.1", Less),
            ("1.0.0-alpha.1", "1.0.0-alpha.beta", Less),
            ("1.0.0-beta.2", "1.0.0-beta.11", Less),
            ("1.0.0-rc.1", "1.0.0", Less),
            ("1.2.3-r100", "1.2.3-r2", Less),
            ("1.2.3+build", "1.2.3+other", Equal),
            ("v1.2.3", "1.2.3", Equal),
            ("1.2", "1.2.0", Equal),
            ("1.0.0", "999999999999999999999999999991", Less),
            ("1.2.3.4", "1.2.3", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(SemVer.compare(a, b), Ok(want), "{a} vs {b}");
            assert_eq!(SemVer.compare(b, a), Ok(want.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn validation() {
        for ok in ["1.2.3", "v1.2.3", "1.0.0-alpha.1+build.5", "0.0.0-0", "1.0.0-x-y"] {
            assert_eq!(SemVer.validate(ok), Ok(()), "{ok}");
        }
        for bad in ["1.2", "1.2.3.4", "01.2.3", "1.2.3-01", "1.2.3-", "1.2.3+", "1.2.3-a..b", "x"] {
            assert!(SemVer.validate(bad).is_err(), "{bad}");
        }
    }
}
