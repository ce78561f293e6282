//! JUnit XML, for CI servers that read test reports but not SARIF (Jenkins, Azure DevOps): one
//! `<testsuite>` per ecosystem of vulnerabilities and one each for misconfigurations and secrets,
//! one failing `<testcase>` per finding. A vulnerability scan that found nothing writes one
//! passing testcase, and so does a scan that found nothing at all, so that the report is never
//! empty (Jenkins rejects reports without tests).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{VulnFinding, VulnReport};
use crate::Finding;

/// Text safe in XML 1.0 content (`attribute` false) or attributes: markup characters escaped
/// (and, in attributes, tab and line ends, which would be normalised away), and characters XML
/// cannot carry at all (other control characters, U+FFFE and U+FFFF) replaced by U+FFFD.
fn xml(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// One testcase: its name, class name, and (when it failed) the failure's message, type and text.
struct Case {
    name: String,
    classname: String,
    failure: Option<(String, &'static str, String)>,
}

/// The lines `Aliases: …` and `References:` with one `- url` line each, when there are any.
fn lists(aliases: &[String], references: &[String]) -> String {
    let mut s = String::new();
    if !aliases.is_empty() {
        let _ = write!(s, "\nAliases: {}", aliases.join(", "));
    }
    if !references.is_empty() {
        s.push_str("\nReferences:");
        for r in references {
            let _ = write!(s, "\n- {r}");
        }
    }
    s
}

fn vuln_case(f: &VulnFinding) -> Case {
    let text = format!(
        "Package: {}\nInstalled version: {}\nFixed version: {}\nStatus: {}\nPath: {}\nSeverity: {}{}{}",
        f.package,
        f.installed,
        f.fixed.as_deref().unwrap_or("none"),
        f.status.as_str(),
        f.path,
        f.severity,
        if f.kev.is_some() { "\nKnown exploited (CISA KEV)" } else { "" },
        lists(&f.aliases, &f.references),
    );
    Case {
        name: format!("[{}] {} {}@{}", f.severity, f.id, f.package, f.installed),
        classname: f.path.clone(),
        failure: Some((format!("{}: {}", f.id, f.title), f.severity.as_str(), text)),
    }
}

fn finding_case(f: &Finding) -> Case {
    let mut text = format!("{}\nWhere: {}\nSeverity: {}", f.description, f.location.place(), f.severity);
    for (label, value) in [("Evidence", &f.evidence), ("Fix", &f.fix)] {
        if let Some(v) = value {
            let _ = write!(text, "\n{label}: {v}");
        }
    }
    text.push_str(&lists(&[], &f.references));
    Case {
        name: format!("[{}] {} {}", f.severity, f.id, f.location.place()),
        classname: f.location.place(),
        failure: Some((format!("{}: {}", f.id, f.title), f.severity.as_str(), text)),
    }
}

/// Renders `report` as a JUnit XML document (`<testsuites>`, final newline).
pub fn to_junit(report: &VulnReport) -> String {
    let mut suites: Vec<(String, Vec<Case>)> = Vec::new();
    let mut by_ecosystem: BTreeMap<&str, Vec<Case>> = BTreeMap::new();
    for f in &report.findings {
        by_ecosystem.entry(&f.ecosystem).or_default().push(vuln_case(f));
    }
    if by_ecosystem.is_empty() && !report.db_built.is_empty() {
        let pass = Case {
            name: format!("no vulnerabilities in {} packages", report.packages),
            classname: report.target.clone(),
            failure: None,
        };
        suites.push(("vulnerabilities".to_owned(), vec![pass]));
    }
    suites.extend(by_ecosystem.into_iter().map(|(eco, cases)| (format!("vulnerabilities: {eco}"), cases)));
    for (name, list) in [("misconfigurations", &report.misconfigurations), ("secrets", &report.secrets)] {
        if !list.is_empty() {
            suites.push((name.to_owned(), list.iter().map(finding_case).collect()));
        }
    }
    if suites.is_empty() {
        let pass = Case { name: "no findings".to_owned(), classname: report.target.clone(), failure: None };
        suites.push(("findings".to_owned(), vec![pass]));
    }
    let count = |cases: &[Case]| (cases.len(), cases.iter().filter(|c| c.failure.is_some()).count());
    let (tests, failures) = suites.iter().map(|(_, c)| count(c)).fold((0, 0), |(t, f), (t2, f2)| (t + t2, f + f2));
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        s,
        "<testsuites name=\"hullguard\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">"
    );
    for (name, cases) in &suites {
        let (tests, failures) = count(cases);
        let _ = writeln!(
            s,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">",
            xml(&format!("{name} ({})", report.target), true)
        );
        for c in cases {
            let head =
                format!("    <testcase name=\"{}\" classname=\"{}\"", xml(&c.name, true), xml(&c.classname, true));
            match &c.failure {
                None => {
                    let _ = writeln!(s, "{head}/>");
                }
                Some((message, kind, text)) => {
                    let _ = writeln!(
                        s,
                        "{head}>\n      <failure message=\"{}\" type=\"{kind}\">{}</failure>\n    </testcase>",
                        xml(message, true),
                        xml(text, false)
                    );
                }
            }
        }
        let _ = writeln!(s, "  </testsuite>");
    }
    s.push_str("</testsuites>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_replaces_what_xml_cannot_carry() {
        assert_eq!(xml("a<b>&\"c'", true), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(xml("]]>\u{1}\u{0}\u{ffff}x", false), "]]&gt;\u{fffd}\u{fffd}\u{fffd}x");
        assert_eq!(xml("line\nnext\ttab\r", true), "line&#10;next&#9;tab&#13;");
        assert_eq!(xml("line\nnext\ttab\r", false), "line\nnext\ttab&#13;");
        assert_eq!(xml("é 漢", true), "é 漢");
    }

    #[test]
    fn a_clean_scan_has_one_passing_testcase() {
        let passing = |report: &VulnReport| {
            let xml = to_junit(report);
            assert!(xml.contains("tests=\"1\" failures=\"0\""), "{xml}");
            xml.lines().find(|l| l.contains("<testcase")).unwrap().trim().to_owned()
        };
        let mut report = VulnReport::new("app:1");
        assert_eq!(passing(&report), r#"<testcase name="no findings" classname="app:1"/>"#);
        report.db_built = "2026-01-01T00:00:00Z".to_owned();
        report.packages = 3;
        assert_eq!(passing(&report), r#"<testcase name="no vulnerabilities in 3 packages" classname="app:1"/>"#);
    }
}
