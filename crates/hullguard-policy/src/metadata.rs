//! What a policy says about its rules: OPA's `# METADATA` comment blocks (YAML: `title`,
//! `description`, `related_resources`, `custom.id`, `custom.severity`,
//! `custom.recommended_action`, `custom.input.selector`), the `__rego_metadata__` rule of
//! Trivy's older checks (`id`, `title`, `severity`, `description`, `recommended_actions`, `url`)
//! and its `__rego_input__` (`selector`).

use std::str::FromStr;

use hullguard_manifest::yaml::{Limits, load_stream};
use hullguard_report::Severity;
use serde_json::Value;

use crate::InputKind;

/// A rule's metadata; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// The finding id (`custom.id`, else `custom.avd_id`; `id` of `__rego_metadata__`).
    pub id: Option<String>,
    /// The finding title.
    pub title: Option<String>,
    /// The finding description.
    pub description: Option<String>,
    /// The finding severity.
    pub severity: Option<Severity>,
    /// What to do (`recommended_action(s)`).
    pub fix: Option<String>,
    /// Links (`related_resources`, `url`).
    pub references: Vec<String>,
    /// The input kinds the rule applies to (`custom.input.selector[].type`).
    pub selector: Option<Vec<InputKind>>,
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The input kinds of a `{"selector": [{"type": "kubernetes"}, …]}` value; types hullguard has
/// no input of select nothing.
#[must_use]
pub fn selector(v: &Value) -> Option<Vec<InputKind>> {
    let list = v.get("selector")?.as_array()?;
    Some(list.iter().filter_map(|s| s.get("type")?.as_str()).filter_map(InputKind::from_selector).collect())
}

impl Metadata {
    /// `self`, its missing fields taken from `other`.
    #[must_use]
    pub fn or(self, other: Self) -> Self {
        Self {
            id: self.id.or(other.id),
            title: self.title.or(other.title),
            description: self.description.or(other.description),
            severity: self.severity.or(other.severity),
            fix: self.fix.or(other.fix),
            references: if self.references.is_empty() { other.references } else { self.references },
            selector: self.selector.or(other.selector),
        }
    }

    /// The metadata of a `# METADATA` block's YAML (as JSON).
    #[must_use]
    pub fn from_annotation(v: &Value) -> Self {
        let custom = v.get("custom").cloned().unwrap_or(Value::Null);
        let references = v
            .get("related_resources")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter().filter_map(|r| r.as_str().map(str::to_owned).or_else(|| text(r, "ref"))).collect::<Vec<_>>()
            })
            .unwrap_or_default();
        Self {
            id: text(&custom, "id").or_else(|| text(&custom, "avd_id")),
            title: text(v, "title"),
            description: text(v, "description"),
            severity: text(&custom, "severity").and_then(|s| Severity::from_str(&s).ok()),
            fix: text(&custom, "recommended_action").or_else(|| text(&custom, "recommended_actions")),
            references,
            selector: custom.get("input").and_then(selector),
        }
    }

    /// The metadata of a `__rego_metadata__` value.
    #[must_use]
    pub fn from_rego_metadata(v: &Value) -> Self {
        Self {
            id: text(v, "id").or_else(|| text(v, "avd_id")),
            title: text(v, "title"),
            description: text(v, "description"),
            severity: text(v, "severity").and_then(|s| Severity::from_str(&s).ok()),
            fix: text(v, "recommended_actions").or_else(|| text(v, "recommended_action")),
            references: text(v, "url").into_iter().collect(),
            selector: None,
        }
    }
}

/// The `# METADATA` blocks of a policy's text, each with the line (1-based) of the first line
/// after it that is not a comment: the package or rule it describes.
#[must_use]
pub fn comment_blocks(source: &str) -> Vec<(u32, Metadata)> {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != "# METADATA" {
            i += 1;
            continue;
        }
        let mut yaml = String::new();
        i += 1;
        while i < lines.len() && lines[i].trim_start().starts_with('#') {
            let body = lines[i].trim_start().trim_start_matches('#');
            yaml.push_str(body.strip_prefix(' ').unwrap_or(body));
            yaml.push('\n');
            i += 1;
        }
        let mut doc = Value::Null;
        let _ = load_stream(&yaml, &Limits::default(), &mut |d| {
            if doc.is_null() {
                doc = d.root.to_json();
            }
        });
        let target = u32::try_from(i + 1).unwrap_or(u32::MAX);
        out.push((target, Metadata::from_annotation(&doc)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_block_describes_the_line_after_it() {
        let text = "# METADATA\n# title: No latest tag\n# custom:\n#   id: ACME-001\n#   severity: critical\n#   recommended_action: Pin it\n#   input:\n#     selector:\n#     - type: dockerfile\n#     - type: cloud\n# related_resources:\n# - ref: https://example.invalid/a\n# - https://example.invalid/b\ndeny contains msg if { false }\n";
        let blocks = comment_blocks(text);
        assert_eq!(blocks.len(), 1);
        let (line, m) = &blocks[0];
        assert_eq!(*line, 14);
        assert_eq!(m.id.as_deref(), Some("ACME-001"));
        assert_eq!(m.title.as_deref(), Some("No latest tag"));
        assert_eq!(m.severity, Some(Severity::Critical));
        assert_eq!(m.fix.as_deref(), Some("Pin it"));
        assert_eq!(m.references, ["https://example.invalid/a", "https://example.invalid/b"]);
        assert_eq!(m.selector, Some(vec![InputKind::Dockerfile]), "cloud is not a kind hullguard reads");
    }
}
