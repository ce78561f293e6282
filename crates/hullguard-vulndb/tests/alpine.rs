//! The Alpine secdb importer against real data, read in place from
//! `shared/vulndata/`:
//!
//! - `native/alpine-secdb-legacy-v3.3-v3.11.tar.gz`: the deprecated
//!   `alpine-secdb` YAML, 18 files (`main`/`community` for v3.3–v3.11);
//! - `samples/vunnel-provider-input-fixtures.tar.gz`: vunnel's secdb fixtures
//!   (Alpine v3.15 YAML; Wolfi and Chainguard JSON in the same schema);
//! - `version-fixtures/osv.dev-alpine/invalid_versions.txt`: the versions in
//!   real secdb data that break the apk grammar.
//!
//! Archives are unpacked into a temporary folder.

use std::fs::File;
use std::path::PathBuf;

use hullguard_vulndb::advisory::{Advisory, Affected, Interval, Status};
use hullguard_vulndb::import::ImportError;
use hullguard_vulndb::import::alpine::{self, AlpineImport, SecdbStats};

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

fn legacy() -> (tempfile::TempDir, AlpineImport) {
    let dir = untar("native/alpine-secdb-legacy-v3.3-v3.11.tar.gz");
    let got = alpine::import_dir(dir.path()).unwrap();
    (dir, got)
}

/// The `(package version)` names of the rejected entries.
fn rejected_names(got: &AlpineImport) -> Vec<String> {
    let mut names: Vec<String> = got
        .imported
        .rejected
        .iter()
        .map(|e| match e {
            ImportError::Invalid { source: hullguard_vulndb::Error::InvalidAdvisory { id, .. }, .. } => id.clone(),
            other => panic!("{other}"),
        })
        .collect();
    names.sort();
    names
}

#[test]
fn legacy_counts() {
    let (_dir, got) = legacy();
    assert_eq!(
        got.stats,
        SecdbStats {
            files: 18,
            package_entries: 1652,
            fix_references: 12028,
            not_affected_references: 5,
            // README.md
            other_files_skipped: 1,
        }
    );
    assert_eq!(got.imported.stats.records, 1652);
    assert_eq!(got.imported.advisories.len(), 2469);
    let affected: usize = got.imported.advisories.iter().map(|a| a.affected.len()).sum();
    assert_eq!(affected, 11856);
}

