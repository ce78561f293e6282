//! YAML read with its source kept at hand: scalars YAML would type (`1.10`, `0`) keep the text
//! they are written with, and nesting is bounded before the parser sees the document. Ignore
//! files and Alpine secdb documents are both read through this.

use saphyr::{MarkedYaml, Scalar, YamlData};

/// A YAML document's source, for reading its nodes' scalars as written.
pub struct YamlSource<'a> {
    text: &'a str,
    /// Whether `text` is ASCII, so that saphyr's character offsets are byte offsets.
    ascii: bool,
}

impl<'a> YamlSource<'a> {
    /// The source of a document parsed from `text`.
    #[must_use]
    pub fn new(text: &'a str) -> Self {
        Self { text, ascii: text.is_ascii() }
    }

    /// Whether `node` is a scalar (or null).
    #[must_use]
    pub fn is_scalar(&self, node: &MarkedYaml<'_>) -> bool {
        match &node.data {
            YamlData::Value(_) | YamlData::Representation(..) => true,
            YamlData::Tagged(_, inner) => self.is_scalar(inner),
            _ => false,
        }
    }

    /// The text of a scalar node: strings as parsed, other typed scalars (`1.10`, `2027`) as
    /// written; `None` for null and collections.
    #[must_use]
    pub fn scalar(&self, node: &MarkedYaml<'_>) -> Option<String> {
        match &node.data {
            YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
            YamlData::Value(Scalar::Null) => None,
            YamlData::Value(_) => {
                let (start, end) = (node.span.start.index(), node.span.end.index());
                let text = if self.ascii {
                    self.text.get(start..end)?
                } else {
                    let mut offsets = self.text.char_indices().map(|(i, _)| i).chain([self.text.len()]);
                    let from = offsets.nth(start)?;
                    let to = if end > start { offsets.nth(end - start - 1)? } else { from };
                    self.text.get(from..to)?
                };
                Some(text.trim().to_owned())
            }
            YamlData::Representation(s, ..) => Some(s.to_string()),
            YamlData::Tagged(_, inner) => self.scalar(inner),
            _ => None,
        }
    }

    /// The value of key `key` in mapping `node`.
    #[must_use]
    pub fn get<'n, 'i>(&self, node: &'n MarkedYaml<'i>, key: &str) -> Option<&'n MarkedYaml<'i>> {
        match &node.data {
            YamlData::Mapping(map) => map.iter().find(|(k, _)| self.scalar(k).as_deref() == Some(key)).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// The first line (1-based) of `text` that starts with more than `max` columns of indentation and
/// block indicators (` `, `\t`, `-`, `?`, `:`). Nesting in block YAML is bounded by them, so a
/// document without such a line cannot nest deep enough to exhaust the parser's stack.
#[must_use]
pub fn too_deep_line(text: &str, max: usize) -> Option<usize> {
    text.lines()
        .position(|line| line.bytes().take_while(|b| matches!(b, b' ' | b'\t' | b'-' | b'?' | b':')).count() > max)
        .map(|n| n + 1)
}

#[cfg(test)]
mod tests {
    use saphyr::LoadableYamlNode;

    use super::*;

    #[test]
    fn scalars_keep_their_written_text() {
        for text in ["v: 1.10\nn: 0\ns: '1.10'\nz: ~\nl: [1]\n", "é: x\nv: 1.10\nn: 0\ns: '1.10'\nz: ~\nl: [1]\n"] {
            let docs = MarkedYaml::load_from_str(text).unwrap();
            let src = YamlSource::new(text);
            let value = |key: &str| src.get(&docs[0], key).and_then(|v| src.scalar(v));
            assert_eq!(value("v").as_deref(), Some("1.10"), "{text}");
            assert_eq!(value("n").as_deref(), Some("0"), "{text}");
            assert_eq!(value("s").as_deref(), Some("1.10"), "{text}");
            assert_eq!((value("z"), value("l"), value("missing")), (None, None, None), "{text}");
            assert!(src.get(&docs[0], "z").is_some_and(|z| src.is_scalar(z)));
            assert!(!src.get(&docs[0], "l").is_some_and(|l| src.is_scalar(l)));
        }
    }

    #[test]
    fn nesting_is_measured_by_leading_indicators() {
        assert_eq!(too_deep_line("a:\n  - b\n", 4), None);
        assert_eq!(too_deep_line("a:\n  - b\n- - - - c\n", 4), Some(3));
    }
}
