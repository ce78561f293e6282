//! A YAML loader that keeps the line and column of every node, built on saphyr's event parser.
//!
//! Multi-document streams are handed over one document at a time, so a stream of 100,000
//! documents is held one document at a time. Anchors and aliases are resolved by copying the
//! anchored node, within a budget ([`Limits::max_alias_nodes`]) that refuses YAML bombs; merge keys
//! (`<<: *base`, `<<: [*a, *b]`) are applied with the explicit keys winning. Nesting deeper than
//! [`Limits::max_depth`] and scalars longer than [`Limits::max_scalar_bytes`] are refused with a
//! warning naming the line. A syntax error ends the stream (the documents before it are kept).

mod node;

use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, ScalarStyle};

pub use node::{Node, Scalar, Value};

/// Caps on what one document may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting of collections.
    pub max_depth: usize,
    /// Longest scalar, in bytes; a longer one is replaced by an empty string.
    pub max_scalar_bytes: usize,
    /// Most nodes aliases may add to one document by expansion.
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_depth: 128, max_scalar_bytes: 1 << 20, max_alias_nodes: 100_000 }
    }
}

/// One document of a stream.
#[derive(Debug)]
pub struct Document {
    /// 1-based index of the document in the stream.
    pub index: usize,
    /// Its root node.
    pub root: Node,
}

/// A problem with the input, at a line and column (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Line of the problem.
    pub line: u32,
    /// Column of the problem.
    pub column: u32,
    /// What is wrong.
    pub message: String,
}

/// A collection being built.
enum Frame {
    Seq { items: Vec<Node>, anchor: usize, line: u32, column: u32, size: usize },
    Map { entries: Vec<(Node, Node)>, key: Option<Node>, anchor: usize, line: u32, column: u32, size: usize },
}

/// The state of the document being loaded.
#[derive(Default)]
struct DocState {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    expanded: usize,
    root: Option<Node>,
    /// Set when the document was refused: its remaining events are skipped.
    refused: bool,
}

impl DocState {
    /// Adds a finished node (of `size` nodes) to its parent, or makes it the root.
    fn push(&mut self, node: Node, size: usize) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, size: s, .. }) => {
                items.push(node);
                *s += size;
            }
            Some(Frame::Map { entries, key, size: s, .. }) => {
                *s += size;
                match key.take() {
                    None => *key = Some(node),
                    Some(k) => entries.push((k, node)),
                }
            }
        }
    }
}

/// Loads every document of `text`, calling `each` with each one as soon as it is complete, and
/// returns the problems met. Empty documents are skipped (their index still counts).
pub fn load_stream(text: &str, limits: &Limits, each: &mut dyn FnMut(Document)) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let mut parser = Parser::new_from_str(text);
    let mut doc = DocState::default();
    let mut index = 0;
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(ok) => ok,
            Err(e) => {
                let (line, column) = position(e.marker());
                warnings.push(Warning { line, column, message: format!("YAML syntax error: {}", e.info()) });
                break;
            }
        };
        let (line, column) = position(&span.start);
        match event {
            Event::DocumentStart(_) => {
                index += 1;
                doc = DocState::default();
            }
            Event::DocumentEnd => {
                if let Some(root) = doc.root.take().filter(|r| !doc.refused && !r.is_null()) {
                    each(Document { index, root });
                }
                doc = DocState::default();
            }
            _ if doc.refused => {}
            Event::Scalar(text, style, anchor, tag) => {
                let text = if text.len() > limits.max_scalar_bytes {
                    warnings.push(Warning {
                        line,
                        column,
                        message: format!(
                            "a scalar of {} bytes, over the {} byte limit: read as empty",
                            text.len(),
                            limits.max_scalar_bytes
                        ),
                    });
                    String::new()
                } else {
                    text.into_owned()
                };
                let typed_as_string = tag.is_some_and(|t| t.suffix == "str");
                let plain = style == ScalarStyle::Plain && !typed_as_string;
                let value = if plain && text.is_empty() { Value::Null } else { Value::Scalar { text, plain } };
                let node = Node { value, line, column };
                if anchor > 0 {
                    doc.anchors.insert(anchor, (node.clone(), 1));
                }
                doc.push(node, 1);
            }
            Event::Alias(anchor) => {
                let Some((node, size)) = doc.anchors.get(&anchor).cloned() else {
                    warnings.push(Warning { line, column, message: "alias to an unknown anchor".to_owned() });
                    doc.refused = true;
                    continue;
                };
                doc.expanded += size;
                if doc.expanded > limits.max_alias_nodes {
                    warnings.push(Warning {
                        line,
                        column,
                        message: format!(
                            "aliases expand to more than {} nodes (a YAML bomb?): document {index} left out",
                            limits.max_alias_nodes
                        ),
                    });
                    doc.refused = true;
                    continue;
                }
                doc.push(node, size);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if doc.stack.len() >= limits.max_depth {
                    warnings.push(Warning {
                        line,
                        column,
                        message: format!("nested deeper than {} levels: document {index} left out", limits.max_depth),
                    });
                    doc.refused = true;
                    continue;
                }
                doc.stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq { items: Vec::new(), anchor, line, column, size: 1 }
                } else {
                    Frame::Map { entries: Vec::new(), key: None, anchor, line, column, size: 1 }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = doc.stack.pop() else { continue };
                let (node, anchor, size) = match frame {
                    Frame::Seq { items, anchor, line, column, size } => {
                        (Node { value: Value::Seq(items), line, column }, anchor, size)
                    }
                    Frame::Map { entries, anchor, line, column, size, .. } => {
                        let entries = merge_keys(entries, &mut warnings);
                        (Node { value: Value::Map(entries), line, column }, anchor, size)
                    }
                };
                if anchor > 0 {
                    doc.anchors.insert(anchor, (node.clone(), size));
                }
                doc.push(node, size);
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
    }
    warnings
}

/// A marker's 1-based line and column.
fn position(marker: &saphyr_parser::Marker) -> (u32, u32) {
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    (clamp(marker.line()), clamp(marker.col()).saturating_add(1))
}

/// Applies merge keys (`<<`) and warns of repeated keys: explicit keys win over merged ones, and
/// of several merged mappings the first that has a key wins.
fn merge_keys(entries: Vec<(Node, Node)>, warnings: &mut Vec<Warning>) -> Vec<(Node, Node)> {
    let is_merge = |k: &Node| matches!(&k.value, Value::Scalar { text, plain: true } if text == "<<");
    let mut seen: HashSet<String> = HashSet::new();
    for (k, _) in entries.iter().filter(|(k, _)| !is_merge(k)) {
        if let Some(key) = k.as_str()
            && !seen.insert(key.to_owned())
        {
            warnings.push(Warning {
                line: k.line,
                column: k.column,
                message: format!("key `{key}` repeated in one mapping (Kubernetes keeps the last)"),
            });
        }
    }
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        return entries;
    }
    let mut merged = Vec::new();
    let mut explicit = Vec::new();
    for (k, v) in entries {
        if is_merge(&k) {
            let sources: Vec<Node> = match v.value {
                Value::Map(_) => vec![v],
                Value::Seq(items) => items,
                _ => Vec::new(),
            };
            merged.extend(sources.into_iter().flat_map(|s| match s.value {
                Value::Map(e) => e,
                _ => Vec::new(),
            }));
        } else {
            explicit.push((k, v));
        }
    }
    for (k, v) in merged {
        if let Some(key) = k.as_str()
            && seen.insert(key.to_owned())
        {
            explicit.push((k, v));
        }
    }
    explicit
}

#[cfg(test)]
mod tests;
