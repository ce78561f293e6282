//! The Debian importers against real tracker data, read in place from
//! `shared/vulndata/`:
//!
//! - `debian/vuln-list-debian-excerpt.CVE-list.txt`: 45 `data/CVE/list` entries;
//! - `samples/vunnel-provider-input-fixtures.tar.gz`: vunnel's Debian fixtures
//!   (`debian.json`, the tracker JSON; `DSA`, a short DSA list);
//! - `native/debian-security-tracker-dsa-dla-2023-04.tar.gz`: the tracker's
//!   `data/DSA/list`, `data/DLA/list` and `data/DTSA/list` (2023-04);
//! - `native/debian-security-support/`: the end-of-support lists.
//!
//! Archives are unpacked into a temporary folder.

use std::fs::File;
use std::path::{Path, PathBuf};

use hullguard_vulndb::advisory::{Advisory, Affected, Interval, Severity, SeverityKind, Status};
use hullguard_vulndb::import::ImportError;
use hullguard_vulndb::import::debian::{
    self, DebianImport, DebianStats, ListKind, SupportEnded, parse_advisory_list, parse_cve_list, parse_tracker_json,
};

fn vulndata() -> PathBuf {
    let shared = std::env::var_os("HULLGUARD_SHARED")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")), PathBuf::from);
    shared.join("vulndata")
}

/// Unpacks a `.tar.gz` from the shared data into a new temporary folder.
fn untar(relative: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let file = File::open(vulndata().join(relative)).unwrap();
    tar::Archive::new(flate2::read::GzDecoder::new(file)).unpack(dir.path()).unwrap();
    dir
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

const RELEASES: &[&str] = &["bullseye", "bookworm", "trixie"];

fn cve_list() -> DebianImport {
    let path = vulndata().join("debian/vuln-list-debian-excerpt.CVE-list.txt");
    parse_cve_list(&read(&path), RELEASES, "CVE-list.txt").unwrap()
}

fn find<'a>(advisories: &'a [Advisory], id: &str) -> &'a Advisory {
    advisories.iter().find(|a| a.id == id).unwrap_or_else(|| panic!("no {id}"))
}

fn entry<'a>(advisory: &'a Advisory, ecosystem: &str, package: &str) -> &'a Affected {
    advisory
        .affected
        .iter()
        .find(|a| a.ecosystem == ecosystem && a.package == package)
        .unwrap_or_else(|| panic!("{}: no {ecosystem}/{package}", advisory.id))
}

fn below(v: &str) -> Vec<Interval> {
    vec![Interval { introduced: None, fixed: Some(v.into()), last_affected: None }]
}

fn every() -> Vec<Interval> {
    vec![Interval { introduced: None, fixed: None, last_affected: None }]
}

fn eco(score: &str) -> Severity {
    Severity { kind: SeverityKind::Ecosystem, score: score.into() }
}

#[test]
fn cve_list_counts() {
    let got = cve_list();
    assert!(got.imported.rejected.is_empty(), "{:?}", got.imported.rejected);
    assert_eq!(got.imported.stats.records, 45);
    // CVE-2023-0687 has only a NOTE.
    assert_eq!(got.imported.advisories.len(), 44);
    assert_eq!(
        got.stats,
        DebianStats {
            entries_without_packages: 1,
            // 15 [buster], 1 [stretch], 1 [jessie], 2 [wheezy], 2 [experimental].
            release_lines_skipped: 21,
            // glibc (CVE-2010-4756), eglibc, minizip, libgcrypt11, gnupg: ×3 releases.
            removed_skipped: 15,
        }
    );
    let affected: usize = got.imported.advisories.iter().map(|a| a.affected.len()).sum();
    assert_eq!(affected, 144);
}

