//! Python package versions (PEP 440), with the normalisations the PEP allows:
//! case, a leading `v`, `-`/`_`/`.` separators, the spellings
//! `alpha/beta/c/pre/preview` and `rev/r`, implicit numbers (`1.0a` = `1.0a0`)
//! and implicit post-releases (`1.0-1`).
//!
//! Order: epoch, release (trailing zeros ignored), then
//! `.devN < aN < bN < rcN < (release) < .postN`, where a pre-release or
//! post-release sorts before its own `.devN`-less form, then the local
//! version (`1.0 < 1.0+local`; numeric segments above text ones).
//!
//! Strings that are not PEP 440 get the legacy order of old setuptools
//! (`LegacyVersion`): they sort before every PEP 440 version and among
//! themselves by setuptools' legacy key. [`VersionScheme::validate`] accepts
//! PEP 440 only.
//!
//! Own code rather than `pep440_rs`: that crate has no legacy fallback, which
//! the osv-scalibr fixtures (and old PyPI releases) need.

use std::cmp::Ordering;

use super::{VersionScheme, check_basic, cmp_digits, is_digits, version_traits};
use crate::{Error, Result};

/// The PEP 440 scheme (PyPI).
#[derive(Debug, Clone, Copy, Default)]
pub struct Pep440;

/// Pre-release phases, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Alpha,
    Beta,
    Rc,
}

/// A PEP 440 version.
#[derive(Debug, Clone)]
struct Modern {
    epoch: String,
    /// Release numbers, trailing zeros removed.
    release: Vec<String>,
    pre: Option<(Phase, String)>,
    post: Option<String>,
    dev: Option<String>,
    /// Local segments, lower-case.
    local: Vec<String>,
}

/// A parsed Python version.
#[derive(Debug, Clone)]
pub struct Pep440Version {
    original: String,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// Not PEP 440: setuptools' legacy key.
    Legacy(Vec<String>),
    Modern(Modern),
}

/// A cursor over the lower-cased version string.
struct Cursor<'a> {
    s: &'a str,
}

impl<'a> Cursor<'a> {
    fn eat(&mut self, prefix: &str) -> bool {
        match self.s.strip_prefix(prefix) {
            Some(rest) => {
                self.s = rest;
                true
            }
            None => false,
        }
    }

    fn digits(&mut self) -> Option<&'a str> {
        let end = self.s.find(|c: char| !c.is_ascii_digit()).unwrap_or(self.s.len());
        if end == 0 {
            return None;
        }
        let (d, rest) = self.s.split_at(end);
        self.s = rest;
        Some(d)
    }

    fn separator(&mut self) -> bool {
        self.eat("-") || self.eat("_") || self.eat(".")
    }

    /// `[sep]word[sep]N`, where the number is optional (0); any of `words`.
    /// Restores the cursor when nothing matches.
    fn word_and_number<T: Copy>(&mut self, words: &[(&str, T)]) -> Option<(T, String)> {
        let saved = self.s;
        self.separator();
        for &(word, value) in words {
            if self.eat(word) {
                let before_sep = self.s;
                self.separator();
                let n = match self.digits() {
                    Some(d) => d.to_owned(),
                    None => {
                        self.s = before_sep;
                        "0".to_owned()
                    }
                };
                return Some((value, n));
            }
        }
        self.s = saved;
        None
    }
}

