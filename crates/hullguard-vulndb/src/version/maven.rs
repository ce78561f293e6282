//! Maven versions, ordered as Maven's `ComparableVersion` does.
//!
//! A version is lower-cased and split into items at `.`, at `-` and where
//! digits and letters meet; a `-` or a letter/digit switch opens a nested
//! list. Items are numbers (compared by value, any size) or qualifiers:
//! `alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp`,
//! then any other qualifier in alphabetical order. `a`, `b` and `m` directly
//! followed by a digit mean `alpha`, `beta` and `milestone`. Trailing "null"
//! items (`0`, `""`, empty lists) are dropped from every list, so
//! `1 = 1.0 = 1-0 = 1.ga`. Between kinds: number > list > qualifier.
//!
//! This is the order of `maven-artifact` 3.8.6, which generated the
//! fixtures; Maven 3.9 changed a few edge cases (it reads `1.foo` as `1-foo`).
//! Only ASCII digits count as digits. Own code: no maintained crate
//! implements `ComparableVersion`.

use std::cmp::Ordering;

use super::{VersionScheme, check_basic, cmp_digits, version_traits};
use crate::{Error, Result};

/// The Maven scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct Maven;

/// Known qualifiers, in order; index 5 (`""`) is a release.
const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
/// The rank of the release qualifier in [`QUALIFIERS`].
const RELEASE: usize = 5;

#[derive(Debug, Clone)]
enum Item {
    /// A number, without leading zeros.
    Number(String),
    /// A qualifier: its rank in [`QUALIFIERS`] or, for others, the text.
    Qualifier(Qualifier),
    List(Vec<Item>),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Qualifier {
    Known(usize),
    Other(String),
}

impl Qualifier {
    fn new(text: &str, followed_by_digit: bool) -> Self {
        let text = match text {
            "a" if followed_by_digit => "alpha",
            "b" if followed_by_digit => "beta",
            "m" if followed_by_digit => "milestone",
            "ga" | "final" | "release" => "",
            "cr" => "rc",
            t => t,
        };
        match QUALIFIERS.iter().position(|q| *q == text) {
            Some(i) => Self::Known(i),
            None => Self::Other(text.to_owned()),
        }
    }
}

impl Item {
    fn number(digits: &str) -> Self {
        Self::Number(digits.trim_start_matches('0').to_owned())
    }

    fn is_null(&self) -> bool {
        match self {
            Self::Number(n) => n.is_empty(),
            Self::Qualifier(q) => *q == Qualifier::Known(RELEASE),
            Self::List(l) => l.is_empty(),
        }
    }

    /// Compares with a missing item (padding).
    fn cmp_null(&self) -> Ordering {
        match self {
            Self::Number(n) => (!n.is_empty()).cmp(&false),
            Self::Qualifier(q) => q.cmp(&Qualifier::Known(RELEASE)),
            Self::List(l) => l.first().map_or(Ordering::Equal, Item::cmp_null),
        }
    }

    fn cmp(&self, other: &Self) -> Ordering {
        use Item::*;
        match (self, other) {
            (Number(a), Number(b)) => cmp_digits(a, b),
            (Qualifier(a), Qualifier(b)) => a.cmp(b),
            (List(a), List(b)) => cmp_lists(a, b),
            (Number(_), _) | (List(_), Qualifier(_)) => Ordering::Greater,
            (_, Number(_)) | (Qualifier(_), List(_)) => Ordering::Less,
        }
    }
}

fn cmp_lists(a: &[Item], b: &[Item]) -> Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let ord = match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(x), None) => x.cmp_null(),
            (None, Some(y)) => y.cmp_null().reverse(),
            (None, None) => Ordering::Equal,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// Drops trailing null items, looking past nested lists (which were
/// normalised already).
fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if list[i].is_null() {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
}

