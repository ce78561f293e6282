//! Imports the real OSV zips of `shared/vulndata/osv/` in place (never
//! copied) and checks record counts and matches picked from the data.
//!
//! Set `HULLGUARD_SHARED` to the shared folder; by default it is found beside
//! the workspace (`crates/hullguard-vulndb/../../../shared`). Every expectation
//! below was derived by reading the record named in it.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use hullguard_vulndb::advisory::{Advisory, Affected, Severity, SeverityKind, Status};
use hullguard_vulndb::import::{ImportStats, Imported, osv};

fn osv_dir() -> PathBuf {
    let shared = std::env::var_os("HULLGUARD_SHARED")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")), PathBuf::from);
    shared.join("vulndata/osv")
}

/// Imports `<name>.zip` once per test process.
fn load(name: &str) -> &'static Imported {
    static CELLS: [OnceLock<Imported>; 5] = [const { OnceLock::new() }; 5];
    let names = ["PyPI", "Go", "crates.io", "AlmaLinux", "Bitnami"];
    let index = names.iter().position(|n| *n == name).expect("a known zip");
    CELLS[index].get_or_init(|| {
        let path = osv_dir().join(format!("{name}.zip"));
        osv::import_zip(&path).unwrap_or_else(|e| panic!("{e}"))
    })
}

/// The advisories with `id` (AlmaLinux has one per release folder).
fn find<'a>(imported: &'a Imported, id: &str) -> Vec<&'a Advisory> {
    imported.advisories.iter().filter(|a| a.id == id).collect()
}

/// The one affected entry of `package` in ecosystem `ecosystem` of record `id`.
fn affected<'a>(zip: &str, id: &str, ecosystem: &str, package: &str) -> &'a Affected {
    let advisories = find(load(zip), id);
    let [advisory] = advisories.as_slice() else { panic!("{id}: {} records", advisories.len()) };
    let mut hits = advisory.affected.iter().filter(|a| a.ecosystem == ecosystem && a.package == package);
    let hit = hits.next().unwrap_or_else(|| panic!("{id}: no {ecosystem}/{package}"));
    assert!(hits.next().is_none(), "{id}: {package} twice");
    hit
}

/// Asserts `affects(version) == want` for every `(version, want)`.
fn check(what: &str, entry: &Affected, cases: &[(&str, bool)]) {
    for (version, want) in cases {
        assert_eq!(entry.affects(version).unwrap(), *want, "{what} @ {version}");
    }
    eprintln!("{what}: {} boundary checks ok", cases.len());
}

fn counts(name: &str, records: usize, withdrawn: usize, git: usize) {
    let imported = load(name);
    for rejected in &imported.rejected {
        eprintln!("{name}: rejected {rejected}");
    }
    assert!(imported.rejected.is_empty(), "{name}: {} rejected", imported.rejected.len());
    assert_eq!(imported.advisories.len(), records, "{name}");
    let stats =
        ImportStats { records, withdrawn, git_ranges_skipped: git, severities_skipped: 0, other_files_skipped: 0 };
    assert_eq!(imported.stats, stats, "{name}");
    eprintln!("{name}: {stats:?}");
}

#[test]
fn pypi_count() {
    counts("PyPI", 2661, 10, 1391);
}

#[test]
fn go_count() {
    counts("Go", 4291, 17, 0);
}

#[test]
fn crates_io_count() {
    counts("crates.io", 1206, 13, 0);
}

#[test]
fn almalinux_count() {
    counts("AlmaLinux", 5680, 0, 0);
    // 37 ids occur in more than one release folder (31 in two, 6 in three);
    // each file is one advisory, so 5,680 advisories have 5,637 ids.
    let imported = load("AlmaLinux");
    let ids: BTreeSet<&str> = imported.advisories.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), 5637);
    let copies = find(imported, "ALSA-2025:10873");
    assert_eq!(copies.len(), 3);
    let ecosystems: BTreeSet<&str> = copies[0].affected.iter().map(|a| a.ecosystem.as_str()).collect();
    assert_eq!(ecosystems, BTreeSet::from(["AlmaLinux:10", "AlmaLinux:8", "AlmaLinux:9"]));
}

#[test]
fn bitnami_count() {
    counts("Bitnami", 7444, 0, 0);
}

#[test]
fn pypi_boundaries() {
    // introduced 0, fixed 0.10; versions [0.8.4, 0.9].
    let trac = affected("PyPI", "PYSEC-2005-1", "PyPI", "trac");
    check(
        "PYSEC-2005-1 trac",
        trac,
        &[("0", true), ("0.8.4", true), ("0.9", true), ("0.9.9", true), ("0.10", false), ("0.10.1", false)],
    );
    assert_eq!((trac.status, trac.fixed.as_slice()), (Status::Fixed, &["0.10".to_owned()][..]));

    // introduced 0, last_affected 1.11.0 (no fix).
    let py = affected("PyPI", "PYSEC-2022-42969", "PyPI", "py");
    check(
        "PYSEC-2022-42969 py",
        py,
        &[("0.1", true), ("1.10.0", true), ("1.11.0", true), ("1.11.1", false), ("1.12.0", false)],
    );
    assert_eq!(py.status, Status::AffectedNoFix);

    // 2.1 – 2.2.8, 2.3 – 2.3.4, 2.4 – 2.4.4.
    check(
        "PYSEC-2011-17 celery",
        affected("PyPI", "PYSEC-2011-17", "PyPI", "celery"),
        &[
            ("2.0.9", false),
            ("2.1", true),
            ("2.1.0", true),
            ("2.2.7", true),
            ("2.2.8", false),
            ("2.2.9", false),
            ("2.3.0rc1", false),
            ("2.3.0", true),
            ("2.3.3", true),
            ("2.3.4", false),
            ("2.4.0", true),
            ("2.4.3", true),
            ("2.4.4", false),
            ("2.5.0", false),
        ],
    );
}