#[test]
fn legacy_invalid_versions_are_rejected_one_by_one() {
    let (_dir, got) = legacy();
    // Every version in the osv.dev list of invalid versions found in real
    // data (7), plus 3 more, one error per file they are in; and the tokens
    // of references that are not ids (`CVE 2018-16859`, `XPTI`,
    // `CVE-2017-8073.patch` …).
    assert_eq!(
        rejected_names(&got),
        [
            "ansible 2.7.3-r0",
            "ansible 2.7.3-r0",
            "dia 0.97.3-r1",
            "git 2.15.r-r1",
            "icu 57-1-r2",
            "irssi 1.0.4.-r0",
            "libxi 1.7.5.-r1",
            "phpmyadmin 4.8.0.-r1",
            "phpmyadmin 4.8.0.-r1",
            "phpmyadmin 4.8.0.-r1",
            "phpmyadmin 4.8.0.-r1",
            "py-django 1.11-20-r0",
            "py-django 1.11-20-r0",
            "py-django 1.11-20-r0",
            "python2 2.7.16-33",
            "quassel 0.12.5.-r0",
            "weechat 1.3-r4",
            "weechat 1.5-r2",
            "weechat 1.6.0-r1",
            "wget 1.18.-r2",
            "xen 4.10-1-r1",
            "xen 4.10-1-r1",
            "xen 4.10-1-r1",
            "xen 4.9.1-r3",
        ]
    );
    let xpti = got.imported.rejected.iter().map(ToString::to_string).find(|e| e.contains("xen 4.9.1-r3")).unwrap();
    assert!(xpti.contains("bad id \"XPTI\""), "{xpti}");
    // The rest of that reference is kept: three CVEs, each its own advisory.
    let adv = &got.imported.advisories;
    for id in ["CVE-2017-5753", "CVE-2017-5715", "CVE-2017-5754"] {
        let a = find(adv, id);
        assert_eq!(a.aliases, ["XSA-254"]);
        assert_eq!(entry(a, "Alpine:v3.7", "xen").fixed, ["4.9.1-r3"]);
    }
    let listed =
        std::fs::read_to_string(vulndata().join("version-fixtures/osv.dev-alpine/invalid_versions.txt")).unwrap();
    let in_data: Vec<&str> = listed.lines().skip(1).take_while(|l| !l.is_empty()).collect();
    assert_eq!(in_data.len(), 7);
    let names = rejected_names(&got);
    for version in in_data {
        assert!(names.iter().any(|n| n.ends_with(&format!(" {version}"))), "{version} not rejected");
    }

    // The rest of xen's entry is kept: v3.11 xen CVE-2018-10472 (4.10.1-r0).
    assert_eq!(entry(find(adv, "CVE-2018-10472"), "Alpine:v3.11", "xen").fixed, ["4.10.1-r0"]);
    // CVE-2018-8897 is listed under the invalid 4.10-1-r1 in v3.8, v3.9 and
    // v3.11 (v3.10 has 4.10.1-r1): those releases have no entry for it.
    let a = find(adv, "CVE-2018-8897");
    let xen: Vec<(&str, &str)> =
        a.affected.iter().filter(|x| x.package == "xen").map(|x| (x.ecosystem.as_str(), x.fixed[0].as_str())).collect();
    assert_eq!(xen[0], ("Alpine:v3.10", "4.10.1-r1"));
    let ecosystems: Vec<&str> = xen.iter().map(|(e, _)| *e).collect();
    assert_eq!(ecosystems, ["Alpine:v3.10", "Alpine:v3.4", "Alpine:v3.5", "Alpine:v3.6", "Alpine:v3.7"]);
}

#[test]
fn legacy_fixed_versions() {
    let (_dir, got) = legacy();
    let adv = &got.imported.advisories;
    let a = find(adv, "CVE-2019-14904");
    assert_eq!(a.references, ["https://security.alpinelinux.org/vuln/CVE-2019-14904"]);
    let ansible = entry(a, "Alpine:v3.11", "ansible");
    assert_eq!(ansible.status, Status::Fixed);
    assert_eq!(ansible.ranges, below("2.9.3-r0"));
    assert_eq!(ansible.fixed, ["2.9.3-r0"]);
    assert!(ansible.affects("2.9.2-r0").unwrap());
    assert!(!ansible.affects("2.9.3-r0").unwrap());
    assert!(!ansible.affects("2.10.0-r0").unwrap());

    // One advisory across releases, each with its own fixed version.
    let a = find(adv, "CVE-2018-16876");
    let fixed: Vec<(&str, &str, &str)> =
        a.affected.iter().map(|x| (x.ecosystem.as_str(), x.package.as_str(), x.fixed[0].as_str())).collect();
    assert_eq!(
        fixed,
        [
            ("Alpine:v3.10", "ansible", "2.7.9-r0"),
            ("Alpine:v3.11", "ansible", "2.7.9-r0"),
            ("Alpine:v3.8", "ansible", "2.5.14-r0"),
            ("Alpine:v3.9", "ansible", "2.7.5-r0")
        ]
    );
    assert!(entry(a, "Alpine:v3.9", "ansible").affects("2.7.4-r0").unwrap());
    assert!(!entry(a, "Alpine:v3.9", "ansible").affects("2.7.5-r0").unwrap());

    // `CVE-… XSA-…`: the CVE is the id, the XSA an alias.
    let a = find(adv, "CVE-2017-8904");
    assert_eq!(a.aliases, ["XSA-214"]);
    assert_eq!(entry(a, "Alpine:v3.11", "xen").fixed, ["4.8.1-r2"]);
    // An XSA with no CVE is its own advisory.
    let a = find(adv, "XSA-207");
    assert!(a.aliases.is_empty());
    assert_eq!(a.affected.len(), 9);
}

