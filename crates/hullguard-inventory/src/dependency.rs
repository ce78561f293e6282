//! Dependency edges between the packages of an inventory.
//!
//! A package names what it depends on as `name@version` references ([`FoundPackage::depends_on`]).
//! A reference resolves to the package of the same ecosystem with that name and version that
//! sits nearest by path: the one found in the same file (lockfiles, binaries), else for npm the
//! one Node's lookup finds from the dependent's directory, else the one with the shortest path. References keep the inventory independent of package order, which SBOM
//! formats (bom-refs, SPDX ids) replace with their own identifiers.

use std::collections::HashMap;

use hullguard_lockfile::node_modules_lookup;

use crate::package::{Ecosystem, FoundPackage, Package};

/// Split a reference into name and version; `None` for a bare npm name not resolved yet.
fn split_reference(reference: &str) -> (&str, Option<&str>) {
    match reference.rfind('@') {
        Some(at) if at > 0 => (&reference[..at], Some(&reference[at + 1..])),
        _ => (reference, None),
    }
}

/// The directory of an npm package's manifest, relative (`app/node_modules/a`).
fn manifest_dir(path: &str) -> Option<&str> {
    let dir = path.trim_start_matches('/').strip_suffix("package.json")?;
    Some(dir.trim_end_matches('/'))
}

/// The directory a Python distribution is installed in: the parent of its `*.dist-info` or
/// `*.egg-info` (`usr/lib/python3/dist-packages`).
fn site_dir(path: &str) -> &str {
    let path = path.trim_start_matches('/');
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    if dir.ends_with(".dist-info") || dir.ends_with(".egg-info") {
        dir.rsplit_once('/').map_or("", |(d, _)| d)
    } else {
        dir
    }
}

/// Resolve the bare dependency names the npm and Python analyzers write (each sees one manifest
/// at a time) to installed packages: for npm the one Node's lookup loads (the nearest
/// `node_modules/<name>/package.json` from the dependent's directory up); for Python the
/// distribution of that PEP 503 name in the dependent's own site directory, else the one with
/// the shortest path. Names nothing installs are dropped (optional or missing dependencies).
pub(crate) fn resolve_bare_names(packages: &mut [Package]) {
    let npm: HashMap<&str, usize> = packages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.found.ecosystem == Ecosystem::Npm)
        .filter_map(|(i, p)| Some((manifest_dir(&p.found.path)?, i)))
        .collect();
    let mut python: HashMap<(&str, String), usize> = HashMap::new();
    let mut python_anywhere: HashMap<String, usize> = HashMap::new();
    for (i, p) in packages.iter().enumerate().filter(|(_, p)| p.found.ecosystem == Ecosystem::PyPI) {
        let name = crate::pep503_name(&p.found.name);
        python.entry((site_dir(&p.found.path), name.clone())).or_insert(i);
        let best = python_anywhere.entry(name).or_insert(i);
        if p.found.path.split('/').count() < packages[*best].found.path.split('/').count() {
            *best = i;
        }
    }
    let locate = |i: usize, name: &str| -> Option<usize> {
        let f = &packages[i].found;
        match f.ecosystem {
            Ecosystem::Npm => {
                let dir = manifest_dir(&f.path).unwrap_or_default();
                let target = node_modules_lookup(dir, name, |c| npm.contains_key(c))?;
                Some(npm[target.as_str()])
            }
            Ecosystem::PyPI => {
                let site = site_dir(&f.path);
                python.get(&(site, name.to_string())).or_else(|| python_anywhere.get(name)).copied()
            }
            _ => None,
        }
    };
    let resolve = |i: usize, names: &[String]| -> Vec<String> {
        let mut refs: Vec<String> = names
            .iter()
            .filter_map(|r| match split_reference(r) {
                (_, Some(_)) => Some(r.clone()),
                (name, None) => locate(i, name).filter(|&t| t != i).map(|t| packages[t].found.reference()),
            })
            .collect();
        refs.sort();
        refs.dedup();
        refs
    };
    let resolved: Vec<Option<(Vec<String>, Vec<String>)>> = packages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let f = &p.found;
            let bare = |refs: &[String]| refs.iter().any(|r| split_reference(r).1.is_none());
            (bare(&f.depends_on) || bare(&f.dev_depends_on))
                .then(|| (resolve(i, &f.depends_on), resolve(i, &f.dev_depends_on)))
        })
        .collect();
    for (p, refs) in packages.iter_mut().zip(resolved) {
        if let Some((depends_on, dev_depends_on)) = refs {
            p.found.depends_on = depends_on;
            p.found.dev_depends_on = dev_depends_on;
        }
    }
}

