//! NuGet versions: SemVer 2.0 with up to four numeric components, pre-release
//! labels compared case-insensitively, build metadata ignored.
//!
//! Parsing is lenient like [`super::SemVer`]'s (leading `v`, leading zeros,
//! numbers of any size). Own code: no Rust crate implements NuGet's order.

use std::cmp::Ordering;

use super::semver::{Lenient, check_strict, cmp_pre};
use super::{VersionScheme, check_basic, version_traits};
use crate::Result;

/// The NuGet scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct NuGet;

/// A parsed NuGet version.
#[derive(Debug, Clone)]
pub struct NuGetVersion {
    original: String,
    /// Parsed from the lower-cased string.
    parts: Lenient,
}

impl Ord for NuGetVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts.cmp_numbers(&other.parts).then_with(|| cmp_pre(&self.parts.pre, &other.parts.pre))
    }
}
version_traits!(NuGetVersion);

impl VersionScheme for NuGet {
    type Version = NuGetVersion;
    const NAME: &'static str = "nuget";

    fn parse(&self, version: &str) -> Result<NuGetVersion> {
        check_basic(Self::NAME, version)?;
        Ok(NuGetVersion { original: version.to_owned(), parts: Lenient::parse(&version.to_ascii_lowercase(), 4) })
    }

    /// One to four numeric components (leading zeros allowed, as NuGet
    /// normalises them), then SemVer pre-release and build parts.
    fn validate(&self, version: &str) -> Result<()> {
        check_strict(Self::NAME, version, 1, 4, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn ordering() {
        let cases = [
            ("1.0", "1.0.0.0", Equal),
            ("1.0.01", "1.0.1.0", Equal),
            ("1.0.0-BETA", "1.0.0-beta", Equal),
            ("1.0.0-beta.2", "1.0.0-beta.10", Less),
            ("1.0.0", "1.0.0.1-alpha", Less),
            ("1.0.0.1-alpha", "1.0.0.1", Less),
            ("1.0.0+AA", "1.0.0-beta+aa", Greater),
            ("1.0.0.0.1", "1.0.0.0", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(NuGet.compare(a, b), Ok(want), "{a} vs {b}");
            assert_eq!(NuGet.compare(b, a), Ok(want.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn validation() {
        for ok in ["1", "1.0", "1.0.0.1-rc.1+sha", "1.01"] {
            assert_eq!(NuGet.validate(ok), Ok(()), "{ok}");
        }
        for bad in ["1.0.0.0.0", "1.0-", "a.b", "1..0"] {
            assert!(NuGet.validate(bad).is_err(), "{bad}");
        }
    }
}
