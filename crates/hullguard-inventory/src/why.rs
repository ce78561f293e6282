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
    /// Only a development or build dependency: every chain to it passes through a project's
    /// dev dependencies ([`crate::FoundPackage::dev_depends_on`]).
    pub dev_only: bool,
}

/// Why each package named `name` is in `inventory`, in inventory order (empty when none is).
/// Each costs one breadth-first walk of the reverse edges.
#[must_use]
pub fn why<'a>(inventory: &'a Inventory, name: &str) -> Vec<Why<'a>> {
    let packages = &inventory.packages;
    let forward = crate::dependency::edges(packages);
    let reverse = reverse_edges(&forward);
    let dev_only = dev_only(packages, &forward, &reverse);
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
                dev_only: dev_only[target],
            }
        })
        .collect()
}

/// For each package, the packages that depend on it directly (the `forward` edges turned
/// around), in inventory order.
fn reverse_edges(forward: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut reverse = vec![Vec::new(); forward.len()];
    for (from, targets) in forward.iter().enumerate() {
        for &to in targets {
            reverse[to].push(from);
        }
    }
    reverse
}

/// Per package: whether it is reached from top-level packages only through dev edges. A walk
/// from every top-level package along runtime edges marks what is needed at run time; a second
/// walk along every edge marks what is reached at all (packages only a cycle depends on are not).
fn dev_only(packages: &[Package], forward: &[Vec<usize>], reverse: &[Vec<usize>]) -> Vec<bool> {
    let dev = crate::dependency::dev_edges(packages);
    if dev.iter().all(Vec::is_empty) {
        return vec![false; packages.len()];
    }
    let walk = |runtime_only: bool| {
        let mut seen = vec![false; packages.len()];
        let mut stack: Vec<usize> = (0..packages.len()).filter(|&i| reverse[i].is_empty()).collect();
        for &i in &stack {
            seen[i] = true;
        }
        while let Some(at) = stack.pop() {
            for &next in &forward[at] {
                let dev_edge = runtime_only && dev[at].contains(&next);
                if !seen[next] && !dev_edge {
                    seen[next] = true;
                    stack.push(next);
                }
            }
        }
        seen
    };
    let (runtime, reached) = (walk(true), walk(false));
    runtime.iter().zip(reached).map(|(&r, any)| any && !r).collect()
}

/// Where a package sits in the dependency graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// Nothing depends on it, or a top-level package (one nothing depends on) does; else it is
    /// only a dependency of dependencies.
    pub direct: bool,
    /// How many packages depend on it directly.
    pub dependents: usize,
    /// Only a development or build dependency (see [`Why::dev_only`]).
    pub dev_only: bool,
}

/// Each package's [`Place`], in inventory order; `None` for a package of an ecosystem with no
/// edges in the inventory (nothing is known about it).
#[must_use]
pub fn places(inventory: &Inventory) -> Vec<Option<Place>> {
    let packages = &inventory.packages;
    let forward = crate::dependency::edges(packages);
    let reverse = reverse_edges(&forward);
    let dev_only = dev_only(packages, &forward, &reverse);
    let with_edges: std::collections::HashSet<_> =
        packages.iter().filter(|p| !p.found.depends_on.is_empty()).map(|p| p.found.ecosystem).collect();
    packages
        .iter()
        .zip(&reverse)
        .zip(dev_only)
        .map(|((p, up), dev_only)| {
            with_edges.contains(&p.found.ecosystem).then(|| Place {
                direct: up.is_empty() || up.iter().any(|&d| reverse[d].is_empty()),
                dependents: up.len(),
                dev_only,
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
        let place = |direct, dependents| Some(Place { direct, dependents, dev_only: false });
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

    #[test]
    fn dev_only_when_every_chain_passes_a_dev_edge() {
        // app needs lib at run time and test-kit only to develop; test-kit and lib share util.
        let mut inv = inventory(&[
            ("app", &["lib", "test-kit"]),
            ("lib", &["util"]),
            ("test-kit", &["util", "assert"]),
            ("util", &[]),
            ("assert", &[]),
        ]);
        inv.packages[0].found.dev_depends_on = vec!["test-kit@1".into()];
        let dev: Vec<(&str, bool)> =
            ["app", "lib", "test-kit", "util", "assert"].iter().map(|n| (*n, why(&inv, n)[0].dev_only)).collect();
        assert_eq!(dev, [("app", false), ("lib", false), ("test-kit", true), ("util", false), ("assert", true)]);
        let places: Vec<bool> = places(&inv).into_iter().map(|p| p.unwrap().dev_only).collect();
        assert_eq!(places, [false, false, true, false, true]);
    }
}
