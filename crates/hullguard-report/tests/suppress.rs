//! Ignore-file and VEX suppression on hand-built reports.

use std::collections::BTreeMap;

use hullguard_inventory::Purl;
use hullguard_report::suppress::{Vex, apply, parse_ignore, parse_vex};
use hullguard_report::{Finding, FindingKind, Location, Report, Severity, Suppressed, VulnDetail, VulnStatus};

const TODAY: &str = "2026-06-15";

#[allow(clippy::too_many_arguments)]
fn finding(
    id: &str,
    aliases: &[&str],
    package: &str,
    purl: &str,
    installed: &str,
    path: &str,
    sev: Severity,
) -> Finding {
    Finding {
        kind: FindingKind::Vulnerability,
        id: id.to_owned(),
        concept: None,
        severity: sev,
        title: String::new(),
        description: String::new(),
        location: Location::Path { path: path.to_owned() },
        evidence: None,
        fix: None,
        references: Vec::new(),
        vulnerability: Some(Box::new(VulnDetail {
            aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
            advisories: vec![id.to_owned()],
            package: package.to_owned(),
            source_package: None,
            ecosystem: "test".to_owned(),
            purl: Purl::parse(purl).unwrap(),
            installed: installed.to_owned(),
            fixed: None,
            status: VulnStatus::Fixed,
            fixed_since: None,
            severity_source: "cvss".to_owned(),
            cvss: None,
            kev: None,
            layer: None,
            reachability: None,
            dependency: None,
        })),
        status: None,
    }
}

const PYYAML_PATH: &str = "usr/local/lib/python3.11/site-packages/PyYAML-5.3.1.dist-info/METADATA";

/// PyYAML, minimist, and the same Go stdlib vulnerability in two binaries.
fn report() -> Report {
    let mut r = Report::new("app:1.0");
    r.packages = 4;
    r.db_built = "2026-06-01T00:00:00Z".to_owned();
    r.findings = vec![
        finding(
            "CVE-2020-14343",
            &["GHSA-8q59-q68h-6hv4", "PYSEC-2021-142"],
            "PyYAML",
            "pkg:pypi/pyyaml@5.3.1",
            "5.3.1",
            PYYAML_PATH,
            Severity::Critical,
        ),
        finding(
            "CVE-2021-44906",
            &["GHSA-xvch-5gv4-984h"],
            "minimist",
            "pkg:npm/minimist@1.2.0",
            "1.2.0",
            "app/node_modules/minimist/package.json",
            Severity::Critical,
        ),
    ];
    for binary in ["usr/local/bin/server", "opt/tools/bin/helper"] {
        let stdlib = ("stdlib", "pkg:golang/stdlib@1.21.0", "1.21.0");
        r.findings.push(finding(
            "CVE-2023-45288",
            &["GO-2024-2687"],
            stdlib.0,
            stdlib.1,
            stdlib.2,
            binary,
            Severity::High,
        ));
    }
    r.finalize();
    r
}

/// `(id, path)` of the findings left, in report order.
fn left(r: &Report) -> Vec<(&str, &str)> {
    r.findings.iter().map(|f| (f.id.as_str(), f.path())).collect()
}

fn sup(id: &str, package: &str, reason: &str) -> Suppressed {
    Suppressed { id: id.to_owned(), package: package.to_owned(), reason: reason.to_owned() }
}

fn run_ignore(text: &str) -> (Report, Vec<String>) {
    let ignore = parse_ignore(text.as_bytes(), ".hullguardignore").unwrap();
    let mut r = report();
    let warnings = apply(&mut r, Some(&ignore), &[], TODAY);
    (r, warnings)
}

fn run_vex(docs: &[(&str, &str)]) -> (Report, Vec<String>) {
    let vex: Vec<Vex> = docs.iter().map(|(origin, text)| parse_vex(text.as_bytes(), origin).unwrap()).collect();
    let mut r = report();
    let warnings = apply(&mut r, None, &vex, TODAY);
    (r, warnings)
}

const PYYAML: (&str, &str) = ("CVE-2020-14343", PYYAML_PATH);
const MINIMIST: (&str, &str) = ("CVE-2021-44906", "app/node_modules/minimist/package.json");
const STDLIB_HELPER: (&str, &str) = ("CVE-2023-45288", "opt/tools/bin/helper");
const STDLIB_SERVER: (&str, &str) = ("CVE-2023-45288", "usr/local/bin/server");

