//! CVE severity from the vulnrichment extract
//! (`shared/vulndata/severity/cve-severity-from-vulnrichment.jsonl.gz`) and
//! from the CVE JSON 5.x records it was derived from
//! (`severity/cisagov-vulnrichment-2024-10.tar.zst`), both read in place; a
//! few records are unpacked from the archive into a temporary folder.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use hullguard_vulndb::advisory::{Severity, SeverityKind};
use hullguard_vulndb::import::ImportError;
use hullguard_vulndb::import::cvss::{self, CveSeverity, CvssSource, ScoredVector};
use hullguard_vulndb::severity::Level;

fn vulndata() -> PathBuf {
    let shared = std::env::var_os("HULLGUARD_SHARED")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")), PathBuf::from);
    shared.join("vulndata")
}

fn extract() -> cvss::CveSeverities {
    cvss::read_extract_gz(&vulndata().join("severity/cve-severity-from-vulnrichment.jsonl.gz")).unwrap()
}

fn scored(vector: &str, score: f64, source: CvssSource) -> Option<ScoredVector> {
    Some(ScoredVector { vector: vector.into(), score, source })
}

#[test]
fn the_extract_counts() {
    let all = extract();
    assert_eq!(all.records.len(), 44_130);
    assert!(all.rejected.is_empty(), "{:?}", all.rejected);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut count = |key: String| *counts.entry(key).or_default() += 1;
    for r in &all.records {
        count(format!("state {}", r.state));
        if r.has_vector() {
            count("any vector".into());
        }
        if r.cvss_v3.is_some() || r.cvss_v4.is_some() {
            count("3.x or 4.0".into());
        }
        for (kind, v) in [("v2", &r.cvss_v2), ("v3", &r.cvss_v3), ("v4", &r.cvss_v4)] {
            if let Some(v) = v {
                count(format!("{kind} {}", v.source.as_str()));
            }
        }
        if r.cvss_v3.as_ref().is_some_and(|v| v.vector.starts_with("CVSS:3.0/")) {
            count("v3 is 3.0".into());
        }
        if r.kev.is_some() {
            count("kev".into());
        }
        count(format!("level {}", r.level()));
    }
    let expected = [
        ("state PUBLISHED", 44_026),
        ("state REJECTED", 104),
        // The README's 32,765 with a vector: 3 of them have only CVSS 2.0.
        ("any vector", 32_765),
        ("3.x or 4.0", 32_762),
        ("v2 cna", 2424),
        ("v3 cna", 26_202),
        ("v3 cisa-adp", 6012),
        ("v3 is 3.0", 2111),
        ("v4 cna", 2331),
        ("kev", 224),
        ("level unknown", 11_398),
        ("level low", 1738),
        ("level medium", 15_729),
        ("level high", 12_039),
        ("level critical", 3226),
    ];
    let expected: BTreeMap<String, usize> = expected.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
    assert_eq!(counts, expected);

    // A CNA 4.0 vector with CISA's 3.1 beside it: each keeps its source.
    let record = all.records.iter().find(|r| r.cve == "CVE-2023-32190").unwrap();
    assert_eq!(
        record.cvss_v4,
        scored("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5, CvssSource::Cna)
    );
    assert_eq!(record.cvss_v3, scored("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8, CvssSource::CisaAdp));
    assert_eq!(record.level(), Level::High);
    assert_eq!(
        record.severities(),
        [
            Severity { kind: SeverityKind::CvssV3, score: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H".into() },
            Severity {
                kind: SeverityKind::CvssV4,
                score: "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".into()
            },
        ]
    );
    let rejected = all.records.iter().find(|r| r.cve == "CVE-2021-36593").unwrap();
    assert_eq!((rejected.state.as_str(), rejected.published.as_deref()), ("REJECTED", None));
    assert!(!rejected.has_vector());
}

/// Unpacks the CVE records `wanted` from the vulnrichment archive into
/// `dir` (zstd with a 2^27 window, as packed), and counts its CVE records.
fn unpack(dir: &std::path::Path, wanted: &[&str]) -> usize {
    let path = vulndata().join("severity/cisagov-vulnrichment-2024-10.tar.zst");
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut decoder = zstd::stream::read::Decoder::new(file).unwrap();
    decoder.window_log_max(27).unwrap();
    let mut archive = tar::Archive::new(decoder);
    let mut records = 0;
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().into_owned();
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        if !name.starts_with("CVE-") || !name.ends_with(".json") {
            continue;
        }
        records += 1;
        if wanted.iter().any(|w| name == format!("{w}.json")) {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            std::fs::write(dir.join(&name), bytes).unwrap();
        }
    }
    records
}

#[test]
fn cve_records_agree_with_the_extract() {
    let wanted = ["CVE-2005-10003", "CVE-2011-0611", "CVE-2019-25161", "CVE-2023-32190"];
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(unpack(dir.path(), &wanted), 44_130);
    let extract = extract();
    for id in wanted {
        let record = cvss::read_cve_record(&dir.path().join(format!("{id}.json"))).unwrap();
        let line = extract.records.iter().find(|r| r.cve == id).unwrap();
        assert_eq!(&record, line, "{id}");
    }

    // CNA 4.0, 3.1, 3.0 and 2.0: 3.1 wins over 3.0.
    let vuldb = cvss::read_cve_record(&dir.path().join("CVE-2005-10003.json")).unwrap();
    assert_eq!(
        vuldb,
        CveSeverity {
            cve: "CVE-2005-10003".into(),
            state: "PUBLISHED".into(),
            published: Some("2024-10-17T14:00:16.571Z".into()),
            cvss_v2: scored("AV:N/AC:H/Au:N/C:P/I:P/A:P", 5.1, CvssSource::Cna),
            cvss_v3: scored("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:L", 5.6, CvssSource::Cna),
            cvss_v4: scored("CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N", 6.3, CvssSource::Cna),
            kev: None,
        }
    );
    // Only CISA's ADP scores it, and CISA lists it in KEV.
    let flash = cvss::read_cve_record(&dir.path().join("CVE-2011-0611.json")).unwrap();
    assert_eq!(flash.cvss_v3, scored("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8, CvssSource::CisaAdp));
    assert_eq!((flash.cvss_v4, flash.kev.as_deref()), (None, Some("2022-03-03")));
    let rejected = cvss::read_cve_record(&dir.path().join("CVE-2019-25161.json")).unwrap();
    assert_eq!((rejected.state.as_str(), rejected.has_vector()), ("REJECTED", false));
}

/// A CVE record with these CNA and CISA ADP metrics.
fn record(cna: &str, adp: &str) -> String {
    format!(
        r#"{{"cveMetadata": {{"cveId": "CVE-2024-0001", "state": "PUBLISHED"}},
            "containers": {{"cna": {{"metrics": [{cna}]}},
            "adp": [{{"providerMetadata": {{"shortName": "CVE"}}, "metrics": [{{"cvssV3_1": {{"vectorString": "x", "baseScore": 1}}}}]}},
                    {{"providerMetadata": {{"shortName": "CISA-ADP"}}, "metrics": [{adp}]}}]}}}}"#
    )
}

const V31: &str = r#"{"cvssV3_1": {"vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "baseScore": 9.8}}"#;
const V30: &str = r#"{"cvssV3_0": {"vectorString": "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", "baseScore": 8.8}}"#;

#[test]
fn the_cna_comes_first() {
    let parse = |cna: &str, adp: &str| cvss::parse_cve_record(record(cna, adp).as_bytes(), "r.json").unwrap();
    // A CNA 3.0 beats CISA's 3.1; the non-CISA ADP is never read.
    let got = parse(V30, V31);
    assert_eq!(got.cvss_v3, scored("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8, CvssSource::Cna));
    assert_eq!(got.level(), Level::High);
    let got = parse("", V31);
    assert_eq!(got.cvss_v3.map(|v| (v.score, v.source)), Some((9.8, CvssSource::CisaAdp)));
    assert_eq!(got.published, None);
    // The first metric of a kind counts.
    let second = V31.replace("9.8", "7.0");
    let got = parse(&format!("{second}, {V31}"), "");
    assert_eq!(got.cvss_v3.map(|v| v.score), Some(7.0));
    let got = parse("", "");
    assert!(!got.has_vector());
    assert_eq!(got.level(), Level::Unknown);
}

#[test]
fn bad_records_are_errors() {
    let line = |text: &str| cvss::parse_extract_line(text, "x.jsonl:7");
    let ok = r#"{"id": "CVE-2024-0001", "state": "PUBLISHED", "published": "2024-01-01", "cna": {"cvssV3_1": {"vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "baseScore": 9.8}}}"#;
    assert_eq!(line(ok).unwrap().cvss_v3.map(|v| v.score), Some(9.8));
    let malformed = [
        (ok.replace("CVE-2024-0001", "CVE-1"), "bad CVE id \"CVE-1\""),
        (ok.replace("PUBLISHED", "DRAFT"), "CVE-2024-0001: unknown state \"DRAFT\""),
        (ok.replace("9.8", "11"), "CVE-2024-0001: cna cvssV3_1: base score 11 out of 0-10"),
        (ok.replace("9.8", "-0.5"), "base score -0.5 out of 0-10"),
        (ok.replace("CVSS:3.1/", "CVSS:3.0/"), "cna cvssV3_1: vector does not start with CVSS:3.1/"),
        (ok.replace("AV:N/", ""), "cna cvssV3_1: invalid CVSS vector"),
        (ok.replace("/A:H", "/A:Q"), "invalid CVSS vector"),
        (ok.replace("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", ""), "empty or over-long vector"),
        (ok.replace("\"vectorString\"", "\"vector\""), "cna cvssV3_1: missing field `vectorString`"),
        (ok.replace("9.8", "\"9.8\""), "invalid type"),
    ];
    for (text, problem) in malformed {
        let err = line(&text).unwrap_err();
        let ImportError::Syntax { origin, problem: got, .. } = &err else { panic!("{text}: {err:?}") };
        assert_eq!(origin, "x.jsonl:7");
        assert!(got.contains(problem), "{got}");
    }
    for garbage in ["", "{", "[]", "null", r#"{"id": "CVE-2024-0001"}"#, "\u{0}"] {
        assert!(matches!(line(garbage), Err(ImportError::Syntax { .. })), "{garbage:?}");
    }
    assert!(matches!(cvss::parse_cve_record(b"\xff", "r.json"), Err(ImportError::Syntax { .. })));
    assert!(matches!(cvss::parse_cve_record(br#"{"containers": {}}"#, "r.json"), Err(ImportError::Syntax { .. })));
    let bad_adp = record("", &V31.replace("9.8", "99"));
    let err = cvss::parse_cve_record(bad_adp.as_bytes(), "r.json").unwrap_err();
    assert_eq!(
        err.to_string(),
        "r.json: not a CVE JSON 5 record: CVE-2024-0001: cisa-adp cvssV3_1: base score 99 out of 0-10"
    );
}

#[test]
fn bulk_reads_go_on_past_bad_lines() {
    let ok = r#"{"id": "CVE-2024-0001", "state": "PUBLISHED"}"#;
    let text = format!("{ok}\n\n  \nnot json\n{}\n{ok}", ok.replace("0001", "1"));
    let got = cvss::read_extract(text.as_bytes(), "mem").unwrap();
    assert_eq!(got.records.len(), 2);
    let origins: Vec<String> = got.rejected.iter().map(ToString::to_string).collect();
    assert_eq!(origins.len(), 2);
    assert!(origins[0].starts_with("mem:4: "), "{origins:?}");
    assert!(origins[1].starts_with("mem:5: not a severity extract line: bad CVE id"), "{origins:?}");

    let long = format!("{}\n", " ".repeat(cvss::MAX_LINE_BYTES as usize + 1));
    let err = cvss::read_extract(long.as_bytes(), "mem").unwrap_err();
    assert!(matches!(err, ImportError::TooLarge { ref origin, .. } if origin == "mem:1"), "{err}");
    let err = cvss::read_extract(&b"\xff\xfe\n"[..], "mem").unwrap_err();
    assert!(matches!(err, ImportError::Syntax { .. }), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let not_gzip = dir.path().join("x.jsonl.gz");
    std::fs::write(&not_gzip, "plain text\n").unwrap();
    assert!(matches!(cvss::read_extract_gz(&not_gzip), Err(ImportError::Io { .. })));
    assert!(matches!(cvss::read_extract_gz(&dir.path().join("missing")), Err(ImportError::Io { .. })));
}