#[test]
fn cve_list_fixed_in_unstable_applies_to_releases_without_a_line() {
    let got = cve_list();
    let a = find(&got.imported.advisories, "CVE-2023-4911");
    assert_eq!(a.aliases, ["DSA-5514-1"]);
    assert_eq!(a.summary, "A buffer overflow was discovered in the GNU C Library's dynamic loader ...");
    assert_eq!(a.references, ["https://security-tracker.debian.org/tracker/CVE-2023-4911"]);
    assert!(a.severity.is_empty());
    let ecosystems: Vec<&str> = a.affected.iter().map(|x| x.ecosystem.as_str()).collect();
    assert_eq!(ecosystems, ["Debian:11", "Debian:12", "Debian:13"]);
    let bookworm = entry(a, "Debian:12", "glibc");
    // Below unstable's fix is affected, but 2.37-12 is no version bookworm can install: no fix
    // in this release (issue "The scan must see what Docker sees", point 15).
    assert_eq!(bookworm.status, Status::AffectedNoFix);
    assert!(bookworm.fixed.is_empty());
    assert_eq!(bookworm.ranges, below("2.37-12"));
    assert!(bookworm.affects("2.36-9+deb12u1").unwrap());
    assert!(!bookworm.affects("2.37-12").unwrap());
    assert!(!bookworm.affects("2.37-13").unwrap());
}

#[test]
fn cve_list_release_lines_override_unstable() {
    let got = cve_list();
    let adv = &got.imported.advisories;

    // [bookworm] <no-dsa>, [bullseye] <postponed>, trixie follows unstable.
    let a = find(adv, "CVE-2025-0395");
    assert_eq!(entry(a, "Debian:12", "glibc").status, Status::AffectedNoFix);
    assert_eq!(entry(a, "Debian:12", "glibc").ranges, every());
    assert!(entry(a, "Debian:12", "glibc").affects("2.36-9+deb12u13").unwrap());
    assert_eq!(entry(a, "Debian:11", "glibc").status, Status::AffectedNoFix);
    assert_eq!(entry(a, "Debian:13", "glibc").status, Status::AffectedNoFix);
    assert_eq!(entry(a, "Debian:13", "glibc").ranges, below("2.40-6"));

    // [bookworm] <not-affected>.
    let a = find(adv, "CVE-2023-5156");
    let bookworm = entry(a, "Debian:12", "glibc");
    assert_eq!(bookworm.status, Status::NotAffected);
    assert!(bookworm.ranges.is_empty());
    assert!(!bookworm.affects("2.36-9+deb12u1").unwrap());
    assert_eq!(entry(a, "Debian:11", "glibc").status, Status::NotAffected);
    assert_eq!(entry(a, "Debian:13", "glibc").ranges, below("2.37-11"));

    // [bookworm] with its own fixed version.
    let a = find(adv, "CVE-2025-8058");
    assert_eq!(entry(a, "Debian:12", "glibc").fixed, ["2.36-9+deb12u13"]);
    assert!(entry(a, "Debian:12", "glibc").affects("2.36-9+deb12u12").unwrap());
    assert!(!entry(a, "Debian:12", "glibc").affects("2.36-9+deb12u13").unwrap());
    assert_eq!(entry(a, "Debian:11", "glibc").status, Status::AffectedNoFix);
    assert_eq!(entry(a, "Debian:13", "glibc").ranges, below("2.41-11"));

    // <ignored> → will not fix; the unstable line's urgency is kept.
    let a = find(adv, "CVE-2016-2781");
    assert_eq!(entry(a, "Debian:12", "coreutils").status, Status::WillNotFix);
    assert!(entry(a, "Debian:12", "coreutils").affects("9.1-1").unwrap());
    assert_eq!(entry(a, "Debian:13", "coreutils").ranges, below("9.4-1"));
    assert_eq!(a.severity, [eco("low")]);

    // <unfixed> everywhere, with trixie and bookworm no-dsa.
    let a = find(adv, "CVE-2025-15281");
    let statuses: Vec<Status> = a.affected.iter().map(|x| x.status).collect();
    assert_eq!(statuses, [Status::AffectedNoFix; 3]);

    // Several source packages, DSAs sorted.
    let a = find(adv, "CVE-2023-50387");
    assert_eq!(a.aliases, ["DSA-5620-1", "DSA-5621-1"]);
    let packages: Vec<&str> = a.affected.iter().step_by(3).map(|x| x.package.as_str()).collect();
    assert_eq!(packages, ["dnsmasq", "bind9", "pdns-recursor", "unbound"]);
    assert_eq!(entry(a, "Debian:12", "bind9").status, Status::AffectedNoFix);
    // Unstable's 1.19.1-1 bounds bookworm's range, but is no bookworm fix (DSA-5621-1 gives that).
    assert_eq!(entry(a, "Debian:12", "unbound").status, Status::AffectedNoFix);
    assert_eq!(entry(a, "Debian:12", "unbound").ranges, below("1.19.1-1"));

    // Epochs in versions.
    let a = find(adv, "CVE-2023-45853");
    assert_eq!(entry(a, "Debian:13", "zlib").ranges, below("1:1.3.dfsg-2"));
    assert!(entry(a, "Debian:12", "zlib").affects("1:1.2.13.dfsg-1").unwrap());
    assert_eq!(a.affected.len(), 3, "minizip is <removed>");
}

