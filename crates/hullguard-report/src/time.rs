//! Calendar dates and RFC 3339 timestamps, small enough to keep a date crate out of the tree:
//! ignore-file expiry dates, VEX statement times, the `rfc3339` label format, advisory feed dates
//! and database build times all use these.

use std::time::{SystemTime, UNIX_EPOCH};

/// UTC seconds since the epoch and nanoseconds.
pub type Instant = (i64, u32);

/// Whether `s` is a valid `YYYY-MM-DD` date (leap years included).
#[must_use]
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).filter(|x| x.bytes().all(|c| c.is_ascii_digit()))?.parse().ok();
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else { return false };
    (1..=12).contains(&m) && (1..=days_in_month(y, m)).contains(&d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 → (year, month, day) (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// (year, month, day) → days since 1970-01-01 (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The days since 1970-01-01 of a valid `YYYY-MM-DD` date; `None` when it is not one.
#[must_use]
pub fn day_number(date: &str) -> Option<i64> {
    if !is_date(date) {
        return None;
    }
    Some(days_from_civil(date[..4].parse().ok()?, date[5..7].parse().ok()?, date[8..10].parse().ok()?))
}

/// The days since 1970-01-01 of `t` in UTC (0 before the epoch).
#[must_use]
pub fn day_of(t: SystemTime) -> i64 {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    i64::try_from(secs / 86_400).unwrap_or(i64::MAX)
}

/// `t` in UTC as an RFC 3339 date-time to the second, `YYYY-MM-DDThh:mm:ssZ` (the epoch before it).
#[must_use]
pub fn rfc3339_utc(t: SystemTime) -> String {
    format!("{}Z", utc_date_time(t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())))
}

/// Today's date in UTC as `YYYY-MM-DD`.
#[must_use]
pub fn today_utc() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    utc_date_time(secs)[..10].to_owned()
}

/// UTC seconds since the epoch as `YYYY-MM-DDTHH:MM:SS` (no offset).
#[must_use]
pub fn utc_date_time(secs: u64) -> String {
    let (y, m, d) = civil_from_days(i64::try_from(secs / 86_400).unwrap_or(0));
    let t = secs % 86_400;
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
}

/// Now, as (UTC seconds since the epoch, nanoseconds).
#[must_use]
pub fn now() -> Instant {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    (i64::try_from(since.as_secs()).unwrap_or(i64::MAX), since.subsec_nanos())
}

/// The pieces of a timestamp as written.
struct Parts {
    days: i64,
    /// Hour, minute, second; `None` for a bare date.
    clock: Option<(i64, i64, i64)>,
    nanos: u32,
    /// A `.` with no digits after it.
    empty_fraction: bool,
    /// The offset as written: `Z` is `+00:00`; none written → `None`.
    offset: Option<Offset>,
}

/// A UTC offset `±hh:mm`.
struct Offset {
    sign: i64,
    hours: i64,
    minutes: i64,
    /// Exactly `±hh:mm` (the lenient reading also takes other shapes).
    well_formed: bool,
}

fn parse_parts(s: &str) -> Option<Parts> {
    let days = day_number(s.get(..10)?)?;
    let rest = s.get(10..)?;
    if rest.is_empty() {
        return Some(Parts { days, clock: None, nanos: 0, empty_fraction: false, offset: None });
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let two = |x: Option<&str>| -> Option<i64> { x.filter(|v| v.bytes().all(|c| c.is_ascii_digit()))?.parse().ok() };
    let (hh, mm, ss) = (two(rest.get(0..2))?, two(rest.get(3..5))?, two(rest.get(6..8))?);
    if rest.get(2..3) != Some(":") || rest.get(5..6) != Some(":") {
        return None;
    }
    let mut tail = rest.get(8..)?;
    let mut nanos = 0u32;
    let mut empty_fraction = false;
    if let Some(frac) = tail.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        let padded: String = frac[..digits].chars().chain(std::iter::repeat('0')).take(9).collect();
        nanos = padded.parse().ok()?;
        empty_fraction = digits == 0;
        tail = &frac[digits..];
    }
    let offset = match tail {
        "Z" | "z" => Some(Offset { sign: 1, hours: 0, minutes: 0, well_formed: true }),
        "" => None,
        _ => {
            let sign = match tail.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (hours, minutes) = (two(tail.get(1..3))?, two(tail.get(4..6))?);
            let well_formed = tail.len() == 6 && tail.get(3..4) == Some(":");
            Some(Offset { sign, hours, minutes, well_formed })
        }
    };
    Some(Parts { days, clock: Some((hh, mm, ss)), nanos, empty_fraction, offset })
}

