//! SARIF 2.1.0: one rule per vulnerability id (help text, CVSS as
//! `security-severity`), one result per finding.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{VulnFinding, VulnReport};
use crate::Severity;

/// The SARIF level of a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info | Severity::Unknown => "note",
    }
}

/// The `security-severity` GitHub code scanning reads: the CVSS score, or a
/// stand-in for the severity band when there is none.
fn security_severity(f: &VulnFinding) -> String {
    let score = f.cvss.as_ref().map_or(
        match f.severity {
            Severity::Critical => 9.5,
            Severity::High => 8.0,
            Severity::Medium => 5.5,
            Severity::Low => 2.0,
            Severity::Info | Severity::Unknown => 0.0,
        },
        |c| c.score,
    );
    format!("{score:.1}")
}

/// The SARIF tag of a finding kind.
fn kind_tag(kind: crate::FindingKind) -> &'static str {
    match kind {
        crate::FindingKind::Vulnerability => "vulnerability",
        crate::FindingKind::Misconfiguration => "misconfiguration",
        crate::FindingKind::Secret => "secret",
    }
}

/// `path` as a relative URI reference for `artifactLocation.uri`: the leading `/` dropped and every
/// byte but the unreserved ones (RFC 3986) and `/` percent-encoded, so spaces, `%`, `#`, `?`, `:`
/// and control characters in image paths give a valid URI that decodes back to the path.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.trim_start_matches('/').bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Renders `report` as a SARIF 2.1.0 log (pretty JSON, final newline).
pub fn to_sarif(report: &VulnReport, tool_version: &str) -> String {
    let mut rules: BTreeMap<&str, Value> = BTreeMap::new();
    for f in &report.findings {
        rules.entry(f.id.as_str()).or_insert_with(|| {
            let cvss = f
                .cvss
                .as_ref()
                .map(|c| format!("\nCVSS {}: {} ({})", c.version, c.score, c.vector))
                .unwrap_or_default();
            let text = format!(
                "{}\n{}{cvss}\nAliases: {}\nReferences:\n{}",
                f.title,
                f.fixed.as_ref().map_or_else(|| "No fixed version yet.".to_owned(), |v| format!("Fixed in {v}.")),
                if f.aliases.is_empty() { "none".to_owned() } else { f.aliases.join(", ") },
                f.references.iter().map(|r| format!("- {r}")).collect::<Vec<_>>().join("\n")
            );
            let mut rule = json!({
                "id": f.id,
                "name": f.id.replace('-', ""),
                "shortDescription": {"text": if f.title.is_empty() { f.id.clone() } else { f.title.clone() }},
                "fullDescription": {"text": if f.title.is_empty() { f.id.clone() } else { f.title.clone() }},
                "help": {"text": text, "markdown": text.replace('\n', "  \n")},
                "defaultConfiguration": {"level": level(f.severity)},
                "properties": {
                    "tags": ["vulnerability", "security", f.severity.as_str()],
                    "security-severity": security_severity(f),
                    "precision": "very-high",
                },
            });
            if let Some(uri) = f.references.first() {
                rule["helpUri"] = json!(uri);
            }
            rule
        });
    }
    let others: Vec<&crate::Finding> = report.misconfigurations.iter().chain(&report.secrets).collect();
    for f in &others {
        rules.entry(f.id.as_str()).or_insert_with(|| {
            let text = format!("{}\n{}\n{}", f.title, f.description, f.fix.as_deref().unwrap_or(""));
            json!({
                "id": f.id,
                "name": f.id.replace('-', ""),
                "shortDescription": {"text": f.title},
                "fullDescription": {"text": f.description},
                "help": {"text": text, "markdown": text.replace('\n', "  \n")},
                "defaultConfiguration": {"level": level(f.severity)},
                "properties": {"tags": [kind_tag(f.kind), "security", f.severity.as_str()], "precision": "high"},
            })
        });
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let other_results = others.iter().map(|f| {
        let (uri, line, column) = match &f.location {
            crate::Location::Image { path, .. } => (uri(path.as_deref().unwrap_or("")), 1, None),
            crate::Location::File { path, line, column, .. } => (uri(path), *line, *column),
            crate::Location::ConfigField { .. } => (String::new(), 1, None),
            crate::Location::Manifest { path, line, column, .. } => (uri(path), *line, Some(*column)),
        };
        let mut region = json!({"startLine": line.max(1)});
        if let Some(column) = column {
            region["startColumn"] = json!(column.max(1));
        }
        let logical = match &f.location {
            crate::Location::Manifest { object, field, document, .. } => {
                json!([{"fullyQualifiedName": format!("{object}.{field}"), "name": field, "kind": "member",
                        "properties": {"document": document, "object": object}}])
            }
            _ => Value::Null,
        };
        let uri = if uri.is_empty() { self::uri(&report.target.replace(['/', ':'], "_")) } else { uri };
        json!({
            "ruleId": f.id,
            "ruleIndex": index[f.id.as_str()],
            "level": level(f.severity),
            "message": {"text": format!("{}{}", f.title, f.evidence.as_ref().map(|e| format!("\n{e}")).unwrap_or_default())},
            "locations": [location(json!({
                "artifactLocation": {"uri": uri, "uriBaseId": "ROOTPATH"},
                "region": region,
            }), logical)],
        })
    });
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            json!({
                "ruleId": f.id,
                "ruleIndex": index[f.id.as_str()],
                "level": level(f.severity),
                "message": {"text": format!(
                    "Package: {}\nInstalled version: {}\nFixed version: {}\nSeverity: {}\nStatus: {}{}",
                    f.package, f.installed, f.fixed.as_deref().unwrap_or("none"), f.severity, f.status.as_str(),
                    if f.kev.is_some() { "\nKnown exploited (CISA KEV)" } else { "" }
                )},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&f.path), "uriBaseId": "ROOTPATH"},
                        "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1},
                    },
                    "message": {"text": format!("{}@{}", f.package, f.installed)},
                }],
                "partialFingerprints": {"hullguard/v1": format!("{}:{}:{}:{}", f.id, f.purl, f.path, f.installed)},
                "properties": {"purl": f.purl, "kev": f.kev.is_some()},
            })
        })
        .chain(other_results)
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "hullguard",
                "informationUri": "https://github.com/hullguard/hullguard",
                "version": tool_version,
                "rules": rules.into_values().collect::<Vec<_>>(),
            }},
            "originalUriBaseIds": {"ROOTPATH": {"uri": "file:///"}},
            "invocations": [invocation(report)],
            "results": results,
            "properties": {"target": report.target},
        }],
    });
    serde_json::to_string_pretty(&log).expect("SARIF always serialises") + "\n"
}