#[test]
fn cve_list_keeps_unimportant() {
    let got = cve_list();
    let adv = &got.imported.advisories;
    let a = find(adv, "CVE-2010-4756");
    assert_eq!(a.severity, [eco("unimportant")]);
    // glibc is <removed>: only eglibc is left.
    let packages: Vec<(&str, &str, Status)> =
        a.affected.iter().map(|x| (x.ecosystem.as_str(), x.package.as_str(), x.status)).collect();
    assert_eq!(
        packages,
        [
            ("Debian:11", "eglibc", Status::AffectedNoFix),
            ("Debian:12", "eglibc", Status::AffectedNoFix),
            ("Debian:13", "eglibc", Status::AffectedNoFix)
        ]
    );
    // The urgency is found among other notes too.
    assert_eq!(find(adv, "CVE-2005-2541").severity, [eco("unimportant")]);
    assert_eq!(find(adv, "CVE-2011-3374").severity, [eco("unimportant")]);
    let unimportant = adv.iter().filter(|a| a.severity.contains(&eco("unimportant"))).count();
    assert_eq!(unimportant, 12);
}

#[test]
fn cve_list_for_sid_and_bad_releases() {
    let path = vulndata().join("debian/vuln-list-debian-excerpt.CVE-list.txt");
    let text = read(&path);
    let got = parse_cve_list(&text, &["sid"], "x").unwrap();
    let a = find(&got.imported.advisories, "CVE-2023-4911");
    assert_eq!(a.affected.len(), 1);
    assert_eq!(
        (a.affected[0].ecosystem.as_str(), a.affected[0].fixed.as_slice()),
        ("Debian:unstable", &["2.37-12".to_owned()][..])
    );
    // sid follows the unstable line even where bookworm has its own.
    let a = find(&got.imported.advisories, "CVE-2025-0395");
    assert_eq!(a.affected[0].fixed, ["2.40-6"]);

    let err = parse_cve_list(&text, &["bookworm", "experimental"], "x").unwrap_err();
    assert!(matches!(&err, ImportError::Syntax { problem, .. } if problem.contains("experimental")), "{err}");
}

#[test]
fn cve_list_rejects_bad_entries_one_by_one() {
    let text = "CVE-2024-0001 (ok)\n\t- foo 1.0-1\nCVE-2024-0002 (bad state)\n\t- foo <bogus>\n\
                CVE-2024-0003\n\t- foo 1.0-1\n\t[bookworm] - foo\nCVE-2024-0004\n\t- bar <unfixed> (low)\n";
    let got = parse_cve_list(text, &["bookworm"], "t").unwrap();
    let ids: Vec<&str> = got.imported.advisories.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["CVE-2024-0001", "CVE-2024-0004"]);
    let origins: Vec<String> = got
        .imported
        .rejected
        .iter()
        .map(|e| match e {
            ImportError::Invalid { origin, .. } => origin.clone(),
            other => panic!("{other}"),
        })
        .collect();
    assert_eq!(origins, ["t:3", "t:5"]);
    assert!(got.imported.rejected[0].to_string().contains("CVE-2024-0002"));
}

