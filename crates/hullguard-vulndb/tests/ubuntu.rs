//! The Ubuntu CVE Tracker importer, on the 2020-04 UCT snapshot
//! (`shared/vulndata/native/ubuntu-cve-tracker-2020-04.tar.zst`, streamed in
//! place through zstd with a 2^27 window) and on hand-made files.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use hullguard_vulndb::advisory::{Advisory, Affected, Interval, Severity, SeverityKind, Status};
use hullguard_vulndb::import::ImportError;
use hullguard_vulndb::import::ubuntu::{self, Importer, UbuntuImported, UctStatus};
use hullguard_vulndb::version::{Scheme, scheme_for};

fn vulndata() -> PathBuf {
    let shared = std::env::var_os("HULLGUARD_SHARED")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")), PathBuf::from);
    shared.join("vulndata")
}

/// Imports every file of one folder of the snapshot (`active/` …), in
/// archive order, straight from the archive.
fn import(folder: &str) -> UbuntuImported {
    let path = vulndata().join("native/ubuntu-cve-tracker-2020-04.tar.zst");
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut decoder = zstd::stream::read::Decoder::new(file).unwrap();
    decoder.window_log_max(27).unwrap();
    let mut archive = tar::Archive::new(decoder);
    let mut importer = Importer::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let Some(rest) = path.trim_start_matches("./").strip_prefix(folder) else { continue };
        if rest.is_empty() {
            continue;
        }
        if !entry.header().entry_type().is_file() {
            importer.skip();
            continue;
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        importer.add(&path, &bytes).unwrap();
    }
    importer.finish()
}

/// Affected entries per `ecosystem status`.
fn tally(advisories: &[Advisory]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for affected in advisories.iter().flat_map(|a| &a.affected) {
        *counts.entry(format!("{} {:?}", affected.ecosystem, affected.status)).or_default() += 1;
    }
    counts
}