#[test]
fn nothing_to_apply_keeps_everything() {
    let mut r = report();
    let warnings = apply(&mut r, None, &[], TODAY);
    assert_eq!(left(&r), [PYYAML, MINIMIST, STDLIB_HELPER, STDLIB_SERVER]);
    assert!(r.suppressed.is_empty());
    assert!(warnings.is_empty());
}

#[test]
fn ignore_by_id_and_by_alias() {
    let (r, warnings) = run_ignore(
        "vulnerabilities:\n  - id: CVE-2020-14343\n    reason: not reachable\n  - id: ghsa-xvch-5gv4-984h\n    reason: build-time only\n",
    );
    assert_eq!(left(&r), [STDLIB_HELPER, STDLIB_SERVER]);
    assert_eq!(
        r.suppressed,
        [
            sup("CVE-2020-14343", "PyYAML", "ignorefile: not reachable"),
            sup("CVE-2021-44906", "minimist", "ignorefile: build-time only"),
        ]
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(r.summary, BTreeMap::from([(Severity::High, 2)]));
}

#[test]
fn ignore_by_pysec_alias_without_reason_names_the_line() {
    let (r, warnings) = run_ignore("# comment\nvulnerabilities:\n  - id: PYSEC-2021-142\n");
    assert_eq!(left(&r), [MINIMIST, STDLIB_HELPER, STDLIB_SERVER]);
    assert_eq!(r.suppressed, [sup("CVE-2020-14343", "PyYAML", "ignorefile: .hullguardignore:3")]);
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn ignore_scoped_by_package_name_and_purl() {
    let (r, warnings) = run_ignore(
        "vulnerabilities:
  - id: CVE-2020-14343
    package: pyyaml
    reason: by name
  - id: CVE-2021-44906
    package: pkg:npm/minimist
    reason: by purl
  - id: CVE-2021-44906
    package: pkg:npm/minimist@1.2.6
    reason: other version
  - id: CVE-2023-45288
    package: openssl
    reason: other package
",
    );
    assert_eq!(left(&r), [STDLIB_HELPER, STDLIB_SERVER]);
    assert_eq!(
        r.suppressed,
        [
            sup("CVE-2020-14343", "PyYAML", "ignorefile: by name"),
            sup("CVE-2021-44906", "minimist", "ignorefile: by purl")
        ]
    );
    assert_eq!(
        warnings,
        [
            ".hullguardignore:8: CVE-2021-44906 (package pkg:npm/minimist@1.2.6) matched no finding",
            ".hullguardignore:11: CVE-2023-45288 (package openssl) matched no finding",
        ]
    );
}

#[test]
fn ignore_scoped_by_path_glob() {
    let (r, warnings) = run_ignore(
        "vulnerabilities:
  - id: GO-2024-2687
    path: /opt/tools/**
    reason: helper never serves HTTP
  - id: CVE-2023-45288
    path: /usr/*/server
    reason: one level only
",
    );
    assert_eq!(left(&r), [PYYAML, MINIMIST, STDLIB_SERVER]);
    assert_eq!(r.suppressed, [sup("CVE-2023-45288", "stdlib", "ignorefile: helper never serves HTTP")]);
    assert_eq!(warnings, [".hullguardignore:5: CVE-2023-45288 (path /usr/*/server) matched no finding"]);
    assert_eq!(r.summary, BTreeMap::from([(Severity::High, 1), (Severity::Critical, 2)]));
}

#[test]
fn expired_entry_is_not_applied_and_warned() {
    let (r, warnings) = run_ignore(
        "vulnerabilities:
  - id: CVE-2020-14343
    expires: 2026-06-15
    reason: until the upgrade
  - id: CVE-2021-44906
    expires: 2026-06-16
    reason: still valid
",
    );
    assert_eq!(left(&r), [PYYAML, STDLIB_HELPER, STDLIB_SERVER]);
    assert_eq!(r.suppressed, [sup("CVE-2021-44906", "minimist", "ignorefile: still valid")]);
    assert_eq!(warnings, [".hullguardignore:2: CVE-2020-14343 expired on 2026-06-15 and no longer applies"]);
}

#[test]
fn unmatched_entry_is_warned() {
    let (r, warnings) = run_ignore("vulnerabilities:\n  - id: CVE-1999-0001\n    reason: old\n");
    assert_eq!(left(&r), [PYYAML, MINIMIST, STDLIB_HELPER, STDLIB_SERVER]);
    assert!(r.suppressed.is_empty());
    assert_eq!(warnings, [".hullguardignore:2: CVE-1999-0001 matched no finding"]);
}

#[test]
fn plain_ignore_file() {
    let (r, warnings) = run_ignore(
        "# accepted risks\n\nCVE-2021-44906   # inline comment\nGO-2024-2687 exp:2026-01-01\nPYSEC-2021-142 exp:2027-01-31\n",
    );
    assert_eq!(left(&r), [STDLIB_HELPER, STDLIB_SERVER]);
    assert_eq!(
        r.suppressed,
        [
            sup("CVE-2020-14343", "PyYAML", "ignorefile: .hullguardignore:5"),
            sup("CVE-2021-44906", "minimist", "ignorefile: .hullguardignore:3"),
        ]
    );
    assert_eq!(warnings, [".hullguardignore:4: GO-2024-2687 expired on 2026-01-01 and no longer applies"]);
}

#[test]
fn empty_ignore_files() {
    for text in ["", "# nothing\n", "vulnerabilities:\n", "---\n"] {
        let ignore = parse_ignore(text.as_bytes(), "x").unwrap();
        assert!(ignore.entries.is_empty(), "{text:?}");
    }
}

#[test]
fn garbage_ignore_files_are_one_line_errors() {
    let cases: &[(&[u8], &str)] = &[
        (
            b"vulnerabilities:\n  - id: CVE-1\n    reason: [unclosed\n",
            ".hullguardignore:4: invalid YAML: while parsing a flow sequence, expected ',' or ']'",
        ),
        (
            b"vulnerabilities:\n  - id: CVE-1\n    expire: 2027-01-01\n",
            ".hullguardignore:3: unknown key `expire` (expected id, package, path, object, expires, reason)",
        ),
        (
            b"vulnerabilities:\n  - id: CVE-1\n    expires: 2027-02-30\n",
            ".hullguardignore:3: `2027-02-30` is not a date (YYYY-MM-DD)",
        ),
        (b"vulnerabilities:\n  - reason: x\n", ".hullguardignore:2: entry has no `id`"),
        (
            b"vulnerabilities:\n  - CVE-1\n",
            ".hullguardignore:2: each entry must be a mapping with an `id` (and optionally package, path, expires, reason)",
        ),
        (b"vulnerabilities:\n  - id: [a, b]\n", ".hullguardignore:2: `id` must be a single value"),
        (b"vulnerabilities: 3\n", ".hullguardignore:1: `vulnerabilities` must be a list of entries"),
        (b"vulnerabilities: []\nignore: []\n", ".hullguardignore:2: unknown key `ignore` (expected `vulnerabilities`)"),
        (b"CVE-1\nCVE-2 exp:tomorrow\n", ".hullguardignore:2: `tomorrow` is not a date (YYYY-MM-DD)"),
        (
            b"CVE-1\nCVE-2 CVE-3\n",
            ".hullguardignore:2: unexpected `CVE-3` after `CVE-2` (expected ` exp:YYYY-MM-DD` or nothing)",
        ),
        (
            b"vulnerabilites:\n  - id: CVE-1\n",
            "\
             .hullguardignore:1: `vulnerabilites:` is not a vulnerability id (a YAML ignore file starts with \
             `vulnerabilities:`; the plain form has one id per line, optionally followed by ` exp:YYYY-MM-DD`)",
        ),
        (b"CVE-1\n\xff\xfe\n", ".hullguardignore:2: not valid UTF-8"),
    ];
    for (text, want) in cases {
        let err = parse_ignore(text, ".hullguardignore").unwrap_err().to_string();
        assert_eq!(&err, want);
    }
}

fn openvex(statements: &str) -> String {
    format!(
        r#"{{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.com/vex/1",
  "author": "Example Security",
  "timestamp": "2026-05-01T10:00:00Z",
  "version": 1,
  "statements": [{statements}]
}}"#
    )
}