/// The run's invocation: unsuccessful when the scan is incomplete, with one notification per
/// thing not read (`error`) and per warning (`warning`).
fn invocation(report: &VulnReport) -> Value {
    let note = |level: &str, text: &String| json!({"level": level, "message": {"text": text}});
    let notes: Vec<Value> = report
        .incomplete
        .iter()
        .map(|t| note("error", t))
        .chain(report.warnings.iter().map(|t| note("warning", t)))
        .collect();
    json!({"executionSuccessful": report.incomplete.is_empty(), "toolExecutionNotifications": notes})
}

/// Renders misconfiguration or secret findings of `target` (e.g. of Dockerfiles) as a SARIF
/// 2.1.0 log, the same way as those of an image scan.
pub fn findings_to_sarif(target: &str, findings: Vec<crate::Finding>, tool_version: &str) -> String {
    let mut report = VulnReport::new(target);
    report.misconfigurations = findings;
    to_sarif(&report, tool_version)
}

/// A SARIF location: the physical one, and the logical one (a manifest object's field) when known.
fn location(physical: Value, logical: Value) -> Value {
    if logical.is_null() {
        json!({"physicalLocation": physical})
    } else {
        json!({"physicalLocation": physical, "logicalLocations": logical})
    }
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(
            uri("/usr/lib/python3/dist-packages/PyYAML-5.3.1.dist-info/METADATA"),
            "usr/lib/python3/dist-packages/PyYAML-5.3.1.dist-info/METADATA"
        );
        assert_eq!(uri("/opt/my app/a%b#c?d:e\x1b\n"), "opt/my%20app/a%25b%23c%3Fd%3Ae%1B%0A");
        assert_eq!(uri("/srv/ünï"), "srv/%C3%BCn%C3%AF");
    }
}
