//! RPM versions (`[epoch:]version[-release]`), ordered as `rpmvercmp` does,
//! with tilde (sorts before anything, even the end) and caret (sorts after
//! the end but before anything else).
//!
//! Parsing follows rpm's own: an epoch is the leading digits only when a `:`
//! follows them (so `a:1` is a plain version), and the release is what follows
//! the last `-`. A version without a release sorts before the same version with
//! one (`1 < 1-0`), as the osv-scalibr fixtures expect.
//!
//! Own code rather than the `rpm-version` crate: `rpmvercmp` is short, and the
//! fixtures need the release and epoch rules above.

use std::cmp::Ordering;

use super::{VersionScheme, check_basic, cmp_digits, version_traits};
use crate::{Error, Result};

/// The rpm scheme (Red Hat, AlmaLinux, Rocky Linux, SUSE, ...).
#[derive(Debug, Clone, Copy, Default)]
pub struct Rpm;

/// A parsed RPM version.
#[derive(Debug, Clone)]
pub struct RpmVersion {
    original: String,
    epoch: String,
    version: String,
    release: Option<String>,
}

impl RpmVersion {
    fn parse(s: &str) -> Result<Self> {
        check_basic(Rpm::NAME, s)?;
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        let (epoch, rest) = match s[digits..].strip_prefix(':') {
            Some(rest) => (&s[..digits], rest),
            None => ("", s),
        };
        let (version, release) = match rest.rsplit_once('-') {
            Some((v, r)) => (v, Some(r.to_owned())),
            None => (rest, None),
        };
        Ok(Self { original: s.to_owned(), epoch: epoch.to_owned(), version: version.to_owned(), release })
    }
}

impl Ord for RpmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_digits(&self.epoch, &other.epoch).then_with(|| rpmvercmp(&self.version, &other.version)).then_with(
            || match (&self.release, &other.release) {
                (Some(a), Some(b)) => rpmvercmp(a, b),
                (a, b) => a.is_some().cmp(&b.is_some()),
            },
        )
    }
}
version_traits!(RpmVersion);

/// Compares two version (or release) strings segment by segment.
pub(crate) fn rpmvercmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let is_sep = |c: &u8| !c.is_ascii_alphanumeric() && *c != b'~' && *c != b'^';
    let (mut i, mut j) = (0, 0);
    loop {
        while a.get(i).is_some_and(is_sep) {
            i += 1;
        }
        while b.get(j).is_some_and(is_sep) {
            j += 1;
        }
        let (x, y) = (a.get(i).copied(), b.get(j).copied());
        // Tilde sorts before anything, even the end.
        if x == Some(b'~') || y == Some(b'~') {
            if x != Some(b'~') {
                return Ordering::Greater;
            }
            if y != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        // Caret sorts after the end but before anything else.
        if x == Some(b'^') || y == Some(b'^') {
            match (x, y) {
                (None, _) => return Ordering::Less,
                (_, None) => return Ordering::Greater,
                (Some(b'^'), Some(b'^')) => {
                    i += 1;
                    j += 1;
                    continue;
                }
                (Some(b'^'), _) => return Ordering::Less,
                _ => return Ordering::Greater,
            }
        }
        let (Some(x), Some(_)) = (x, y) else {
            break;
        };
        let numeric = x.is_ascii_digit();
        let same_kind = |c: &u8| {
            if numeric { c.is_ascii_digit() } else { c.is_ascii_alphabetic() }
        };
        let start_i = i;
        while a.get(i).is_some_and(same_kind) {
            i += 1;
        }
        let start_j = j;
        while b.get(j).is_some_and(same_kind) {
            j += 1;
        }
        let (sa, sb) = (&a[start_i..i], &b[start_j..j]);
        if sb.is_empty() {
            // Numbers are newer than letters.
            return if numeric { Ordering::Greater } else { Ordering::Less };
        }
        // Both segments are ASCII, so valid UTF-8.
        let sa = std::str::from_utf8(sa).unwrap_or_default();
        let sb = std::str::from_utf8(sb).unwrap_or_default();
        let ord = if numeric { cmp_digits(sa, sb) } else { sa.cmp(sb) };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    // Whichever has something left is newer.
    (i < a.len()).cmp(&(j < b.len()))
}

impl VersionScheme for Rpm {
    type Version = RpmVersion;
    const NAME: &'static str = "rpm";

    fn parse(&self, version: &str) -> Result<RpmVersion> {
        RpmVersion::parse(version)
    }

    /// rpm's rules: version and release are non-empty and hold only
    /// alphanumerics and `._+~^`; the epoch, if any, is a number.
    fn validate(&self, version: &str) -> Result<()> {
        let v = RpmVersion::parse(version)?;
        let allowed = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || b"._+~^".contains(&c));
        if version.starts_with(':') {
            return Err(Error::invalid(Self::NAME, version, "empty epoch"));
        }
        if !allowed(&v.version) {
            return Err(Error::invalid(
                Self::NAME,
                version,
                "version is empty or has a character other than alphanumerics and ._+~^",
            ));
        }
        if v.release.as_deref().is_some_and(|r| !allowed(r)) {
            return Err(Error::invalid(
                Self::NAME,
                version,
                "release is empty or has a character other than alphanumerics and ._+~^",
            ));
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
            ("1.0~rc1", "1.0~rc1~git1", Greater),
            ("1.0^git1", "1.0", Greater),
            ("1.0^git1", "1.0.1", Less),
            ("1.0a", "1.0.1", Less),
            ("1.0", "1.0.", Equal),
            ("1:1.0", "2.0", Greater),
            ("01:1", "1:1", Equal),
            ("a:1", "1:0", Less),
            ("1.0-1", "1.0", Greater),
            ("1.0-1.el8", "1.0-1.el8_2", Less),
            ("3.10.0-229.el7", "3.10.0-229.1.2.ael7b", Less),
            ("10.0001", "10.1", Equal),
            ("1.1.α", "1.1.a", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(Rpm.compare(a, b), Ok(want), "{a} vs {b}");
            assert_eq!(Rpm.compare(b, a), Ok(want.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn validation() {
        for ok in ["1.0", "1:2.3-4.el9", "1.0~rc1^git2", "2_0"] {
            assert_eq!(Rpm.validate(ok), Ok(()), "{ok}");
        }
        for bad in ["1.0-", "-1", ":1.0", "1.0 -1", "1,0", "1.1.α"] {
            assert!(Rpm.validate(bad).is_err(), "{bad}");
        }
    }
}
