//! Parses every real database fixture and compares it with its truth file.

use crate::common::{APK_DBS, RPM_DBS, read};
use hullguard_inventory::format::osdb::{OsPackage, parse_apk_installed, parse_rpmdb};

/// Truth rows: tab-separated lines, sorted in byte order.
fn truth(relative: &str) -> Vec<String> {
    let text = String::from_utf8(read(relative)).expect("truth is UTF-8");
    let mut rows: Vec<String> = text.lines().map(str::to_owned).collect();
    rows.sort();
    rows
}

/// Renders a package the way `rpm -qa --queryformat` printed the truth.
fn rpm_row(p: &OsPackage) -> String {
    let none = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
    let source_rpm = match (&p.source_name, &p.source_version) {
        (Some(name), Some(version)) => format!("{name}-{version}.src.rpm"),
        _ => "(none)".into(),
    };
    [
        p.name.clone(),
        p.epoch.unwrap_or(0).to_string(),
        p.version.clone(),
        none(&p.release),
        none(&p.arch),
        source_rpm,
        none(&p.license),
    ]
    .join("\t")
}

/// Renders the apk truth columns `P V A o L` (the `c` column has no field).
fn apk_row(p: &OsPackage) -> String {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    [p.name.clone(), p.version.clone(), opt(&p.arch), opt(&p.source_name), opt(&p.license)].join("\t")
}

fn check_rpm(name: &str, db_file: &str) -> Vec<OsPackage> {
    let packages = parse_rpmdb(&read(&format!("rpm/{name}/{db_file}"))).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut got: Vec<String> = packages.iter().map(rpm_row).collect();
    got.sort();
    let want = truth(&format!("rpm/{name}.truth.tsv"));
    assert_eq!(got.len(), want.len(), "{name}: package count");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "{name}: row differs");
    }
    // Meta-packages legitimately own no files, so only the total is checked.
    assert!(packages.iter().any(|p| !p.files.is_empty()), "{name}: no files");
    for p in &packages {
        assert!(p.files.iter().all(|f| f.starts_with('/')), "{name}: {} has a relative path", p.name);
    }
    eprintln!(
        "{name}: {} packages, {} files, all rows match truth",
        packages.len(),
        packages.iter().map(|p| p.files.len()).sum::<usize>()
    );
    packages
}

fn has_file(packages: &[OsPackage], name: &str, file: &str) -> bool {
    packages.iter().any(|p| p.name == name && p.files.iter().any(|f| f == file))
}

#[test]
fn rpm_el8_libuuid_bdb() {
    let (name, file) = RPM_DBS[0];
    let packages = check_rpm(name, file);
    assert!(has_file(&packages, "libuuid", "/usr/lib64/libuuid.so.1"));
}

#[test]
fn rpm_centos8_dive_bdb() {
    let (name, file) = RPM_DBS[1];
    check_rpm(name, file);
}

#[test]
fn rpm_ubi7_tzdata_bdb() {
    let (name, file) = RPM_DBS[2];
    let packages = check_rpm(name, file);
    assert!(has_file(&packages, "tzdata", "/usr/share/zoneinfo/UTC"));
}

#[test]
fn rpm_cbl_mariner_sqlite() {
    let (name, file) = RPM_DBS[3];
    let packages = check_rpm(name, file);
    assert!(has_file(&packages, "bash", "/bin/bash"));
}

#[test]
fn rpm_fedora36_tzdata_sqlite() {
    let (name, file) = RPM_DBS[4];
    let packages = check_rpm(name, file);
    assert!(has_file(&packages, "tzdata", "/usr/share/zoneinfo/UTC"));
}

#[test]
fn rpm_sle15_bci_ndb() {
    let (name, file) = RPM_DBS[5];
    let packages = check_rpm(name, file);
    assert!(has_file(&packages, "bash", "/bin/bash") || has_file(&packages, "bash", "/usr/bin/bash"));
}

fn check_apk(name: &str) {
    let packages =
        parse_apk_installed(&read(&format!("apk/{name}/installed"))).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut got: Vec<String> = packages.iter().map(apk_row).collect();
    got.sort();
    // Drop the aports commit column `c`, which `OsPackage` does not carry.
    let want: Vec<String> = truth(&format!("apk/{name}.truth.tsv"))
        .iter()
        .map(|row| row.rsplit_once('\t').map_or(row.as_str(), |(head, _)| head).to_owned())
        .collect();
    assert_eq!(got.len(), want.len(), "{name}: package count");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "{name}: row differs");
    }
    for p in &packages {
        assert!(p.epoch.is_none() && p.release.is_none(), "{name}: {}", p.name);
        if p.source_name.is_some() {
            assert_eq!(p.source_version.as_deref(), Some(p.version.as_str()));
        }
    }
    assert!(has_file(&packages, "busybox", "bin/busybox"), "{name}");
    eprintln!(
        "{name}: {} packages, {} files, all rows match truth (P V A o L)",
        packages.len(),
        packages.iter().map(|p| p.files.len()).sum::<usize>()
    );
}

#[test]
fn apk_alpine_3_14_minirootfs() {
    check_apk(APK_DBS[0]);
}

#[test]
fn apk_alpine_3_16_syft() {
    check_apk(APK_DBS[1]);
}

#[test]
fn apk_alpine_3_18_scalibr() {
    check_apk(APK_DBS[2]);
}
