//! Dart Pub versions (`pub_semver`): SemVer precedence, then build metadata,
//! which Pub orders too (`1.0.0 < 1.0.0+1 < 1.0.0+2 < 1.0.0+a`).
//!
//! Parsing is lenient like [`super::SemVer`]'s. Own code: no Rust crate
//! implements `pub_semver`'s order.

use std::cmp::Ordering;

use super::semver::{Lenient, check_strict, cmp_identifiers, cmp_pre};
use super::{VersionScheme, check_basic, version_traits};
use crate::Result;

/// The Pub scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pub;

/// A parsed Pub version.
#[derive(Debug, Clone)]
pub struct PubVersion {
    original: String,
    parts: Lenient,
}

impl Ord for PubVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts
            .cmp_numbers(&other.parts)
            .then_with(|| cmp_pre(&self.parts.pre, &other.parts.pre))
            // No build sorts before any build.
            .then_with(|| cmp_identifiers(&self.parts.build, &other.parts.build))
    }
}
version_traits!(PubVersion);

impl VersionScheme for Pub {
    type Version = PubVersion;
    const NAME: &'static str = "pub";

    fn parse(&self, version: &str) -> Result<PubVersion> {
        check_basic(Self::NAME, version)?;
        Ok(PubVersion { original: version.to_owned(), parts: Lenient::parse(version, 3) })
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
            ("1.0.0-pre", "1.0.0-pre+build", Less),
            ("1.0.0-pre+build", "1.0.0", Less),
            ("1.0.0", "1.0.0+build", Less),
            ("1.2.3+9", "1.2.3+10", Less),
            ("1.2.3+900", "1.2.3+a", Less),
            ("1.2.3+a", "1.2.3+a1", Less),
            ("1.2.3+a.1", "1.2.3+a.1", Equal),
        ];
        for (a, b, want) in cases {
            assert_eq!(Pub.compare(a, b), Ok(want), "{a} vs {b}");
            assert_eq!(Pub.compare(b, a), Ok(want.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn validation() {
        assert_eq!(Pub.validate("1.2.3-dev.1+4"), Ok(()));
        assert!(Pub.validate("1.2").is_err());
    }
}
