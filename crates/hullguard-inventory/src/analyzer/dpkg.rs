//! Debian packages from `var/lib/dpkg/status` and distroless `var/lib/dpkg/status.d/*`, with
//! their `Depends`/`Pre-Depends` edges to the packages of the same file.

use std::collections::HashMap;

use super::{Analyzer, LayerFacts, headers};
use crate::package::{Ecosystem, FoundPackage};

pub(super) struct Dpkg;

const STATUS: &str = "var/lib/dpkg/status";
const STATUS_D: &str = "var/lib/dpkg/status.d/";

impl Analyzer for Dpkg {
    fn id(&self) -> &'static str {
        "dpkg"
    }

    fn version(&self) -> u32 {
        3
    }

    fn wants(&self, path: &str) -> bool {
        path == STATUS
            || path.strip_prefix(STATUS_D).is_some_and(|name| !name.contains('/') && !name.ends_with(".md5sums"))
    }

    fn analyze(&self, path: &str, content: &[u8], facts: &mut LayerFacts) -> Result<(), String> {
        let text = String::from_utf8_lossy(content);
        let distroless = path != STATUS;
        // Stanzas are separated by blank lines; the line each starts on names it in warnings.
        let mut line = 1;
        let mut stanzas = Vec::new();
        for stanza in text.split("\n\n") {
            let starts_at = line + (stanza.len() - stanza.trim_start_matches('\n').len());
            line += stanza.matches('\n').count() + 2;
            if stanza.trim().is_empty() {
                continue;
            }
            match parse_stanza(stanza, distroless) {
                Ok(Some(mut s)) => {
                    s.package.path = format!("/{path}");
                    stanzas.push(s);
                }
                Ok(None) => {}
                Err(e) => facts.warnings.push(format!("/{path}: dpkg: stanza at line {starts_at}: {e}; skipped")),
            }
        }
        facts.packages.extend(resolve(stanzas));
        Ok(())
    }
}

/// An installed package with the relations it declares, names only.
#[derive(Debug)]
struct Stanza {
    package: FoundPackage,
    /// `Pre-Depends` then `Depends`, each a list of alternatives (`a | b`).
    depends: Vec<Vec<String>>,
    /// Virtual package names it provides.
    provides: Vec<String>,
}

/// The package name of one relation term: `libc6:any (>= 2.34)` is `libc6`.
fn relation_name(term: &str) -> &str {
    let name = term.trim().split([' ', '(', '[', '<']).next().unwrap_or_default();
    name.split_once(':').map_or(name, |(n, _)| n)
}

/// Parse a `Depends`-style field into alternatives lists.
fn relations(field: &str) -> Vec<Vec<String>> {
    field
        .split(',')
        .map(|alternatives| {
            alternatives.split('|').map(relation_name).filter(|n| !n.is_empty()).map(String::from).collect()
        })
        .filter(|a: &Vec<String>| !a.is_empty())
        .collect()
}

/// Each package's relations as `name@version` references: per relation the first alternative
/// installed by name, else its first installed provider; relations nothing installs are dropped.
fn resolve(stanzas: Vec<Stanza>) -> Vec<FoundPackage> {
    let mut installed: HashMap<&str, String> = HashMap::new();
    for s in &stanzas {
        installed.entry(&s.package.name).or_insert_with(|| s.package.reference());
    }
    let mut provided: HashMap<&str, String> = HashMap::new();
    for s in &stanzas {
        for virtual_name in &s.provides {
            provided.entry(virtual_name).or_insert_with(|| s.package.reference());
        }
    }
    let resolved: Vec<Vec<String>> = stanzas
        .iter()
        .map(|s| {
            let own = s.package.reference();
            let mut refs: Vec<String> = s
                .depends
                .iter()
                .filter_map(|alternatives| {
                    let by_name = alternatives.iter().find_map(|a| installed.get(a.as_str()));
                    by_name.or_else(|| alternatives.iter().find_map(|a| provided.get(a.as_str()))).cloned()
                })
                .filter(|r| *r != own)
                .collect();
            refs.sort();
            refs.dedup();
            refs
        })
        .collect();
    stanzas.into_iter().zip(resolved).map(|(s, refs)| FoundPackage { depends_on: refs, ..s.package }).collect()
}