impl Modern {
    fn parse(s: &str) -> Option<Self> {
        let lower = s.trim().to_ascii_lowercase();
        let mut c = Cursor { s: &lower };
        c.eat("v");
        let mut epoch = "0".to_owned();
        let first = c.digits()?;
        let mut release = vec![first.to_owned()];
        if c.eat("!") {
            epoch = first.to_owned();
            release = vec![c.digits()?.to_owned()];
        }
        loop {
            let saved = c.s;
            if c.eat(".")
                && let Some(d) = c.digits()
            {
                release.push(d.to_owned());
                continue;
            }
            c.s = saved;
            break;
        }
        // Longer spellings first, so that "preview" is not read as "pre".
        let pre = c.word_and_number(&[
            ("alpha", Phase::Alpha),
            ("beta", Phase::Beta),
            ("preview", Phase::Rc),
            ("pre", Phase::Rc),
            ("rc", Phase::Rc),
            ("a", Phase::Alpha),
            ("b", Phase::Beta),
            ("c", Phase::Rc),
        ]);
        let post = {
            let saved = c.s;
            match c.eat("-").then(|| c.digits()).flatten() {
                Some(n) => Some(n.to_owned()),
                None => {
                    c.s = saved;
                    c.word_and_number(&[("post", ()), ("rev", ()), ("r", ())]).map(|(_, n)| n)
                }
            }
        };
        let dev = c.word_and_number(&[("dev", ())]).map(|(_, n)| n);
        let mut local = Vec::new();
        if c.eat("+") {
            for seg in c.s.split(['.', '-', '_']) {
                if seg.is_empty() || !seg.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return None;
                }
                local.push(seg.to_owned());
            }
            c.s = "";
        }
        if !c.s.is_empty() {
            return None;
        }
        while release.len() > 1 && release.last().is_some_and(|r| r.trim_start_matches('0').is_empty()) {
            release.pop();
        }
        Some(Self { epoch, release, pre, post, dev, local })
    }

    /// The pre-release key: a bare `.devN` sorts before any pre-release, and
    /// no pre-release after all of them.
    fn pre_key(&self) -> (u8, Option<(Phase, &str)>) {
        match (&self.pre, &self.post, &self.dev) {
            (None, None, Some(_)) => (0, None),
            (Some((phase, n)), _, _) => (1, Some((*phase, n))),
            (None, _, _) => (2, None),
        }
    }
}

