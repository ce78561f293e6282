//! SARIF 2.1.0: one rule per id (for vulnerabilities help text with the fix, CVSS as
//! `security-severity`), one result per finding of every kind.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value, json};

use crate::{Finding, FindingKind, Location, Report, Severity, VulnDetail};

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
fn security_severity(severity: Severity, v: &VulnDetail) -> String {
    let score = v.cvss.as_ref().map_or(
        match severity {
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
fn kind_tag(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Vulnerability => "vulnerability",
        FindingKind::Misconfiguration => "misconfiguration",
        FindingKind::Secret => "secret",
        FindingKind::Policy => "policy",
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

/// The rule of a vulnerability id: help text with the fix, CVSS and aliases.
fn vulnerability_rule(f: &Finding, v: &VulnDetail) -> Value {
    let cvss = v.cvss.as_ref().map(|c| format!("\nCVSS {}: {} ({})", c.version, c.score, c.vector)).unwrap_or_default();
    let text = format!(
        "{}\n{}{cvss}\nAliases: {}\nReferences:\n{}",
        f.title,
        v.fixed.as_ref().map_or_else(|| "No fixed version yet.".to_owned(), |fixed| format!("Fixed in {fixed}.")),
        if v.aliases.is_empty() { "none".to_owned() } else { v.aliases.join(", ") },
        f.references.iter().map(|r| format!("- {r}")).collect::<Vec<_>>().join("\n")
    );
    let title = if f.title.is_empty() { f.id.clone() } else { f.title.clone() };
    let mut rule = json!({
        "id": f.id,
        "name": f.id.replace('-', ""),
        "shortDescription": {"text": title},
        "fullDescription": {"text": title},
        "help": {"text": text, "markdown": text.replace('\n', "  \n")},
        "defaultConfiguration": {"level": level(f.severity)},
        "properties": {
            "tags": ["vulnerability", "security", f.severity.as_str()],
            "security-severity": security_severity(f.severity, v),
            "precision": "very-high",
        },
    });
    if let Some(uri) = f.references.first() {
        rule["helpUri"] = json!(uri);
    }
    rule
}

/// The rule of a check or secret-rule id.
fn check_rule(f: &Finding) -> Value {
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
}

/// The result of a vulnerability finding: the package, at the file it was found in.
fn vulnerability_result(f: &Finding, v: &VulnDetail, rule_index: usize) -> Value {
    json!({
        "ruleId": f.id,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": {"text": format!(
            "Package: {}\nInstalled version: {}\nFixed version: {}\nSeverity: {}\nStatus: {}{}",
            v.package, v.installed, v.fixed.as_deref().unwrap_or("none"), f.severity, v.status.as_str(),
            if v.kev.is_some() { "\nKnown exploited (CISA KEV)" } else { "" }
        )},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": uri(f.path()), "uriBaseId": "ROOTPATH"},
                "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1},
            },
            "message": {"text": format!("{}@{}", v.package, v.installed)},
        }],
        "partialFingerprints": {"hullguard/v1": format!("{}:{}:{}:{}", f.id, v.purl, f.path(), v.installed)},
        "properties": {"purl": v.purl, "kev": v.kev.is_some()},
    })
}

/// The result of a misconfiguration or secret: at its file and line (line 1 for image paths; the
/// target itself for a config field).
fn check_result(f: &Finding, rule_index: usize, target: &str) -> Value {
    let (line, column) = match &f.location {
        Location::File { line, column, .. } => (*line, *column),
        Location::Manifest { line, column, .. } => (*line, Some(*column)),
        _ => (1, None),
    };
    let uri = match uri(f.location.path().unwrap_or_default()) {
        none if none.is_empty() => self::uri(&target.replace(['/', ':'], "_")),
        uri => uri,
    };
    let mut region = json!({"startLine": line.max(1)});
    if let Some(column) = column {
        region["startColumn"] = json!(column.max(1));
    }
    let mut location = json!({"physicalLocation": {
        "artifactLocation": {"uri": uri, "uriBaseId": "ROOTPATH"},
        "region": region,
    }});
    // A manifest object's field is also a logical location.
    if let Location::Manifest { object, field, document, .. } = &f.location {
        location["logicalLocations"] = json!([{
            "fullyQualifiedName": format!("{object}.{field}"), "name": field, "kind": "member",
            "properties": {"document": document, "object": object},
        }]);
    }
    json!({
        "ruleId": f.id,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": {"text": format!("{}{}", f.title, f.evidence.as_ref().map(|e| format!("\n{e}")).unwrap_or_default())},
        "locations": [location],
    })
}

/// Writes `report` as a SARIF 2.1.0 log (pretty JSON, final newline): one rule per id, one
/// result per finding.
///
/// # Errors
///
/// When `out` fails.
pub fn write(report: &Report, tool_version: &str, out: &mut dyn Write) -> io::Result<()> {
    let mut rules: BTreeMap<&str, Value> = BTreeMap::new();
    for f in &report.findings {
        rules.entry(f.id.as_str()).or_insert_with(|| match f.vuln() {
            Some(v) => vulnerability_rule(f, v),
            None => check_rule(f),
        });
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| match f.vuln() {
            Some(v) => vulnerability_result(f, v, index[f.id.as_str()]),
            None => check_result(f, index[f.id.as_str()], &report.target),
        })
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
    super::write_json(out, &log)
}

/// The run's invocation: unsuccessful when the scan is incomplete, with one notification per
/// thing not read (`error`) and per warning (`warning`).
fn invocation(report: &Report) -> Value {
    let note = |level: &str, text: &String| json!({"level": level, "message": {"text": text}});
    let notes: Vec<Value> = report
        .incomplete
        .iter()
        .map(|t| note("error", t))
        .chain(report.warnings.iter().map(|t| note("warning", t)))
        .collect();
    json!({"executionSuccessful": report.incomplete.is_empty(), "toolExecutionNotifications": notes})
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
