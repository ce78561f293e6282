//! Fix evidence from Debian package changelogs (`changelog.Debian`).
//!
//! Each changelog entry names the version it released; the CVE ids its text
//! mentions were (in the overwhelming majority of cases) fixed by that
//! upload. One advisory per entry that mentions a CVE: id
//! `debian-changelog:<source>@<version>`, the CVEs as aliases, and a fixed
//! range below the entry's version for the release's ecosystem. Such an
//! advisory is a bundle (see [`crate::matcher::is_bundle_id`]): it joins no
//! vulnerabilities together, and a version at or above the entry clears the
//! CVEs it lists, which is what makes a DSA/DLA fix visible when the tracker
//! data only knows the fix in unstable. The entry's trailer date (its upload) is the
//! advisory's `published`: when the fix became available.

use crate::advisory::{Advisory, Affected, Interval, Status};
use crate::import::{ImportError, Imported};

/// The id prefix of changelog advisories.
pub const ID_PREFIX: &str = "debian-changelog:";

/// Parses one changelog of source package `source` into advisories for
/// `ecosystem` (e.g. `Debian:12`).
///
/// # Errors
///
/// When no entry header is found at all (the text is not a changelog).
pub fn parse_changelog(text: &str, ecosystem: &str, origin: &str) -> Result<Imported, ImportError> {
    let mut imported = Imported::default();
    let mut entry: Option<Entry> = None;
    let mut headers = 0;
    for line in text.lines() {
        if let Some((source, version)) = header(line) {
            headers += 1;
            if let Some(done) = entry.take() {
                push(&mut imported, done, ecosystem);
            }
            entry = Some(Entry { source, version, cves: Vec::new(), date: None });
        } else if let Some(entry) = entry.as_mut() {
            match trailer_date(line) {
                Some(date) => entry.date = Some(date),
                None => entry.cves.extend(cve_ids(line)),
            }
        }
    }
    if let Some(done) = entry.take() {
        push(&mut imported, done, ecosystem);
    }
    if headers == 0 {
        return Err(ImportError::Syntax {
            origin: origin.to_owned(),
            format: "a Debian changelog",
            problem: "no `source (version) distribution; urgency=…` line".into(),
        });
    }
    imported.stats.records = headers;
    Ok(imported)
}

/// One changelog entry being read.
struct Entry {
    source: String,
    version: String,
    cves: Vec<String>,
    /// The trailer's date, UTC `YYYY-MM-DD`.
    date: Option<String>,
}

/// The UTC date of a trailer line ` -- Name <mail>  Mon, 29 Jan 2024 00:00:00 +0100` (RFC 2822).
fn trailer_date(line: &str) -> Option<String> {
    let (_, stamp) = line.strip_prefix(" -- ")?.rsplit_once(">  ")?;
    let stamp = stamp.split_once(", ").map_or(stamp, |(_, rest)| rest);
    let [day, month, year, clock, offset] = stamp.split_whitespace().collect::<Vec<_>>()[..] else { return None };
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS.iter().position(|m| *m == month)? + 1;
    let (sign, zone) = offset.split_at_checked(1)?;
    let zone = format!("{sign}{}:{}", zone.get(..2)?, zone.get(2..)?);
    let text = format!("{year}-{month:02}-{:02}T{clock}{zone}", day.parse::<u8>().ok()?);
    let (secs, _) = hullguard_report::time::parse_rfc3339(&text)?;
    Some(hullguard_report::time::utc_date_time(u64::try_from(secs).ok()?)[..10].to_owned())
}

/// `source (version) dists; urgency=…` → (source, version).
fn header(line: &str) -> Option<(String, String)> {
    if line.starts_with(' ') || !line.contains("urgency=") {
        return None;
    }
    let (source, rest) = line.split_once(" (")?;
    let (version, _) = rest.split_once(')')?;
    let valid = |s: &str| !s.is_empty() && !s.contains(char::is_whitespace);
    (valid(source) && valid(version)).then(|| (source.to_owned(), version.to_owned()))
}

/// The CVE ids in a line (`CVE-YYYY-NNNN…`).
fn cve_ids(line: &str) -> impl Iterator<Item = String> + '_ {
    line.match_indices("CVE-").filter_map(move |(at, _)| {
        let rest = &line[at + 4..];
        let year: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let after = rest.get(year.len()..)?.strip_prefix('-')?;
        let number: String = after.chars().take_while(char::is_ascii_digit).collect();
        (year.len() == 4 && number.len() >= 4).then(|| format!("CVE-{year}-{number}"))
    })
}

fn push(imported: &mut Imported, Entry { source, version, mut cves, date }: Entry, ecosystem: &str) {
    cves.sort();
    cves.dedup();
    if cves.is_empty() {
        return;
    }
    imported.advisories.push(Advisory {
        id: format!("{ID_PREFIX}{source}@{version}"),
        aliases: cves,
        modified: String::new(),
        published: date,
        withdrawn: None,
        summary: format!("{source} {version} changelog names these CVEs"),
        details: String::new(),
        severity: Vec::new(),
        references: Vec::new(),
        affected: vec![Affected {
            ecosystem: ecosystem.to_owned(),
            package: source,
            ranges: vec![Interval { introduced: None, fixed: Some(version.clone()), last_affected: None }],
            versions: Vec::new(),
            status: Status::Fixed,
            fixed: vec![version],
            imports: Vec::new(),
        }],
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_with_cves_become_fix_evidence() {
        let text = "glibc (2.36-9+deb12u4) bookworm-security; urgency=medium\n\n  * Fix CVE-2023-6246, CVE-2023-6779\n    and CVE-2023-6780 (DSA).\n\n -- A <a@b>  Mon, 29 Jan 2024 00:00:00 +0100\n\nglibc (2.36-9+deb12u3) bookworm-security; urgency=medium\n\n  * Nothing about CVEs. CVE-20 is not an id.\n\n -- A <a@b>  Mon, 1 Oct 2023 00:00:00 +0100\n";
        let imported = parse_changelog(text, "Debian:12", "glibc.txt").unwrap();
        assert_eq!(imported.stats.records, 2);
        assert_eq!(imported.advisories.len(), 1);
        let a = &imported.advisories[0];
        assert_eq!(a.id, "debian-changelog:glibc@2.36-9+deb12u4");
        assert_eq!(a.aliases, ["CVE-2023-6246", "CVE-2023-6779", "CVE-2023-6780"]);
        assert!(a.affected[0].affects("2.36-9+deb12u3").unwrap());
        assert!(!a.affected[0].affects("2.36-9+deb12u4").unwrap());
        // Uploaded at midnight in +01:00: the day before in UTC.
        assert_eq!(a.published.as_deref(), Some("2024-01-28"));
        assert_eq!(trailer_date(" -- A <a@b>  Tue, 5 Mar 2024 10:00:00 -0500").as_deref(), Some("2024-03-05"));
        assert_eq!(trailer_date(" -- A <a@b>  sometime"), None);
        assert!(parse_changelog("just text\n", "Debian:12", "x").is_err());
    }
}
