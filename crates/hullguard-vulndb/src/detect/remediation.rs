//! Remediations: one upgrade per package that has fixable findings.

use std::collections::BTreeMap;

use hullguard_report::{Finding, Remediation, VulnDetail};

use crate::version::scheme_for;

/// One upgrade per package with fixable findings among the vulnerabilities of `findings`: the
/// highest of their fixed versions, in the package's ecosystem order.
pub fn remediations(findings: &[Finding]) -> Vec<Remediation> {
    let mut by_package: BTreeMap<(&str, &str, &str), Vec<&VulnDetail>> = BTreeMap::new();
    for f in findings {
        if let Some(v) = f.vuln() {
            by_package.entry((&v.package, f.path(), &v.installed)).or_default().push(v);
        }
    }
    let mut out = Vec::new();
    for ((package, path, installed), group) in by_package {
        let scheme = scheme_for(&group[0].ecosystem).ok();
        let order = |a: &&str, b: &&str| scheme.and_then(|s| s.compare(a, b).ok()).unwrap_or(std::cmp::Ordering::Equal);
        let Some(upgrade_to) = group.iter().filter_map(|f| f.fixed.as_deref()).max_by(order) else { continue };
        out.push(Remediation {
            package: package.to_owned(),
            path: path.to_owned(),
            installed: installed.to_owned(),
            upgrade_to: upgrade_to.to_owned(),
            fixes: group.iter().filter(|f| f.fixed.is_some()).count(),
            unfixed: group.iter().filter(|f| f.fixed.is_none()).count(),
        });
    }
    out
}
