//! Package names in the form an ecosystem compares them.

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
}