#[test]
fn active_cves() {
    let got = import("active/");
    // Two files with versions that break dpkg's rules.
    let rejected: Vec<String> = got.rejected.iter().map(ToString::to_string).collect();
    assert_eq!(
        rejected,
        [
            "./active/CVE-2016-10255: invalid advisory CVE-2016-10255: cosmic_elfutils: invalid dpkg version \"0.168-0.2)\": \
             revision has a character other than alphanumerics and +.~",
            "./active/CVE-2018-1999023: invalid advisory CVE-2018-1999023: bionic_wesnoth-1.12: invalid dpkg version \
             \"1:1.12_1.12.6-1+deb9u1build0.18.04.1\": upstream version has a character other than alphanumerics and .+~-",
        ]
    );
    assert_eq!(got.advisories.len(), 6507);
    let stats = &got.stats;
    assert_eq!(stats.records, 6509);
    // `00boilerplate*` templates and links to them.
    assert_eq!(stats.other_files_skipped, 101);
    assert_eq!(stats.dne_omitted, 55_461);
    // `-- Tags_xen: universe-binary` lines.
    assert_eq!(stats.odd_lines_skipped, 44);
    for (release, count) in
        [("upstream", 22_372), ("devel", 22_372), ("trusty/esm", 22_372), ("precise/esm", 22_372), ("precise", 4259)]
    {
        assert_eq!(stats.skipped_releases.get(release), Some(&count), "{release}");
    }
    assert_eq!(stats.skipped_releases.len(), 29);

    let counts = tally(&got.advisories);
    let bionic: Vec<usize> = ["Fixed", "AffectedNoFix", "WillNotFix", "EndOfLife", "NotAffected"]
        .iter()
        .map(|s| counts.get(&format!("Ubuntu:18.04 {s}")).copied().unwrap_or(0))
        .collect();
    assert_eq!(bionic, [3318, 6060, 89, 509, 4380]);
    assert_eq!(counts.get("Ubuntu:14.04 EndOfLife"), Some(&8511));
    assert_eq!(counts.get("Ubuntu:19.10 Fixed"), Some(&1372));
    // The snapshot predates 20.04's release (it is `devel` there).
    assert!(!counts.keys().any(|k| k.starts_with("Ubuntu:20.04")));
    let ecosystems: Vec<&str> = counts.keys().map(|k| k.split(' ').next().unwrap()).collect();
    for ecosystem in ecosystems {
        assert_eq!(scheme_for(ecosystem), Ok(Scheme::Dpkg));
    }

    let openssl = got.advisories.iter().find(|a| a.id == "CVE-2018-0734").unwrap();
    assert_eq!(openssl.published.as_deref(), Some("2018-10-30 12:29:00 UTC"));
    assert_eq!(openssl.modified, "2018-10-30 12:29:00 UTC");
    assert_eq!(
        openssl.severity,
        [
            Severity { kind: SeverityKind::Ecosystem, score: "low".into() },
            Severity { kind: SeverityKind::CvssV3, score: "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N".into() },
        ]
    );
    let bionic: Vec<&Affected> = openssl.affected.iter().filter(|a| a.ecosystem == "Ubuntu:18.04").collect();
    assert_eq!(bionic.len(), 2);
    assert_eq!(
        *bionic[0],
        Affected {
            ecosystem: "Ubuntu:18.04".into(),
            package: "openssl".into(),
            ranges: vec![Interval { introduced: None, fixed: Some("1.1.0g-2ubuntu4.3".into()), last_affected: None }],
            versions: vec![],
            status: Status::Fixed,
            fixed: vec!["1.1.0g-2ubuntu4.3".into()],
            imports: Vec::new(),
        }
    );
    assert_eq!(
        (bionic[1].package.as_str(), bionic[1].fixed.as_slice()),
        ("openssl1.0", &["1.0.2n-1ubuntu5.2".into()][..])
    );
    assert!(bionic[0].affects("1.1.0g-2ubuntu4.1").unwrap());
    assert!(!bionic[0].affects("1.1.0g-2ubuntu4.3").unwrap());
    assert!(!bionic[0].affects("1.1.1-1ubuntu2.1~18.04.5").unwrap());
    // Three source packages; upstream, devel and the ESM pockets are skipped,
    // and DNE lines left out.
    let packages: Vec<(&str, &str)> =
        openssl.affected.iter().map(|a| (a.ecosystem.as_str(), a.package.as_str())).collect();
    assert_eq!(
        packages,
        [
            ("Ubuntu:14.04", "openssl"),
            ("Ubuntu:16.04", "openssl"),
            ("Ubuntu:18.04", "openssl"),
            ("Ubuntu:18.10", "openssl"),
            ("Ubuntu:19.04", "openssl"),
            ("Ubuntu:19.10", "openssl"),
            ("Ubuntu:14.04", "openssl098"),
            ("Ubuntu:18.04", "openssl1.0"),
            ("Ubuntu:18.10", "openssl1.0"),
        ]
    );

    // `needed` affects every version; `ignored (out of standard support)` is end of life.
    let zookeeper = got.advisories.iter().find(|a| a.id == "CVE-2019-0201").unwrap();
    let status: Vec<(&str, Status)> = zookeeper.affected.iter().map(|a| (a.ecosystem.as_str(), a.status)).collect();
    assert_eq!(
        status,
        [
            ("Ubuntu:14.04", Status::EndOfLife),
            ("Ubuntu:16.04", Status::AffectedNoFix),
            ("Ubuntu:18.04", Status::AffectedNoFix),
            ("Ubuntu:18.10", Status::EndOfLife),
            ("Ubuntu:19.04", Status::EndOfLife),
            ("Ubuntu:19.10", Status::AffectedNoFix),
        ]
    );
    assert!(zookeeper.affected[2].affects("3.4.10-3").unwrap());

    // A `released (` line without its `)` still reads.
    let thunderbird = got.advisories.iter().find(|a| a.id == "CVE-2019-13722").unwrap();
    let bionic = thunderbird.affected.iter().find(|a| a.ecosystem == "Ubuntu:18.04" && a.package == "thunderbird");
    assert_eq!(bionic.unwrap().fixed, ["1:68.4.1+build1-0ubuntu0.18.04.1"]);
}