#[test]
fn tracker_json_fixture() {
    let dir = untar("samples/vunnel-provider-input-fixtures.tar.gz");
    let path = dir.path().join("tests/unit/providers/debian/test-fixtures/input/debian.json");
    let got = parse_tracker_json(&std::fs::read(path).unwrap(), "debian.json").unwrap();
    assert!(got.imported.rejected.is_empty(), "{:?}", got.imported.rejected);
    assert_eq!(got.imported.stats.records, 7);
    // chromium-browser CVE-2022-0358 has `"releases": []`.
    assert_eq!(got.stats, DebianStats { entries_without_packages: 1, ..DebianStats::default() });
    let ids: Vec<&str> = got.imported.advisories.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        ids,
        ["CVE-2005-3111", "CVE-2007-2383", "CVE-2008-7220", "CVE-2013-1444", "CVE-2022-0456", "CVE-2025-53603"]
    );
    let adv = &got.imported.advisories;

    // resolved with fixed_version 0 → not affected; urgency kept.
    let a = find(adv, "CVE-2007-2383");
    assert_eq!(a.severity, [eco("unimportant")]);
    let got_eco: Vec<(&str, Status)> = a.affected.iter().map(|x| (x.ecosystem.as_str(), x.status)).collect();
    assert_eq!(
        got_eco,
        [
            ("Debian:8", Status::NotAffected),
            ("Debian:9", Status::NotAffected),
            ("Debian:10", Status::NotAffected),
            ("Debian:unstable", Status::NotAffected)
        ]
    );
    assert!(a.details.starts_with("The Prototype (prototypejs) framework before 1.5.1 RC3"));

    // `high**` (taken over from NVD) is kept as `high`.
    let a = find(adv, "CVE-2008-7220");
    assert_eq!(a.severity, [eco("high")]);
    assert_eq!(entry(a, "Debian:10", "prototypejs").ranges, below("1.6.0.2-1"));
    assert!(entry(a, "Debian:10", "prototypejs").affects("1.6.0-1").unwrap());

    // open + urgency end-of-life → EndOfLife; per-release fixed versions.
    let a = find(adv, "CVE-2022-0456");
    assert_eq!(a.severity, [eco("not yet assigned")]);
    assert_eq!(entry(a, "Debian:10", "chromium").status, Status::EndOfLife);
    assert_eq!(entry(a, "Debian:9", "chromium").status, Status::EndOfLife);
    assert_eq!(entry(a, "Debian:11", "chromium").fixed, ["98.0.4758.80-1~deb11u1"]);
    assert_eq!(entry(a, "Debian:12", "chromium").fixed, ["98.0.4758.80-1"]);
    assert_eq!(a.affected.len(), 5);

    let a = find(adv, "CVE-2025-53603");
    assert_eq!(entry(a, "Debian:12", "sope").fixed, ["5.8.0-1+deb12u1"]);
    assert_eq!(entry(a, "Debian:13", "sope").fixed, ["5.12.1-2"]);
    assert_eq!(find(adv, "CVE-2013-1444").severity, [eco("low")]);
}

