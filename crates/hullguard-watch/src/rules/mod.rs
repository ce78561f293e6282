//! Rules: a YAML file (saphyr) of named conditions ([`condition`]), each with its priority, tags,
//! output, response, rate limit and exceptions; the default rules ship in the binary
//! (`default.yaml`).

pub mod condition;

use hullguard_host::engine::Action;
use hullguard_report::yaml::{YamlSource, too_deep_line};
use saphyr::{LoadableYamlNode, MarkedYaml, YamlData};

pub use condition::Condition;

/// The keys of an exception and the event field each one matches.
pub const EXCEPTION_KEYS: [(&str, &str); 4] = [
    ("container", "container.name"),
    ("image", "container.image.repository"),
    ("process", "proc.name"),
    ("path", "fd.name"),
];

/// The default rules, as documented in docs/watch.md.
pub const DEFAULT: &str = include_str!("default.yaml");

/// Falco's priorities, most severe first.
pub const PRIORITIES: [&str; 8] =
    ["EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFORMATIONAL", "DEBUG"];

/// The largest rules file read.
const MAX_BYTES: usize = 4 << 20;

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Its name (`rule:`), the alert's `rule`.
    pub name: String,
    /// One of [`PRIORITIES`].
    pub priority: &'static str,
    /// Its tags, with the ATT&CK technique id.
    pub tags: Vec<String>,
    /// When it fires.
    pub condition: Condition,
    /// The alert's text, `%field` replaced by the event's field.
    pub output: String,
    /// What is done to the container besides the alert (`response: stop|pause|kill`; `None`:
    /// `alert`, the default).
    pub response: Option<Action>,
    /// At most this many alerts of the rule a minute (`rate_limit:`); the rest are counted.
    pub rate_limit: Option<u32>,
    /// Events not alerted on: each exception holds when all its keys match.
    pub exceptions: Vec<Exception>,
}

/// One exception: per key of [`EXCEPTION_KEYS`] given, the values one of which the field must
/// equal (a value ending in `*` matches what starts with the rest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception(pub Vec<(&'static str, Vec<String>)>);

impl Exception {
    /// Whether the event with these fields is excepted.
    #[must_use]
    pub fn matches(&self, fields: &std::collections::BTreeMap<&'static str, String>) -> bool {
        self.0.iter().all(|(field, values)| {
            fields.get(field).is_some_and(|v| {
                values.iter().any(|want| match want.strip_suffix('*') {
                    Some(prefix) => v.starts_with(prefix),
                    None => v == want,
                })
            })
        })
    }
}

/// Reads a rules file's text; `origin` names it in errors.
///
/// # Errors
/// One line: the file, the rule, what is wrong.
pub fn parse(origin: &str, text: &str) -> Result<Vec<Rule>, String> {
    let fail = |what: String| format!("{origin}: {what}");
    if text.len() > MAX_BYTES {
        return Err(fail(format!("larger than {MAX_BYTES} bytes")));
    }
    if let Some(line) = too_deep_line(text, 64) {
        return Err(fail(format!("line {line}: nested too deep")));
    }
    let docs = MarkedYaml::load_from_str(text).map_err(|e| fail(format!("not YAML: {e}")))?;
    let source = YamlSource::new(text);
    let root = docs.first().ok_or_else(|| fail("empty".into()))?;
    let Some(YamlData::Sequence(items)) = source.get(root, "rules").map(|r| &r.data) else {
        return Err(fail("expected a top-level `rules:` list".into()));
    };
    let mut rules = Vec::with_capacity(items.len());
    for (n, item) in items.iter().enumerate() {
        let line = item.span.start.line();
        let text = |key: &str| source.get(item, key).and_then(|v| source.scalar(v));
        let at = |what: String| fail(format!("line {line}: rule {}: {what}", n + 1));
        let need = |key: &str| text(key).ok_or_else(|| at(format!("`{key}:` is missing")));
        let name = need("rule")?;
        let at = |what: String| fail(format!("line {line}: rule {name:?}: {what}"));
        let priority = need("priority")?;
        let priority = PRIORITIES
            .iter()
            .find(|p| p.eq_ignore_ascii_case(&priority))
            .ok_or_else(|| at(format!("priority {priority:?} is not one of {}", PRIORITIES.join(", "))))?;
        let tags = match source.get(item, "tags").map(|t| &t.data) {
            None => Vec::new(),
            Some(YamlData::Sequence(tags)) => tags.iter().filter_map(|t| source.scalar(t)).collect(),
            Some(_) => return Err(at("`tags:` must be a list".into())),
        };
        let condition = Condition::parse(&need("condition")?).map_err(|e| at(format!("condition: {e}")))?;
        let output = need("output")?;
        if let Some(bad) = placeholders(&output).find(|f| !condition::FIELDS.contains(f)) {
            return Err(at(format!("output names unknown field %{bad}")));
        }
        let response = match text("response").as_deref() {
            None | Some("alert") => None,
            Some("stop") => Some(Action::Stop),
            Some("pause") => Some(Action::Pause),
            Some("kill") => Some(Action::Kill),
            Some(other) => return Err(at(format!("response {other:?} is not one of alert, stop, pause, kill"))),
        };
        let rate_limit = match text("rate_limit") {
            None => None,
            Some(n) => Some(
                n.parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| at(format!("rate_limit {n:?} is not a number above 0")))?,
            ),
        };
        let exceptions = match source.get(item, "exceptions").map(|e| &e.data) {
            None => Vec::new(),
            Some(YamlData::Sequence(list)) => {
                list.iter().map(|e| exception(&source, e)).collect::<Result<_, _>>().map_err(at)?
            }
            Some(_) => return Err(at("`exceptions:` must be a list".into())),
        };
        rules.push(Rule { name, priority, tags, condition, output, response, rate_limit, exceptions });
    }
    Ok(rules)
}

