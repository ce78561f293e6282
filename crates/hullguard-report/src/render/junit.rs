//! JUnit XML, for CI servers that read test reports but not SARIF (Jenkins, Azure DevOps): one
//! `<testsuite>` per ecosystem of vulnerabilities and one each for misconfigurations and secrets,
//! one failing `<testcase>` per finding. A vulnerability scan that found nothing writes one
//! passing testcase, and so does a scan that found nothing at all, so that the report is never
//! empty (Jenkins rejects reports without tests). What the scan could not read is one erroring
//! testcase each in a suite `incomplete scan`, so that an incomplete scan never passes unseen;
//! the warnings are `warning` properties of the first suite.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use crate::{Finding, FindingKind, Report, VulnDetail};

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

/// One testcase: its name, class name, and (when it failed or erred) the element, its message,
/// type and text.
struct Case {
    name: String,
    classname: String,
    failure: Option<(&'static str, String, &'static str, String)>,
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

fn vuln_case(f: &Finding, v: &VulnDetail) -> Case {
    let text = format!(
        "Package: {}\nInstalled version: {}\nFixed version: {}\nStatus: {}\nPath: {}\nSeverity: {}{}{}",
        v.package,
        v.installed,
        v.fixed.as_deref().unwrap_or("none"),
        v.status.as_str(),
        f.path(),
        f.severity,
        if v.kev.is_some() { "\nKnown exploited (CISA KEV)" } else { "" },
        lists(&v.aliases, &f.references),
    );
    Case {
        name: format!("[{}] {} {}@{}", f.severity, f.id, v.package, v.installed),
        classname: f.path().to_owned(),
        failure: Some(("failure", format!("{}: {}", f.id, f.title), f.severity.as_str(), text)),
    }
}

fn finding_case(f: &Finding) -> Case {
    let place = f.location.place();
    let mut text = format!("{}\nWhere: {place}\nSeverity: {}", f.description, f.severity);
    for (label, value) in [("Evidence", &f.evidence), ("Fix", &f.fix)] {
        if let Some(v) = value {
            let _ = write!(text, "\n{label}: {v}");
        }
    }
    text.push_str(&lists(&[], &f.references));
    Case {
        name: format!("[{}] {} {place}", f.severity, f.id),
        classname: place,
        failure: Some(("failure", format!("{}: {}", f.id, f.title), f.severity.as_str(), text)),
    }
}

/// Writes `report` as a JUnit XML document (`<testsuites>`, final newline).
///
/// # Errors
///
/// When `out` fails.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut suites: Vec<(String, Vec<Case>)> = Vec::new();
    let mut by_ecosystem: BTreeMap<&str, Vec<Case>> = BTreeMap::new();
    for (f, v) in report.vulnerabilities() {
        by_ecosystem.entry(&v.ecosystem).or_default().push(vuln_case(f, v));
    }
    if by_ecosystem.is_empty() && report.vulnerabilities_scanned() {
        let pass = Case {
            name: format!("no vulnerabilities in {} packages", report.packages),
            classname: report.target.clone(),
            failure: None,
        };
        suites.push(("vulnerabilities".to_owned(), vec![pass]));
    }
    suites.extend(by_ecosystem.into_iter().map(|(eco, cases)| (format!("vulnerabilities: {eco}"), cases)));
    for (name, kind) in [
        ("misconfigurations", FindingKind::Misconfiguration),
        ("secrets", FindingKind::Secret),
        ("policy", FindingKind::Policy),
    ] {
        let cases: Vec<Case> = report.of_kind(kind).map(finding_case).collect();
        if !cases.is_empty() {
            suites.push((name.to_owned(), cases));
        }
    }
    if suites.is_empty() {
        let pass = Case { name: "no findings".to_owned(), classname: report.target.clone(), failure: None };
        suites.push(("findings".to_owned(), vec![pass]));
    }
    if !report.incomplete.is_empty() {
        let cases = report.incomplete.iter().map(|what| Case {
            name: format!("incomplete: {what}"),
            classname: report.target.clone(),
            failure: Some(("error", "not read: findings may be missing".to_owned(), "incomplete", what.clone())),
        });
        suites.push(("incomplete scan".to_owned(), cases.collect()));
    }
    let count = |cases: &[Case]| {
        let with = |element: &str| cases.iter().filter(|c| c.failure.as_ref().is_some_and(|f| f.0 == element)).count();
        (cases.len(), with("failure"), with("error"))
    };
    let (tests, failures, errors) =
        suites.iter().map(|(_, c)| count(c)).fold((0, 0, 0), |(t, f, e), (t2, f2, e2)| (t + t2, f + f2, e + e2));
    out.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
    writeln!(
        out,
        "<testsuites name=\"hullguard\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\">"
    )?;
    for (n, (name, cases)) in suites.iter().enumerate() {
        let (tests, failures, errors) = count(cases);
        writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\">",
            xml(&format!("{name} ({})", report.target), true)
        )?;
        if n == 0 && !report.warnings.is_empty() {
            out.write_all(b"    <properties>\n")?;
            for w in &report.warnings {
                writeln!(out, "      <property name=\"warning\" value=\"{}\"/>", xml(w, true))?;
            }
            out.write_all(b"    </properties>\n")?;
        }
        for c in cases {
            let head =
                format!("    <testcase name=\"{}\" classname=\"{}\"", xml(&c.name, true), xml(&c.classname, true));
            match &c.failure {
                None => {
                    writeln!(out, "{head}/>")?;
                }
                Some((element, message, kind, text)) => {
                    writeln!(
                        out,
                        "{head}>\n      <{element} message=\"{}\" type=\"{kind}\">{}</{element}>\n    </testcase>",
                        xml(message, true),
                        xml(text, false)
                    )?;
                }
            }
        }
        writeln!(out, "  </testsuite>")?;
    }
    out.write_all(b"</testsuites>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(report: &Report) -> String {
        let mut out = Vec::new();
        write(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

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
        let passing = |report: &Report| {
            let xml = render(report);
            assert!(xml.contains("tests=\"1\" failures=\"0\""), "{xml}");
            xml.lines().find(|l| l.contains("<testcase")).unwrap().trim().to_owned()
        };
        let mut report = Report::new("app:1");
        assert_eq!(passing(&report), r#"<testcase name="no findings" classname="app:1"/>"#);
        report.db_built = "2026-01-01T00:00:00Z".to_owned();
        report.packages = 3;
        assert_eq!(passing(&report), r#"<testcase name="no vulnerabilities in 3 packages" classname="app:1"/>"#);
    }

    #[test]
    fn an_incomplete_scan_errs_and_warnings_are_properties() {
        let mut report = Report::new("app:1");
        report.incomplete = vec!["/var/lib/rpm/rpmdb.sqlite: over the size cap".to_owned()];
        report.warnings = vec!["a <warning>".to_owned()];
        let xml = render(&report);
        assert!(
            xml.contains(r#"<testsuites name="hullguard" tests="2" failures="0" errors="1" skipped="0">"#),
            "{xml}"
        );
        assert!(xml.contains(r#"<property name="warning" value="a &lt;warning&gt;"/>"#), "{xml}");
        assert!(
            xml.contains(
                r#"<error message="not read: findings may be missing" type="incomplete">/var/lib/rpm/rpmdb.sqlite"#
            ),
            "{xml}"
        );
    }
}
