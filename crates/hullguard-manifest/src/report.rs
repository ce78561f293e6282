//! How a check reports: one finding at an object's field, built through the registry.

use std::collections::HashMap;
use std::sync::LazyLock;

use hullguard_checks::registry::{CheckMeta, registry};
use hullguard_report::{Finding, Location};

use crate::Settings;
use crate::yaml::Node;

/// The registry by concept key (a finding is made per field: tens of thousands per scan).
static BY_CONCEPT: LazyLock<HashMap<&'static str, &'static CheckMeta>> =
    LazyLock::new(|| registry().iter().map(|m| (m.concept, m)).collect());

/// The findings of one object's checks.
pub(crate) struct Reporter<'a> {
    file: &'a str,
    document: usize,
    /// The object, as findings name it (`Deployment/prod/web`, `service/web`).
    object: String,
    /// What precedes the object's own field paths in its document (`items[2].`, `services.web.`).
    prefix: String,
    pub(crate) settings: &'a Settings,
    pub(crate) findings: Vec<Finding>,
}

impl<'a> Reporter<'a> {
    pub(crate) fn new(file: &'a str, document: usize, object: String, prefix: String, settings: &'a Settings) -> Self {
        Self { file, document, object, prefix, settings, findings: Vec::new() }
    }

    /// Reports `concept` at `field` (a path in the object, without the prefix) whose
    /// node, or nearest present parent, is `at`. `fix` is the YAML to set, written under `field`'s
    /// parent (`securityContext: {privileged: false}`).
    pub(crate) fn add(&mut self, concept: &str, field: &str, at: &Node, evidence: String, fix: &str) {
        let Some(meta) = BY_CONCEPT.get(concept).copied() else {
            debug_assert!(false, "no check for concept {concept}");
            return;
        };
        if self.settings.skips(meta) {
            return;
        }
        let location = self.location(field, at);
        let Location::Manifest { field, .. } = &location else { return };
        let fix = if fix.is_empty() {
            None
        } else {
            let parent = field.rsplit_once('.').map_or("", |(p, _)| p);
            Some(if parent.is_empty() { fix.to_owned() } else { format!("under {parent}: {fix}") })
        };
        self.findings.push(meta.finding(location, evidence, fix));
    }

    /// Where `field` (at node `at`) of this object is.
    fn location(&self, field: &str, at: &Node) -> Location {
        Location::Manifest {
            path: self.file.to_owned(),
            document: self.document,
            object: self.object.clone(),
            field: format!("{}{field}", self.prefix),
            line: at.line,
            column: at.column,
        }
    }

    /// Reports what the secret scanner's rules find in `value` (the text of `field`, at `at`): a
    /// secret finding of the rule, at the field.
    pub(crate) fn secrets(&mut self, field: &str, at: &Node, value: &[u8]) {
        let name = format!("{}/{}{field}", self.object, self.prefix);
        for secret in hullguard_secrets::scan(&name, value) {
            if self.settings.skip.contains(&secret.rule_id) {
                continue;
            }
            let mut finding = secret.to_finding();
            finding.description = format!("{} in {} {field}", secret.title, self.object);
            finding.location = self.location(field, at);
            self.findings.push(finding);
        }
    }
}

impl Settings {
    /// Whether `--skip-check` turned `meta` off.
    pub(crate) fn skips(&self, meta: &CheckMeta) -> bool {
        self.skip.iter().any(|s| meta.is_named(s))
    }
}