/// Builds the item tree; `lists` is the stack of open lists, innermost last.
fn parse_items(s: &str) -> Vec<Item> {
    let chars: Vec<char> = s.to_lowercase().chars().collect();
    let mut lists: Vec<Vec<Item>> = vec![Vec::new()];
    let mut start = 0;
    let mut in_digits = false;
    let text = |from: usize, to: usize| chars[from..to].iter().collect::<String>();

    // Closes the current token into the innermost list.
    fn push(lists: &mut [Vec<Item>], item: Item) {
        if let Some(last) = lists.last_mut() {
            last.push(item);
        }
    }
    let token = |from: usize, to: usize, digits: bool, followed_by_digit: bool| {
        let t = text(from, to);
        if digits { Item::number(&t) } else { Item::Qualifier(Qualifier::new(&t, followed_by_digit)) }
    };

    for (i, &c) in chars.iter().enumerate() {
        match c {
            '.' | '-' => {
                let item = if i == start { Item::Number(String::new()) } else { token(start, i, in_digits, false) };
                push(&mut lists, item);
                start = i + 1;
                if c == '-' {
                    lists.push(Vec::new());
                }
            }
            c if c.is_ascii_digit() => {
                if !in_digits && i > start {
                    push(&mut lists, token(start, i, false, true));
                    start = i;
                    lists.push(Vec::new());
                }
                in_digits = true;
            }
            _ => {
                if in_digits && i > start {
                    push(&mut lists, token(start, i, true, false));
                    start = i;
                    lists.push(Vec::new());
                }
                in_digits = false;
            }
        }
    }
    if chars.len() > start {
        push(&mut lists, token(start, chars.len(), in_digits, false));
    }
    // Close the open lists from the innermost out.
    while lists.len() > 1 {
        let mut inner = lists.pop().unwrap_or_default();
        normalize(&mut inner);
        push(&mut lists, Item::List(inner));
    }
    let mut root = lists.pop().unwrap_or_default();
    normalize(&mut root);
    root
}

/// A parsed Maven version.
#[derive(Debug, Clone)]
pub struct MavenVersion {
    original: String,
    items: Vec<Item>,
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.items, &other.items)
    }
}
version_traits!(MavenVersion);

impl VersionScheme for Maven {
    type Version = MavenVersion;
    const NAME: &'static str = "maven";

    fn parse(&self, version: &str) -> Result<MavenVersion> {
        check_basic(Self::NAME, version)?;
        Ok(MavenVersion { original: version.to_owned(), items: parse_items(version) })
    }

    /// Maven takes any string; this rejects only whitespace besides the
    /// basic checks.
    fn validate(&self, version: &str) -> Result<()> {
        check_basic(Self::NAME, version)?;
        if version.chars().any(char::is_whitespace) {
            return Err(Error::invalid(Self::NAME, version, "contains whitespace"));
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
            ("1.0-alpha-1", "1.0-alpha-2", Less),
            ("1.0-alpha-2", "1.0-beta-1", Less),
            ("1.0-beta-1", "1.0-milestone-1", Less),
            ("1.0-m1", "1.0-rc1", Less),
            ("1.0-rc1", "1.0-cr1", Equal),
            ("1.0-rc1", "1.0-SNAPSHOT", Less),
            ("1.0-SNAPSHOT", "1.0", Less),
            ("1.0", "1.0-sp1", Less),
            ("1.0-sp1", "1.0-foo", Less),
            ("1.0-foo", "1.0-1", Less),
            ("1.0-1", "1.0.1", Less),
            ("1", "1.0.0", Equal),
            ("1.ga", "1-final", Equal),
            ("1a1", "1-alpha-1", Equal),
            ("1.0.0x", "1-x", Equal),
            ("2.0.1-xyz", "2.0.1-123", Less),
            ("1.1", "1.01", Equal),
            ("6.1.0rc3", "6.1H.5-beta", Less),
            ("20190126.230843", "1234567890.12345", Less),
            ("0.0.0-2021-05-17T01-01-51-5ec03a8b", "20.0.0", Less),
            // A null item is only dropped from the end of its list.
            ("1-ga-1", "1-1", Less),
            ("1-sp-1", "1-ga-1", Less),
            ("1_0", "1.0-a", Less),
            ("1.2+build", "1.2-foo2", Less),
            ("1.2-foo2", "1.2-foo10", Less),
            ("1.2-20260927.123456-9", "1.2-20260927.123456-10", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(Maven.compare(a, b), Ok(want), "{a} vs {b}");
            assert_eq!(Maven.compare(b, a), Ok(want.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn validation() {
        assert_eq!(Maven.validate("1.0-SNAPSHOT"), Ok(()));
        assert!(Maven.validate("1.0 beta").is_err());
    }
}
