//! Whether a Go binary contains a vulnerability's code: the advisory's vulnerable packages and
//! functions ([`GoImport`], from OSV's `ecosystem_specific.imports`) against the functions
//! linked into the binary ([`GoSymbols`], read from its pclntab).
//!
//! - a named function is linked in: `reachable`, the functions are the evidence;
//! - the advisory names a whole package (no functions) and it is linked in: `package_present`
//!   (module level only);
//! - the advisory names the vulnerable code and none of it is linked in: `not_affected`,
//!   justification `vulnerable_code_not_present` (the detail says when a named package is
//!   linked but none of its vulnerable functions is);
//! - the advisory names nothing, or the binary's functions were not read: `unknown`.
//!
//! Packages the advisory lists for other platforms only (`goos`, `goarch`: `windows`,
//! `ppc64le`) are left out for a binary built for another one, as govulncheck does: their
//! vulnerable code is not compiled in, whatever the function names say.

use hullguard_inventory::format::go_symbols::GoSymbols;
use hullguard_report::{Reachability, Verdict};

use crate::advisory::GoImport;

/// The VEX justification of a `not_affected` verdict.
pub const JUSTIFICATION: &str = "vulnerable_code_not_present";

/// How many names a detail line lists before `…`.
const SHOWN: usize = 3;

/// The verdict for a finding whose advisories name `imports`, in a binary with `symbols`
/// (`None`: not read).
pub fn verdict(imports_all: &[&GoImport], symbols: Option<&GoSymbols>) -> Reachability {
    let unknown = |detail: &str| Reachability {
        verdict: Verdict::Unknown,
        justification: None,
        evidence: Vec::new(),
        detail: detail.to_owned(),
    };
    if imports_all.is_empty() {
        return unknown("the advisory names no vulnerable packages or functions");
    }
    let Some(symbols) = symbols else {
        return unknown("the binary's functions were not read");
    };
    let (goos, goarch) = (symbols.goos.as_deref(), symbols.goarch.as_deref());
    let imports: Vec<&GoImport> = imports_all.iter().copied().filter(|i| i.built_for(goos, goarch)).collect();
    if imports.is_empty() {
        return not_affected(format!(
            "vulnerable code not present: built only for {}, this binary is for {}/{}",
            listed(&platforms(imports_all)),
            goos.unwrap_or("?"),
            goarch.unwrap_or("?")
        ));
    }
    let mut present = Vec::new();
    let mut packages_present = Vec::new();
    let mut linked_without_symbol = Vec::new();
    let mut named = Vec::new();
    for import in imports {
        if import.symbols.is_empty() {
            named.push(import.path.clone());
            if symbols.has_package(&import.path) {
                packages_present.push(import.path.clone());
            }
            continue;
        }
        let before = present.len();
        for symbol in &import.symbols {
            named.push(format!("{}.{symbol}", import.path));
            if symbols.has_symbol(&import.path, symbol) {
                present.push(format!("{}.{symbol}", import.path));
            }
        }
        if present.len() == before && symbols.has_package(&import.path) {
            linked_without_symbol.push(import.path.clone());
        }
    }
    for list in [&mut present, &mut packages_present, &mut linked_without_symbol, &mut named] {
        list.sort();
        list.dedup();
    }
    if !present.is_empty() {
        return Reachability {
            verdict: Verdict::Reachable,
            justification: None,
            detail: format!("symbol present: {}", listed(&present)),
            evidence: present,
        };
    }
    if !packages_present.is_empty() {
        return Reachability {
            verdict: Verdict::PackagePresent,
            justification: None,
            detail: format!(
                "vulnerable package linked in (the advisory names no functions): {}",
                listed(&packages_present)
            ),
            evidence: packages_present,
        };
    }
    let detail = if linked_without_symbol.is_empty() {
        format!("vulnerable code not present: none of {} is linked in", listed(&named))
    } else {
        format!(
            "vulnerable code not present: package {} linked in, none of its vulnerable functions ({})",
            listed(&linked_without_symbol),
            listed(&named)
        )
    };
    not_affected(detail)
}

