//! Debian packages from `var/lib/dpkg/status` and distroless `var/lib/dpkg/status.d/*`.

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
        1
    }

    fn wants(&self, path: &str) -> bool {
        path == STATUS
            || path.strip_prefix(STATUS_D).is_some_and(|name| !name.contains('/') && !name.ends_with(".md5sums"))
    }

    fn analyze(&self, path: &str, content: &[u8], facts: &mut LayerFacts) -> Result<(), String> {
        let text = String::from_utf8_lossy(content);
        let distroless = path != STATUS;
        for stanza in text.split("\n\n").filter(|s| !s.trim().is_empty()) {
            match parse_stanza(stanza, distroless) {
                Ok(Some(mut p)) => {
                    p.path = format!("/{path}");
                    facts.packages.push(p);
                }
                Ok(None) => {}
                Err(e) => facts.warnings.push(format!("/{path}: {e}")),
            }
        }
        Ok(())
    }
}

/// One stanza; `None` for packages that are not installed (removed, config-files only).
fn parse_stanza(stanza: &str, distroless: bool) -> Result<Option<FoundPackage>, String> {
    let mut name = None;
    let mut version = None;
    let mut arch = None;
    let mut source = None;
    let mut installed = distroless;
    for (k, v) in headers(stanza) {
        match k {
            "Package" => name = Some(v),
            "Version" => version = Some(v),
            "Architecture" => arch = Some(v),
            "Source" => source = Some(v),
            "Status" => installed = v.split_whitespace().nth(2) == Some("installed"),
            _ => {}
        }
    }
    if !installed {
        return Ok(None);
    }
    let name = name.ok_or("stanza without Package")?;
    let version = version.ok_or_else(|| format!("package {name} has no Version"))?;
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
    Ok(Some(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanzas() {
        let s = "Package: bsdutils\nStatus: install ok installed\nVersion: 1:2.38.1-5+deb12u3\nSource: util-linux (2.38.1-5+deb12u3)\nArchitecture: amd64\nDescription: x\n more\n";
        let p = parse_stanza(s, false).unwrap().unwrap();
        assert_eq!(
            (p.source_name.as_deref(), p.source_version.as_deref()),
            (Some("util-linux"), Some("2.38.1-5+deb12u3"))
        );
        let removed = "Package: x\nStatus: deinstall ok config-files\nVersion: 1\n";
        assert_eq!(parse_stanza(removed, false).unwrap(), None);
        let distroless = "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n";
        assert_eq!(parse_stanza(distroless, true).unwrap().unwrap().source_name.as_deref(), Some("tzdata"));
        assert!(parse_stanza("Status: install ok installed\nVersion: 1\n", false).is_err());
        assert!(Dpkg.wants("var/lib/dpkg/status.d/tzdata"));
        assert!(!Dpkg.wants("var/lib/dpkg/status.d/tzdata.md5sums"));
        assert!(!Dpkg.wants("var/lib/dpkg/status-old"));
    }
}