/// One stanza; `None` for packages that are not installed (removed, config-files only). A
/// distroless `status.d` file has no `Status` field: its packages are installed.
fn parse_stanza(stanza: &str, distroless: bool) -> Result<Option<Stanza>, String> {
    let mut name = None;
    let mut depends = Vec::new();
    let mut provides = Vec::new();
    let mut version = None;
    let mut arch = None;
    let mut source = None;
    let mut status = None;
    for (k, v) in headers(stanza) {
        match k {
            "Package" => name = Some(v),
            "Version" => version = Some(v),
            "Architecture" => arch = Some(v),
            "Source" => source = Some(v),
            "Status" => status = Some(v),
            "Pre-Depends" | "Depends" => depends.extend(relations(&v)),
            "Provides" => provides.extend(relations(&v).into_iter().flatten()),
            _ => {}
        }
    }
    let name = name.filter(|n| !n.is_empty()).ok_or("no Package field")?;
    let installed = match &status {
        Some(s) => s.split_whitespace().nth(2) == Some("installed"),
        None if distroless => true,
        None => return Err(format!("package {name} has no Status field")),
    };
    if !installed {
        return Ok(None);
    }
    let version = version.filter(|v| !v.is_empty()).ok_or_else(|| format!("package {name} has no Version field"))?;
    // `Source: name (version)` when the source version differs from the binary's.
    let (source_name, source_version) = match source {
        None => (name.clone(), version.clone()),
        Some(s) => match s.split_once(' ') {
            Some((n, v)) => (n.to_string(), v.trim().trim_start_matches('(').trim_end_matches(')').to_string()),
            None => (s, version.clone()),
        },
    };
    let mut p = FoundPackage::new(Ecosystem::Deb, name, version, String::new());
    p.source_name = Some(source_name);
    p.source_version = Some(source_version);
    p.arch = arch;
    Ok(Some(Stanza { package: p, depends, provides }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanzas() {
        let s = "Package: bsdutils\nStatus: install ok installed\nVersion: 1:2.38.1-5+deb12u3\nSource: util-linux (2.38.1-5+deb12u3)\nArchitecture: amd64\nDescription: x\n more\n";
        let p = parse_stanza(s, false).unwrap().unwrap().package;
        assert_eq!(
            (p.source_name.as_deref(), p.source_version.as_deref()),
            (Some("util-linux"), Some("2.38.1-5+deb12u3"))
        );
        let removed = "Package: x\nStatus: deinstall ok config-files\nVersion: 1\n";
        assert!(parse_stanza(removed, false).unwrap().is_none());
        let distroless = "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n";
        assert_eq!(parse_stanza(distroless, true).unwrap().unwrap().package.source_name.as_deref(), Some("tzdata"));
        let err = |s: &str, distroless| parse_stanza(s, distroless).unwrap_err();
        assert_eq!(err("Status: install ok installed\nVersion: 1\n", false), "no Package field");
        assert_eq!(err("\u{fffd}\u{fffd}garbage\n", false), "no Package field");
        assert_eq!(err("Package: x\nVersion: 1\n", false), "package x has no Status field");
        assert_eq!(err("Package: x\nStatus: install ok installed\n", false), "package x has no Version field");
        assert_eq!(err("Package: x\n", true), "package x has no Version field");
        assert!(Dpkg.wants("var/lib/dpkg/status.d/tzdata"));
        assert!(!Dpkg.wants("var/lib/dpkg/status.d/tzdata.md5sums"));
        assert!(!Dpkg.wants("var/lib/dpkg/status-old"));
    }

    #[test]
    fn bad_stanzas_are_warnings_naming_their_line() {
        let status = "Package: a\nStatus: install ok installed\nVersion: 1\n\n\n\x01\x02 junk\nmore junk\n\nPackage: b\nVersion: 2\n\nPackage: c\nStatus: install ok installed\nVersion: 3\n";
        let mut facts = LayerFacts::default();
        Dpkg.analyze(STATUS, status.as_bytes(), &mut facts).unwrap();
        let names: Vec<&str> = facts.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "c"]);
        assert_eq!(
            facts.warnings,
            [
                "/var/lib/dpkg/status: dpkg: stanza at line 6: no Package field; skipped",
                "/var/lib/dpkg/status: dpkg: stanza at line 9: package b has no Status field; skipped",
            ]
        );
    }

    #[test]
    fn depends_resolve_to_installed_packages_and_providers() {
        let status = "Package: curl\nStatus: install ok installed\nVersion: 7.88\nPre-Depends: libc6:any (>= 2.34)\nDepends: libcurl4 (= 7.88) | libcurl3, missing, mawk | awk, curl\n\n\
            Package: libc6\nStatus: install ok installed\nVersion: 2.36\nArchitecture: amd64\n\n\
            Package: libcurl3\nStatus: install ok installed\nVersion: 7.0\nDepends: awk\n\n\
            Package: gawk\nStatus: install ok installed\nVersion: 5.2\nProvides: awk (= 5.2), gawk-x\n";
        let mut facts = LayerFacts::default();
        Dpkg.analyze(STATUS, status.as_bytes(), &mut facts).unwrap();
        let deps: Vec<(&str, Vec<&str>)> = facts
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.depends_on.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            deps,
            [
                ("curl", vec!["gawk@5.2", "libc6@2.36", "libcurl3@7.0"]),
                ("libc6", vec![]),
                ("libcurl3", vec!["gawk@5.2"]),
                ("gawk", vec![]),
            ]
        );
        assert_eq!(relations("a (>= 1) [amd64] | b:any, , c <!nocheck>"), [vec!["a", "b"], vec!["c"]]);
    }
}
