//! Snapshot tests: every renderer on one fixed small report, compared with the reviewed files in
//! tests/snapshots/, so that a change of layout shows in review. `HULLGUARD_BLESS=1` rewrites
//! the files from the current output (review the diff before committing it). Then the table's
//! layout rules on reports made to break them (long cells, control characters).

use std::path::PathBuf;

use std::io;

use hullguard_inventory::Purl;
use hullguard_report::render::{ScanTimes, TableLayout, TableStyle, gitlab, json, junit, sarif, table};
use hullguard_report::{
    Cvss, DbSource, Finding, FindingKind, Kev, LayerRef, Location, Remediation, Report, Severity, SupportNote,
    Suppressed, VulnDetail, VulnStatus,
};

/// A vulnerability finding's data with the fields the report needs, the rest empty.
fn vuln(package: &str, ecosystem: &str, installed: &str) -> VulnDetail {
    VulnDetail {
        aliases: Vec::new(),
        advisories: Vec::new(),
        package: package.to_owned(),
        source_package: None,
        ecosystem: ecosystem.to_owned(),
        purl: Purl::parse(
            &format!("pkg:{}/{}@{installed}", ecosystem.split(':').next().unwrap(), package).to_lowercase(),
        )
        .unwrap(),
        installed: installed.to_owned(),
        fixed: None,
        status: VulnStatus::Affected,
        fixed_since: None,
        severity_source: "debian".to_owned(),
        cvss: None,
        kev: None,
        layer: None,
        reachability: None,
        dependency: None,
    }
}

/// The vulnerability finding `id` of `detail`, at `path` (in its layer, if it has one).
fn finding(
    id: &str,
    severity: Severity,
    title: &str,
    path: &str,
    references: &[&str],
    mut detail: VulnDetail,
) -> Finding {
    if detail.advisories.is_empty() {
        detail.advisories = vec![id.to_owned()];
    }
    let path = Some(path.to_owned());
    Finding {
        kind: FindingKind::Vulnerability,
        id: id.to_owned(),
        concept: None,
        severity,
        title: title.to_owned(),
        description: String::new(),
        location: Location::Image { layer: detail.layer.as_ref().map(|l| l.index), path },
        evidence: None,
        fix: None,
        references: references.iter().map(|r| (*r).to_owned()).collect(),
        vulnerability: Some(Box::new(detail)),
        status: None,
    }
}

const DPKG: &str = "/var/lib/dpkg/status";

