//! The registry of hullguard's checks: one [`CheckMeta`] per check, keyed by a stable hullguard
//! id (`HG-DF-001` for Dockerfiles, `HG-IMG-001` for built images) and mapped to a catalogue
//! concept (`df-base-latest`) and to peer tools' ids. Concepts hullguard adds beyond the
//! catalogue start with `hg-` (e.g. `hg-img-world-writable`) and may have no peer ids.
//!
//! Ids are never reused or renumbered; a retired check keeps its id reserved.

use std::sync::LazyLock;

use hullguard_report::{Finding, FindingKind, Location, Severity};

mod compose;
mod containers;
mod dockerfile;
mod host;
mod image;
mod k8s;
mod seccomp;

/// Every family's checks, one file per family: add a family by adding its file and slice here.
static FAMILIES: &[&[CheckMeta]] = &[
    dockerfile::DOCKERFILE,
    image::IMAGE,
    host::HOST,
    containers::CONTAINERS,
    seccomp::SECCOMP,
    k8s::K8S,
    compose::COMPOSE,
];

/// All families in one list, ordered by id.
static REGISTRY: LazyLock<Vec<CheckMeta>> = LazyLock::new(|| {
    let mut all: Vec<CheckMeta> = FAMILIES.iter().flat_map(|f| f.iter().copied()).collect();
    all.sort_unstable_by_key(|m| m.id);
    all
});

/// Static description of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckMeta {
    /// hullguard's stable id, e.g. `HG-DF-001`.
    pub id: &'static str,
    /// The catalogue concept key, e.g. `df-user-root`.
    pub concept: &'static str,
    /// One-line title.
    pub title: &'static str,
    /// Severity of every finding of this check.
    pub severity: Severity,
    /// Why it matters.
    pub description: &'static str,
    /// How to fix it in general (findings may carry a more specific fix).
    pub remediation: &'static str,
    /// Ids of the same concept in other tools (Trivy, hadolint, Checkov, KICS, Dockle, CIS).
    pub peer_ids: &'static [&'static str],
    /// Further reading.
    pub references: &'static [&'static str],
}

impl CheckMeta {
    /// Whether `name` names this check (how `--skip-check` and ignore pragmas name it): its id,
    /// its concept key or one of its peer ids (`DL3008`, `DS002`, `CKV_DOCKER_3`; a peer id may
    /// name several checks). ShellCheck codes (`SC2086`) name codes, not `df-shellcheck` itself.
    #[must_use]
    pub fn is_named(&self, name: &str) -> bool {
        name == self.id || name == self.concept || (!is_shellcheck_code(name) && self.peer_ids.contains(&name))
    }

    /// A misconfiguration finding of this check; without a specific `fix` the check's general
    /// remediation is the fix.
    #[must_use]
    pub fn finding(&self, location: Location, evidence: String, fix: Option<String>) -> Finding {
        Finding {
            kind: FindingKind::Misconfiguration,
            id: self.id.to_owned(),
            concept: Some(self.concept.to_owned()),
            severity: self.severity,
            title: self.title.to_owned(),
            description: self.description.to_owned(),
            location,
            evidence: Some(evidence),
            fix: Some(fix.unwrap_or_else(|| self.remediation.to_owned())),
            references: self.references.iter().map(|r| (*r).to_owned()).collect(),
            vulnerability: None,
            status: None,
        }
    }
}

/// Every check, ordered by id.
#[must_use]
pub fn registry() -> &'static [CheckMeta] {
    &REGISTRY
}

/// Catalogue concepts of the manifest sections (Kubernetes, compose) that have no check yet, with
/// the reason.
#[must_use]
pub fn manifest_not_implemented() -> &'static [(&'static str, &'static str)] {
    k8s::NOT_IMPLEMENTED
}

/// The check for a catalogue concept key.
#[must_use]
pub fn by_concept(concept: &str) -> Option<&'static CheckMeta> {
    REGISTRY.iter().find(|m| m.concept == concept)
}

/// Whether `name` names a check of the registry or a ShellCheck code: what `--skip-check` accepts.
#[must_use]
pub fn is_check_name(name: &str) -> bool {
    is_shellcheck_code(name) || REGISTRY.iter().any(|m| m.is_named(name))
}

