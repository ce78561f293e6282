//! Python distributions from `*.dist-info/METADATA` and `*.egg-info/PKG-INFO` (or an
//! `*.egg-info` file).
//!
//! Each distribution records the PEP 503 names of its unconditional `Requires-Dist`
//! requirements (those without an `extra == …` marker); the merge resolves them to the
//! distributions installed beside it.

use super::{Analyzer, LayerFacts, headers};
use crate::package::{Ecosystem, FoundPackage};

pub(super) struct PythonMetadata;

impl Analyzer for PythonMetadata {
    fn id(&self) -> &'static str {
        "python-dist-info"
    }

    fn version(&self) -> u32 {
        3
    }

    fn wants(&self, path: &str) -> bool {
        path.ends_with(".dist-info/METADATA") || path.ends_with(".egg-info/PKG-INFO") || path.ends_with(".egg-info")
    }

    fn analyze(&self, path: &str, content: &[u8], facts: &mut LayerFacts) -> Result<(), String> {
        let text = String::from_utf8_lossy(content);
        // Headers end at the first blank line; the long description follows.
        let head = text.split("\n\n").next().unwrap_or("");
        let mut name = None;
        let mut version = None;
        let mut license = None;
        let mut expression = None;
        let mut requires = Vec::new();
        for (k, v) in headers(head) {
            match k {
                "Name" => name = Some(v),
                "Version" => version = Some(v),
                "License" if !v.is_empty() && v != "UNKNOWN" => {
                    license = Some(v.lines().next().unwrap_or("").to_string())
                }
                "License-Expression" => expression = Some(v),
                "Requires-Dist" => requires.extend(required_name(&v)),
                _ => {}
            }
        }
        // Core metadata is UTF-8; old `PKG-INFO` files in Latin-1 still name themselves in ASCII,
        // so text is read leniently and only a missing field is a problem.
        let binary = std::str::from_utf8(content).is_err();
        let missing = |field: &str| {
            if binary { format!("no {field} header (not UTF-8 text)") } else { format!("no {field} header") }
        };
        let name = name.filter(|n| !n.is_empty()).ok_or_else(|| missing("Name"))?;
        let version = version.filter(|v| !v.is_empty()).ok_or_else(|| missing("Version"))?;
        let mut p = FoundPackage::new(Ecosystem::PyPI, name, version, format!("/{path}"));
        p.license = expression.or(license);
        requires.sort();
        requires.dedup();
        p.depends_on = requires;
        facts.packages.push(p);
        Ok(())
    }
}

/// The PEP 503 name a `Requires-Dist` value requires, `None` when only an extra asks for it
/// (`pytest; extra == "test"`) or the value names nothing. Environment markers other than
/// extras are kept: what they exclude is not installed, and names nothing installs are dropped
/// when edges are resolved.
fn required_name(value: &str) -> Option<String> {
    let (requirement, marker) = value.split_once(';').unwrap_or((value, ""));
    if marker.contains("extra") {
        return None;
    }
    let end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(requirement.len());
    let name = requirement[..end].trim();
    (!name.is_empty()).then(|| crate::pep503_name(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_keep_the_name_and_drop_extras() {
        for (value, want) in [
            ("Werkzeug (>=0.15)", Some("werkzeug")),
            ("Jinja2>=2.10.1", Some("jinja2")),
            ("itsdangerous >= 0.24", Some("itsdangerous")),
            ("zope.interface[docs]", Some("zope-interface")),
            ("pywin32; sys_platform == \"win32\"", Some("pywin32")),
            ("python-dotenv ; extra == 'dotenv'", None),
            ("pytest; python_version >= \"3.8\" and extra == \"test\"", None),
            ("pip @ https://example.invalid/pip.whl", Some("pip")),
            ("(>=1)", None),
        ] {
            assert_eq!(required_name(value).as_deref(), want, "{value}");
        }
    }

    #[test]
    fn metadata_lists_unconditional_requirements_only() {
        let metadata = "Metadata-Version: 2.1\nName: Flask\nVersion: 1.1.2\nRequires-Dist: Werkzeug (>=0.15)\n\
            Requires-Dist: Jinja2 (>=2.10.1)\nRequires-Dist: click (>=5.1)\n\
            Requires-Dist: python-dotenv ; extra == 'dotenv'\n\nRequires-Dist: not-a-header\n";
        let mut facts = LayerFacts::default();
        PythonMetadata.analyze("site/Flask-1.1.2.dist-info/METADATA", metadata.as_bytes(), &mut facts).unwrap();
        assert_eq!(facts.packages[0].depends_on, ["click", "jinja2", "werkzeug"]);
    }
}