/// The report every snapshot renders: two ecosystems, every finding kind, a KEV entry, a
/// remediation, a suppression and a support note.
fn report() -> Report {
    let mut report = Report::new("registry.example/shop:1.4");
    report.config_digest = Some(format!("sha256:{}", "ab".repeat(32)));
    report.os = Some("debian 12".to_owned());
    report.packages = 97;
    report.db_built = "2026-11-30T08:00:00Z".to_owned();
    report.db_sources = vec![DbSource { name: "debian/tracker".to_owned(), as_of: Some("2026-11-29".to_owned()) }];
    let openssl = VulnDetail {
        aliases: vec!["DSA-5555-1".to_owned()],
        fixed: Some("3.0.15-1~deb12u1".to_owned()),
        status: VulnStatus::Fixed,
        severity_source: "cvss-v3.1".to_owned(),
        cvss: Some(Cvss {
            version: "3.1".to_owned(),
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".to_owned(),
            score: 9.8,
        }),
        kev: Some(Kev { date_added: "2026-03-01".to_owned(), due_date: "2026-03-22".to_owned(), ransomware: false }),
        layer: Some(LayerRef {
            index: 0,
            diff_id: Some(format!("sha256:{}", "cd".repeat(32))),
            created_by: Some("ADD rootfs.tar.xz /".to_owned()),
        }),
        source_package: Some("openssl".to_owned()),
        ..vuln("libssl3", "Debian:12", "3.0.11-1~deb12u2")
    };
    let openssl = finding(
        "CVE-2026-1001",
        Severity::Critical,
        "openssl: buffer overflow in X.509 name checks",
        DPKG,
        &["https://security-tracker.debian.org/tracker/CVE-2026-1001"],
        openssl,
    );
    let zlib = VulnDetail { status: VulnStatus::WillNotFix, ..vuln("zlib1g", "Debian:12", "1:1.2.13.dfsg-1") };
    let zlib = finding("CVE-2023-45853", Severity::Low, "zlib: integer overflow in minizip", DPKG, &[], zlib);
    let pyyaml = VulnDetail {
        aliases: vec!["GHSA-8q59-q68h-6hv4".to_owned()],
        advisories: vec!["GHSA-8q59-q68h-6hv4".to_owned()],
        fixed: Some("5.4".to_owned()),
        status: VulnStatus::Fixed,
        severity_source: "ghsa".to_owned(),
        layer: Some(LayerRef { index: 2, diff_id: None, created_by: None }),
        ..vuln("PyYAML", "PyPI", "5.3.1")
    };
    let pyyaml = finding(
        "CVE-2020-14343",
        Severity::High,
        "Improper Input Validation in PyYAML",
        "/usr/lib/python3/dist-packages/PyYAML-5.3.1.dist-info/METADATA",
        &["https://github.com/advisories/GHSA-8q59-q68h-6hv4"],
        pyyaml,
    );
    report.findings = vec![zlib, pyyaml, openssl];
    report.remediations = vec![
        Remediation {
            package: "libssl3".to_owned(),
            path: "/var/lib/dpkg/status".to_owned(),
            installed: "3.0.11-1~deb12u2".to_owned(),
            upgrade_to: "3.0.15-1~deb12u1".to_owned(),
            fixes: 1,
            unfixed: 0,
        },
        Remediation {
            package: "PyYAML".to_owned(),
            path: "/usr/lib/python3/dist-packages/PyYAML-5.3.1.dist-info/METADATA".to_owned(),
            installed: "5.3.1".to_owned(),
            upgrade_to: "5.4".to_owned(),
            fixes: 1,
            unfixed: 0,
        },
    ];
    report.suppressed = vec![Suppressed {
        id: "CVE-2011-3374".to_owned(),
        package: "apt".to_owned(),
        reason: "ignorefile: apt-key is not used".to_owned(),
    }];
    report.support = vec![SupportNote {
        package: "libv8".to_owned(),
        installed: "10.2".to_owned(),
        support: "limited".to_owned(),
        ended: None,
        note: "Not covered by security support.".to_owned(),
    }];
    report.findings.push(Finding {
        kind: FindingKind::Misconfiguration,
        id: "HG-IMG-001".to_owned(),
        concept: Some("img-user-root".to_owned()),
        severity: Severity::Medium,
        title: "Image runs as root".to_owned(),
        description: "No USER is set, so the container runs as root.".to_owned(),
        location: Location::ConfigField { field: "config.User".to_owned() },
        evidence: None,
        fix: Some("Add a USER instruction with a non-root user.".to_owned()),
        references: vec!["https://docs.docker.com/reference/dockerfile/#user".to_owned()],
        vulnerability: None,
        status: None,
    });
    report.findings.push(Finding {
        kind: FindingKind::Secret,
        id: "aws-access-key-id".to_owned(),
        concept: None,
        severity: Severity::Critical,
        title: "AWS access key ID".to_owned(),
        description: "AWS access key ID in /app/.env".to_owned(),
        location: Location::Image { layer: Some(3), path: Some("/app/.env".to_owned()) },
        evidence: Some("AWS_ACCESS_KEY_ID=AKIA*****".to_owned()),
        fix: Some("Remove and revoke it.".to_owned()),
        references: Vec::new(),
        vulnerability: None,
        status: None,
    });
    report.warnings = vec!["/app/x.jar: java-archive: not a zip archive".to_owned()];
    report.incomplete = vec!["/var/lib/dpkg/status: dpkg: over its 64 MiB cap; not read".to_owned()];
    report.finalize();
    report
}

/// Compares `actual` with tests/snapshots/`name`, printing the lines that differ; with
/// `HULLGUARD_BLESS=1` writes `actual` there instead.
fn check(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(name);
    if std::env::var_os("HULLGUARD_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (HULLGUARD_BLESS=1 writes it)", path.display()));
    if expected == actual {
        return;
    }
    let (want, got): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let mut diff = String::new();
    for i in 0..want.len().max(got.len()) {
        let (w, g) = (want.get(i), got.get(i));
        if w != g {
            diff.push_str(&format!("line {}:\n- {}\n+ {}\n", i + 1, w.unwrap_or(&"<none>"), g.unwrap_or(&"<none>")));
        }
    }
    panic!("{name} differs from {} (HULLGUARD_BLESS=1 rewrites it):\n{diff}", path.display());
}

