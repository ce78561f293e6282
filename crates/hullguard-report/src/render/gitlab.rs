//! GitLab's container-scanning report (security report schema [`GITLAB_SCHEMA_VERSION`]): one
//! vulnerability per finding, located by package, operating system and image. Misconfigurations
//! and secrets have no place in that report type and are left out. The warnings are `warn`
//! messages of the scan; what it could not read is a `fatal` message each, and the scan's status
//! is then `failure`.

use std::io::{self, Write};

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::{Finding, Report, Severity, VulnDetail, VulnStatus};

/// The version of GitLab's security report schemas the report declares.
pub const GITLAB_SCHEMA_VERSION: &str = "15.0.7";

/// When the scan started and ended, in UTC seconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanTimes {
    /// Start of the scan.
    pub start: u64,
    /// End of the scan.
    pub end: u64,
}

/// GitLab's severity name.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
        Severity::Unknown => "Unknown",
    }
}

/// A stable id of a finding, in UUID shape: the SHA-256 of its id, package, version and path.
fn finding_id(f: &Finding, v: &VulnDetail) -> String {
    let digest = Sha256::digest([f.id.as_str(), &v.package, &v.installed, f.path()].join("\0"));
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// GitLab's identifier of a vulnerability id: `cve`, `ghsa`, … by its prefix, with a link.
fn identifier(id: &str) -> Value {
    let prefix = id.split_once('-').map_or("", |(p, _)| p);
    let url = match prefix {
        "CVE" => format!("https://nvd.nist.gov/vuln/detail/{id}"),
        "GHSA" => format!("https://github.com/advisories/{id}"),
        "DSA" | "DLA" => format!("https://security-tracker.debian.org/tracker/{id}"),
        _ => format!("https://osv.dev/vulnerability/{id}"),
    };
    let kind = if prefix.is_empty() { "advisory".to_owned() } else { prefix.to_ascii_lowercase() };
    json!({"type": kind, "name": id, "value": id, "url": url})
}

fn vulnerability(f: &Finding, v: &VulnDetail, report: &Report) -> Value {
    let mut identifiers: Vec<Value> = std::iter::once(&f.id).chain(&v.aliases).map(|a| identifier(a)).collect();
    identifiers.truncate(20);
    let solution = match (&v.fixed, v.status) {
        (Some(fixed), _) => format!("Upgrade {} to {fixed} or later.", v.package),
        (None, VulnStatus::WillNotFix) => "No fix: the vendor will not fix it.".to_owned(),
        (None, VulnStatus::EndOfLife) => "No fix: the release is out of security support.".to_owned(),
        (None, _) => "No fixed version yet.".to_owned(),
    };
    // GitLab shows `name` as the title, with the location beside it: it names no package.
    let description = if f.title.is_empty() { f.id.clone() } else { f.title.clone() };
    json!({
        "id": finding_id(f, v),
        "name": description.chars().take(255).collect::<String>(),
        "description": description,
        "severity": severity(f.severity),
        "solution": solution,
        "identifiers": identifiers,
        "links": f.references.iter().map(|u| json!({"url": u})).collect::<Vec<_>>(),
        "location": {
            "dependency": {"package": {"name": v.package}, "version": v.installed},
            "operating_system": report.os.as_deref().map_or_else(|| "Unknown".to_owned(), |o| o.replacen(' ', ":", 1)),
            "image": report.target,
        },
    })
}

/// Writes `report` as a GitLab container-scanning report (pretty JSON, final newline).
///
/// # Errors
///
/// When `out` fails.
pub fn write(report: &Report, tool_version: &str, times: ScanTimes, out: &mut dyn Write) -> io::Result<()> {
    let tool = json!({
        "id": "hullguard",
        "name": "hullguard",
        "version": tool_version,
        "vendor": {"name": "hullguard"},
    });
    let doc = json!({
        "version": GITLAB_SCHEMA_VERSION,
        "scan": {
            "analyzer": tool,
            "scanner": tool,
            "type": "container_scanning",
            "start_time": crate::time::utc_date_time(times.start),
            "end_time": crate::time::utc_date_time(times.end),
            "status": if report.incomplete.is_empty() { "success" } else { "failure" },
            "messages": messages(report),
        },
        "vulnerabilities": report.vulnerabilities().map(|(f, v)| vulnerability(f, v, report)).collect::<Vec<_>>(),
    });
    super::write_json(out, &doc)
}

/// The scan's messages: one `fatal` per thing not read, then one `warn` per warning.
fn messages(report: &Report) -> Vec<Value> {
    let incomplete =
        report.incomplete.iter().map(|t| json!({"level": "fatal", "value": format!("incomplete scan: {t}")}));
    let warnings = report.warnings.iter().map(|t| json!({"level": "warn", "value": t}));
    incomplete.chain(warnings).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_type_is_the_id_prefix() {
        let kind = |id: &str| identifier(id)["type"].as_str().unwrap().to_owned();
        assert_eq!(
            ["CVE-2024-1", "GO-2024-2", "RUSTSEC-2024-3", "DLA-4-1", "12345", "-x"].map(kind),
            ["cve", "go", "rustsec", "dla", "advisory", "advisory"]
        );
        assert_eq!(identifier("DLA-4-1")["url"], "https://security-tracker.debian.org/tracker/DLA-4-1");
        assert_eq!(identifier("GO-2024-2")["url"], "https://osv.dev/vulnerability/GO-2024-2");
    }
}
