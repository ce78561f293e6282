//! The loaded tree: every node keeps the line and column it starts at.

/// One YAML node with its position (1-based line and column).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What the node holds.
    pub value: Value,
    /// 1-based line of the node's first character.
    pub line: u32,
    /// 1-based column of the node's first character.
    pub column: u32,
}

/// The content of a [`Node`]. Scalars keep their text and whether they were plain (unquoted), so
/// that `true` and `"true"` stay apart: Kubernetes rejects a quoted boolean where it wants one.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// A scalar, as parsed.
    Scalar {
        /// The scalar's text.
        text: String,
        /// Whether it was written without quotes or block indicator (so YAML may type it).
        plain: bool,
    },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order (merge keys resolved).
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The value of `key` in a mapping (the last one if the key is repeated, as Kubernetes' decoder
    /// keeps the last); `None` when absent or when `self` is not a mapping.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().rev().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v),
            _ => None,
        }
    }

    /// [`Node::get`], treating an explicit `null` as absent.
    #[must_use]
    pub fn field(&self, key: &str) -> Option<&Node> {
        self.get(key).filter(|v| !v.is_null())
    }

    /// The text of a string-like scalar (any scalar but null).
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, plain } if !(*plain && is_null_text(text)) => Some(text),
            _ => None,
        }
    }

    /// Whether the node is null (explicit or empty).
    #[must_use]
    pub fn is_null(&self) -> bool {
        match &self.value {
            Value::Null => true,
            Value::Scalar { text, plain } => *plain && is_null_text(text),
            _ => false,
        }
    }

    /// A boolean as Kubernetes' YAML decoder (YAML 1.1) reads a plain scalar: `true`/`yes`/`on`
    /// (any of their usual cases) and `y` are true, their opposites false. Quoted text is a
    /// string, not a boolean.
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        let Value::Scalar { text, plain: true } = &self.value else { return None };
        match text.as_str() {
            "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => Some(true),
            "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => Some(false),
            _ => None,
        }
    }

    /// An integer written plainly: decimal (with sign), `0x` hex or `0o` octal.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        let Value::Scalar { text, plain: true } = &self.value else { return None };
        let t = text.replace('_', "");
        let (neg, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(&t)),
        };
        let n = if let Some(hex) = t.strip_prefix("0x") {
            i64::from_str_radix(hex, 16).ok()?
        } else if let Some(oct) = t.strip_prefix("0o") {
            i64::from_str_radix(oct, 8).ok()?
        } else if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            t.parse().ok()?
        } else {
            return None;
        };
        Some(if neg { -n } else { n })
    }

    /// The items of a sequence (empty for anything else).
    #[must_use]
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// The entries of a mapping (empty for anything else).
    #[must_use]
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// Whether the node is a mapping.
    #[must_use]
    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// Whether the node is a sequence.
    #[must_use]
    pub fn is_seq(&self) -> bool {
        matches!(self.value, Value::Seq(_))
    }

    /// What a scalar is, typed as Kubernetes' YAML decoder types plain scalars (null, booleans,
    /// integers, floats; quoted text stays a string); `None` for a sequence or mapping.
    #[must_use]
    pub fn typed(&self) -> Option<Scalar<'_>> {
        match &self.value {
            Value::Null => Some(Scalar::Null),
            Value::Scalar { .. } if self.is_null() => Some(Scalar::Null),
            Value::Scalar { text, plain } => Some(if *plain {
                if let Some(b) = self.as_bool() {
                    Scalar::Bool(b)
                } else if let Some(n) = self.as_i64() {
                    Scalar::Int(n)
                } else if let Some(f) = plain_float(text) {
                    Scalar::Float(f)
                } else {
                    Scalar::Str(text)
                }
            } else {
                Scalar::Str(text)
            }),
            Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// The text a mapping key stands for: a scalar's text, anything else as JSON.
    #[must_use]
    pub fn key_text(&self) -> String {
        match &self.value {
            Value::Scalar { text, .. } => text.clone(),
            _ => self.to_json().to_string(),
        }
    }

    /// The node as JSON, scalars [`Node::typed`], keys [`Node::key_text`]. This is the raw
    /// object a Rego policy reads.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as Json;
        match self.typed() {
            Some(Scalar::Null) => Json::Null,
            Some(Scalar::Bool(b)) => Json::Bool(b),
            Some(Scalar::Int(n)) => Json::from(n),
            Some(Scalar::Float(f)) => Json::from(f),
            Some(Scalar::Str(s)) => Json::String(s.to_owned()),
            None => match &self.value {
                Value::Map(entries) => Json::Object(entries.iter().map(|(k, v)| (k.key_text(), v.to_json())).collect()),
                _ => Json::Array(self.items().iter().map(Node::to_json).collect()),
            },
        }
    }

    /// A short name of the node's type, for warnings (`a mapping`, `a string`).
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Scalar { .. } if self.is_null() => "null",
            Value::Scalar { plain: false, .. } => "a string",
            Value::Scalar { .. } if self.as_bool().is_some() => "a boolean",
            Value::Scalar { .. } if self.as_i64().is_some() => "a number",
            Value::Scalar { .. } => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// A scalar as Kubernetes' decoder types it ([`Node::typed`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar<'a> {
    /// `null`, `~`, nothing.
    Null,
    /// A plain boolean.
    Bool(bool),
    /// A plain integer.
    Int(i64),
    /// A plain finite float.
    Float(f64),
    /// Text: quoted, or plain that is none of the above.
    Str(&'a str),
}

/// A plain scalar YAML reads as a finite float (`1.5`, `-2e3`, `.5`), not `.inf` or `.nan`.
fn plain_float(text: &str) -> Option<f64> {
    let digits = text.trim_start_matches(['-', '+']);
    let looks = digits.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && digits.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    text.parse::<f64>().ok().filter(|f| looks && f.is_finite())
}

/// Plain scalars YAML reads as null.
fn is_null_text(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(text: &str, plain: bool) -> Node {
        Node { value: Value::Scalar { text: text.to_owned(), plain }, line: 1, column: 1 }
    }

    #[test]
    fn typed_scalars_follow_kubernetes_yaml() {
        assert_eq!(scalar("yes", true).as_bool(), Some(true));
        assert_eq!(scalar("True", true).as_bool(), Some(true));
        assert_eq!(scalar("true", false).as_bool(), None, "quoted is a string");
        assert_eq!(scalar("0", true).as_i64(), Some(0));
        assert_eq!(scalar("-1_000", true).as_i64(), Some(-1000));
        assert_eq!(scalar("0x10", true).as_i64(), Some(16));
        assert_eq!(scalar("0", false).as_i64(), None, "quoted is a string");
        assert_eq!(scalar("1.5", true).as_i64(), None);
        assert!(scalar("~", true).is_null() && !scalar("~", false).is_null());
        assert_eq!(scalar("null", true).as_str(), None);
        assert_eq!(scalar("null", false).as_str(), Some("null"));
        assert_eq!(scalar("1", false).type_name(), "a string");
        assert_eq!(scalar("1", true).type_name(), "a number");
    }

    #[test]
    fn json_types_plain_scalars_only() {
        let json: Vec<serde_json::Value> = [
            ("true", true),
            ("true", false),
            ("8080", true),
            ("0.5", true),
            ("1e3", true),
            ("~", true),
            ("v1.2", true),
        ]
        .into_iter()
        .map(|(t, p)| scalar(t, p).to_json())
        .collect();
        assert_eq!(
            json,
            serde_json::json!([true, "true", 8080, 0.5, 1000.0, null, "v1.2"]).as_array().unwrap().clone()
        );
    }
}