#[test]
fn tracker_json_open_states() {
    // The fixture has no open/no-dsa entries; these follow the tracker's schema.
    let json = br#"{"glibc": {"CVE-2025-0395": {"description": "assert", "scope": "local", "releases": {
        "bookworm": {"status": "open", "repositories": {"bookworm": "2.36-9+deb12u10"}, "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": ""},
        "bullseye": {"status": "open", "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": "postponed"},
        "buster": {"status": "open", "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": "ignored"},
        "trixie": {"status": "undetermined", "urgency": "not yet assigned"},
        "experimental": {"status": "resolved", "fixed_version": "2.41-1", "urgency": "low"},
        "sid": {"status": "resolved", "fixed_version": "2.40-6", "urgency": "low"}}}},
        "foo": {"CVE-2025-1": {"releases": {"bookworm": {"status": "weird"}}}}}"#;
    let got = parse_tracker_json(json, "t.json").unwrap();
    assert_eq!(got.imported.rejected.len(), 1);
    assert!(got.imported.rejected[0].to_string().contains("CVE-2025-1 (foo)"));
    assert_eq!(got.stats.release_lines_skipped, 1);
    let a = find(&got.imported.advisories, "CVE-2025-0395");
    let statuses: Vec<(&str, Status)> = a.affected.iter().map(|x| (x.ecosystem.as_str(), x.status)).collect();
    assert_eq!(
        statuses,
        [
            ("Debian:10", Status::WillNotFix),
            ("Debian:11", Status::AffectedNoFix),
            ("Debian:12", Status::AffectedNoFix),
            ("Debian:13", Status::AffectedNoFix),
            ("Debian:unstable", Status::Fixed)
        ]
    );
    assert_eq!(a.severity, [eco("low"), eco("not yet assigned")]);
}

#[test]
fn dsa_and_dla_lists_2023() {
    let dir = untar("native/debian-security-tracker-dsa-dla-2023-04.tar.gz");
    let data = dir.path().join("data");
    let dsa = parse_advisory_list(&read(&data.join("DSA/list")), ListKind::Dsa, "DSA/list").unwrap();
    assert!(dsa.imported.rejected.is_empty(), "{:?}", &dsa.imported.rejected[..3.min(dsa.imported.rejected.len())]);
    assert_eq!(dsa.imported.stats.records, 5406);
    assert_eq!(dsa.imported.advisories.len(), 5406);
    assert_eq!(dsa.stats.release_lines_skipped, 0);
    let a = find(&dsa.imported.advisories, "DSA-5378-1");
    assert_eq!(a.aliases, ["CVE-2022-23824", "CVE-2022-42331", "CVE-2022-42332", "CVE-2022-42333", "CVE-2022-42334"]);
    assert_eq!(a.published.as_deref(), Some("2023-03-25"));
    assert_eq!(a.modified, "2023-03-25");
    assert_eq!(a.summary, "xen - security update");
    assert_eq!(a.affected.len(), 1);
    assert_eq!(entry(a, "Debian:11", "xen").fixed, ["4.14.5+94-ge49571868d-1"]);

    // A DSA for buster and bullseye.
    let a = find(&dsa.imported.advisories, "DSA-5196-1");
    assert_eq!(a.aliases, ["CVE-2022-21724", "CVE-2022-26520"]);
    assert_eq!(entry(a, "Debian:10", "libpgjava").fixed, ["42.2.5-2+deb10u1"]);
    assert_eq!(entry(a, "Debian:11", "libpgjava").fixed, ["42.2.15-1+deb11u1"]);
    assert!(entry(a, "Debian:11", "libpgjava").affects("42.2.15-1").unwrap());

    // A regression update with no CVE, and an announcement with no package.
    let a = find(&dsa.imported.advisories, "DSA-5356-2");
    assert!(a.aliases.is_empty());
    assert_eq!(entry(a, "Debian:11", "sox").fixed, ["14.4.2+git20190427-2+deb11u2"]);
    let a = find(&dsa.imported.advisories, "DSA-4205-1");
    assert_eq!((a.summary.as_str(), a.affected.len()), ("jessie end-of-life", 0));

    let dla = parse_advisory_list(&read(&data.join("DLA/list")), ListKind::Dla, "DLA/list").unwrap();
    assert!(dla.imported.rejected.is_empty());
    assert_eq!(dla.imported.advisories.len(), 3534);
    let a = find(&dla.imported.advisories, "DLA-3380-1");
    assert_eq!(a.aliases.len(), 11);
    assert_eq!(entry(a, "Debian:10", "firmware-nonfree").fixed, ["20190114+really20220913-0+deb10u1"]);

    let dtsa = parse_advisory_list(&read(&data.join("DTSA/list")), ListKind::Dtsa, "DTSA/list").unwrap();
    assert_eq!(dtsa.imported.advisories.len() + dtsa.imported.rejected.len(), 208);

    // The DSA list is not a DLA list: every entry is rejected.
    let wrong = parse_advisory_list(&read(&data.join("DSA/list")), ListKind::Dla, "DSA/list").unwrap();
    assert_eq!((wrong.imported.advisories.len(), wrong.imported.rejected.len()), (0, 5406));

    // The folder import reads both lists (no CVE/list in this snapshot).
    let all = debian::import_tracker_dir(dir.path(), RELEASES).unwrap();
    assert_eq!(all.imported.advisories.len(), 5406 + 3534);
    assert_eq!(all.imported.stats.records, 5406 + 3534);
    assert!(matches!(debian::import_tracker_dir(&data, RELEASES), Err(ImportError::Io { .. })));
}

