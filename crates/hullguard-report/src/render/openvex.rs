//! OpenVEX 0.2.0: one statement per vulnerability and package (purl) of the report's
//! vulnerability findings, its status from the reachability verdicts, so the next tool in the
//! chain (a registry, Dependency-Track, another scanner's `--vex`, hullguard's own) leaves out
//! the same findings.
//!
//! - every finding of the vulnerability and purl `not_affected`: `not_affected`, justification
//!   `vulnerable_code_not_present`, the verdicts' details as `impact_statement`;
//! - any `reachable` or `package_present`: `affected`, the evidence as `action_statement`;
//! - otherwise (no verdict, `unknown`): `under_investigation`.
//!
//! VEX names packages by purl, not by file: when one binary holds the vulnerable code and another
//! with the same module version does not, the statement is `affected`, so feeding the document
//! back suppresses exactly the findings of its `not_affected` statements. The product is the
//! image (`pkg:oci/…@config digest`, else the target's name), the packages its subcomponents.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value, json};

use crate::{Finding, Report, Verdict, VulnDetail};

/// The OpenVEX context this renderer writes.
pub const OPENVEX_CONTEXT: &str = "https://openvex.dev/ns/v0.2.0";

/// Writes `report` as an OpenVEX document made by hullguard `version` at `timestamp` (RFC 3339).
///
/// # Errors
///
/// When `out` fails.
pub fn write(report: &Report, version: &str, timestamp: &str, out: &mut dyn Write) -> io::Result<()> {
    let product = match &report.config_digest {
        Some(digest) => format!("pkg:oci/{}@{digest}", image_name(&report.target)),
        None => report.target.clone(),
    };
    let mut groups: BTreeMap<(&str, String), Vec<(&Finding, &VulnDetail)>> = BTreeMap::new();
    for (f, v) in report.vulnerabilities() {
        groups.entry((f.id.as_str(), v.purl.to_string())).or_default().push((f, v));
    }
    let statements: Vec<Value> = groups
        .into_iter()
        .map(|((id, purl), findings)| {
            let verdicts: Vec<Verdict> =
                findings.iter().map(|(_, v)| v.reachability.as_ref().map_or(Verdict::Unknown, |r| r.verdict)).collect();
            let details = |wanted: &[Verdict]| super::verdict_details(&findings, wanted);
            let mut statement = json!({
                "vulnerability": {"name": id, "aliases": findings[0].1.aliases},
                "products": [{"@id": product, "subcomponents": [{"@id": purl}]}],
            });
            if verdicts.iter().all(|v| *v == Verdict::NotAffected) {
                statement["status"] = json!("not_affected");
                statement["justification"] = json!("vulnerable_code_not_present");
                statement["impact_statement"] = json!(details(&[Verdict::NotAffected]));
            } else if verdicts.iter().any(|v| matches!(v, Verdict::Reachable | Verdict::PackagePresent)) {
                statement["status"] = json!("affected");
                statement["action_statement"] = json!(match &findings[0].1.fixed {
                    Some(fixed) =>
                        format!("upgrade to {fixed}; {}", details(&[Verdict::Reachable, Verdict::PackagePresent])),
                    None => details(&[Verdict::Reachable, Verdict::PackagePresent]),
                });
            } else {
                statement["status"] = json!("under_investigation");
            }
            statement
        })
        .collect();
    let doc = json!({
        "@context": OPENVEX_CONTEXT,
        "@id": format!("https://hullguard.invalid/vex/{}", id_of(&product, timestamp)),
        "author": "hullguard",
        "timestamp": timestamp,
        "version": 1,
        "tooling": format!("hullguard {version}"),
        "statements": statements,
    });
    super::write_json(out, &doc)
}

/// The image name of a target (`app-mixed:latest` → `app-mixed`), for its purl.
fn image_name(target: &str) -> String {
    let last = target.rsplit('/').next().unwrap_or(target);
    last.split([':', '@']).next().unwrap_or(last).to_lowercase()
}

/// A stable document id from the product and time (FNV-1a, hex): the same scan at the same
/// time gives the same id.
fn id_of(product: &str, timestamp: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in product.bytes().chain([0]).chain(timestamp.bytes()) {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}
