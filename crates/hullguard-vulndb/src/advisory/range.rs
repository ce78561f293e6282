//! Version intervals, and how OSV range events become them.

use std::cmp::Ordering;

use crate::Result;
use crate::version::{AnyVersion, Scheme};

/// One event of an OSV `ECOSYSTEM` or `SEMVER` range.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Event {
    /// Affected from this version on (inclusive); `"0"` means from the start.
    Introduced(String),
    /// Not affected from this version on (exclusive upper bound).
    Fixed(String),
    /// The last affected version (inclusive upper bound), with no fix known.
    LastAffected(String),
    /// No version from this one on is affected by the range (an upper cap
    /// over the whole range); `"*"` means no cap.
    Limit(String),
}

/// One interval of affected versions.
///
/// `introduced` is inclusive and `None` means from the first version; `fixed`
/// is exclusive, `last_affected` inclusive, and with neither the interval is
/// open-ended. At most one of `fixed` and `last_affected` is set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct Interval {
    /// The first affected version (inclusive); `None` = from the beginning.
    pub introduced: Option<String>,
    /// The first version no longer affected (exclusive).
    pub fixed: Option<String>,
    /// The last affected version (inclusive).
    pub last_affected: Option<String>,
}

/// An event with its version parsed, for sorting.
struct Parsed<'a> {
    event: &'a Event,
    /// `None` for `introduced: "0"`, which is below every version.
    version: Option<AnyVersion>,
}