#[test]
fn go_boundaries() {
    // 0 – 0.305.2, 0.306.0 – 0.311.3, 1.0.0-rc.0 – (open).
    check(
        "GO-2026-5264 prometheus",
        affected("Go", "GO-2026-5264", "Go", "github.com/prometheus/prometheus"),
        &[
            ("0.1.0", true),
            ("0.305.1", true),
            ("0.305.2", false),
            ("0.305.9", false),
            ("0.306.0", true),
            ("0.311.2", true),
            ("0.311.3", false),
            ("0.400.0", false),
            ("1.0.0-beta.1", false),
            ("1.0.0-rc.0", true),
            ("1.8.2", true),
        ],
    );
    check(
        "GO-2026-5264 prometheus/v2",
        affected("Go", "GO-2026-5264", "Go", "github.com/prometheus/prometheus/v2"),
        &[("0.0.1", true), ("2.53.0", true)],
    );
    // introduced 0 only: every version.
    let dht = affected("Go", "GO-2020-0040", "Go", "github.com/shiyanhui/dht");
    check("GO-2020-0040 dht", dht, &[("0.0.0-20170101000000-000000000000", true), ("1.0.0", true)]);
    assert_eq!((dht.status, dht.fixed.len()), (Status::AffectedNoFix, 0));

    // Withdrawn records are kept, marked; their ranges still read.
    let [withdrawn] = find(load("Go"), "GO-2022-0617")[..] else { panic!("GO-2022-0617") };
    assert_eq!(withdrawn.withdrawn.as_deref(), Some("2024-08-21T16:25:56Z"));
    assert!(withdrawn.affected[0].affects("1.30.0").unwrap());
}

#[test]
fn crates_io_boundaries() {
    // 0.12.0 – 0.12.36, 0.13.0-0 – 0.13.10, 0.14.0-0 – 0.14.3.
    check(
        "RUSTSEC-2021-0020 hyper",
        affected("crates.io", "RUSTSEC-2021-0020", "crates.io", "hyper"),
        &[
            ("0.11.27", false),
            ("0.12.0", true),
            ("0.12.35", true),
            ("0.12.36", false),
            ("0.13.0-0", true),
            ("0.13.0-alpha.1", true),
            ("0.13.9", true),
            ("0.13.10", false),
            ("0.14.0", true),
            ("0.14.2", true),
            ("0.14.3", false),
            ("1.0.0", false),
        ],
    );
    let [hyper] = find(load("crates.io"), "RUSTSEC-2021-0020")[..] else { panic!("RUSTSEC-2021-0020") };
    assert_eq!(hyper.aliases, ["CVE-2021-21299", "GHSA-6hfq-h8hq-87mf"]);
    assert_eq!(
        hyper.severity,
        [Severity { kind: SeverityKind::CvssV3, score: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H".into() }]
    );
    assert_eq!(hyper.affected[0].fixed, ["0.12.36", "0.13.10", "0.14.3"]);
}

#[test]
fn almalinux_boundaries() {
    // AlmaLinux:9 thunderbird: introduced 0, fixed 115.6.0-1.el9_3.alma.
    check(
        "ALSA-2024:0001 thunderbird",
        affected("AlmaLinux", "ALSA-2024:0001", "AlmaLinux:9", "thunderbird"),
        &[
            ("115.5.0-1.el9_2.alma", true),
            // rpm: `el9_3` < `el9_3.alma` (the longer string is newer).
            ("115.6.0-1.el9_3", true),
            ("115.6.0-1.el9_3.alma", false),
            ("115.6.0-2.el9_3", false),
            ("116.0-1.el9", false),
        ],
    );
    // AlmaLinux:10 podman-docker: introduced 0, fixed 6:5.4.0-12.el10_0.
    check(
        "ALSA-2025:10549 podman-docker",
        affected("AlmaLinux", "ALSA-2025:10549", "AlmaLinux:10", "podman-docker"),
        &[
            ("6:5.4.0-11.el10_0", true),
            ("6:5.4.0-12.el10_0", false),
            ("6:5.4.1-1.el10_0", false),
            // No epoch is epoch 0, below 6.
            ("5.4.0-13.el10_0", true),
            ("7:1.0-1", false),
        ],
    );
}

#[test]
fn bitnami_boundaries() {
    // 11.0.5 – 11.0.5 and 13.0.1 – 13.0.1 (last_affected, inclusive).
    check(
        "BIT-java-2020-2655 java",
        affected("Bitnami", "BIT-java-2020-2655", "Bitnami", "java"),
        &[
            ("11.0.4", false),
            ("11.0.5", true),
            ("11.0.6", false),
            ("13.0.0", false),
            ("13.0.1", true),
            ("13.0.2", false),
        ],
    );
    // 17.2.0 – 18.0.1, 18.1.0 – (open).
    check(
        "BIT-gitlab-2025-1754 gitlab",
        affected("Bitnami", "BIT-gitlab-2025-1754", "Bitnami", "gitlab"),
        &[
            ("17.1.9", false),
            ("17.2.0", true),
            ("18.0.0", true),
            ("18.0.1", false),
            ("18.0.9", false),
            ("18.1.0", true),
            ("19.0.0", true),
        ],
    );
    // Severity from the affected entry and from database_specific.
    let [java] = find(load("Bitnami"), "BIT-java-2020-2655")[..] else { panic!("BIT-java-2020-2655") };
    assert_eq!(
        java.severity,
        [
            Severity { kind: SeverityKind::CvssV3, score: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N".into() },
            Severity { kind: SeverityKind::Ecosystem, score: "Medium".into() },
        ]
    );
}