/// An RFC 3339 timestamp as (UTC seconds since the epoch, nanoseconds), read leniently for
/// ordering (a bare date, or a time without offset, counts as UTC); `None` when it is not one,
/// or a field is out of range (hour 24, minute 60, second 61, offset ±24:00).
#[must_use]
pub fn parse_rfc3339(s: &str) -> Option<Instant> {
    let p = parse_parts(s.trim())?;
    if p.clock.is_some_and(|(hh, mm, ss)| hh > 23 || mm > 59 || ss > 60)
        || p.offset.as_ref().is_some_and(|o| o.hours > 23 || o.minutes > 59)
    {
        return None;
    }
    let (hh, mm, ss) = p.clock.unwrap_or((0, 0, 0));
    let offset = p.offset.map_or(0, |o| o.sign * (o.hours * 3600 + o.minutes * 60));
    Some((p.days * 86_400 + hh * 3600 + mm * 60 + ss - offset, p.nanos))
}

/// Whether `s` is exactly an RFC 3339 `date-time` (section 5.6): date, `T`, time with seconds,
/// optional fraction with digits, and `Z` or `±hh:mm`, every field in range (leap second 60).
#[must_use]
pub fn is_rfc3339_date_time(s: &str) -> bool {
    parse_parts(s).is_some_and(|p| {
        let clock_ok = p.clock.is_some_and(|(hh, mm, ss)| hh <= 23 && mm <= 59 && ss <= 60);
        let offset_ok = p.offset.is_some_and(|o| o.well_formed && o.hours <= 23 && o.minutes <= 59);
        clock_ok && offset_ok && !p.empty_fraction
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2023-13-01"));
        assert!(!is_date("2023-1-01"));
        assert!(!is_date("+023-01-01"));
        for bad in ["2026-02-31", "2026-04-31", "2100-02-29", "2021-12-32", "2021-00-10", "2021/12/10"] {
            assert!(!is_date(bad), "{bad}");
            assert_eq!(day_number(bad), None, "{bad}");
        }
        assert!(is_date("2000-02-29"));
        assert_eq!(civil_from_days(days_from_civil(2027, 1, 31)), (2027, 1, 31));
        for (days, date) in [(0, "1970-01-01"), (20_415, "2025-11-23"), (11_016, "2000-02-29"), (-1, "1969-12-31")] {
            assert_eq!(day_number(date), Some(days), "{date}");
        }
        let t = UNIX_EPOCH + std::time::Duration::from_secs(951_782_400 + 3_723);
        assert_eq!((rfc3339_utc(t), day_of(t)), ("2000-02-29T01:02:03Z".to_owned(), 11_016));
        assert_eq!(rfc3339_utc(UNIX_EPOCH - std::time::Duration::from_secs(1)), "1970-01-01T00:00:00Z");
        assert_eq!(parse_rfc3339("1970-01-02T00:00:00Z"), Some((86_400, 0)));
        assert_eq!(parse_rfc3339("2023-01-01T02:00:00+02:00"), parse_rfc3339("2023-01-01T00:00:00Z"));
        assert_eq!(parse_rfc3339("2023-01-01T00:00:00-01:30"), parse_rfc3339("2023-01-01T01:30:00Z"));
        assert_eq!(parse_rfc3339("2023-01-01T00:00:00-00:30"), parse_rfc3339("2023-01-01T00:30:00Z"));
        assert_eq!(
            parse_rfc3339("2023-01-01T00:00:00.5Z"),
            Some((parse_rfc3339("2023-01-01").unwrap().0, 500_000_000))
        );
        assert_eq!(parse_rfc3339("2023-01-01T00:00"), None);
        assert_eq!(parse_rfc3339("2023-01-01T24:00:00Z"), None);
        assert_eq!(parse_rfc3339("2023-01-01T00:60:00Z"), None);
        assert_eq!(parse_rfc3339("2023-01-01T00:00:00+24:00"), None);
        assert!(now().0 > parse_rfc3339("2026-01-01").unwrap().0);
        assert_eq!(parse_rfc3339("é"), None);
        assert_eq!(today_utc().len(), 10);
        assert_eq!(utc_date_time(0), "1970-01-01T00:00:00");
        assert_eq!(utc_date_time(1_709_251_199), "2024-02-29T23:59:59");
    }

    #[test]
    fn strict_date_times() {
        for ok in [
            "2026-11-24T01:02:03Z",
            "2024-02-29T23:59:60.123+05:30",
            "2026-01-01t00:00:00z",
            "2026-01-01 00:00:00-00:00",
        ] {
            assert!(is_rfc3339_date_time(ok), "{ok}");
        }
        for bad in [
            "2026-11-24",
            "2026-11-24T01:02:03",
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00+5:30",
            "2026-01-01T00:00:00+0530",
            "2026-01-01T00:00:00+24:00",
            "26-01-01T00:00:00Z",
            "yesterday",
        ] {
            assert!(!is_rfc3339_date_time(bad), "{bad}");
        }
    }
}