/// For each package, the indices of the packages its references resolve to (sorted, without
/// itself); references that resolve to nothing are left out. Each reference costs a few hash
/// look-ups, however many packages share its name and version.
pub(crate) fn edges(packages: &[Package]) -> Vec<Vec<usize>> {
    resolve_references(packages, |f| &f.depends_on)
}

/// For each package, the indices its [`FoundPackage::dev_depends_on`] resolve to, as [`edges`].
pub(crate) fn dev_edges(packages: &[Package]) -> Vec<Vec<usize>> {
    resolve_references(packages, |f| &f.dev_depends_on)
}

/// The indices the references `pick` gives of each package resolve to.
fn resolve_references(packages: &[Package], pick: impl Fn(&FoundPackage) -> &[String]) -> Vec<Vec<usize>> {
    let mut at_path: HashMap<(Ecosystem, &str, &str, &str), usize> = HashMap::new();
    let mut shortest: HashMap<(Ecosystem, &str, &str), usize> = HashMap::new();
    for (i, p) in packages.iter().enumerate() {
        let f = &p.found;
        at_path.entry((f.ecosystem, &f.name, &f.version, &f.path)).or_insert(i);
        let best = shortest.entry((f.ecosystem, &f.name, &f.version)).or_insert(i);
        if f.path.split('/').count() < packages[*best].found.path.split('/').count() {
            *best = i;
        }
    }
    packages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let f = &p.found;
            let resolve = |r: &String| {
                let (name, version) = split_reference(r);
                let version = version?;
                at_path
                    .get(&(f.ecosystem, name, version, f.path.as_str()))
                    .copied()
                    .or_else(|| {
                        let dir = manifest_dir(&f.path).filter(|_| f.ecosystem == Ecosystem::Npm)?;
                        let manifest = |d: &str| format!("/{d}/package.json");
                        let key = |path: &str| at_path.get(&(Ecosystem::Npm, name, version, path)).copied();
                        let found = node_modules_lookup(dir, name, |d| key(&manifest(d)).is_some())?;
                        key(&manifest(&found))
                    })
                    .or_else(|| shortest.get(&(f.ecosystem, name, version)).copied())
            };
            let mut targets: Vec<usize> = pick(f).iter().filter_map(resolve).filter(|&t| t != i).collect();
            targets.sort_unstable();
            targets.dedup();
            targets
        })
        .collect()
}

/// Set each package's references from `(dependent, dependency)` index pairs, as an SBOM reader
/// finds them; the inverse of [`edges`].
pub(crate) fn set_dependencies(packages: &mut [Package], pairs: &[(usize, usize)]) {
    let refs: Vec<(usize, String)> = pairs
        .iter()
        .filter(|(from, to)| from != to && packages[*from].found.ecosystem == packages[*to].found.ecosystem)
        .map(|&(from, to)| (from, packages[to].found.reference()))
        .collect();
    for (from, r) in refs {
        packages[from].found.depends_on.push(r);
    }
    for p in packages {
        p.found.depends_on.sort();
        p.found.depends_on.dedup();
    }
}

