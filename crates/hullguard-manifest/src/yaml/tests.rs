use super::*;

fn load(text: &str) -> (Vec<Document>, Vec<Warning>) {
    let mut docs = Vec::new();
    let warnings = load_stream(text, &Limits::default(), &mut |d| docs.push(d));
    (docs, warnings)
}

#[test]
fn positions_are_one_based_lines_and_columns() {
    let (docs, warnings) = load("a:\n  b: [1, \"x\"]\n  c:\n    - d: true\n");
    assert!(warnings.is_empty(), "{warnings:?}");
    let root = &docs[0].root;
    let b = root.get("a").and_then(|a| a.get("b")).unwrap();
    assert_eq!((b.items()[1].line, b.items()[1].column), (2, 10));
    assert_eq!(b.items()[1].as_str(), Some("x"));
    let d = &root.get("a").unwrap().get("c").unwrap().items()[0];
    assert_eq!(d.get("d").map(|n| (n.line, n.column, n.as_bool())), Some((4, 10, Some(true))));
}

#[test]
fn streams_count_documents_and_skip_empty_ones() {
    let (docs, warnings) = load("---\na: 1\n---\n---\n# only a comment\n---\nb: 2\n...\n");
    assert!(warnings.is_empty(), "{warnings:?}");
    let indexes: Vec<usize> = docs.iter().map(|d| d.index).collect();
    assert_eq!(indexes, [1, 4]);
    assert_eq!(docs[1].root.get("b").and_then(Node::as_i64), Some(2));
}

#[test]
fn anchors_aliases_and_merge_keys() {
    let text = "base: &b\n  x: 1\n  y: 2\nother: &o\n  z: 3\nm:\n  <<: [*b, *o]\n  y: 9\nalias: *b\n";
    let (docs, warnings) = load(text);
    assert!(warnings.is_empty(), "{warnings:?}");
    let m = docs[0].root.get("m").unwrap();
    let get = |k: &str| m.get(k).and_then(Node::as_i64);
    assert_eq!((get("x"), get("y"), get("z")), (Some(1), Some(9), Some(3)));
    assert!(m.get("<<").is_none());
    assert_eq!(docs[0].root.get("alias").and_then(|a| a.get("x")).map(|x| x.line), Some(2));
}

#[test]
fn a_yaml_bomb_is_refused_and_the_next_document_still_read() {
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let prev = i - 1;
        bomb.push_str(&format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
    }
    bomb.push_str("---\nkind: Pod\n");
    let (docs, warnings) = load(&bomb);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].message.contains("YAML bomb"), "{warnings:?}");
    assert_eq!(warnings[0].line, 5, "the alias that crossed the budget");
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].index, 2);
}

#[test]
fn deep_nesting_and_long_scalars_are_refused_with_their_line() {
    let deep = format!("a: {}{}\n---\nb: 1\n", "[".repeat(200), "]".repeat(200));
    let (docs, warnings) = load(&deep);
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].message.contains("nested deeper than 128"), "{warnings:?}");
    assert_eq!(docs.iter().map(|d| d.index).collect::<Vec<_>>(), [2]);
    // Deeper still, saphyr's own limit ends the stream with a syntax error (no panic).
    let deeper = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let (docs, warnings) = load(&deeper);
    assert!(docs.is_empty() && warnings.len() == 1, "{warnings:?}");

    let long = format!("a: 1\nb: {}\nc: 2\n", "x".repeat(2 << 20));
    let (docs, warnings) = load(&long);
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].line, 2);
    assert!(warnings[0].message.contains("byte limit"), "{warnings:?}");
    assert_eq!(docs[0].root.get("b").map(Node::is_null), Some(true));
    assert_eq!(docs[0].root.get("c").and_then(Node::as_i64), Some(2));
}

#[test]
fn syntax_errors_keep_the_documents_before_them() {
    let (docs, warnings) = load("a: 1\n---\nb: [1, 2\nc: 3\n");
    assert_eq!(docs.len(), 1);
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].message.starts_with("YAML syntax error"), "{warnings:?}");
}

#[test]
fn repeated_keys_warn_and_the_last_wins() {
    let (docs, warnings) = load("a: 1\na: 2\n");
    assert_eq!(docs[0].root.get("a").and_then(Node::as_i64), Some(2));
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].line, 2);
}

#[test]
fn json_is_read_too() {
    let (docs, warnings) = load("{\"kind\": \"Pod\", \"spec\": {\"hostPID\": true}}");
    assert!(warnings.is_empty());
    let pid = docs[0].root.get("spec").and_then(|s| s.get("hostPID")).unwrap();
    assert_eq!((pid.as_bool(), pid.line, pid.column), (Some(true), 1, 37));
}