fn cmp_release(a: &[String], b: &[String]) -> Ordering {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| cmp_digits(a.get(i).map_or("0", String::as_str), b.get(i).map_or("0", String::as_str)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

fn cmp_local(a: &[String], b: &[String]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let ord = match (is_digits(x), is_digits(y)) {
            (true, true) => cmp_digits(x, y),
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => x.cmp(y),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    a.len().cmp(&b.len())
}

impl Ord for Modern {
    fn cmp(&self, other: &Self) -> Ordering {
        let opt_digits = |a: &Option<String>, b: &Option<String>, none_first: bool| match (a, b) {
            (Some(a), Some(b)) => cmp_digits(a, b),
            (a, b) if none_first => a.is_some().cmp(&b.is_some()),
            (a, b) => b.is_some().cmp(&a.is_some()),
        };
        cmp_digits(&self.epoch, &other.epoch)
            .then_with(|| cmp_release(&self.release, &other.release))
            .then_with(|| {
                let (a, b) = (self.pre_key(), other.pre_key());
                a.0.cmp(&b.0).then_with(|| match (a.1, b.1) {
                    (Some((pa, na)), Some((pb, nb))) => pa.cmp(&pb).then_with(|| cmp_digits(na, nb)),
                    _ => Ordering::Equal,
                })
            })
            .then_with(|| opt_digits(&self.post, &other.post, true))
            .then_with(|| opt_digits(&self.dev, &other.dev, false))
            .then_with(|| cmp_local(&self.local, &other.local))
    }
}

impl PartialEq for Modern {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Modern {}
impl PartialOrd for Modern {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// setuptools' legacy key: runs of digits (zero-padded to compare by value),
/// runs of letters and other characters; `pre`, `preview` and `rc` read as
/// `c`, `dev` as `@`, `-` as `final-`; trailing zeros and `final-` markers
/// before a pre-release word are dropped, and `*final` ends the key.
fn legacy_key(s: &str) -> Vec<String> {
    let lower = s.to_lowercase();
    let mut tokens = Vec::new();
    let mut rest = lower.as_str();
    while let Some(c) = rest.chars().next() {
        let len = if c.is_ascii_digit() {
            rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len())
        } else if c.is_ascii_lowercase() {
            rest.find(|c: char| !c.is_ascii_lowercase()).unwrap_or(rest.len())
        } else if c == '.' || c == '-' {
            1
        } else {
            rest.find(|c: char| c.is_ascii_digit() || c.is_ascii_lowercase() || c == '.' || c == '-')
                .unwrap_or(rest.len())
        };
        tokens.push(&rest[..len]);
        rest = &rest[len..];
    }
    tokens.push("final");

    let mut parts: Vec<String> = Vec::new();
    for token in tokens {
        if token == "." {
            continue;
        }
        let part = match token {
            "pre" | "preview" | "rc" => "*c".to_owned(),
            "dev" => "*@".to_owned(),
            "-" => "*final-".to_owned(),
            t if t.starts_with(|c: char| c.is_ascii_digit()) => format!("{t:0>8}"),
            t => format!("*{t}"),
        };
        if part.starts_with('*') {
            if part.as_str() < "*final" {
                while parts.last().is_some_and(|p| p == "*final-") {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|p| p == "00000000") {
                parts.pop();
            }
        }
        parts.push(part);
    }
    parts
}

impl Ord for Pep440Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.kind, &other.kind) {
            (Kind::Modern(a), Kind::Modern(b)) => a.cmp(b),
            (Kind::Legacy(a), Kind::Legacy(b)) => a.cmp(b),
            (Kind::Legacy(_), Kind::Modern(_)) => Ordering::Less,
            (Kind::Modern(_), Kind::Legacy(_)) => Ordering::Greater,
        }
    }
}
version_traits!(Pep440Version);

impl VersionScheme for Pep440 {
    type Version = Pep440Version;
    const NAME: &'static str = "pep440";

    fn parse(&self, version: &str) -> Result<Pep440Version> {
        check_basic(Self::NAME, version)?;
        let kind = match Modern::parse(version) {
            Some(m) => Kind::Modern(m),
            None => Kind::Legacy(legacy_key(version)),
        };
        Ok(Pep440Version { original: version.to_owned(), kind })
    }

    fn validate(&self, version: &str) -> Result<()> {
        check_basic(Self::NAME, version)?;
        match Modern::parse(version) {
            Some(_) => Ok(()),
            None => Err(Error::invalid(Self::NAME, version, "not a PEP 440 version")),
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
            ("1.0.dev0", "1.0a0", Less),
            ("1.0a1", "1.0alpha1", Equal),
            ("1.0a", "1.0a0", Equal),
            ("1.0a1", "1.0b1", Less),
            ("1.0rc1", "1.0c1", Equal),
            ("1.0.pre1", "1.0rc1", Equal),
            ("1.0rc1", "1.0", Less),
            ("1.0", "1.0.0", Equal),
            ("1.0", "1.0.post0", Less),
            ("1.0-1", "1.0.post1", Equal),
            ("1.0.rev2", "1.0-r2", Equal),
            ("1.0a1.dev1", "1.0a1", Less),
            ("1.0.post1.dev1", "1.0.post1", Less),
            ("1.0.post1.dev1", "1.0", Greater),
            ("1.0", "1.0+local", Less),
            ("1.0+abc", "1.0+1", Less),
            ("1.0+a.1", "1.0+a-1", Equal),
            ("1.0+local.0", "1.0+local.0.1", Less),
            ("1!1.0", "2.0", Greater),
            ("V1.0", "1.0", Equal),
            (" 1.0 ", "1.0", Equal),
            ("1.0.DEV1", "1.0.dev1", Equal),
            ("0.1-bulbasaur", "0.1-charmander", Less),
            ("0.9-ivysaur", "0.1", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(Pep440.compare(a, b), Ok(want), "{a} vs {b}");
            assert_eq!(Pep440.compare(b, a), Ok(want.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn validation() {
        for ok in ["1.0", "1!2.0.post1.dev3+ubuntu-1", "1.0-1", "v1.0rc1", "1.0a.1"] {
            assert_eq!(Pep440.validate(ok), Ok(()), "{ok}");
        }
        for bad in ["1.0-bulbasaur", "1.0+", "1.0+a..b", "1..0", "a", "1.0.dev1.dev2"] {
            assert!(Pep440.validate(bad).is_err(), "{bad}");
        }
    }
}