#[test]
fn openvex_not_affected_by_purl_with_and_without_version() {
    let doc = openvex(
        r#"
    {
      "vulnerability": {"name": "CVE-2020-14343", "aliases": ["GHSA-8q59-q68h-6hv4"]},
      "products": [{"@id": "pkg:pypi/PyYAML@5.3.1?foo=bar"}],
      "status": "not_affected",
      "justification": "vulnerable_code_not_in_execute_path"
    },
    {
      "vulnerability": {"name": "GHSA-xvch-5gv4-984h"},
      "products": [{"@id": "pkg:npm/minimist"}],
      "status": "not_affected",
      "impact_statement": "only parses our own argv"
    }"#,
    );
    let (r, warnings) = run_vex(&[("app.openvex.json", &doc)]);
    assert_eq!(left(&r), [STDLIB_HELPER, STDLIB_SERVER]);
    assert_eq!(
        r.suppressed,
        [
            sup(
                "CVE-2020-14343",
                "PyYAML",
                "vex: not_affected (vulnerable_code_not_in_execute_path) from app.openvex.json"
            ),
            sup("CVE-2021-44906", "minimist", "vex: not_affected (only parses our own argv) from app.openvex.json"),
        ]
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(r.summary, BTreeMap::from([(Severity::High, 2)]));
}

#[test]
fn openvex_other_version_and_non_suppressing_statuses() {
    let doc = openvex(
        r#"
    {"vulnerability": {"name": "CVE-2020-14343"}, "products": [{"@id": "pkg:pypi/pyyaml@6.0"}],
     "status": "not_affected", "justification": "component_not_present"},
    {"vulnerability": {"name": "CVE-2021-44906"}, "products": [{"@id": "pkg:npm/minimist@1.2.0"}],
     "status": "affected", "action_statement": "upgrade"},
    {"vulnerability": {"name": "CVE-2023-45288"}, "products": [{"@id": "pkg:golang/stdlib"}],
     "status": "fixed"},
    {"vulnerability": {"name": "CVE-2023-45288"}, "products": [{"@id": "pkg:golang/stdlib"}],
     "status": "under_investigation"},
    {"vulnerability": "CVE-2023-45288", "products": ["pkg:golang/stdlib"], "status": "maybe"}"#,
    );
    let (r, warnings) = run_vex(&[("vex.json", &doc)]);
    assert_eq!(left(&r), [PYYAML, MINIMIST, STDLIB_HELPER, STDLIB_SERVER]);
    assert!(r.suppressed.is_empty());
    assert_eq!(
        warnings,
        [
            "vex.json: statements[0]: CVE-2020-14343 not_affected for pkg:pypi/pyyaml@6.0 matched no finding \
             (it is reported for pkg:pypi/pyyaml@5.3.1)",
            "vex.json: statements[4]: CVE-2023-45288 has unknown status \"maybe\"; statement ignored",
        ]
    );
}

#[test]
fn openvex_image_product_with_subcomponents() {
    let doc = openvex(
        r#"
    {"vulnerability": {"name": "CVE-2023-45288"},
     "products": [{"@id": "pkg:oci/app@sha256%3Aabc?repository_url=example.com/app",
                   "subcomponents": [{"@id": "pkg:golang/stdlib@1.21.0"}, {"@id": "pkg:pypi/pyyaml"}]}],
     "status": "not_affected", "justification": "vulnerable_code_cannot_be_controlled_by_adversary"},
    {"vulnerability": {"name": "CVE-2021-44906"},
     "products": [{"@id": "pkg:oci/app", "subcomponents": [{"@id": "pkg:npm/other"}]}],
     "status": "not_affected", "justification": "component_not_present"}"#,
    );
    let (r, warnings) = run_vex(&[("vex.json", &doc)]);
    assert_eq!(left(&r), [PYYAML, MINIMIST]);
    let reason = "vex: not_affected (vulnerable_code_cannot_be_controlled_by_adversary) from vex.json";
    assert_eq!(r.suppressed, [sup("CVE-2023-45288", "stdlib", reason), sup("CVE-2023-45288", "stdlib", reason)]);
    assert_eq!(
        warnings,
        ["vex.json: statements[1]: CVE-2021-44906 not_affected for pkg:oci/app matched no finding \
          (it is reported for pkg:npm/minimist@1.2.0)"]
    );
}

#[test]
fn openvex_image_product_without_subcomponents_covers_every_package() {
    let doc = openvex(
        r#"
    {"vulnerability": {"name": "PYSEC-2021-142"}, "products": [{"@id": "pkg:oci/app"}], "status": "not_affected",
     "justification": "inline_mitigations_already_exist"},
    {"vulnerability": {"name": "CVE-2023-45288"}, "products": [{"@id": "https://example.com/products/app"}],
     "status": "not_affected", "justification": "vulnerable_code_not_present"}"#,
    );
    let (r, warnings) = run_vex(&[("vex.json", &doc)]);
    assert_eq!(left(&r), [MINIMIST]);
    assert_eq!(
        r.suppressed,
        [
            sup("CVE-2020-14343", "PyYAML", "vex: not_affected (inline_mitigations_already_exist) from vex.json"),
            sup("CVE-2023-45288", "stdlib", "vex: not_affected (vulnerable_code_not_present) from vex.json"),
            sup("CVE-2023-45288", "stdlib", "vex: not_affected (vulnerable_code_not_present) from vex.json"),
        ]
    );
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn openvex_later_statement_overrides_earlier() {
    let doc = openvex(
        r#"
    {"vulnerability": {"name": "CVE-2021-44906"}, "products": [{"@id": "pkg:npm/minimist"}],
     "status": "affected", "timestamp": "2026-05-03T00:00:00Z"},
    {"vulnerability": {"name": "CVE-2021-44906"}, "products": [{"@id": "pkg:npm/minimist"}],
     "status": "not_affected", "justification": "component_not_present", "timestamp": "2026-05-02T00:00:00Z"},
    {"vulnerability": {"name": "CVE-2020-14343"}, "products": [{"@id": "pkg:pypi/pyyaml"}],
     "status": "under_investigation", "timestamp": "2026-05-01T00:00:00Z"},
    {"vulnerability": {"name": "CVE-2020-14343"}, "products": [{"@id": "pkg:pypi/pyyaml"}],
     "status": "not_affected", "justification": "component_not_present", "timestamp": "2026-05-02T01:00:00+02:00"}"#,
    );
    let (r, warnings) = run_vex(&[("vex.json", &doc)]);
    assert_eq!(left(&r), [MINIMIST, STDLIB_HELPER, STDLIB_SERVER]);
    assert_eq!(
        r.suppressed,
        [sup("CVE-2020-14343", "PyYAML", "vex: not_affected (component_not_present) from vex.json")]
    );
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn openvex_statement_matching_nothing_is_named() {
    let doc = openvex(
        r#"
    {"vulnerability": {"name": "CVE-2099-0001"}, "products": [{"@id": "pkg:pypi/requests@2.0"}, {"@id": "pkg:pypi/idna"}],
     "status": "not_affected", "justification": "component_not_present"},
    {"vulnerability": {"name": "CVE-2099-0002"}, "products": [{"@id": "pkg:pypi/requests"}], "status": "fixed"}"#,
    );
    let (r, warnings) = run_vex(&[("vex/app.json", &doc)]);
    assert_eq!(left(&r), [PYYAML, MINIMIST, STDLIB_HELPER, STDLIB_SERVER]);
    assert!(r.suppressed.is_empty());
    assert_eq!(
        warnings,
        ["vex/app.json: statements[0]: CVE-2099-0001 not_affected for pkg:pypi/requests@2.0, pkg:pypi/idna \
          matched no finding (no finding has this id or alias)"]
    );
}

fn cyclonedx(vulnerabilities: &str) -> String {
    format!(
        r#"{{
  "bomFormat": "CycloneDX",
  "specVersion": "1.6",
  "version": 1,
  "metadata": {{"timestamp": "2026-05-01T00:00:00Z",
               "component": {{"type": "container", "name": "app", "bom-ref": "app-image"}}}},
  "components": [
    {{"type": "library", "name": "minimist", "bom-ref": "npm-minimist", "purl": "pkg:npm/minimist@1.2.0"}}
  ],
  "vulnerabilities": [{vulnerabilities}]
}}"#
    )
}

#[test]
fn cyclonedx_vex_affects_ref() {
    let doc = cyclonedx(
        r#"
    {"id": "CVE-2020-14343", "analysis": {"state": "not_affected", "justification": "code_not_reachable"},
     "affects": [{"ref": "pkg:pypi/pyyaml@5.3.1"}]},
    {"id": "GHSA-xvch-5gv4-984h", "analysis": {"state": "false_positive", "detail": "dev dependency"},
     "affects": [{"ref": "npm-minimist"}]},
    {"id": "CVE-2023-45288", "analysis": {"state": "resolved"}, "affects": [{"ref": "app-image"}]},
    {"id": "CVE-2023-45288", "references": [{"id": "GO-2024-2687"}]}"#,
    );
    let (r, warnings) = run_vex(&[("bom.vex.json", &doc)]);
    assert_eq!(left(&r), [STDLIB_HELPER, STDLIB_SERVER]);
    assert_eq!(
        r.suppressed,
        [
            sup("CVE-2020-14343", "PyYAML", "vex: not_affected (code_not_reachable) from bom.vex.json"),
            sup("CVE-2021-44906", "minimist", "vex: false_positive (dev dependency) from bom.vex.json"),
        ]
    );
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn cyclonedx_vex_whole_image_and_unresolved_refs() {
    let doc = cyclonedx(
        r#"
    {"id": "GO-2024-2687", "analysis": {"state": "not_affected", "justification": "requires_environment"},
     "affects": [{"ref": "app-image"}]},
    {"id": "CVE-2020-14343", "analysis": {"state": "not_affected"}, "affects": [{"ref": "python-pyyaml"}]},
    {"id": "CVE-2021-44906", "analysis": {"state": "in_triage"}, "affects": [{"ref": "npm-minimist"}]},
    {"id": "CVE-2021-44906", "analysis": {"state": "wontfix"}, "affects": [{"ref": "npm-minimist"}]}"#,
    );
    let (r, warnings) = run_vex(&[("bom.vex.json", &doc)]);
    assert_eq!(left(&r), [PYYAML, MINIMIST]);
    let reason = "vex: not_affected (requires_environment) from bom.vex.json";
    assert_eq!(r.suppressed, [sup("CVE-2023-45288", "stdlib", reason), sup("CVE-2023-45288", "stdlib", reason)]);
    assert_eq!(
        warnings,
        [
            "bom.vex.json: vulnerabilities[1]: CVE-2020-14343 not_affected for python-pyyaml matched no finding \
             (`python-pyyaml` is neither a purl nor a bom-ref of this document; it is reported for pkg:pypi/pyyaml@5.3.1)",
            "bom.vex.json: vulnerabilities[3]: CVE-2021-44906 has unknown status \"wontfix\"; statement ignored",
        ]
    );
}

#[test]
fn cyclonedx_bom_link_with_purl_fragment() {
    let doc = cyclonedx(
        r#"
    {"id": "CVE-2020-14343", "analysis": {"state": "not_affected", "justification": "protected_by_mitigating_control"},
     "affects": [{"ref": "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#pkg:pypi/pyyaml@5.3.1"}]}"#,
    );
    let (r, warnings) = run_vex(&[("bom.vex.json", &doc)]);
    assert_eq!(left(&r), [MINIMIST, STDLIB_HELPER, STDLIB_SERVER]);
    assert_eq!(
        r.suppressed,
        [sup("CVE-2020-14343", "PyYAML", "vex: not_affected (protected_by_mitigating_control) from bom.vex.json")]
    );
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn ignore_file_wins_over_vex_and_both_count_as_matched() {
    let ignore = parse_ignore(b"CVE-2021-44906\n", ".hullguardignore").unwrap();
    let doc = openvex(
        r#"{"vulnerability": {"name": "CVE-2021-44906"}, "products": [{"@id": "pkg:npm/minimist"}],
            "status": "not_affected", "justification": "component_not_present"}"#,
    );
    let vex = parse_vex(doc.as_bytes(), "vex.json").unwrap();
    let mut r = report();
    let warnings = apply(&mut r, Some(&ignore), &[vex], TODAY);
    assert_eq!(left(&r), [PYYAML, STDLIB_HELPER, STDLIB_SERVER]);
    assert_eq!(r.suppressed, [sup("CVE-2021-44906", "minimist", "ignorefile: .hullguardignore:1")]);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(r.summary, BTreeMap::from([(Severity::High, 2), (Severity::Critical, 1)]));
}

#[test]
fn vex_without_statements_is_warned() {
    let (r, warnings) = run_vex(&[("empty.json", &openvex("")), ("sbom.json", &cyclonedx(r#"{"id": "CVE-1"}"#))]);
    assert_eq!(left(&r), [PYYAML, MINIMIST, STDLIB_HELPER, STDLIB_SERVER]);
    assert_eq!(
        warnings,
        ["empty.json: no VEX statements; it suppresses nothing", "sbom.json: no VEX statements; it suppresses nothing"]
    );
}

#[test]
fn garbage_vex_is_one_line_error() {
    let cases: &[(&str, &str)] = &[
        ("{\n  \"statements\": [\n  oops\n", "vex.json:3: invalid JSON: expected value"),
        ("", "vex.json:1: invalid JSON: EOF while parsing a value"),
        ("[1, 2]", "vex.json:1: not a VEX document: expected a JSON object"),
        (
            "{\"hello\": 1}",
            "vex.json:1: not a VEX document: neither OpenVEX (`@context` naming openvex) nor CycloneDX \
             (`\"bomFormat\": \"CycloneDX\"`)",
        ),
        ("<bom/>", "vex.json:1: XML VEX is not supported; use OpenVEX or CycloneDX JSON"),
        (
            "{\"bomFormat\": \"CycloneDX\", \"components\": []}",
            "vex.json:1: CycloneDX document without `vulnerabilities`: an SBOM, not a VEX document",
        ),
        ("{\"@context\": \"https://openvex.dev/ns/v0.2.0\"}", "vex.json:1: OpenVEX document without `statements`"),
        (
            "{\"@context\": \"https://openvex.dev/ns/v0.2.0\",\n\"statements\": [\n{\"vulnerability\": {\"name\": \"CVE-1\"},\n \"products\": []}\n]}",
            "vex.json:4: missing field `status`",
        ),
        (
            "{\"@context\": \"https://openvex.dev/ns/v0.2.0\",\n\"statements\": [\n{\"vulnerability\": 7,\n \"status\": \"fixed\"}]}",
            "vex.json:3: `vulnerability` must be a string or an object with a `name`",
        ),
        (
            "{\"bomFormat\": \"CycloneDX\",\n\"vulnerabilities\": [\n{\"id\": 5}]}",
            "vex.json:3: invalid type: integer `5`, expected a string",
        ),
    ];
    for (text, want) in cases {
        let err = parse_vex(text.as_bytes(), "vex.json").unwrap_err().to_string();
        assert_eq!(&err, want);
    }
}

/// A check or secret finding of an image scan.
fn check_finding(kind: FindingKind, id: &str, concept: Option<&str>, path: &str) -> Finding {
    Finding {
        kind,
        id: id.to_owned(),
        concept: concept.map(str::to_owned),
        severity: Severity::High,
        title: String::new(),
        description: String::new(),
        location: Location::Image { layer: Some(1), path: Some(path.to_owned()) },
        evidence: None,
        fix: None,
        references: Vec::new(),
        vulnerability: None,
        status: None,
    }
}

#[test]
fn ignore_entries_cover_misconfigurations_and_secrets_by_id_concept_and_path() {
    use FindingKind::{Misconfiguration, Secret};
    let mut r = report();
    r.findings.extend([
        check_finding(Misconfiguration, "HG-IMG-004", Some("img-setuid"), "/usr/bin/passwd"),
        check_finding(Misconfiguration, "HG-IMG-004", Some("img-setuid"), "/opt/tool/run"),
        check_finding(Secret, "aws-access-key-id", None, "/app/.env"),
    ]);
    let text = "vulnerabilities:\n  - id: img-setuid\n    path: /usr/bin/*\n  - id: AWS-ACCESS-KEY-ID\n    reason: rotated\n  - id: HG-IMG-004\n    package: passwd\n";
    let ignore = parse_ignore(text.as_bytes(), "i.yaml").unwrap();
    let warnings = apply(&mut r, Some(&ignore), &[], TODAY);
    let left: Vec<(&str, &str)> =
        r.findings.iter().filter(|f| f.kind != FindingKind::Vulnerability).map(|f| (f.id.as_str(), f.path())).collect();
    assert_eq!(left, [("HG-IMG-004", "/opt/tool/run")]);
    assert!(r.suppressed.contains(&sup("HG-IMG-004", "/usr/bin/passwd", "ignorefile: i.yaml:2")), "{:?}", r.suppressed);
    assert!(r.suppressed.contains(&sup("aws-access-key-id", "/app/.env", "ignorefile: rotated")), "{:?}", r.suppressed);
    // An entry with a package scope speaks of packages: it never covers a check finding.
    assert_eq!(warnings, ["i.yaml:6: HG-IMG-004 (package passwd) matched no finding"]);
    assert_eq!(r.vulnerabilities().count(), 4, "vulnerability findings are untouched by these entries");
}

#[test]
fn vex_timestamps_that_are_not_dates_are_errors() {
    let statement = |time: &str| {
        format!(
            r#"
    {{"vulnerability": {{"name": "CVE-2021-44906"}}, "products": [{{"@id": "pkg:npm/minimist"}}],
     "status": "affected", "timestamp": "2026-05-03T00:00:00Z"}},
    {{"vulnerability": {{"name": "CVE-2021-44906"}}, "products": [{{"@id": "pkg:npm/minimist"}}],
     "status": "not_affected", "justification": "component_not_present", "timestamp": "{time}"}}"#
        )
    };
    for (time, problem) in [
        ("2099-99-99", "`2099-99-99` is not an RFC 3339 timestamp"),
        ("yesterday", "`yesterday` is not an RFC 3339 timestamp"),
        ("2026-05-04T25:00:00Z", "`2026-05-04T25:00:00Z` is not an RFC 3339 timestamp"),
        ("2099-01-01T00:00:00Z", "`2099-01-01T00:00:00Z` is in the future"),
    ] {
        let err = parse_vex(openvex(&statement(time)).as_bytes(), "vex.json").unwrap_err().to_string();
        assert_eq!(err, format!("vex.json:11: statements[1].timestamp: {problem}"));
    }
    let doc = openvex(&statement("2026-05-02T00:00:00Z")).replace("2026-05-01T10:00:00Z", "soon");
    let err = parse_vex(doc.as_bytes(), "vex.json").unwrap_err().to_string();
    assert_eq!(err, "vex.json:5: timestamp: `soon` is not an RFC 3339 timestamp");
    let doc = cyclonedx(
        r#"
    {"id": "CVE-2021-44906", "analysis": {"state": "not_affected", "lastUpdated": "2026-02-30T00:00:00Z"},
     "affects": [{"ref": "npm-minimist"}]}"#,
    );
    let err = parse_vex(doc.as_bytes(), "bom.vex.json").unwrap_err().to_string();
    assert_eq!(
        err,
        "bom.vex.json:11: vulnerabilities[0].analysis.lastUpdated: `2026-02-30T00:00:00Z` is not an RFC 3339 timestamp"
    );
}

#[test]
fn ignore_entries_scope_manifest_findings_by_object_glob_and_file() {
    let manifest = |id: &str, path: &str, object: &str| {
        let mut f = check_finding(hullguard_report::FindingKind::Misconfiguration, id, Some("k8s-privileged"), "");
        f.location = hullguard_report::Location::Manifest {
            path: path.to_owned(),
            document: 1,
            object: object.to_owned(),
            field: "spec.containers[0].securityContext.privileged".to_owned(),
            line: 9,
            column: 25,
        };
        f
    };
    let mut report = Report::new("manifests");
    report.findings = vec![
        manifest("HG-K8S-001", "charts/out.yaml", "Deployment/prod/web"),
        manifest("HG-K8S-001", "charts/out.yaml", "DaemonSet/kube-system/agent"),
        manifest("HG-K8S-001", "apps/web.yaml", "Deployment/prod/api"),
    ];
    let text = "vulnerabilities:\n  - id: k8s-privileged\n    object: DaemonSet/kube-system/*\n  - id: HG-K8S-001\n    object: Deployment/*/api\n    path: other/**\n  - id: CVE-2020-1\n    object: '**'\n";
    let ignore = parse_ignore(text.as_bytes(), "i.yaml").unwrap();
    let warnings = apply(&mut report, Some(&ignore), &[], TODAY);
    let left: Vec<String> = report.findings.iter().map(|f| f.location.place()).collect();
    assert_eq!(
        left,
        // In report order (by location).
        [
            "apps/web.yaml:9:25 Deployment/prod/api spec.containers[0].securityContext.privileged",
            "charts/out.yaml:9:25 Deployment/prod/web spec.containers[0].securityContext.privileged"
        ]
    );
    assert_eq!(report.suppressed.len(), 1);
    assert_eq!(
        warnings,
        [
            "i.yaml:4: HG-K8S-001 (path other/**, object Deployment/*/api) matched no finding",
            "i.yaml:7: CVE-2020-1 (object **) matched no finding"
        ]
    );
}