/// Whether `name` is a ShellCheck code (`SC2086`), which selects one code of `df-shellcheck`.
#[must_use]
pub fn is_shellcheck_code(name: &str) -> bool {
    name.strip_prefix("SC").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn shared_dir() -> String {
        std::env::var("HULLGUARD_SHARED")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared").to_owned())
    }

    #[test]
    fn ids_and_concepts_are_unique_and_ordered() {
        let mut ids = BTreeSet::new();
        let mut concepts = BTreeSet::new();
        for m in registry() {
            assert!(ids.insert(m.id), "duplicate id {}", m.id);
            assert!(concepts.insert(m.concept), "duplicate concept {}", m.concept);
            let host_concept = ["host-", "daemon-", "dfile-", "swarm-", "ee-"].iter().any(|p| m.concept.starts_with(p));
            let family_ok = (m.id.starts_with("HG-DF-") && m.id.len() == 9)
                || (m.id.starts_with("HG-IMG-")
                    && m.id.len() == 10
                    && (m.concept.starts_with("img-") || is_extension(m)))
                || (m.id.starts_with("HG-HOST-") && m.id.len() == 11 && host_concept)
                || (m.id.starts_with("HG-CTR-")
                    && m.id.len() == 10
                    && (m.concept.starts_with("ctr-") || m.concept.starts_with("ops-") || is_extension(m)))
                || (m.id.starts_with("HG-SECCOMP-") && m.id.len() == 14 && m.concept.starts_with("hg-seccomp-"))
                || (m.id.starts_with("HG-K8S-")
                    && m.id.len() == 10
                    && ["k8s-", "rbac-", "net-", "psp-", "hg-k8s-"].iter().any(|p| m.concept.starts_with(p)))
                || (m.id.starts_with("HG-CMP-")
                    && m.id.len() == 10
                    && (m.concept.starts_with("compose-") || m.concept.starts_with("hg-compose-")));
            assert!(family_ok, "bad id {} for {}", m.id, m.concept);
            assert!(m.id[m.id.len() - 3..].bytes().all(|b| b.is_ascii_digit()), "bad id {}", m.id);
            assert!(!m.title.is_empty() && !m.description.is_empty());
            // hullguard's own concepts (`hg-…`, not in the catalogue) may have no peer.
            assert!(!m.remediation.is_empty() && (!m.peer_ids.is_empty() || is_extension(m)));
        }
        let listed: Vec<&str> = registry().iter().map(|m| m.id).collect();
        let mut sorted = listed.clone();
        sorted.sort_unstable();
        assert_eq!(listed, sorted);
    }

    /// A hullguard-only concept: not in the catalogue, key starts with `hg-`.
    fn is_extension(m: &CheckMeta) -> bool {
        m.concept.starts_with("hg-")
    }

    fn catalogue() -> String {
        let path = format!("{}/checks/CATALOGUE.md", shared_dir());
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path} (set HULLGUARD_SHARED): {e}"))
    }

    #[test]
    fn image_host_container_and_manifest_checks_have_exactly_the_catalogue_peer_ids() {
        let catalogue = catalogue();
        let families = ["HG-IMG-", "HG-HOST-", "HG-CTR-", "HG-K8S-", "HG-CMP-"];
        for m in registry().iter().filter(|m| families.iter().any(|f| m.id.starts_with(f))) {
            let key = format!("| `{}` |", m.concept);
            let row = catalogue.lines().find(|l| l.starts_with(&key));
            if is_extension(m) {
                assert!(row.is_none(), "{} is in the catalogue: use its key without the hg- prefix", m.concept);
                continue;
            }
            let row = row.unwrap_or_else(|| panic!("{} is not in the catalogue", m.concept));
            let cells: Vec<&str> = row.split(" | ").collect();
            let peers: BTreeSet<&str> =
                cells.get(3).map(|c| c.split(" · ").map(str::trim).collect()).unwrap_or_default();
            let ours: BTreeSet<&str> = m.peer_ids.iter().copied().collect();
            assert_eq!(ours, peers, "{}", m.concept);
        }
    }

    #[test]
    fn every_image_concept_of_the_catalogue_is_implemented_or_listed() {
        let catalogue = catalogue();
        let section = catalogue
            .split("### ")
            .find(|s| s.starts_with("Image config / built image"))
            .unwrap_or_else(|| panic!("no image section in the catalogue"));
        let mut keys = BTreeSet::new();
        for line in section.lines() {
            if let Some(rest) = line.strip_prefix("| `") {
                let key = rest.split('`').next().unwrap_or_default();
                keys.insert(key);
            }
        }
        assert_eq!(keys.len(), 20);
        for key in keys {
            let implemented = by_concept(key).is_some_and(|m| m.id.starts_with("HG-IMG-"));
            let listed = crate::image::NOT_IMPLEMENTED.iter().any(|(k, _)| *k == key);
            assert!(implemented != listed, "{key}: implemented={implemented}, listed as not implemented={listed}");
        }
    }

    /// The concept keys of a catalogue section (by its title's start).
    fn section_keys(catalogue: &str, title: &str) -> Vec<String> {
        let section = catalogue
            .split("### ")
            .find(|s| s.starts_with(title))
            .unwrap_or_else(|| panic!("no section {title} in the catalogue"));
        section.lines().filter_map(|l| l.strip_prefix("| `")?.split('`').next()).map(str::to_owned).collect()
    }

    #[test]
    fn every_manifest_concept_of_the_catalogue_is_implemented_or_listed() {
        let catalogue = catalogue();
        for (title, count, family) in [
            ("Kubernetes workload", 66, "HG-K8S-"),
            ("Kubernetes RBAC", 28, "HG-K8S-"),
            ("Kubernetes network", 12, "HG-K8S-"),
            ("Kubernetes objects and hygiene", 26, "HG-K8S-"),
            ("Kubernetes PodSecurityPolicy", 11, "HG-K8S-"),
            ("Kubernetes control plane", 75, "HG-K8S-"),
            ("docker-compose", 23, "HG-CMP-"),
        ] {
            let keys = section_keys(&catalogue, title);
            assert_eq!(keys.len(), count, "{title}");
            for key in keys {
                let implemented = by_concept(&key).is_some_and(|m| m.id.starts_with(family));
                let listed = manifest_not_implemented().iter().any(|(k, _)| *k == key);
                assert!(implemented != listed, "{key}: implemented={implemented}, listed as not implemented={listed}");
            }
        }
    }

    #[test]
    fn every_dockerfile_concept_of_the_catalogue_is_implemented() {
        let catalogue = catalogue();
        let section = catalogue
            .split("### ")
            .find(|s| s.starts_with("Dockerfile (build file lint)"))
            .unwrap_or_else(|| panic!("no Dockerfile section in the catalogue"));
        let keys: Vec<&str> = section.lines().filter_map(|l| l.strip_prefix("| `")?.split('`').next()).collect();
        assert_eq!(keys.len(), 95);
        let missing: Vec<&&str> =
            keys.iter().filter(|k| !by_concept(k).is_some_and(|m| m.id.starts_with("HG-DF-"))).collect();
        assert!(missing.is_empty(), "not implemented: {missing:?}");
    }

    #[test]
    fn every_concept_is_in_the_catalogue_with_its_severity() {
        let catalogue = catalogue();
        for m in registry().iter().filter(|m| !is_extension(m)) {
            let key = format!("| `{}` |", m.concept);
            let row = catalogue
                .lines()
                .find(|l| l.starts_with(&key))
                .unwrap_or_else(|| panic!("{} is not in the catalogue", m.concept));
            let cells: Vec<&str> = row.split(" | ").collect();
            assert_eq!(cells.get(2).copied(), Some(m.severity.as_str()), "{}", m.concept);
            for peer in m.peer_ids {
                assert!(row.contains(peer), "{}: peer id {peer} not in catalogue", m.concept);
            }
        }
    }

    #[test]
    fn peer_ids_name_checks_and_unknown_names_are_not_check_names() {
        let apt_pin = by_concept("df-apt-pin").unwrap();
        assert!(apt_pin.is_named("DL3008") && apt_pin.is_named("HG-DF-024") && apt_pin.is_named("df-apt-pin"));
        let ds002: Vec<&str> = registry().iter().filter(|m| m.is_named("DS002")).map(|m| m.id).collect();
        assert_eq!(ds002, ["HG-DF-003", "HG-DF-004"]);
        assert!(by_concept("df-user-missing").unwrap().is_named("CKV_DOCKER_3"));
        assert!(!by_concept("df-shellcheck").unwrap().is_named("SC1000"), "SC codes select codes");
        for known in ["DL3008", "CKV2_DOCKER_1", "HG-IMG-001", "img-user-root", "SC2086"] {
            assert!(is_check_name(known), "{known}");
        }
        for unknown in ["DL9999", "HG-DF-999", "df-nope", "SC", "dl3008", ""] {
            assert!(!is_check_name(unknown), "{unknown}");
        }
    }

    #[test]
    fn every_host_and_container_concept_of_the_catalogue_has_a_check_in_catalogue_order() {
        let catalogue = catalogue();
        for (heading, family, count) in
            [("Docker host and daemon", "HG-HOST-", 80), ("Running containers and operations", "HG-CTR-", 38)]
        {
            let section = catalogue
                .split("### ")
                .find(|s| s.starts_with(heading))
                .unwrap_or_else(|| panic!("no section {heading} in the catalogue"));
            let keys: Vec<&str> = section.lines().filter_map(|l| l.strip_prefix("| `")?.split('`').next()).collect();
            assert_eq!(keys.len(), count, "{heading}");
            let ours: Vec<&str> =
                registry().iter().filter(|m| m.id.starts_with(family) && !is_extension(m)).map(|m| m.concept).collect();
            assert_eq!(ours, keys, "{heading}: one check per concept, numbered in catalogue order");
        }
        assert_eq!(by_concept("ctr-privileged").map(|m| m.id), Some("HG-CTR-005"));
        assert_eq!(by_concept("daemon-icc").map(|m| m.id), Some("HG-HOST-022"));
        assert!(by_concept("ctr-privileged").unwrap().is_named("CIS 5.5"));
    }

    #[test]
    fn lookup_by_concept() {
        assert_eq!(by_concept("df-user-root").map(|m| m.id), Some("HG-DF-004"));
        assert!(by_concept("df-nope").is_none());
        assert_eq!(by_concept("img-user-root").map(|m| m.id), Some("HG-IMG-001"));
    }
}