#[test]
fn retired_and_ignored_cves() {
    let retired = import("retired/");
    assert_eq!((retired.stats.records, retired.advisories.len()), (26_422, 26_411));
    // Placeholders for CVEs that were never assigned (`CVE-2009-NNN2` …), and
    // versions that break dpkg's rules.
    let (placeholders, others): (Vec<String>, Vec<String>) = retired
        .rejected
        .iter()
        .map(ToString::to_string)
        .partition(|m| m.contains("NNN") && m.ends_with("Candidate is not a CVE id"));
    assert_eq!(placeholders.len(), 9);
    assert_eq!(
        others,
        [
            "./retired/CVE-2015-2779: invalid advisory CVE-2015-2779: trusty_quassel: invalid dpkg version \
             \"(0.10.0-0ubuntu2.2\": upstream version does not start with a digit",
            "./retired/CVE-2018-0489: invalid advisory CVE-2018-0489: xenial_xmltooling: invalid dpkg version \
             \"(1.5.6-2ubuntu0.2\": upstream version does not start with a digit",
        ]
    );
    assert_eq!(retired.stats.odd_lines_skipped, 13);
    assert_eq!(retired.stats.skipped_releases.get("upstream"), Some(&88_117));
    assert_eq!(retired.stats.dne_omitted, 81_176);
    assert_eq!(tally(&retired.advisories).get("Ubuntu:18.04 Fixed"), Some(&4112));

    let ignored = import("ignored/");
    assert!(ignored.rejected.is_empty(), "{:?}", ignored.rejected);
    assert_eq!(ignored.advisories.len(), 195);
    // `not-for-us.txt`, `ignore-mistriaged.txt` and one more.
    assert_eq!(ignored.stats.other_files_skipped, 3);
}

const SAMPLE: &str = "\
# a comment
Candidate: CVE-2020-0001
PublicDate: 2020-01-02 03:04:05 UTC
References:
 https://example.com/a
 https://example.com/b
Description:
 First line
 second line.

 Another paragraph.
Ubuntu-Description:
Priority: medium
Priority_foo: high
Priority_bar_xenial: low
CVSS:
 nvd: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H
 other: CVSS:2.0/AV:N

Patches_foo:
 upstream: https://example.com/patch
-- Tags_foo: universe-binary
upstream_foo: 1.2.3
devel_foo: released (2.0-1)
bionic_foo: released (1.0-1ubuntu0.1)
xenial_foo: pending (0.9-1ubuntu0.2)
trusty_foo: ignored (reached end-of-life)
cosmic_foo: ignored (no fix)
disco_foo: not-affected (code not present)
eoan_foo: DNE
trusty/esm_foo: needed

bionic_bar: needs-triage
xenial_bar: deferred
";

fn interval(fixed: Option<&str>) -> Interval {
    Interval { introduced: None, fixed: fixed.map(Into::into), last_affected: None }
}

fn affected(version: &str, package: &str, status: Status, fixed: Option<&str>) -> Affected {
    let ranges = match status {
        Status::NotAffected => vec![],
        _ => vec![interval(fixed)],
    };
    Affected {
        ecosystem: format!("Ubuntu:{version}"),
        package: package.into(),
        ranges,
        versions: vec![],
        status,
        fixed: fixed.into_iter().map(Into::into).collect(),
        imports: Vec::new(),
    }
}