impl FoundPackage {
    /// The `name@version` reference other packages use to depend on this one.
    pub fn reference(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(ecosystem: Ecosystem, name: &str, version: &str, path: &str, deps: &[&str]) -> Package {
        let mut found = FoundPackage::new(ecosystem, name.into(), version.into(), path.into());
        found.depends_on = deps.iter().map(ToString::to_string).collect();
        Package { purl: crate::Purl::of(&found, None, None), found, layer: None, diff_id: None }
    }

    #[test]
    fn npm_names_resolve_to_the_nearest_installed_package() {
        let npm = |name, version, path, deps| package(Ecosystem::Npm, name, version, path, deps);
        let mut packages = vec![
            npm("app", "1.0.0", "/app/package.json", &["a", "@s/c", "not-installed"]),
            npm("a", "1.0.0", "/app/node_modules/a/package.json", &["b"]),
            npm("b", "2.0.0", "/app/node_modules/a/node_modules/b/package.json", &[]),
            npm("b", "1.0.0", "/app/node_modules/b/package.json", &[]),
            npm("@s/c", "1.0.0", "/app/node_modules/@s/c/package.json", &["b"]),
        ];
        resolve_bare_names(&mut packages);
        let deps: Vec<Vec<&str>> =
            packages.iter().map(|p| p.found.depends_on.iter().map(String::as_str).collect()).collect();
        assert_eq!(deps, [vec!["@s/c@1.0.0", "a@1.0.0"], vec!["b@2.0.0"], vec![], vec![], vec!["b@1.0.0"]]);
        // The SBOM writers find the same packages again.
        assert_eq!(edges(&packages), [vec![1, 4], vec![2], vec![], vec![], vec![3]]);
    }

    #[test]
    fn python_names_resolve_in_the_same_site_directory_first() {
        let py = |name, version, path, deps| package(Ecosystem::PyPI, name, version, path, deps);
        let mut packages = vec![
            py("Flask", "1.1.2", "/site/Flask-1.1.2.dist-info/METADATA", &["jinja2", "werkzeug", "click"]),
            py("Jinja2", "2.11.2", "/site/Jinja2-2.11.2.dist-info/METADATA", &["markupsafe"]),
            py("Werkzeug", "0.9", "/other/site/Werkzeug-0.9.dist-info/METADATA", &[]),
            py("Werkzeug", "1.0.1", "/site/Werkzeug-1.0.1.dist-info/METADATA", &[]),
            py("MarkupSafe", "1.1.1", "/usr/lib/python3/dist-packages/MarkupSafe-1.1.1.egg-info", &[]),
        ];
        resolve_bare_names(&mut packages);
        let deps: Vec<Vec<&str>> =
            packages.iter().map(|p| p.found.depends_on.iter().map(String::as_str).collect()).collect();
        assert_eq!(deps, [vec!["Jinja2@2.11.2", "Werkzeug@1.0.1"], vec!["MarkupSafe@1.1.1"], vec![], vec![], vec![]]);
        assert_eq!(edges(&packages), [vec![1, 3], vec![4], vec![], vec![], vec![]]);
    }

    #[test]
    fn references_resolve_to_the_same_file_first() {
        let cargo = |name, version, path, deps| package(Ecosystem::Cargo, name, version, path, deps);
        let packages = vec![
            cargo("app", "0.1.0", "/a/Cargo.lock", &["log@0.4.0", "missing@1.0.0"]),
            cargo("log", "0.4.0", "/a/Cargo.lock", &[]),
            cargo("log", "0.4.0", "/b/Cargo.lock", &[]),
            cargo("other", "0.1.0", "/b/Cargo.lock", &["log@0.4.0"]),
            package(Ecosystem::Npm, "log", "0.4.0", "/b/Cargo.lock", &[]),
            cargo("tool", "0.1.0", "/c/Cargo.lock", &["log@0.4.0"]),
        ];
        // Same file first; from elsewhere the shortest path (ties: the first).
        assert_eq!(edges(&packages), [vec![1], vec![], vec![], vec![2], vec![], vec![1]]);
        let mut back: Vec<Package> = packages
            .iter()
            .cloned()
            .map(|mut p| {
                p.found.depends_on.clear();
                p
            })
            .collect();
        set_dependencies(&mut back, &[(0, 1), (3, 2), (3, 4), (1, 1)]);
        assert_eq!(back[0].found.depends_on, ["log@0.4.0"]);
        assert_eq!(back[3].found.depends_on, ["log@0.4.0"], "no edge across ecosystems");
        assert!(back[1].found.depends_on.is_empty(), "no edge to itself");
    }
}