/// What `write` writes, as text.
fn rendered(write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
    let mut out = Vec::new();
    write(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn table_snapshot() {
    check("table.txt", &rendered(|out| table::write(&report(), TableStyle::default(), out)));
}

#[test]
fn table_fitted_to_80_columns_snapshot() {
    let style = TableStyle { width: Some(80), ..TableStyle::default() };
    check("table-80.txt", &rendered(|out| table::write(&report(), style, out)));
}

#[test]
fn json_snapshot() {
    check("report.json", &rendered(|out| json::write(&report(), out)));
}

#[test]
fn sarif_snapshot() {
    check("report.sarif.json", &rendered(|out| sarif::write(&report(), "0.0.0-test", out)));
}

#[test]
fn junit_snapshot() {
    check("report.junit.xml", &rendered(|out| junit::write(&report(), out)));
}

#[test]
fn gitlab_snapshot() {
    let times = ScanTimes { start: 1_796_025_600, end: 1_796_025_607 };
    check("report.gitlab.json", &rendered(|out| gitlab::write(&report(), "0.0.0-test", times, out)));
}

/// A report of one critical PyPI vulnerability in `package` at `path`, titled `title`.
fn one_vulnerability(package: &str, path: &str, title: &str) -> Report {
    let detail =
        VulnDetail { fixed: Some("1.1".to_owned()), status: VulnStatus::Fixed, ..vuln(package, "PyPI", "1.0") };
    let mut r = Report::new("app:1");
    r.db_built = "2026-01-01T00:00:00Z".to_owned();
    r.packages = 1;
    r.findings = vec![finding("CVE-2024-0001", Severity::Critical, title, path, &[], detail)];
    r.finalize();
    r
}

fn to_table(report: &Report, style: TableStyle) -> String {
    rendered(|out| table::write(report, style, out))
}

#[test]
fn table_rows_fit_the_width_and_keep_the_id() {
    let long = "x".repeat(200);
    let r = one_vulnerability(&format!("pkg-{long}"), &format!("/usr/lib/{long}/METADATA"), &long);
    for width in [80, 100, 120] {
        let text = to_table(&r, TableStyle { width: Some(width), ..TableStyle::default() });
        for line in text.lines() {
            assert!(line.chars().count() <= width, "{width}: {line:?}");
        }
        assert!(text.contains(" CVE-2024-0001 "), "{text}");
        assert_eq!(text.contains("x/METADATA"), width > 80, "{text}");
    }
    let wide = to_table(&r, TableStyle::default());
    assert!(wide.lines().any(|l| l.chars().count() > 150), "{wide}");
}

#[test]
fn table_counts_one_in_the_singular() {
    let text = to_table(&one_vulnerability("pyyaml", "/p", "t"), TableStyle::default());
    assert!(text.contains("\n1 package, 1 vulnerability (CRITICAL: 1)\n"), "{text}");
    assert!(text.contains("\nPyPI (1 vulnerability)\n"), "{text}");
}

#[test]
fn table_colour_marks_the_severity_only() {
    let style = TableStyle { colour: true, ..TableStyle::default() };
    let text = to_table(&one_vulnerability("pyyaml", "/p", "t"), style);
    assert!(text.contains("\x1b[1;31mCRITICAL\x1b[0m"), "{text}");
    assert_eq!(text.matches('\x1b').count(), 2, "{text}");
}

#[test]
fn table_escapes_control_characters_from_the_image() {
    let r = one_vulnerability("evil\x1b[2J\nforged", "/a\x07b", "t\x1b]0;x\x07");
    let text = to_table(&r, TableStyle::default());
    assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
    assert!(text.contains("evil\\x1b[2J\\nforged"), "{text}");
    assert!(text.contains("/a\\x07b") && text.contains("t\\x1b]0;x\\x07"), "{text}");
    assert_eq!(text.lines().filter(|l| l.contains("forged")).count(), 1);
    let lines = to_table(&r, TableStyle { layout: TableLayout::Lines, ..TableStyle::default() });
    assert!(!lines.contains('\x1b') && !lines.contains('\x07'), "{lines:?}");
}
