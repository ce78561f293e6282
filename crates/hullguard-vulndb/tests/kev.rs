//! The CISA KEV catalog (`shared/vulndata/kev/known_exploited_vulnerabilities.json`,
//! read in place) and hand-made broken catalogs.

use std::path::PathBuf;

use hullguard_vulndb::import::ImportError;
use hullguard_vulndb::import::kev::{self, KevEntry};

fn vulndata() -> PathBuf {
    let shared = std::env::var_os("HULLGUARD_SHARED")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")), PathBuf::from);
    shared.join("vulndata")
}

#[test]
fn the_real_catalog() {
    let catalog = kev::read_catalog(&vulndata().join("kev/known_exploited_vulnerabilities.json")).unwrap();
    assert_eq!(catalog.catalog_version, "2025.08.25");
    assert_eq!(catalog.date_released, "2025-08-25T17:04:19.9796Z");
    assert_eq!(catalog.entries.len(), 1404);
    assert!(catalog.rejected.is_empty(), "{:?}", catalog.rejected);
    assert_eq!(catalog.entries.iter().filter(|e| e.known_ransomware).count(), 293);
    assert_eq!(catalog.entries.iter().filter(|e| e.vendor == "Microsoft").count(), 340);
    assert_eq!(catalog.entries.iter().filter(|e| e.cwes.is_empty()).count(), 152);
    assert_eq!(catalog.entries[0].cve, "CVE-2025-48384");
    assert_eq!(catalog.entries[0].date_added, "2025-08-25");
    assert_eq!(catalog.entries[1403].cve, "CVE-2020-29583");
    assert_eq!(catalog.entries[1403].date_added, "2021-11-03");

    let log4j = catalog.get("CVE-2021-44228").unwrap();
    assert_eq!(
        log4j,
        &KevEntry {
            cve: "CVE-2021-44228".into(),
            vendor: "Apache".into(),
            product: "Log4j2".into(),
            name: "Apache Log4j2 Remote Code Execution Vulnerability".into(),
            date_added: "2021-12-10".into(),
            due_date: "2021-12-24".into(),
            known_ransomware: true,
            description: log4j.description.clone(),
            required_action: log4j.required_action.clone(),
            notes: "https://nvd.nist.gov/vuln/detail/CVE-2021-44228".into(),
            cwes: vec!["CWE-20".into(), "CWE-400".into(), "CWE-502".into()],
        }
    );
    assert!(log4j.description.starts_with("Apache Log4j2 contains a vulnerability where JNDI features"));
    let git = catalog.get("CVE-2025-48384").unwrap();
    assert_eq!((git.vendor.as_str(), git.due_date.as_str(), git.known_ransomware), ("Git", "2025-09-15", false));
    assert!(catalog.get("CVE-2021-44229").is_none());
}

/// A one-entry catalog with `entry` spliced in.
fn catalog_with(entry: &str) -> String {
    format!(
        r#"{{"title": "t", "catalogVersion": "2025.01.02", "dateReleased": "2025-01-02T00:00:00Z", "count": 1,
            "vulnerabilities": [{entry}]}}"#
    )
}

const GOOD: &str = r#"{"cveID": "CVE-2024-12345", "vendorProject": "V", "product": "P",
    "vulnerabilityName": "N", "dateAdded": "2024-02-29", "shortDescription": "D", "requiredAction": "A",
    "dueDate": "2024-03-21", "knownRansomwareCampaignUse": "Unknown"}"#;

#[test]
fn a_minimal_entry_reads() {
    let catalog = kev::parse_catalog(catalog_with(GOOD).as_bytes(), "t.json").unwrap();
    assert_eq!(catalog.catalog_version, "2025.01.02");
    let [entry] = &catalog.entries[..] else { panic!("{catalog:?}") };
    assert_eq!(entry.cve, "CVE-2024-12345");
    assert_eq!(entry.date_added, "2024-02-29");
    assert!(!entry.known_ransomware);
    assert_eq!(entry.notes, "");
    assert!(entry.cwes.is_empty());
}

#[test]
fn bad_entries_are_rejected_one_by_one() {
    let cases = [
        (GOOD.replace("CVE-2024-12345", "CVE-24-12345"), "bad cveID \"CVE-24-12345\""),
        (GOOD.replace("CVE-2024-12345", "GHSA-xxxx-yyyy-zzzz"), "bad cveID"),
        (GOOD.replace("2024-02-29", "2023-02-29"), "CVE-2024-12345: bad dateAdded \"2023-02-29\""),
        (GOOD.replace("2024-03-21", "03/21/2024"), "bad dueDate"),
        (GOOD.replace("\"Unknown\"", "\"Maybe\""), "bad knownRansomwareCampaignUse \"Maybe\""),
        (GOOD.replace("\"product\": \"P\",", ""), "CVE-2024-12345: missing field `product`"),
        (GOOD.replace("\"V\"", "7"), "invalid type"),
        ("42".to_owned(), "invalid type"),
    ];
    for (entry, problem) in cases {
        let catalog = kev::parse_catalog(catalog_with(&entry).as_bytes(), "t.json").unwrap();
        assert!(catalog.entries.is_empty());
        let [ImportError::Syntax { origin, problem: got, .. }] = &catalog.rejected[..] else {
            panic!("{entry}: {:?}", catalog.rejected)
        };
        assert_eq!(origin, "t.json");
        assert!(got.starts_with("vulnerabilities[0]: ") && got.contains(problem), "{got}");
    }
}

#[test]
fn garbage_catalogs_are_errors() {
    let json = |bytes: &[u8]| kev::parse_catalog(bytes, "g.json");
    let err = json(b"").unwrap_err();
    assert!(err.to_string().starts_with("g.json: not a KEV catalog: EOF"), "{err}");
    assert!(matches!(json(b"\xff\xfe garbage"), Err(ImportError::Syntax { .. })));
    assert!(matches!(json(b"[]"), Err(ImportError::Syntax { .. })));
    assert!(matches!(json(br#"{"catalogVersion": "1"}"#), Err(ImportError::Syntax { .. })));
    let text = catalog_with(GOOD);
    let err = json(text.replace("\"count\": 1", "\"count\": 2").as_bytes()).unwrap_err();
    assert_eq!(err.to_string(), "g.json: not a KEV catalog: count is 2 but there are 1 entries");
    let err = json(text.replace("\"count\": 1", "\"count\": -1").as_bytes()).unwrap_err();
    assert!(matches!(err, ImportError::Syntax { .. }));
    let err = json(text.replace("2025.01.02", "").as_bytes()).unwrap_err();
    assert_eq!(err.to_string(), "g.json: not a KEV catalog: bad catalogVersion \"\"");
    let err = json(text.replace("2025-01-02T", "2025-13-02T").as_bytes()).unwrap_err();
    assert!(err.to_string().contains("bad dateReleased"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(kev::read_catalog(&dir.path().join("missing.json")), Err(ImportError::Io { .. })));
}
