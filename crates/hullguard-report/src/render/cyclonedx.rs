//! CycloneDX 1.6 with vulnerabilities: the inventory SBOM (components with
//! `bom-ref` = `purl|path`) plus one `vulnerabilities[]` entry per id, whose
//! `affects` point at the components.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value, json};

use crate::{Finding, Reachability, Report, Severity, Verdict, VulnDetail, VulnStatus};

/// The CycloneDX rating method of a CVSS version.
fn method(version: &str) -> &'static str {
    match version {
        "4.0" => "CVSSv4",
        "3.0" => "CVSSv3",
        _ => "CVSSv31",
    }
}

/// The CycloneDX severity name.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Info => "info",
        Severity::Unknown => "unknown",
    }
}

/// The source name of an advisory id, for `source` and `references`.
fn source_of(id: &str) -> Value {
    let (name, url) = match id.split('-').next().unwrap_or_default() {
        "CVE" => ("NVD", format!("https://nvd.nist.gov/vuln/detail/{id}")),
        "GHSA" => ("GitHub", format!("https://github.com/advisories/{id}")),
        "GO" => ("Go", format!("https://pkg.go.dev/vuln/{id}")),
        "RUSTSEC" => ("RustSec", format!("https://rustsec.org/advisories/{id}")),
        "DSA" | "DLA" => ("Debian", format!("https://security-tracker.debian.org/tracker/{id}")),
        _ => ("OSV", format!("https://osv.dev/vulnerability/{id}")),
    };
    json!({"name": name, "url": url})
}

/// The `analysis` the reachability verdicts of one vulnerability's findings give: every one
/// `not_affected` → `not_affected` / `code_not_present`; any vulnerable function or package
/// linked in → `exploitable` with the evidence; otherwise none.
fn reachability_analysis(findings: &[(&Finding, &VulnDetail)]) -> Option<Value> {
    let verdicts: Vec<&Reachability> = findings.iter().filter_map(|(_, v)| v.reachability.as_ref()).collect();
    if verdicts.is_empty() {
        return None;
    }
    let detail = |wanted: &[Verdict]| super::verdict_details(findings, wanted);
    if verdicts.len() == findings.len() && verdicts.iter().all(|r| r.verdict == Verdict::NotAffected) {
        return Some(json!({
            "state": "not_affected",
            "justification": "code_not_present",
            "detail": detail(&[Verdict::NotAffected]),
        }));
    }
    let linked = [Verdict::Reachable, Verdict::PackagePresent];
    verdicts
        .iter()
        .any(|r| linked.contains(&r.verdict))
        .then(|| json!({"state": "exploitable", "detail": detail(&linked)}))
}

/// Writes `bom` (a CycloneDX document as JSON text whose components use `purl|path` bom-refs)
/// with `report`'s vulnerability findings added.
///
/// # Errors
///
/// When `bom` is not JSON, or `out` fails.
pub fn write(bom: &str, report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut doc: Value = serde_json::from_str(bom)?;
    let mut by_id: BTreeMap<&str, Vec<(&Finding, &VulnDetail)>> = BTreeMap::new();
    for (f, v) in report.vulnerabilities() {
        by_id.entry(f.id.as_str()).or_default().push((f, v));
    }
    let vulnerabilities: Vec<Value> = by_id
        .into_iter()
        .map(|(id, findings)| {
            let (head, first) = findings[0];
            let mut ratings = Vec::new();
            if let Some(c) = &first.cvss {
                ratings.push(json!({
                    "source": {"name": first.severity_source},
                    "score": c.score,
                    "severity": severity(head.severity),
                    "method": method(&c.version),
                    "vector": c.vector,
                }));
            } else {
                ratings.push(json!({"source": {"name": first.severity_source}, "severity": severity(head.severity), "method": "other"}));
            }
            let affects: Vec<Value> = findings
                .iter()
                .map(|(f, v)| {
                    let status = if v.not_affected() { "unaffected" } else { "affected" };
                    json!({
                        "ref": format!("{}|{}", v.purl, f.path()),
                        "versions": [{"version": v.installed, "status": status}],
                    })
                })
                .collect();
            let fixes: Vec<String> = findings
                .iter()
                .filter_map(|(_, v)| v.fixed.as_ref().map(|fixed| format!("{}: upgrade to {fixed}", v.package)))
                .collect();
            let mut v = json!({
                "bom-ref": format!("vuln:{id}"),
                "id": id,
                "source": source_of(id),
                "references": first.aliases.iter().map(|a| json!({"id": a, "source": source_of(a)})).collect::<Vec<_>>(),
                "ratings": ratings,
                "description": head.title,
                "advisories": head.references.iter().take(20).map(|u| json!({"url": u})).collect::<Vec<_>>(),
                "affects": affects,
                "properties": [
                    {"name": "hullguard:status", "value": first.status.as_str()},
                ],
            });
            if !fixes.is_empty() {
                v["recommendation"] = json!(fixes.join("; "));
            }
            if let Some(analysis) = reachability_analysis(&findings) {
                v["analysis"] = analysis;
            } else if first.status == VulnStatus::WillNotFix {
                v["analysis"] = json!({"state": "exploitable", "response": ["will_not_fix"]});
            }
            if let Some(k) = &first.kev {
                let props = v["properties"].as_array_mut().expect("properties is an array");
                props.push(json!({"name": "hullguard:kev:date_added", "value": k.date_added}));
                props.push(json!({"name": "hullguard:kev:due_date", "value": k.due_date}));
            }
            v
        })
        .collect();
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("vulnerabilities".into(), Value::Array(vulnerabilities));
    }
    super::write_json(out, &doc)
}
