//! Go module versions: SemVer 2.0 with a `v` prefix, as `golang.org/x/mod/semver`
//! defines them.
//!
//! - The `v` is optional here, because OSV's Go ranges leave it out (`1.2.3`).
//! - The shorthands `v1` and `v1.2` mean `v1.0.0` and `v1.2.0`; they take no
//!   pre-release or build.
//! - Build metadata, `+incompatible` included, does not take part in the order.
//! - Pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`,
//!   `v1.2.4-0.20191109021931-daa7c04131f5`, `v1.2.3-pre.0.2019…`) are ordinary
//!   pre-releases and sort by their timestamp where it matters.
//!
//! Parsing is strict: an invalid Go version has no place in the order.
//! Own code: no Rust crate implements Go's module version rules.

use std::cmp::Ordering;

use super::semver::cmp_pre;
use super::{VersionScheme, check_basic, cmp_digits, is_digits, version_traits};
use crate::{Error, Result};

/// The Go module scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct Go;

/// A parsed Go module version.
#[derive(Debug, Clone)]
pub struct GoVersion {
    original: String,
    numbers: [String; 3],
    pre: Vec<String>,
}

impl GoVersion {
    fn parse(s: &str) -> Result<Self> {
        check_basic(Go::NAME, s)?;
        let bad = |problem| Err(Error::invalid(Go::NAME, s, problem));
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
        if numbers.len() > 3 {
            return bad("more than three numeric components");
        }
        if numbers.len() < 3 && (pre.is_some() || build.is_some()) {
            return bad("a shorthand version (v1, v1.2) takes no pre-release or build");
        }
        for n in &numbers {
            if !is_digits(n) {
                return bad("a numeric component is not a number");
            }
            if n.len() > 1 && n.starts_with('0') {
                return bad("a numeric component has a leading zero");
            }
        }
        let ident_ok = |id: &str| !id.is_empty() && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-');
        let pre: Vec<String> = match pre {
            Some(pre) => pre.split('.').map(str::to_owned).collect(),
            None => Vec::new(),
        };
        for id in &pre {
            if !ident_ok(id) {
                return bad("empty pre-release identifier or one with a character other than [0-9A-Za-z-]");
            }
            if is_digits(id) && id.len() > 1 && id.starts_with('0') {
                return bad("a numeric pre-release identifier has a leading zero");
            }
        }
        if build.is_some_and(|b| !b.split('.').all(ident_ok)) {
            return bad("empty build identifier or one with a character other than [0-9A-Za-z-]");
        }
        let number = |i: usize| numbers.get(i).map_or("0", |n| n).to_owned();
        Ok(Self { original: s.to_owned(), numbers: [number(0), number(1), number(2)], pre })
    }
}

impl Ord for GoVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.numbers
            .iter()
            .zip(&other.numbers)
            .map(|(a, b)| cmp_digits(a, b))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
            .then_with(|| cmp_pre(&self.pre, &other.pre))
    }
}
version_traits!(GoVersion);

impl VersionScheme for Go {
    type Version = GoVersion;
    const NAME: &'static str = "go";

    fn parse(&self, version: &str) -> Result<GoVersion> {
        GoVersion::parse(version)
    }

    fn validate(&self, version: &str) -> Result<()> {
        GoVersion::parse(version).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn ordering() {
        let cases = [
            ("v1.2.3", "1.2.3", Equal),
            ("v1", "v1.0.0", Equal),
            ("v1.2", "v1.2.0", Equal),
            ("v2.0.0+incompatible", "v2.0.0", Equal),
            ("v2.0.0+incompatible", "v2.0.1+incompatible", Less),
            ("v1.2.3-pre", "v1.2.3", Less),
            ("v1.10.0", "v1.9.0", Greater),
            // Pseudo-versions sort below the release they precede.
            ("v0.0.0-20191109021931-daa7c04131f5", "v0.0.1", Less),
            ("v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-000000000000", Less),
            ("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3", Greater),
            ("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4", Less),
            ("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4-pre", Less),
            ("v1.2.3-pre.0.20191109021931-daa7c04131f5", "v1.2.3-pre", Greater),
            ("v1.2.3-pre.0.20191109021931-daa7c04131f5", "v1.2.3-pre.1", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(Go.compare(a, b), Ok(want), "{a} vs {b}");
            assert_eq!(Go.compare(b, a), Ok(want.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn validation() {
        for ok in ["v1.2.3", "1.2.3", "v0", "v2.0.0+incompatible", "v0.0.0-20191109021931-daa7c04131f5"] {
            assert_eq!(Go.validate(ok), Ok(()), "{ok}");
        }
        for bad in ["v1.2-pre", "v1.02.3", "v1.2.3.4", "v1.2.3-", "v1.2.3-01", "vx", "v1.2.3+", "V1.2.3"] {
            assert!(Go.validate(bad).is_err(), "{bad}");
            assert!(Go.parse(bad).is_err(), "{bad}");
        }
    }
}
