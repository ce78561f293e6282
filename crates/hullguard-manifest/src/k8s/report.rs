//! How a check reports: one finding at an object's field, built through the registry.

use hullguard_checks::registry::{CheckMeta, by_concept};
use hullguard_report::{Finding, Location};

use super::Settings;
use super::object::Object;
use crate::yaml::Node;

/// The findings of one object's checks.
pub(crate) struct Reporter<'a> {
    pub(crate) file: &'a str,
    pub(crate) obj: Object<'a>,
    pub(crate) settings: &'a Settings,
    pub(crate) findings: Vec<Finding>,
}

impl<'a> Reporter<'a> {
    pub(crate) fn new(file: &'a str, obj: Object<'a>, settings: &'a Settings) -> Self {
        Self { file, obj, settings, findings: Vec::new() }
    }

    /// Reports `concept` at `field` (a path in the object, without any `items[i].` prefix) whose
    /// node, or nearest present parent, is `at`. `fix` is the YAML to set, written under `field`'s
    /// parent (`securityContext: {privileged: false}`).
    pub(crate) fn add(&mut self, concept: &str, field: &str, at: &Node, evidence: String, fix: &str) {
        let Some(meta) = by_concept(concept) else {
            debug_assert!(false, "no check for concept {concept}");
            return;
        };
        if self.settings.skips(meta) {
            return;
        }
        let field = self.obj.path(field);
        let fix = if fix.is_empty() {
            None
        } else {
            let parent = field.rsplit_once('.').map_or("", |(p, _)| p);
            Some(if parent.is_empty() { fix.to_owned() } else { format!("under {parent}: {fix}") })
        };
        let location = Location::Manifest {
            path: self.file.to_owned(),
            document: self.obj.document,
            object: self.obj.id(),
            field,
            line: at.line,
            column: at.column,
        };
        self.findings.push(meta.finding(location, evidence, fix));
    }
}

impl Settings {
    /// Whether `--skip-check` turned `meta` off.
    pub(crate) fn skips(&self, meta: &CheckMeta) -> bool {
        self.skip.iter().any(|s| meta.is_named(s))
    }
}