#[test]
fn legacy_zero_means_not_affected() {
    let (_dir, got) = legacy();
    let a = find(&got.imported.advisories, "CVE-2016-0682");
    assert_eq!(a.affected.len(), 1);
    let db = entry(a, "Alpine:v3.8", "db");
    assert_eq!(db.status, Status::NotAffected);
    assert!(db.ranges.is_empty() && db.fixed.is_empty());
    assert!(!db.affects("5.3.28-r0").unwrap());
}

#[test]
fn one_file_yaml_and_v3_15_fixture() {
    let dir = untar("native/alpine-secdb-legacy-v3.3-v3.11.tar.gz");
    let text = std::fs::read_to_string(dir.path().join("v3.11/main.yaml")).unwrap();
    let got = alpine::parse_secdb_yaml(&text, "v3.11/main.yaml").unwrap();
    assert_eq!(got.stats.files, 1);
    assert_eq!(got.stats.package_entries, 175);
    assert_eq!(rejected_names(&got), ["python2 2.7.16-33", "xen 4.10-1-r1"]);
    assert!(got.imported.advisories.iter().flat_map(|a| &a.affected).all(|x| x.ecosystem == "Alpine:v3.11"));

    let fixtures = untar("samples/vunnel-provider-input-fixtures.tar.gz");
    let secdb = fixtures.path().join("tests/unit/providers/alpine/test-fixtures/input/secdb");
    let got = alpine::import_dir(&secdb).unwrap();
    assert!(got.imported.rejected.is_empty(), "{:?}", got.imported.rejected);
    assert_eq!((got.stats.files, got.stats.package_entries), (2, 7));
    let a = find(&got.imported.advisories, "CVE-2022-1271");
    let xz = entry(a, "Alpine:v3.15", "xz");
    assert_eq!(xz.fixed, ["5.2.5-r1"]);
    assert!(xz.affects("5.2.5-r0").unwrap());
    assert_eq!(entry(find(&got.imported.advisories, "CVE-2020-15166"), "Alpine:v3.15", "zeromq").fixed, ["4.3.3-r0"]);
}