#[test]
fn dsa_list_fixture_with_bookworm_and_old_ids() {
    let dir = untar("samples/vunnel-provider-input-fixtures.tar.gz");
    let text = read(&dir.path().join("tests/unit/providers/debian/test-fixtures/input/DSA"));
    let got = parse_advisory_list(&text, ListKind::Dsa, "DSA").unwrap();
    assert!(got.imported.rejected.is_empty(), "{:?}", got.imported.rejected);
    let ids: Vec<&str> = got.imported.advisories.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "DSA-141",
            "DSA-140",
            "DSA-139",
            "DSA-138",
            "DSA-2819-1",
            "DSA-2808-2",
            "DSA-3281-1",
            "DSA-4205-1",
            "DSA-4323-1",
            "DSA-5970-1"
        ]
    );
    let a = find(&got.imported.advisories, "DSA-5970-1");
    assert_eq!(a.aliases, ["CVE-2025-53603"]);
    assert_eq!(a.published.as_deref(), Some("2025-07-31"));
    assert_eq!(entry(a, "Debian:12", "sope").fixed, ["5.8.0-1+deb12u1"]);
    let a = find(&got.imported.advisories, "DSA-140");
    let packages: Vec<(&str, &str)> = a.affected.iter().map(|x| (x.ecosystem.as_str(), x.package.as_str())).collect();
    assert_eq!(packages, [("Debian:3.0", "libpng"), ("Debian:3.0", "libpng3")]);
    let a = find(&got.imported.advisories, "DSA-2808-2");
    assert_eq!(entry(a, "Debian:6.0", "openjpeg").fixed, ["1.3+dfsg-4+squeeze3"]);
    assert_eq!(entry(a, "Debian:7", "openjpeg").fixed, ["1.3+dfsg-4.8"]);
}

