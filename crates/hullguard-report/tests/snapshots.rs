//! Snapshot tests: every renderer on one fixed small report, compared with the reviewed files in
//! tests/snapshots/, so that a change of layout shows in review. `HULLGUARD_BLESS=1` rewrites
//! the files from the current output (review the diff before committing it).

use std::path::PathBuf;

use hullguard_report::vuln::{
    Cvss, DbSource, Kev, LayerRef, Remediation, ScanTimes, SupportNote, Suppressed, TableStyle, VulnFinding,
    VulnReport, VulnStatus, to_gitlab, to_junit, to_sarif, to_table,
};
use hullguard_report::{Finding, FindingKind, Location, Severity};

/// A vulnerability finding with the fields the report needs, the rest empty.
fn vuln(id: &str, package: &str, ecosystem: &str, installed: &str, severity: Severity) -> VulnFinding {
    VulnFinding {
        id: id.to_owned(),
        aliases: Vec::new(),
        advisories: vec![id.to_owned()],
        package: package.to_owned(),
        source_package: None,
        ecosystem: ecosystem.to_owned(),
        purl: format!("pkg:{}/{}@{installed}", ecosystem.split(':').next().unwrap(), package).to_lowercase(),
        installed: installed.to_owned(),
        fixed: None,
        status: VulnStatus::Affected,
        severity,
        severity_source: "debian".to_owned(),
        cvss: None,
        kev: None,
        layer: None,
        path: "/var/lib/dpkg/status".to_owned(),
        title: String::new(),
        references: Vec::new(),
    }
}

/// The report every snapshot renders: two ecosystems, every finding kind, a KEV entry, a
/// remediation, a suppression and a support note.
fn report() -> VulnReport {
    let mut report = VulnReport::new("registry.example/shop:1.4");
    report.config_digest = Some(format!("sha256:{}", "ab".repeat(32)));
    report.os = Some("debian 12".to_owned());
    report.packages = 97;
    report.db_built = "2026-11-30T08:00:00Z".to_owned();
    report.db_sources = vec![DbSource { name: "debian/tracker".to_owned(), as_of: Some("2026-11-29".to_owned()) }];
    let openssl = VulnFinding {
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
        title: "openssl: buffer overflow in X.509 name checks".to_owned(),
        references: vec!["https://security-tracker.debian.org/tracker/CVE-2026-1001".to_owned()],
        ..vuln("CVE-2026-1001", "libssl3", "Debian:12", "3.0.11-1~deb12u2", Severity::Critical)
    };
    let zlib = VulnFinding {
        title: "zlib: integer overflow in minizip".to_owned(),
        status: VulnStatus::WillNotFix,
        ..vuln("CVE-2023-45853", "zlib1g", "Debian:12", "1:1.2.13.dfsg-1", Severity::Low)
    };
    let pyyaml = VulnFinding {
        aliases: vec!["GHSA-8q59-q68h-6hv4".to_owned()],
        advisories: vec!["GHSA-8q59-q68h-6hv4".to_owned()],
        fixed: Some("5.4".to_owned()),
        status: VulnStatus::Fixed,
        severity_source: "ghsa".to_owned(),
        path: "/usr/lib/python3/dist-packages/PyYAML-5.3.1.dist-info/METADATA".to_owned(),
        title: "Improper Input Validation in PyYAML".to_owned(),
        references: vec!["https://github.com/advisories/GHSA-8q59-q68h-6hv4".to_owned()],
        layer: Some(LayerRef { index: 2, diff_id: None, created_by: None }),
        ..vuln("CVE-2020-14343", "PyYAML", "PyPI", "5.3.1", Severity::High)
    };
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
    report.misconfigurations = vec![Finding {
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
        status: None,
    }];
    report.secrets = vec![Finding {
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
        status: None,
    }];
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

#[test]
fn table_snapshot() {
    check("table.txt", &to_table(&report(), TableStyle { colour: false, width: None }));
}

#[test]
fn table_fitted_to_80_columns_snapshot() {
    check("table-80.txt", &to_table(&report(), TableStyle { colour: false, width: Some(80) }));
}

#[test]
fn json_snapshot() {
    check("report.json", &report().to_json());
}

#[test]
fn sarif_snapshot() {
    check("report.sarif.json", &to_sarif(&report(), "0.0.0-test"));
}

#[test]
fn junit_snapshot() {
    check("report.junit.xml", &to_junit(&report()));
}

#[test]
fn gitlab_snapshot() {
    let times = ScanTimes { start: 1_796_025_600, end: 1_796_025_607 };
    check("report.gitlab.json", &to_gitlab(&report(), "0.0.0-test", times));
}
