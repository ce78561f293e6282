//! CRAN (R `package_version`) versions: numbers separated by `.` or `-`,
//! compared one by one by value; a version that extends another sorts after
//! it (`0.1.0 < 0.1.0.0`).
//!
//! [`VersionScheme::validate`] also requires R's two components at least.
//! Own code: a few lines, no crate exists.

use std::cmp::Ordering;

use super::{VersionScheme, check_basic, cmp_digits, is_digits, version_traits};
use crate::{Error, Result};

/// The CRAN scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cran;

/// A parsed CRAN version.
#[derive(Debug, Clone)]
pub struct CranVersion {
    original: String,
    numbers: Vec<String>,
}

/// Numbers separated by `sep`, compared lexicographically by value.
pub(crate) fn parse_numbers(scheme: &'static str, s: &str, sep: &[char]) -> Result<Vec<String>> {
    check_basic(scheme, s)?;
    s.split(sep)
        .map(|n| {
            if is_digits(n) {
                Ok(n.to_owned())
            } else {
                Err(Error::invalid(scheme, s, "not numbers separated by dots"))
            }
        })
        .collect()
}

/// Compares number lists component by component; a prefix sorts first.
pub(crate) fn cmp_numbers(a: &[String], b: &[String]) -> Ordering {
    a.iter().zip(b).map(|(x, y)| cmp_digits(x, y)).find(|o| o.is_ne()).unwrap_or_else(|| a.len().cmp(&b.len()))
}

impl Ord for CranVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_numbers(&self.numbers, &other.numbers)
    }
}
version_traits!(CranVersion);

impl VersionScheme for Cran {
    type Version = CranVersion;
    const NAME: &'static str = "cran";

    fn parse(&self, version: &str) -> Result<CranVersion> {
        Ok(CranVersion { original: version.to_owned(), numbers: parse_numbers(Self::NAME, version, &['.', '-'])? })
    }

    fn validate(&self, version: &str) -> Result<()> {
        if self.parse(version)?.numbers.len() < 2 {
            return Err(Error::invalid(Self::NAME, version, "fewer than two components"));
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
            ("0.01.0", "0.1-0", Equal),
            ("0.9", "0.75", Less),
            ("0.1.0", "0.1.0.0", Less),
            ("1.0-10", "1.0-9", Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(Cran.compare(a, b), Ok(want), "{a} vs {b}");
            assert_eq!(Cran.compare(b, a), Ok(want.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn validation() {
        assert_eq!(Cran.validate("1.0-2"), Ok(()));
        for bad in ["1", "1.a", "1..2", "1.0-"] {
            assert!(Cran.validate(bad).is_err(), "{bad}");
        }
    }
}
