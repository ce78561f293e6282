//! Hackage (Haskell `Data.Version`) versions: numbers separated by dots,
//! compared one by one; a version that extends another sorts after it
//! (`1.0 < 1.0.0`).
//!
//! Own code: a few lines, no crate exists.

use std::cmp::Ordering;

use super::cran::{cmp_numbers, parse_numbers};
use super::{VersionScheme, version_traits};
use crate::Result;

/// The Hackage scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hackage;

/// A parsed Hackage version.
#[derive(Debug, Clone)]
pub struct HackageVersion {
    original: String,
    numbers: Vec<String>,
}

impl Ord for HackageVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_numbers(&self.numbers, &other.numbers)
    }
}
version_traits!(HackageVersion);

impl VersionScheme for Hackage {
    type Version = HackageVersion;
    const NAME: &'static str = "hackage";

    fn parse(&self, version: &str) -> Result<HackageVersion> {
        Ok(HackageVersion { original: version.to_owned(), numbers: parse_numbers(Self::NAME, version, &['.'])? })
    }

    fn validate(&self, version: &str) -> Result<()> {
        self.parse(version).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn ordering() {
        let cases =
            [("1.0", "1.0.0", Less), ("1.0.0", "1", Greater), ("0.11.3.0", "1.0.0.0", Less), ("01.2", "1.2", Equal)];
        for (a, b, want) in cases {
            assert_eq!(Hackage.compare(a, b), Ok(want), "{a} vs {b}");
            assert_eq!(Hackage.compare(b, a), Ok(want.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn validation() {
        assert_eq!(Hackage.validate("0"), Ok(()));
        for bad in ["1.", "1-0", "a"] {
            assert!(Hackage.validate(bad).is_err(), "{bad}");
        }
    }
}