#[test]
fn json_feeds_of_the_secdb_schema() {
    let fixtures = untar("samples/vunnel-provider-input-fixtures.tar.gz");
    let wolfi = fixtures.path().join("tests/unit/providers/wolfi/test-fixtures/input/secdb/security.json");
    let bytes = std::fs::read(&wolfi).unwrap();
    // No distroversion: not an Alpine secdb, but readable as Wolfi's.
    let err = alpine::parse_secdb_json(&bytes, "security.json").unwrap_err();
    assert!(matches!(&err, ImportError::Syntax { problem, .. } if problem.contains("distroversion")), "{err}");
    let got = alpine::parse_secdb_json_as(&bytes, "Wolfi", "security.json").unwrap();
    assert!(got.imported.rejected.is_empty(), "{:?}", got.imported.rejected);
    assert_eq!((got.stats.package_entries, got.stats.fix_references), (27, 59));
    let a = find(&got.imported.advisories, "CVE-2022-38533");
    let binutils = entry(a, "Wolfi", "binutils");
    assert_eq!(binutils.fixed, ["2.39-r2"]);
    assert!(binutils.affects("2.39-r1").unwrap());
    assert!(matches!(alpine::parse_secdb_json_as(&bytes, "Debian:12", "x"), Err(ImportError::Syntax { .. })));

    // The Alpine JSON form (as secdb.alpinelinux.org serves it).
    let json = br#"{"apkurl": "{{urlprefix}}/{{distroversion}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk",
        "archs": ["x86_64"], "reponame": "main", "urlprefix": "https://dl-cdn.alpinelinux.org/alpine",
        "distroversion": "v3.19", "packages": [
        {"pkg": {"name": "openssl", "secfixes": {"3.1.4-r1": ["CVE-2023-5678"], "3.1.2-r0": ["CVE-2023-3817"],
            "0": ["CVE-2022-1292"], "1.1.1.-r0": ["CVE-2000-1"]}}},
        {"pkg": {"name": "busybox", "secfixes": {"1.36.1-r6": ["CVE-2023-42363 CVE-2023-42364"]}}},
        {"pkg": {"secfixes": {}}}]}"#;
    let got = alpine::parse_secdb_json(json, "main.json").unwrap();
    assert_eq!(got.stats.package_entries, 3);
    assert_eq!(got.stats.fix_references, 5);
    assert_eq!(got.imported.rejected.len(), 2, "{:?}", got.imported.rejected);
    let ids: Vec<&str> = got.imported.advisories.iter().map(|a| a.id.as_str()).collect();
    // Two CVEs in one reference: two advisories.
    assert_eq!(ids, ["CVE-2022-1292", "CVE-2023-3817", "CVE-2023-42363", "CVE-2023-42364", "CVE-2023-5678"]);
    assert!(find(&got.imported.advisories, "CVE-2023-42363").aliases.is_empty());
    assert_eq!(entry(find(&got.imported.advisories, "CVE-2023-42364"), "Alpine:v3.19", "busybox").fixed, ["1.36.1-r6"]);
    assert_eq!(
        entry(find(&got.imported.advisories, "CVE-2022-1292"), "Alpine:v3.19", "openssl").status,
        Status::NotAffected
    );
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    let syntax = |r: Result<AlpineImport, ImportError>| matches!(r, Err(ImportError::Syntax { .. }));
    // Truncated JSON.
    let json = br#"{"distroversion": "v3.19", "packages": [{"pkg": {"name": "openssl", "secfixes": {"3.1.4-r1": ["CVE"#;
    for cut in [0, 1, 20, json.len()] {
        assert!(syntax(alpine::parse_secdb_json(&json[..cut], "cut")), "{cut}");
    }
    // Valid JSON or YAML of the wrong shape.
    assert!(syntax(alpine::parse_secdb_json(b"[1, 2]", "list")));
    assert!(syntax(alpine::parse_secdb_json(br#"{"distroversion": "3.19", "packages": []}"#, "bad version")));
    assert!(syntax(alpine::parse_secdb_yaml("- distroversion: v3.11\n- packages: []\n", "list")));
    assert!(syntax(alpine::parse_secdb_yaml("distroversion: v3.11\npackages: 7\n", "no list")));
    assert!(syntax(alpine::parse_secdb_yaml("", "empty")));
    assert!(syntax(alpine::parse_secdb_yaml("a: [b\n", "unclosed")));
    // Binary data (a gzip archive).
    let bytes = std::fs::read(vulndata().join("native/alpine-secdb-legacy-v3.3-v3.11.tar.gz")).unwrap();
    assert!(syntax(alpine::parse_secdb_json(&bytes, "bin")));
    assert!(syntax(alpine::parse_secdb_yaml(&String::from_utf8_lossy(&bytes[..4096]), "bin")));
    // Deep nesting is refused before parsing.
    let deep = format!("distroversion: v3.11\npackages:\n{}x\n", "- ".repeat(100_000));
    assert!(syntax(alpine::parse_secdb_yaml(&deep, "deep")));
    let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
    assert!(syntax(alpine::parse_secdb_yaml(&deep, "flow")));
    // A bad package entry is rejected, the others kept.
    let yaml = "distroversion: v3.11\npackages:\n  - pkg:\n      name: a\n      secfixes: [1]\n  - pkg:\n      name: b\n      secfixes:\n        1.0-r0:\n          - CVE-2020-1\n";
    let got = alpine::parse_secdb_yaml(yaml, "y").unwrap();
    assert_eq!((got.imported.advisories.len(), got.imported.rejected.len()), (1, 1));
    // A folder with a broken file goes on with the others.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), "[").unwrap();
    std::fs::write(dir.path().join("b.yaml"), yaml).unwrap();
    let got = alpine::import_dir(dir.path()).unwrap();
    assert_eq!((got.stats.files, got.imported.advisories.len(), got.imported.rejected.len()), (1, 1, 2));
}
