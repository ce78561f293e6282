//! Why a package is in an inventory: what depends on it directly, and the shortest chain of
//! dependency edges to it from each top-level package (one nothing depends on) that reaches it.

use std::collections::VecDeque;

use crate::{Inventory, Package};

/// Why one package is installed.
#[derive(Debug)]
pub struct Why<'a> {
    /// The package asked about.
    pub package: &'a Package,
    /// The packages that depend on it directly, in inventory order.
    pub dependents: Vec<&'a Package>,
    /// Per top-level package that reaches it, nearest first: the chain from that package down
    /// to this one, both included. Empty when nothing depends on it, or only a cycle does.
    pub chains: Vec<Vec<&'a Package>>,
}

/// Why each package named `name` is in `inventory`, in inventory order (empty when none is).
/// Each costs one breadth-first walk of the reverse edges.
#[must_use]
pub fn why<'a>(inventory: &'a Inventory, name: &str) -> Vec<Why<'a>> {
    let packages = &inventory.packages;
    let reverse = reverse_edges(packages);
    let target_indices = packages.iter().enumerate().filter(|(_, p)| p.found.name == name).map(|(i, _)| i);
    target_indices
        .map(|target| {
            // `toward[i]`: the next package from `i` on its shortest path down to the target.
            let mut toward: Vec<Option<usize>> = vec![None; packages.len()];
            let mut seen = vec![false; packages.len()];
            seen[target] = true;
            let mut queue = VecDeque::from([target]);
            let mut tops = Vec::new();
            while let Some(at) = queue.pop_front() {
                if reverse[at].is_empty() && at != target {
                    tops.push(at);
                }
                for &up in &reverse[at] {
                    if !seen[up] {
                        seen[up] = true;
                        toward[up] = Some(at);
                        queue.push_back(up);
                    }
                }
            }
            let chains = tops
                .into_iter()
                .map(|top| {
                    let mut chain = vec![&packages[top]];
                    let mut at = top;
                    while let Some(next) = toward[at] {
                        chain.push(&packages[next]);
                        at = next;
                    }
                    chain
                })
                .collect();
            Why {
                package: &packages[target],
                dependents: reverse[target].iter().map(|&i| &packages[i]).collect(),
                chains,
            }
        })
        .collect()
}

/// For each package, the packages that depend on it directly, in inventory order.
fn reverse_edges(packages: &[Package]) -> Vec<Vec<usize>> {
    let mut reverse = vec![Vec::new(); packages.len()];
    for (from, targets) in crate::dependency::edges(packages).into_iter().enumerate() {
        for to in targets {
            reverse[to].push(from);
        }
    }
    reverse
}

/// Where a package sits in the dependency graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// Nothing depends on it, or a top-level package (one nothing depends on) does; else it is
    /// only a dependency of dependencies.
    pub direct: bool,
    /// How many packages depend on it directly.
    pub dependents: usize,
}

/// Each package's [`Place`], in inventory order; `None` for a package of an ecosystem with no
/// edges in the inventory (nothing is known about it).
#[must_use]
pub fn places(inventory: &Inventory) -> Vec<Option<Place>> {
    let packages = &inventory.packages;
    let reverse = reverse_edges(packages);
    let with_edges: std::collections::HashSet<_> =
        packages.iter().filter(|p| !p.found.depends_on.is_empty()).map(|p| p.found.ecosystem).collect();
    packages
        .iter()
        .zip(&reverse)
        .map(|(p, up)| {
            with_edges.contains(&p.found.ecosystem).then(|| Place {
                direct: up.is_empty() || up.iter().any(|&d| reverse[d].is_empty()),
                dependents: up.len(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Ecosystem, FoundPackage, Purl};

    fn inventory(packages: &[(&str, &[&str])]) -> Inventory {
        let packages = packages
            .iter()
            .map(|(name, deps)| {
                let mut found = FoundPackage::new(Ecosystem::Deb, (*name).into(), "1".into(), "/s".into());
                found.depends_on = deps.iter().map(|d| format!("{d}@1")).collect();
                Package { purl: Purl::of(&found, None, None), found, layer: None, diff_id: None }
            })
            .collect();
        Inventory { packages, ..Inventory::default() }
    }

    #[test]
    fn shortest_chain_per_top_level_package_through_cycles() {
        // app → lib → z, tool → z, and a → b → a → z: a cycle nothing outside depends on.
        let inv = inventory(&[
            ("app", &["lib", "x"]),
            ("lib", &["z"]),
            ("x", &["lib"]),
            ("tool", &["z"]),
            ("a", &["b", "z"]),
            ("b", &["a"]),
            ("z", &[]),
        ]);
        let names = |ps: &[&Package]| ps.iter().map(|p| p.found.name.clone()).collect::<Vec<_>>();
        let [z] = why(&inv, "z").try_into().unwrap();
        assert_eq!(names(&z.dependents), ["lib", "tool", "a"]);
        let chains: Vec<Vec<String>> = z.chains.iter().map(|c| names(c)).collect();
        assert_eq!(chains, [vec!["tool", "z"], vec!["app", "lib", "z"]]);
        let [app] = why(&inv, "app").try_into().unwrap();
        assert!(app.dependents.is_empty() && app.chains.is_empty());
        let [a] = why(&inv, "a").try_into().unwrap();
        assert_eq!((names(&a.dependents), a.chains.len()), (vec!["b".to_string()], 0), "only a cycle depends on it");
        assert!(why(&inv, "missing").is_empty());
        let place = |direct, dependents| Some(Place { direct, dependents });
        // lib: app is top-level; z: tool is; x: only app; b: only a, which b depends on back.
        assert_eq!(
            places(&inv),
            [
                place(true, 0),
                place(true, 2),
                place(true, 1),
                place(true, 0),
                place(false, 1),
                place(false, 1),
                place(true, 3)
            ]
        );
    }
}