/// One exception: a mapping of [`EXCEPTION_KEYS`] to a value or a list of values.
fn exception(source: &YamlSource, node: &MarkedYaml<'_>) -> Result<Exception, String> {
    let YamlData::Mapping(map) = &node.data else {
        return Err("an exception must be a mapping of container, image, process, path".into());
    };
    let mut keys = Vec::with_capacity(map.len());
    for (key, value) in map {
        let key = source.scalar(key).unwrap_or_default();
        let field = EXCEPTION_KEYS
            .iter()
            .find(|(k, _)| *k == key)
            .ok_or_else(|| format!("exception key {key:?} is not one of container, image, process, path"))?
            .1;
        let values = match &value.data {
            YamlData::Sequence(items) => items.iter().filter_map(|v| source.scalar(v)).collect(),
            _ => source.scalar(value).into_iter().collect::<Vec<_>>(),
        };
        if values.is_empty() {
            return Err(format!("exception key {key:?} has no value"));
        }
        keys.push((field, values));
    }
    Ok(Exception(keys))
}

/// The `%field` names in an output.
fn placeholders(output: &str) -> impl Iterator<Item = &str> {
    output
        .split('%')
        .skip(1)
        .map(|rest| rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.')).next().unwrap_or_default())
}

/// An output with each `%field` replaced by its value (`<NA>` when the event lacks it, as Falco).
#[must_use]
pub fn render(output: &str, fields: &std::collections::BTreeMap<&'static str, String>) -> String {
    let mut text = String::with_capacity(output.len());
    let mut parts = output.split('%');
    text.push_str(parts.next().unwrap_or_default());
    for part in parts {
        let name_len = part.find(|c: char| !(c.is_ascii_alphanumeric() || c == '.')).unwrap_or(part.len());
        let (name, rest) = part.split_at(name_len);
        text.push_str(fields.get(name).map_or("<NA>", String::as_str));
        text.push_str(rest);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_rules_parse_each_with_an_attack_id() {
        let rules = parse("default.yaml", DEFAULT).unwrap();
        assert_eq!(rules.len(), 16);
        for rule in &rules {
            assert!(
                rule.tags.iter().any(|t| t.starts_with('T') && t[1..].starts_with(|c: char| c.is_ascii_digit())),
                "{}",
                rule.name
            );
        }
    }

    #[test]
    fn a_bad_rule_is_one_line_naming_file_rule_and_problem() {
        let rule = |cond: &str, out: &str| {
            format!("rules:\n  - rule: R\n    priority: warning\n    condition: {cond}\n    output: \"{out}\"\n")
        };
        assert_eq!(parse("r.yaml", "x: 1\n").unwrap_err(), "r.yaml: expected a top-level `rules:` list");
        assert_eq!(
            parse("r.yaml", &rule("proc.name = sh", "%proc.nme")).unwrap_err(),
            "r.yaml: line 2: rule \"R\": output names unknown field %proc.nme"
        );
        assert!(
            parse("r.yaml", &rule("proc.name sh", "x"))
                .unwrap_err()
                .starts_with("r.yaml: line 2: rule \"R\": condition: unknown operator")
        );
        assert_eq!(
            parse("r.yaml", "rules:\n  - priority: x\n").unwrap_err(),
            "r.yaml: line 2: rule 1: `rule:` is missing"
        );
        assert!(parse("r.yaml", "rules: [").unwrap_err().starts_with("r.yaml: not YAML"));
        let with = |extra: &str| parse("r.yaml", &(rule("proc.name = sh", "x") + extra));
        assert_eq!(
            with("    response: reboot\n").unwrap_err(),
            "r.yaml: line 2: rule \"R\": response \"reboot\" is not one of alert, stop, pause, kill"
        );
        assert_eq!(
            with("    rate_limit: 0\n").unwrap_err(),
            "r.yaml: line 2: rule \"R\": rate_limit \"0\" is not a number above 0"
        );
        assert_eq!(
            with("    exceptions:\n      - user: root\n").unwrap_err(),
            "r.yaml: line 2: rule \"R\": exception key \"user\" is not one of container, image, process, path"
        );
        let full = with("    response: pause\n    rate_limit: 5\n    exceptions:\n      - image: [a, b*]\n").unwrap();
        assert_eq!((full[0].response, full[0].rate_limit), (Some(Action::Pause), Some(5)));
        let fields = |image: &str| [("container.image.repository", image.to_owned())].into_iter().collect();
        assert!(full[0].exceptions[0].matches(&fields("b-app")) && !full[0].exceptions[0].matches(&fields("c")));
        let ok = parse("r.yaml", &rule("proc.name = sh", "shell %proc.name by %user.uid")).unwrap();
        assert_eq!(ok[0].priority, "WARNING");
        let fields = [("proc.name", "sh".to_owned())].into_iter().collect();
        assert_eq!(render(&ok[0].output, &fields), "shell sh by <NA>");
    }
}
