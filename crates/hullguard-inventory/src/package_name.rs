//! Package names in the form an ecosystem compares them.

use crate::package::Ecosystem;

/// A package name as its ecosystem compares it: for PyPI its PEP 503 form ([`pep503_name`]),
/// for every other ecosystem (and for purl types hullguard does not inventory) in lower case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageName(String);

impl PackageName {
    /// The normalised name of `name` in `ecosystem` (`None`: an ecosystem not inventoried).
    #[must_use]
    pub fn new(ecosystem: Option<Ecosystem>, name: &str) -> Self {
        Self(match ecosystem {
            Some(Ecosystem::PyPI) => pep503_name(name),
            _ => name.to_lowercase(),
        })
    }

    /// The normalised name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Python package name normalised as PEP 503 says: lower case, and every run of `-`, `_` and
/// `.` one `-` (`Zope.Interface`, `zope__interface` and `zope-interface` are one project).
#[must_use]
pub fn pep503_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_runs_of_separators_become_one_dash() {
        for (name, want) in [
            ("Jinja2", "jinja2"),
            ("zope.interface", "zope-interface"),
            ("Zope__Interface", "zope-interface"),
            ("a-_.b", "a-b"),
            ("ruamel.yaml.clib", "ruamel-yaml-clib"),
            ("-x_", "-x-"),
        ] {
            assert_eq!(pep503_name(name), want, "{name}");
        }
    }

    #[test]
    fn names_compare_as_their_ecosystem_compares_them() {
        let pypi = |n: &str| PackageName::new(Some(Ecosystem::PyPI), n);
        assert_eq!(pypi("Zope.Interface"), pypi("zope__interface"));
        assert_eq!(PackageName::new(Some(Ecosystem::Npm), "Lodash").as_str(), "lodash");
        assert_ne!(PackageName::new(Some(Ecosystem::Npm), "a_b"), PackageName::new(Some(Ecosystem::Npm), "a-b"));
    }
}
