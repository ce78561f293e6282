//! Kubernetes manifests and compose files: a YAML loader that keeps every node's line and column
//! ([`yaml`]), which files are manifests ([`files`]), the Kubernetes object model and its checks
//! ([`k8s`]), and compose files ([`compose`]).

pub mod compose;
pub mod files;
pub mod k8s;
pub(crate) mod report;
pub mod yaml;

use hullguard_report::Finding;
use hullguard_report::Suppressed;

/// What the checks are told.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Check names turned off (ids, concept keys, peer ids).
    pub skip: Vec<String>,
    /// Registries images may come from (`*.example.com` covers subdomains); empty: no check.
    pub trusted_registries: Vec<String>,
    /// Whether the `hullguard.dev/ignore` annotation is ignored (central policy).
    pub no_inline_ignores: bool,
}

/// One input: a name for reports and its bytes.
pub struct Input<'a> {
    /// Shown in findings (`-` for stdin).
    pub name: &'a str,
    /// The file's content.
    pub bytes: &'a [u8],
}

/// What a scan found.
#[derive(Debug, Default)]
pub struct Scan {
    /// The findings, sorted.
    pub findings: Vec<Finding>,
    /// Findings an inline annotation suppressed.
    pub suppressed: Vec<Suppressed>,
    /// Problems with the input, each naming `file:line`.
    pub warnings: Vec<String>,
    /// How many objects (Kubernetes objects, compose services) were read.
    pub objects: usize,
}

/// The text of an input, or a warning naming the line of the first invalid UTF-8 byte.
pub fn text<'a>(input: &Input<'a>) -> Result<&'a str, String> {
    let bytes = input.bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(input.bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        format!("{}:{line}: not UTF-8 text: file skipped", input.name)
    })
}

#[cfg(test)]
mod tests {
    /// The sources of the checks, to find each registered concept in them.
    const SOURCES: [&str; 9] = [
        include_str!("k8s/checks/container.rs"),
        include_str!("k8s/checks/host.rs"),
        include_str!("k8s/checks/hygiene.rs"),
        include_str!("k8s/checks/mod.rs"),
        include_str!("k8s/checks/network.rs"),
        include_str!("k8s/checks/psp.rs"),
        include_str!("k8s/checks/rbac.rs"),
        include_str!("k8s/checks/security.rs"),
        include_str!("compose/mod.rs"),
    ];

    #[test]
    fn every_registered_manifest_check_is_reported_by_some_code() {
        for m in hullguard_checks::registry::registry() {
            if m.id.starts_with("HG-K8S-") || m.id.starts_with("HG-CMP-") {
                let quoted = format!("\"{}\"", m.concept);
                assert!(
                    SOURCES.iter().any(|s| s.contains(&quoted)),
                    "{} ({}) is registered but never reported",
                    m.id,
                    m.concept
                );
            }
        }
    }
}