/// `a` compared with `b`, where `None` is below everything.
fn cmp_bound(a: Option<&AnyVersion>, b: Option<&AnyVersion>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        // Both come from one scheme, so they always compare.
        (Some(a), Some(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
    }
}

impl Interval {
    /// Turns the events of one OSV range into intervals, following the
    /// evaluation of the OSV schema: the events are sorted by version in
    /// `scheme` (`introduced: "0"` first; events of equal version keep their
    /// order), then walked in that order. An `introduced` opens an interval
    /// unless one is open, a `fixed` or `last_affected` closes the open one
    /// (and is ignored when none is open), and an interval still open at the
    /// end is open-ended. A `limit` caps the whole range: versions at or above
    /// the greatest limit are not affected.
    ///
    /// The intervals come out sorted and disjoint.
    ///
    /// # Errors
    ///
    /// When a version does not parse in `scheme`, or the range has no
    /// `introduced` event (the schema requires one).
    pub fn from_events(scheme: Scheme, events: &[Event]) -> Result<Vec<Interval>> {
        let mut parsed = Vec::with_capacity(events.len());
        let mut limit: Option<AnyVersion> = None;
        let mut unlimited = false;
        for event in events {
            match event {
                Event::Introduced(v) if v == "0" => parsed.push(Parsed { event, version: None }),
                Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) => {
                    parsed.push(Parsed { event, version: Some(scheme.parse(v)?) });
                }
                Event::Limit(v) if v == "*" => unlimited = true,
                Event::Limit(v) => {
                    let v = scheme.parse(v)?;
                    if limit.as_ref().is_none_or(|l| cmp_bound(Some(&v), Some(l)) == Ordering::Greater) {
                        limit = Some(v);
                    }
                }
            }
        }
        if !parsed.iter().any(|p| matches!(p.event, Event::Introduced(_))) {
            return Err(crate::Error::InvalidRange("no introduced event"));
        }
        // A stable sort: events of equal version keep the record's order.
        parsed.sort_by(|a, b| cmp_bound(a.version.as_ref(), b.version.as_ref()));

        let mut intervals = Vec::new();
        let mut open: Option<&Parsed<'_>> = None;
        for p in &parsed {
            match (p.event, open) {
                (Event::Introduced(_), None) => open = Some(p),
                (Event::Fixed(v), Some(start)) => {
                    intervals.push((start, Interval::starting_at(start, Some(v.clone()), None)));
                    open = None;
                }
                (Event::LastAffected(v), Some(start)) => {
                    intervals.push((start, Interval::starting_at(start, None, Some(v.clone()))));
                    open = None;
                }
                _ => {}
            }
        }
        if let Some(start) = open {
            intervals.push((start, Interval::starting_at(start, None, None)));
        }

        let Some(limit) = limit.filter(|_| !unlimited) else {
            return Ok(intervals.into_iter().map(|(_, i)| i).collect());
        };
        let mut capped = Vec::with_capacity(intervals.len());
        for (start, mut interval) in intervals {
            if cmp_bound(start.version.as_ref(), Some(&limit)) != Ordering::Less {
                continue;
            }
            let within = match (&interval.fixed, &interval.last_affected) {
                (Some(f), _) => scheme.parse(f)? <= limit,
                (None, Some(l)) => scheme.parse(l)? < limit,
                (None, None) => false,
            };
            if !within {
                interval.fixed = Some(limit.to_string());
                interval.last_affected = None;
            }
            capped.push(interval);
        }
        Ok(capped)
    }

    /// An interval from the introduced event `start` to the given bounds.
    fn starting_at(start: &Parsed<'_>, fixed: Option<String>, last_affected: Option<String>) -> Interval {
        let introduced = match (start.event, &start.version) {
            (Event::Introduced(v), Some(_)) => Some(v.clone()),
            _ => None,
        };
        Interval { introduced, fixed, last_affected }
    }

    /// Whether `version` (parsed with `scheme`) lies in the interval.
    ///
    /// # Errors
    ///
    /// When a bound does not parse in `scheme`.
    pub fn contains(&self, scheme: Scheme, version: &AnyVersion) -> Result<bool> {
        if let Some(introduced) = &self.introduced
            && *version < scheme.parse(introduced)?
        {
            return Ok(false);
        }
        if let Some(fixed) = &self.fixed
            && *version >= scheme.parse(fixed)?
        {
            return Ok(false);
        }
        if let Some(last) = &self.last_affected
            && *version > scheme.parse(last)?
        {
            return Ok(false);
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(s: &str) -> Event {
        Event::Introduced(s.into())
    }
    fn f(s: &str) -> Event {
        Event::Fixed(s.into())
    }
    fn l(s: &str) -> Event {
        Event::LastAffected(s.into())
    }
    fn iv(introduced: Option<&str>, fixed: Option<&str>, last: Option<&str>) -> Interval {
        Interval {
            introduced: introduced.map(Into::into),
            fixed: fixed.map(Into::into),
            last_affected: last.map(Into::into),
        }
    }

    #[test]
    fn events_become_intervals() {
        let got = Interval::from_events(Scheme::SemVer, &[i("0"), f("1.0.0"), i("2.0.0"), l("2.1.0")]).unwrap();
        assert_eq!(got, [iv(None, Some("1.0.0"), None), iv(Some("2.0.0"), None, Some("2.1.0"))]);
        // Unsorted events are sorted by version first.
        let got = Interval::from_events(Scheme::SemVer, &[i("2.0.0"), f("1.0.0"), f("2.1.0"), i("0")]).unwrap();
        assert_eq!(got, [iv(None, Some("1.0.0"), None), iv(Some("2.0.0"), Some("2.1.0"), None)]);
        // A second fixed with no introduced before it is ignored; open end.
        let got = Interval::from_events(Scheme::Pep440, &[i("0"), f("1.0"), f("1.1"), i("3")]).unwrap();
        assert_eq!(got, [iv(None, Some("1.0"), None), iv(Some("3"), None, None)]);
        // A second introduced inside an open interval does not restart it.
        let got = Interval::from_events(Scheme::SemVer, &[i("1.0.0"), i("1.5.0"), f("2.0.0")]).unwrap();
        assert_eq!(got, [iv(Some("1.0.0"), Some("2.0.0"), None)]);
    }

    #[test]
    fn limits_cap_the_range() {
        let lim = |s: &str| Event::Limit(s.into());
        let got = Interval::from_events(Scheme::SemVer, &[i("1.0.0"), lim("1.5.0"), i("2.0.0")]).unwrap();
        assert_eq!(got, [iv(Some("1.0.0"), Some("1.5.0"), None)]);
        let got = Interval::from_events(Scheme::SemVer, &[i("1.0.0"), l("1.7.0"), lim("1.5.0")]).unwrap();
        assert_eq!(got, [iv(Some("1.0.0"), Some("1.5.0"), None)]);
        let got = Interval::from_events(Scheme::SemVer, &[i("1.0.0"), f("1.2.0"), lim("1.5.0")]).unwrap();
        assert_eq!(got, [iv(Some("1.0.0"), Some("1.2.0"), None)]);
        let got = Interval::from_events(Scheme::SemVer, &[i("1.0.0"), lim("*")]).unwrap();
        assert_eq!(got, [iv(Some("1.0.0"), None, None)]);
    }

    #[test]
    fn bad_ranges_are_errors() {
        assert!(Interval::from_events(Scheme::SemVer, &[f("1.0.0")]).is_err());
        assert!(Interval::from_events(Scheme::SemVer, &[]).is_err());
        assert!(Interval::from_events(Scheme::Rpm, &[i("0"), f("")]).is_err());
    }

    #[test]
    fn containment_follows_the_bounds() {
        let s = Scheme::SemVer;
        let v = |x: &str| s.parse(x).unwrap();
        let closed = iv(Some("1.0.0"), Some("2.0.0"), None);
        assert!(!closed.contains(s, &v("0.9.9")).unwrap());
        assert!(closed.contains(s, &v("1.0.0")).unwrap());
        assert!(closed.contains(s, &v("1.9.9")).unwrap());
        assert!(!closed.contains(s, &v("2.0.0")).unwrap());
        let last = iv(None, None, Some("2.0.0"));
        assert!(last.contains(s, &v("0.0.1")).unwrap());
        assert!(last.contains(s, &v("2.0.0")).unwrap());
        assert!(!last.contains(s, &v("2.0.1")).unwrap());
    }
}
