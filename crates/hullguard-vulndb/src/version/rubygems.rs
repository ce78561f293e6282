//! RubyGems versions, ordered as `Gem::Version#<=>` does.
//!
//! A `-` reads as `.pre.`; the version splits into runs of digits (numbers)
//! and runs of letters (strings); trailing zeros are dropped from the numeric
//! head and from the part after the first string (`1.0.a.0` = `1.a`); then
//! segments compare pairwise, missing ones as 0, with a string below any
//! number (so `1.0.a < 1.0`) and strings by bytes.
//!
//! Own code rather than `gem_version`: this is a few lines, and it keeps
//! numbers unbounded (`999999999999999999999999999991`).

use std::cmp::Ordering;

use super::{VersionScheme, check_basic, cmp_digits, version_traits};
use crate::{Error, Result};

/// The RubyGems scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct RubyGems;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// Digits without leading zeros.
    Number(String),
    Text(String),
}

impl Segment {
    fn is_zero(&self) -> bool {
        matches!(self, Segment::Number(n) if n.is_empty())
    }
}

/// A parsed RubyGems version.
#[derive(Debug, Clone)]
pub struct RubyGemsVersion {
    original: String,
    /// Canonical segments.
    segments: Vec<Segment>,
}

fn canonical_segments(s: &str) -> Vec<Segment> {
    let s = s.trim().replace('-', ".pre.");
    let mut segments = Vec::new();
    let mut rest = s.as_str();
    while let Some(c) = rest.chars().next() {
        if c.is_ascii_digit() {
            let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
            segments.push(Segment::Number(rest[..end].trim_start_matches('0').to_owned()));
            rest = &rest[end..];
        } else if c.is_ascii_alphabetic() {
            let end = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
            segments.push(Segment::Text(rest[..end].to_owned()));
            rest = &rest[end..];
        } else {
            rest = &rest[c.len_utf8()..];
        }
    }
    let split = segments.iter().position(|s| matches!(s, Segment::Text(_))).unwrap_or(segments.len());
    let mut tail = segments.split_off(split);
    while segments.last().is_some_and(Segment::is_zero) {
        segments.pop();
    }
    while tail.last().is_some_and(Segment::is_zero) {
        tail.pop();
    }
    segments.append(&mut tail);
    segments
}

impl Ord for RubyGemsVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let zero = Segment::Number(String::new());
        let n = self.segments.len().max(other.segments.len());
        for i in 0..n {
            let a = self.segments.get(i).unwrap_or(&zero);
            let b = other.segments.get(i).unwrap_or(&zero);
            let ord = match (a, b) {
                (Segment::Number(x), Segment::Number(y)) => cmp_digits(x, y),
                (Segment::Text(x), Segment::Text(y)) => x.cmp(y),
                (Segment::Text(_), Segment::Number(_)) => Ordering::Less,
                (Segment::Number(_), Segment::Text(_)) => Ordering::Greater,
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}
version_traits!(RubyGemsVersion);

/// `Gem::Version`'s pattern: `N{.alnum}[-alnum-{.alnum-}]`, surrounding
/// whitespace allowed.
fn is_valid(s: &str) -> bool {
    let s = s.trim();
    let (main, pre) = match s.split_once('-') {
        Some((main, pre)) => (main, Some(pre)),
        None => (s, None),
    };
    let mut parts = main.split('.');
    let first_ok = parts.next().is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let rest_ok = parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    let pre_ok = pre.is_none_or(|pre| {
        pre.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    });
    first_ok && rest_ok && pre_ok
}

impl VersionScheme for RubyGems {
    type Version = RubyGemsVersion;
    const NAME: &'static str = "rubygems";

    fn parse(&self, version: &str) -> Result<RubyGemsVersion> {
        check_basic(Self::NAME, version)?;
        Ok(RubyGemsVersion { original: version.to_owned(), segments: canonical_segments(version) })
    }

    fn validate(&self, version: &str) -> Result<()> {
        check_basic(Self::NAME, version)?;
        if is_valid(version) {
            Ok(())
        } else {
            Err(Error::invalid(Self::NAME, version, "not N{.alnum}[-alnum{.alnum}]"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn ordering() {
        let cases = [
            ("1.0", "1", Equal),
            ("1.0.a", "1.0", Less),
            ("1.0.a10", "1.0.a.9", Greater),
            ("1.0.a2", "1.0.a.2", Equal),
            ("1.0.a.0", "1.0.a", Equal),
            ("1.0.b1", "1.0.a.2", Greater),
            ("1.0.A", "1.0.a", Less),
            ("1.0-rc1", "1.0.pre.rc1", Equal),
            ("1.0-rc1", "1.0", Less),
            ("3.10", "3.2", Greater),
            ("1beta", "1", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(RubyGems.compare(a, b), Ok(want), "{a} vs {b}");
            assert_eq!(RubyGems.compare(b, a), Ok(want.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn validation() {
        for ok in ["1", "1.2.3", "1.0.a", "1.0-rc.1", " 2.0 ", "1.0.0-x-y"] {
            assert_eq!(RubyGems.validate(ok), Ok(()), "{ok}");
        }
        for bad in ["a", "1beta", "1..2", "1.0-", ".1", "1.0_1"] {
            assert!(RubyGems.validate(bad).is_err(), "{bad}");
        }
    }
}
