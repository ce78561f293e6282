//! Checks on the account files the caller supplied: empty passwords in `/etc/shadow`,
//! duplicate uids in `/etc/passwd` and duplicate gids in `/etc/group`.

use std::collections::BTreeMap;

use hullguard_report::Location;

use super::{Hit, ImageFacts, MAX_ACCOUNT_FILE};

pub(super) fn check(facts: &ImageFacts<'_>, hits: &mut Vec<Hit>) {
    let location = |path: &str| Location::Image {
        layer: facts.fs.and_then(|fs| fs.get(path)).map(|f| f.layer),
        path: Some(format!("/{path}")),
    };
    if let Some(shadow) = facts.accounts.shadow {
        for (line_no, fields) in records(shadow) {
            if let [name, password, ..] = fields.as_slice()
                && !name.is_empty()
                && password.is_empty()
            {
                hits.push(Hit {
                    concept: "img-empty-password",
                    location: location("etc/shadow"),
                    evidence: format!("line {line_no}: account {name:?} has an empty password"),
                    fix: Some(format!("passwd -l {name}")),
                });
            }
        }
    }
    for (path, bytes, what) in
        [("etc/passwd", facts.accounts.passwd, "uid"), ("etc/group", facts.accounts.group, "gid")]
    {
        let Some(bytes) = bytes else {
            continue;
        };
        let mut by_id: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        for (_, fields) in records(bytes) {
            if let [name, _, id, ..] = fields.as_slice()
                && let Ok(id) = id.trim().parse::<u64>()
                && !name.is_empty()
            {
                by_id.entry(id).or_default().push((*name).to_owned());
            }
        }
        for (id, names) in by_id.into_iter().filter(|(_, n)| n.len() > 1) {
            hits.push(Hit {
                concept: "img-duplicate-uid-gid",
                location: location(path),
                evidence: format!("{what} {id} shared by {}", names.join(", ")),
                fix: None,
            });
        }
    }
}

/// The colon-separated records of an account file (first [`MAX_ACCOUNT_FILE`] bytes), with
/// their 1-based line numbers; blank lines, comments and NIS `+`/`-` entries skipped.
fn records(bytes: &[u8]) -> Vec<(usize, Vec<&str>)> {
    let bytes = &bytes[..bytes.len().min(MAX_ACCOUNT_FILE)];
    let Ok(text) = std::str::from_utf8(bytes).or_else(|e| std::str::from_utf8(&bytes[..e.valid_up_to()])) else {
        return Vec::new();
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#') && !t.starts_with('+') && !t.starts_with('-')
        })
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r').split(':').collect()))
        .collect()
}
