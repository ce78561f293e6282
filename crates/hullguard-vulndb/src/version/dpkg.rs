//! Debian package versions (`[epoch:]upstream[-revision]`), ordered as dpkg does.
//!
//! Own code rather than the `debversion` crate: the algorithm is a few dozen
//! lines (Debian Policy 5.6.12) and this keeps the crate free of a dependency
//! and of its big-integer limits.

use std::cmp::Ordering;

use super::{VersionScheme, check_basic, version_traits};
use crate::{Error, Result};

/// The dpkg scheme (Debian, Ubuntu).
#[derive(Debug, Clone, Copy, Default)]
pub struct Dpkg;

/// A parsed Debian version.
#[derive(Debug, Clone)]
pub struct DpkgVersion {
    original: String,
    epoch: String,
    upstream: String,
    revision: String,
}

impl DpkgVersion {
    fn parse(s: &str) -> Result<Self> {
        check_basic(Dpkg::NAME, s)?;
        let (epoch, rest) = match s.split_once(':') {
            Some((e, rest)) => {
                if !e.bytes().all(|b| b.is_ascii_digit()) || e.is_empty() {
                    return Err(Error::invalid(Dpkg::NAME, s, "epoch is not a number"));
                }
                (e, rest)
            }
            None => ("0", s),
        };
        let (upstream, revision) = rest.rsplit_once('-').unwrap_or((rest, ""));
        if upstream.is_empty() {
            return Err(Error::invalid(Dpkg::NAME, s, "empty upstream version"));
        }
        Ok(Self {
            original: s.to_owned(),
            epoch: epoch.to_owned(),
            upstream: upstream.to_owned(),
            revision: revision.to_owned(),
        })
    }
}

impl Ord for DpkgVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        super::cmp_digits(&self.epoch, &other.epoch)
            .then_with(|| verrevcmp(&self.upstream, &other.upstream))
            .then_with(|| verrevcmp(&self.revision, &other.revision))
    }
}
version_traits!(DpkgVersion);

/// The weight of a non-digit byte: `~` sorts before the end of the string,
/// letters before everything else.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// Compares upstream versions or revisions: alternating non-digit runs
/// (by [`order`]) and digit runs (by value).
fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while a.get(i).is_some_and(|c| !c.is_ascii_digit()) || b.get(j).is_some_and(|c| !c.is_ascii_digit()) {
            let (x, y) = (order(a.get(i).copied()), order(b.get(j).copied()));
            if x != y {
                return x.cmp(&y);
            }
            i += 1;
            j += 1;
        }
        let start_i = i;
        while a.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let start_j = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        // Both runs are ASCII digits, so the slices are valid UTF-8.
        let x = std::str::from_utf8(&a[start_i..i]).unwrap_or_default();
        let y = std::str::from_utf8(&b[start_j..j]).unwrap_or_default();
        let ord = super::cmp_digits(x, y);
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

impl VersionScheme for Dpkg {
    type Version = DpkgVersion;
    const NAME: &'static str = "dpkg";

    fn parse(&self, version: &str) -> Result<DpkgVersion> {
        DpkgVersion::parse(version)
    }

    /// Debian Policy: the upstream part starts with a digit and holds only
    /// alphanumerics and `.+-~`; the revision only alphanumerics and `+.~`.
    fn validate(&self, version: &str) -> Result<()> {
        let v = DpkgVersion::parse(version)?;
        let bad = |problem| Err(Error::invalid(Self::NAME, version, problem));
        if !v.upstream.starts_with(|c: char| c.is_ascii_digit()) {
            return bad("upstream version does not start with a digit");
        }
        if !v.upstream.bytes().all(|c| c.is_ascii_alphanumeric() || b".+~-".contains(&c)) {
            return bad("upstream version has a character other than alphanumerics and .+~-");
        }
        if version.ends_with('-') {
            return bad("empty revision");
        }
        if !v.revision.bytes().all(|c| c.is_ascii_alphanumeric() || b"+.~".contains(&c)) {
            return bad("revision has a character other than alphanumerics and +.~");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn ordering() {
        let cases = [
            ("1.0~rc1", "1.0", Less),
            ("1.0~~", "1.0~", Less),
            ("1.0", "1.0+b1", Less),
            ("1.0", "1.0a", Less),
            ("1.0a", "1.0+", Less),
            ("1:0.1", "9.9", Greater),
            ("0:1.0", "1.0-0", Equal),
            ("1.0-1", "1.0-1.1", Less),
            ("2.30-1", "2.4-1", Greater),
            ("1.2.3-1~deb7u1", "1.2.3-1", Less),
            ("7.6.0-1ubuntu1", "7.6.0-1", Greater),
            ("1.0-a-1", "1.0-a-2", Less),
            ("00010", "9", Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(Dpkg.compare(a, b), Ok(want), "{a} vs {b}");
        }
    }

    #[test]
    fn validation() {
        for ok in ["1.0", "1:2.3-4", "2.7.4+reloaded2-13ubuntu1", "1.0-a-1", "0~rc1"] {
            assert_eq!(Dpkg.validate(ok), Ok(()), "{ok}");
        }
        for bad in ["a1.0", "x:1.0", "1.0-", "1.0_1", "1.0-1_2", ":1", "1:"] {
            assert!(Dpkg.validate(bad).is_err(), "{bad}");
        }
    }
}