#[test]
fn support_ended_lists() {
    let dir = vulndata().join("native/debian-security-support");
    let deb12 =
        debian::parse_support_ended(&read(&dir.join("security-support-ended.deb12")), "Debian:12", "deb12").unwrap();
    assert_eq!(deb12.len(), 16);
    assert_eq!(
        deb12[0],
        SupportEnded {
            ecosystem: "Debian:12".into(),
            package: "wpewebkit".into(),
            last_version: "2.38.6-1".into(),
            ended: "2023-05-09".into(),
            note: "https://bugs.debian.org/1035794".into(),
        }
    );
    let horde = deb12.iter().find(|s| s.package == "php-horde.*").unwrap();
    assert_eq!((horde.last_version.as_str(), horde.ended.as_str()), ("0", "2025-03-22"));
    assert!(horde.matches("php-horde-imp") && !horde.matches("php-hord"));
    let suricata = deb12.iter().find(|s| s.package == "suricata").unwrap();
    assert_eq!(suricata.last_version, "1:6.0.10-1");
    assert!(suricata.note.starts_with("Upstream security support ended in Aug 2024"));
    assert!(suricata.matches("suricata") && !suricata.matches("suricata-update"));

    let deb11 =
        debian::parse_support_ended(&read(&dir.join("security-support-ended.deb11")), "Debian:11", "deb11").unwrap();
    assert!(deb11.is_empty());
    let deb9 =
        debian::parse_support_ended(&read(&dir.join("security-support-ended.deb9")), "Debian:9", "deb9").unwrap();
    let node = deb9.iter().find(|s| s.package == "node-.*").unwrap();
    assert!(node.matches("node-lodash"));
    let deb10 =
        debian::parse_support_ended(&read(&dir.join("security-support-ended.deb10")), "Debian:10", "deb10").unwrap();
    assert_eq!(deb10.iter().filter(|s| s.package == "xen").count(), 1);

    let limited = debian::parse_support_limited(&read(&dir.join("security-support-limited")), "limited").unwrap();
    assert_eq!(limited.len(), 32);
    assert_eq!(limited[0].package, "adns");
    assert_eq!(limited[0].note, "Stub resolver that should only be used with trusted recursors");
    assert!(limited.iter().any(|l| l.package == "golang.*"));

    let err = debian::parse_support_ended("foo 1.0\n", "Debian:12", "x").unwrap_err();
    assert!(matches!(err, ImportError::Syntax { .. }), "{err}");
    let err = debian::parse_support_ended("foo 1.0 2025-13-01\n", "Debian:12", "x").unwrap_err();
    assert!(err.to_string().contains("bad date"), "{err}");
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    // Binary data (a gzip archive read as text).
    let bytes = std::fs::read(vulndata().join("native/debian-security-tracker-dsa-dla-2023-04.tar.gz")).unwrap();
    let text = String::from_utf8_lossy(&bytes[..4096]);
    assert!(matches!(parse_cve_list(&text, RELEASES, "bin"), Err(ImportError::Syntax { .. })));
    assert!(matches!(parse_advisory_list(&text, ListKind::Dsa, "bin"), Err(ImportError::Syntax { .. })));
    assert!(matches!(parse_tracker_json(&bytes[..4096], "bin"), Err(ImportError::Syntax { .. })));

    // Truncated JSON, JSON of the wrong shape.
    let dir = untar("samples/vunnel-provider-input-fixtures.tar.gz");
    let json = std::fs::read(dir.path().join("tests/unit/providers/debian/test-fixtures/input/debian.json")).unwrap();
    for cut in [1, 100, json.len() / 2, json.len() - 2] {
        assert!(matches!(parse_tracker_json(&json[..cut], "cut"), Err(ImportError::Syntax { .. })), "{cut}");
    }
    assert!(matches!(parse_tracker_json(b"[1, 2]", "list"), Err(ImportError::Syntax { .. })));
    assert!(matches!(parse_tracker_json(b"{\"p\": [1]}", "list"), Err(ImportError::Syntax { .. })));

    // Body lines before any header; empty input is an empty import.
    assert!(matches!(parse_cve_list("\t- glibc 1.0\n", RELEASES, "x"), Err(ImportError::Syntax { .. })));
    let empty = parse_cve_list("", RELEASES, "x").unwrap();
    assert_eq!((empty.imported.stats.records, empty.imported.advisories.len()), (0, 0));
    // A version dpkg cannot parse (the epoch is not a number) rejects that entry only.
    let got = parse_advisory_list(
        "[01 Jan 2020] DSA-1-1 a\n\t[buster] - a x:1.0\n[01 Jan 2020] DSA-2-1 b\n",
        ListKind::Dsa,
        "x",
    )
    .unwrap();
    assert_eq!((got.imported.advisories.len(), got.imported.rejected.len()), (1, 1));
}