#[test]
fn a_file_maps_field_by_field() {
    let record = ubuntu::parse(SAMPLE, "CVE-2020-0001").unwrap();
    assert_eq!(record.candidate, "CVE-2020-0001");
    assert_eq!(record.description, "First line\nsecond line.\nAnother paragraph.");
    assert_eq!(record.references, ["https://example.com/a", "https://example.com/b"]);
    assert_eq!(record.cvss, ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:2.0/AV:N"]);
    assert_eq!(record.priority_of("foo", "bionic"), "high");
    assert_eq!(record.priority_of("bar", "xenial"), "low");
    assert_eq!(record.priority_of("bar", "bionic"), "medium");
    assert_eq!(record.skipped_lines, [22]);
    assert_eq!(record.entries.len(), 11);
    assert_eq!((record.entries[0].status, record.entries[0].value.as_str()), (None, "1.2.3"));
    assert_eq!(record.entries[4].status, Some(UctStatus::Ignored));
    assert_eq!(record.entries[4].note, "reached end-of-life");

    let (advisory, stats) = ubuntu::parse_record(SAMPLE.as_bytes(), "CVE-2020-0001").unwrap();
    assert_eq!(
        advisory,
        Advisory {
            id: "CVE-2020-0001".into(),
            aliases: vec![],
            modified: "2020-01-02 03:04:05 UTC".into(),
            published: Some("2020-01-02 03:04:05 UTC".into()),
            withdrawn: None,
            summary: String::new(),
            details: "First line\nsecond line.\nAnother paragraph.".into(),
            severity: vec![
                Severity { kind: SeverityKind::Ecosystem, score: "medium".into() },
                Severity { kind: SeverityKind::CvssV3, score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into() },
            ],
            references: vec!["https://example.com/a".into(), "https://example.com/b".into()],
            affected: vec![
                affected("18.04", "foo", Status::Fixed, Some("1.0-1ubuntu0.1")),
                affected("16.04", "foo", Status::AffectedNoFix, None),
                affected("14.04", "foo", Status::EndOfLife, None),
                affected("18.10", "foo", Status::WillNotFix, None),
                affected("19.04", "foo", Status::NotAffected, None),
                affected("18.04", "bar", Status::AffectedNoFix, None),
                affected("16.04", "bar", Status::AffectedNoFix, None),
            ],
        }
    );
    assert_eq!(stats.dne_omitted, 1);
    assert_eq!(stats.odd_lines_skipped, 1);
    let skipped: Vec<(&str, usize)> = stats.skipped_releases.iter().map(|(r, n)| (r.as_str(), *n)).collect();
    assert_eq!(skipped, [("devel", 1), ("trusty/esm", 1), ("upstream", 1)]);
    assert_eq!(ubuntu::ubuntu_version("noble"), Some("24.04"));
    assert_eq!(ubuntu::ubuntu_version("precise"), None);
}

#[test]
fn bad_files_are_rejected() {
    let cases = [
        (SAMPLE.replace("Candidate: CVE-2020-0001", "Candidate: CVE-2020-NNN1"), "Candidate is not a CVE id"),
        (SAMPLE.replace("Candidate: CVE-2020-0001\n", ""), "Candidate is not a CVE id"),
        (SAMPLE.replace("(1.0-1ubuntu0.1)", ""), "bionic_foo: released without a version"),
        (SAMPLE.replace("(1.0-1ubuntu0.1)", "(a b)"), "bionic_foo: invalid dpkg version \"a b\""),
        (SAMPLE.replace("needs-triage", "fixed"), "bionic_bar: unknown status \"fixed\""),
        (SAMPLE.replace("xenial_bar: deferred", "bionic_bar: needed"), "bionic_bar is given twice"),
        (SAMPLE.replace("Ubuntu-Description:", "Ubuntu-Description"), "line 12: not `Field: value`"),
        (format!(" indented\n{SAMPLE}"), "line 1: an indented line before the first field"),
        (SAMPLE.replace("Priority_foo: high", "Priority_foo:"), "bad override"),
        (SAMPLE.replace("bionic_bar:", "_bar:"), "bad status line key"),
        ("\n".repeat(100_001), "more than 100000 lines"),
    ];
    for (text, problem) in cases {
        let err = ubuntu::parse_record(text.as_bytes(), "f").unwrap_err();
        let ImportError::Invalid { origin, source } = &err else { panic!("{err:?}") };
        assert_eq!(origin, "f");
        assert!(source.to_string().contains(problem), "{problem}: {source}");
    }
    // Garbage bytes are read lossily and then rejected, never a panic.
    assert!(ubuntu::parse_record(b"\xff\xfe\x00garbage", "f").is_err());
    assert!(ubuntu::parse_record(b"", "f").is_err());
    let huge = vec![b'a'; 16 << 20 | 1];
    assert!(matches!(ubuntu::parse_record(&huge, "f"), Err(ImportError::TooLarge { .. })));
}

#[test]
fn a_folder_imports_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("CVE-2020-0001"), SAMPLE).unwrap();
    std::fs::write(dir.path().join("CVE-2020-0002"), SAMPLE.replace("2020-0001", "2020-0002")).unwrap();
    // The Candidate must match the file name.
    std::fs::write(dir.path().join("CVE-2020-0003"), SAMPLE).unwrap();
    std::fs::write(dir.path().join("CVE-2020-0004"), "garbage").unwrap();
    std::fs::write(dir.path().join("00boilerplate"), "Candidate:\n").unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let got = ubuntu::import_dir(dir.path()).unwrap();
    let ids: Vec<&str> = got.advisories.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["CVE-2020-0001", "CVE-2020-0002"]);
    let rejected: Vec<String> = got.rejected.iter().map(ToString::to_string).collect();
    assert_eq!(rejected.len(), 2);
    assert!(
        rejected[0].ends_with("invalid advisory CVE-2020-0001: Candidate differs from the file name \"CVE-2020-0003\"")
    );
    assert!(rejected[1].contains("CVE-2020-0004: line 1: not `Field: value`"), "{}", rejected[1]);
    assert_eq!((got.stats.records, got.stats.other_files_skipped, got.stats.dne_omitted), (4, 2, 2));
    assert!(matches!(ubuntu::import_dir(&dir.path().join("missing")), Err(ImportError::Io { .. })));
}