/// A `not_affected` verdict saying `detail`.
fn not_affected(detail: String) -> Reachability {
    Reachability {
        verdict: Verdict::NotAffected,
        justification: Some(JUSTIFICATION.to_owned()),
        evidence: Vec::new(),
        detail,
    }
}

/// The platforms `imports` are restricted to (`windows`, `ppc64le`), sorted.
fn platforms(imports: &[&GoImport]) -> Vec<String> {
    let mut all: Vec<String> = imports.iter().flat_map(|i| i.goos.iter().chain(&i.goarch)).cloned().collect();
    all.sort();
    all.dedup();
    all
}

/// `a, b, c and 2 more`.
fn listed(names: &[String]) -> String {
    let mut shown = names.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN {
        shown.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symbols(names: &[(&str, &[&str])]) -> GoSymbols {
        GoSymbols {
            packages: names
                .iter()
                .map(|(p, s)| ((*p).to_owned(), s.iter().map(|s| (*s).to_owned()).collect()))
                .collect(),
            goos: Some("linux".to_owned()),
            goarch: Some("amd64".to_owned()),
        }
    }

    fn import(path: &str, symbols: &[&str]) -> GoImport {
        GoImport {
            path: path.to_owned(),
            symbols: symbols.iter().map(|s| (*s).to_owned()).collect(),
            goos: Vec::new(),
            goarch: Vec::new(),
        }
    }

    #[test]
    fn verdicts() {
        let netip = import("net/netip", &["Addr.IsLoopback", "Addr.IsPrivate"]);
        let runtime = import("runtime", &[]);
        let calls = symbols(&[("net/netip", &["Addr.IsLoopback", "ParseAddr"]), ("runtime", &["main"])]);
        let imports = symbols(&[("net/netip", &["ParseAddr"])]);
        let none = symbols(&[("runtime", &["main"])]);

        let v = verdict(&[&netip], Some(&calls));
        assert_eq!((v.verdict, v.evidence), (Verdict::Reachable, vec!["net/netip.Addr.IsLoopback".to_owned()]));
        let v = verdict(&[&netip], Some(&imports));
        assert_eq!((v.verdict, v.justification.as_deref()), (Verdict::NotAffected, Some(JUSTIFICATION)));
        assert_eq!(
            v.detail,
            "vulnerable code not present: package net/netip linked in, none of its vulnerable functions \
             (net/netip.Addr.IsLoopback, net/netip.Addr.IsPrivate)"
        );
        let v = verdict(&[&netip], Some(&none));
        assert_eq!(
            v.detail,
            "vulnerable code not present: none of net/netip.Addr.IsLoopback, net/netip.Addr.IsPrivate is linked in"
        );
        let v = verdict(&[&runtime], Some(&none));
        assert_eq!((v.verdict, v.evidence), (Verdict::PackagePresent, vec!["runtime".to_owned()]));
        assert_eq!(verdict(&[&import("net/http", &[])], Some(&none)).verdict, Verdict::NotAffected);
        assert_eq!(verdict(&[], Some(&calls)).verdict, Verdict::Unknown);
        assert_eq!(verdict(&[&netip], None).verdict, Verdict::Unknown);

        // Vulnerable code built for other platforms only is not in a linux/amd64 binary.
        let windows = GoImport { goos: vec!["windows".to_owned()], ..netip.clone() };
        let ppc = GoImport { goarch: vec!["ppc64le".to_owned()], ..netip.clone() };
        let v = verdict(&[&windows, &ppc], Some(&calls));
        assert_eq!(v.verdict, Verdict::NotAffected);
        assert_eq!(
            v.detail,
            "vulnerable code not present: built only for ppc64le, windows, this binary is for linux/amd64"
        );
        let linux = GoImport { goos: vec!["linux".to_owned()], ..netip.clone() };
        assert_eq!(verdict(&[&windows, &linux], Some(&calls)).verdict, Verdict::Reachable);
        // A binary of unknown platform may hold the code.
        let unknown_platform = GoSymbols { goos: None, goarch: None, ..calls.clone() };
        assert_eq!(verdict(&[&windows], Some(&unknown_platform)).verdict, Verdict::Reachable);
    }
}
