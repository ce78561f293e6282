//! hullguard's secret scanner: provider tokens, private keys and credential assignments in the
//! contents of one file.
//!
//! [`scan_reader`] takes a path (used for the allow-list and for reports) and a reader of the
//! file, of any size, and returns every [`SecretFinding`], exact to the line and column, and why
//! the file was skipped if it was; [`scan`] does the same for bytes in memory. The raw secret never leaves the
//! scanner: a finding carries the line with the secret masked ([`Redacted`]) and a SHA-256
//! fingerprint over the rule id and the secret, so the same secret found in two layers or two
//! files has one fingerprint.
//!
//! # How a file is scanned
//! 1. [`skip_reason`]: binary files (a NUL byte in the first [`BINARY_SNIFF_LEN`] bytes) and
//!    allow-listed paths are not scanned.
//! 2. The file is read in windows of [`WINDOW`] bytes; each window after the first starts at a
//!    line start at least [`OVERLAP`] bytes before the end of the previous one (or mid-line on
//!    a line longer than that), and reports only the secrets that start before the next window
//!    does, so a secret straddling a window boundary is found once, whole. Memory stays under
//!    [`WINDOW`] plus a few KiB whatever the file's size; line numbers and columns count from
//!    the start of the file.
//! 3. A keyword prefilter (one Aho-Corasick automaton over every rule's keywords, lower-cased,
//!    searched in a lower-cased copy of the window, so its SIMD literal search applies; a
//!    case-sensitive keyword is then compared as written) picks the rules whose keywords occur;
//!    most files end here.
//! 4. Each picked rule runs its regex (or hand-written matcher) and validates every candidate:
//!    checksums (GitHub), structure (JWT, Docker `auth`, PEM bodies), and placeholder filters.
//! 5. Where hits of two rules overlap, the more specific rule (earlier in [`rules`]) wins.
//!
//! # Decisions
//! - **No size cap**: large files are scanned window by window (the keyword prefilter reads a
//!   window at memory speed). A secret longer than [`OVERLAP`] that crosses a window boundary is
//!   seen cut (no rule matches anything that long but a PEM body, which is capped lower).
//!   Checks that look at the whole file (a Docker `config.json`'s `"auths"`) see one window.
//! - **Binary files are skipped**, private keys included: a PEM key compiled into a binary is
//!   almost always a test key of a library (Go's `crypto/tls`, OpenSSL test vectors), and DER
//!   keys are not text. UTF-16 text counts as binary.
//! - **Paths**: documentation trees (`usr/share/doc`, `man`, `info`, `locale`, licences) are
//!   skipped; inside dependency trees (`site-packages`, `dist-packages`, `node_modules`,
//!   `vendor`, `gems`, `.cargo/registry`, Go `pkg/mod` and toolchain `src`) test, fixture,
//!   example and doc directories, test files by name and documentation files are skipped. An
//!   application's own tests and docs are scanned.
//! - **Example values**: AWS's documented keys (`AKIAIOSFODNN7EXAMPLE`, `…EXAMPLEKEY`) and any
//!   value containing `example`, `sample`, `dummy`, `xxxx`, `changeme` and similar, or a run of 6
//!   equal characters, are not reported.
//! - **Generic assignments** (`password=`, `secret:`, `api_key =`, `*_token =`) are reported
//!   only with a value of 8–256 printable ASCII characters, at least two character classes and
//!   enough entropy, that is no placeholder, template (`${VAR}`, `{{ }}`, `<password>`), path,
//!   URL, identifier or number; in program source only quoted string literals count, and the
//!   rule does not run on documentation files (`.md`, `.rst`, `.txt`, `.html` …).
//! - **Redaction**: hullguard's one masking policy ([`mask_value`]; [`mask_assignments`] for
//!   `NAME=value` text, used by `inspect` and the image and Dockerfile checks too): a secret of
//!   fewer than 12 characters is masked whole, a longer one keeps its first quarter, at most 4
//!   characters, then `*****`. Lines are cut to 80 bytes either side of the secret and control
//!   characters are shown as `?`.

mod allow;
mod mask;
mod rules;
mod text;

use std::fmt;
use std::io::{self, Read};
use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use hullguard_report::{Finding, FindingKind, Location, Severity};
use regex::bytes::Regex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use mask::{MASK, is_secret_name, mask_assignment, mask_assignments, mask_value, shown_chars};
pub use rules::RuleInfo;

use rules::{Ctx, Hit, Matcher, RULES};

/// A file is scanned in windows of this many bytes.
pub const WINDOW: usize = 4 * 1024 * 1024;

/// Consecutive windows overlap by at least this many bytes: more than any secret a rule matches
/// (a PEM private key body is at most 64 KiB).
pub const OVERLAP: usize = 128 * 1024;

/// A file with a NUL byte in its first this-many bytes is binary and not scanned.
pub const BINARY_SNIFF_LEN: usize = 8 * 1024;

/// How many bytes of context either side of a secret the redacted line keeps.
const CONTEXT_BYTES: usize = 80;

/// Version of what [`scan_reader`] finds: bumped when the same bytes may give other findings
/// (rules, matching, masking), so layer caches keyed by it never reuse stale results.
pub const VERSION: u32 = 1;

/// A line of text with secrets masked. Only this crate builds one (or reads back one it wrote,
/// from a layer cache), so a value of this type never holds a raw secret.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Redacted(String);

impl Redacted {
    /// The masked text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One secret found in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretFinding {
    /// Id of the rule that found it (`aws-access-key-id`); see [`rules`].
    pub rule_id: String,
    /// Provider or kind of credential (`AWS`, `GitHub`, `PrivateKey`, `Generic` …).
    pub category: String,
    /// One-line title.
    pub title: String,
    /// Severity of the rule.
    pub severity: Severity,
    /// Path of the file, as given to [`scan`].
    pub path: String,
    /// 1-based line of the secret (of the `-----BEGIN` marker for private keys).
    pub line: u32,
    /// 1-based column on `line`, in bytes.
    pub column: u32,
    /// Last line of a secret spanning several lines (private keys); equal to `line` otherwise.
    pub end_line: u32,
    /// The line holding the secret, with every secret on it masked.
    pub redacted_match: Redacted,
    /// Hex SHA-256 over the rule id, a NUL byte and the secret: equal for the same secret
    /// wherever it is found.
    pub fingerprint: String,
}

impl SecretFinding {
    /// The finding in hullguard's common report model.
    #[must_use]
    pub fn to_finding(&self) -> Finding {
        Finding {
            kind: FindingKind::Secret,
            id: self.rule_id.clone(),
            concept: None,
            severity: self.severity,
            title: self.title.clone(),
            description: format!("{} found in {}", self.title, self.path),
            location: Location::File {
                path: self.path.clone(),
                line: self.line,
                column: Some(self.column),
                end_line: (self.end_line != self.line).then_some(self.end_line),
            },
            evidence: Some(self.redacted_match.0.clone()),
            fix: Some(
                "Remove the secret from the file (and from every image layer holding it), revoke it and issue a new one"
                    .to_owned(),
            ),
            references: Vec::new(),
            vulnerability: None,
            status: None,
        }
    }
}

/// Why a file was not scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// A NUL byte in the first [`BINARY_SNIFF_LEN`] bytes.
    Binary,
    /// The path is allow-listed; the text says which rule of the allow-list applies.
    AllowedPath(&'static str),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Binary => f.write_str("binary file"),
            Self::AllowedPath(why) => write!(f, "allow-listed path ({why})"),
        }
    }
}

/// Whether [`scan`] skips a file, and why, from its path and its first bytes (`head`; only the
/// first [`BINARY_SNIFF_LEN`] are looked at). Checks the path first, so a caller that has only
/// the path can call it with an empty `head`.
#[must_use]
pub fn skip_reason(path: &str, head: &[u8]) -> Option<SkipReason> {
    if let Some(why) = allow::allowlisted(path) {
        return Some(SkipReason::AllowedPath(why));
    }
    let head = &head[..head.len().min(BINARY_SNIFF_LEN)];
    memchr::memchr(0, head).is_some().then_some(SkipReason::Binary)
}

/// What scanning one file gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileScan {
    /// The secrets, sorted by line, column and rule id.
    pub findings: Vec<SecretFinding>,
    /// Why the file was not scanned, if it was not (then `findings` is empty).
    pub skipped: Option<SkipReason>,
}

/// The metadata of every built-in rule, in priority order (ids are unique).
#[must_use]
pub fn rules() -> Vec<RuleInfo> {
    RULES.iter().map(|r| r.info).collect()
}

/// Scan one file held in memory: [`scan_reader`] over `content`, without the skip reason.
#[must_use]
pub fn scan(path: &str, content: &[u8]) -> Vec<SecretFinding> {
    let mut reader = content;
    scan_reader(path, &mut reader).map(|s| s.findings).unwrap_or_default()
}

/// Scan one file read from `reader`, of any size, in windows (see the crate documentation):
/// memory is bounded by [`WINDOW`]. `path` selects the allow-list and the file kind
/// (documentation, source code or configuration) and is copied into the findings. An
/// allow-listed path is not read at all; a binary file only up to [`BINARY_SNIFF_LEN`] bytes.
/// Never panics.
///
/// # Errors
///
/// An error of `reader` (the findings so far are dropped).
pub fn scan_reader(path: &str, reader: &mut dyn Read) -> io::Result<FileScan> {
    if let Some(why) = skip_reason(path, &[]) {
        return Ok(FileScan { findings: Vec::new(), skipped: Some(why) });
    }
    let scanner = Scanner::global();
    let mut buf: Vec<u8> = Vec::new();
    let mut at_eof = fill(reader, &mut buf, BINARY_SNIFF_LEN)?;
    if let Some(why) = skip_reason(path, &buf) {
        return Ok(FileScan { findings: Vec::new(), skipped: Some(why) });
    }
    let mut findings = Vec::new();
    // Where the window starts in the file: lines before it, bytes of its first line before it.
    let mut origin = Origin { lines: 0, column: 0 };
    loop {
        if !at_eof {
            at_eof = fill(reader, &mut buf, WINDOW)?;
        }
        let next = if at_eof { buf.len() } else { next_window_start(&buf) };
        findings.extend(scanner.scan_window(path, &buf, origin, next));
        if at_eof {
            break;
        }
        let newlines = memchr::memchr_iter(b'\n', &buf[..next]).count();
        origin = match memchr::memrchr(b'\n', &buf[..next]) {
            Some(nl) => Origin { lines: origin.lines + newlines, column: next - nl - 1 },
            None => Origin { lines: origin.lines, column: origin.column + next },
        };
        buf.drain(..next);
    }
    findings.sort_by(|a, b| (a.line, a.column, &a.rule_id).cmp(&(b.line, b.column, &b.rule_id)));
    Ok(FileScan { findings, skipped: None })
}

/// Reads from `reader` until `buf` holds `len` bytes; true at the end of the input.
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, len: usize) -> io::Result<bool> {
    let want = len.saturating_sub(buf.len()) as u64;
    let got = reader.take(want).read_to_end(buf)?;
    Ok((got as u64) < want)
}

/// Where the window after the full window `buf` starts: after the last newline in the
/// [`OVERLAP`] bytes before the last [`OVERLAP`] bytes, else (one long line) at the last
/// [`OVERLAP`] bytes.
fn next_window_start(buf: &[u8]) -> usize {
    let cut = buf.len().saturating_sub(OVERLAP);
    let from = cut.saturating_sub(OVERLAP);
    memchr::memrchr(b'\n', &buf[from..cut]).map_or(cut, |nl| from + nl + 1)
}

/// Where a window starts in its file.
#[derive(Debug, Clone, Copy)]
struct Origin {
    /// Lines of the file before the window.
    lines: usize,
    /// Bytes of the window's first line that lie before the window.
    column: usize,
}

/// The compiled rules and prefilter, built once.
struct Scanner {
    /// Per rule: its compiled regex (`None` for a rule whose pattern failed to compile, which a
    /// unit test forbids).
    regexes: Vec<Option<Regex>>,
    /// The keyword prefilter: an automaton over the lower-cased keywords, with the rules of
    /// each.
    keywords: Option<(AhoCorasick, Vec<Vec<Owner>>)>,
    /// A SIMD searcher over the same keywords, to find where to look (`None` where the CPU
    /// lacks the instructions: the automaton then finds them).
    packed: Option<aho_corasick::packed::Searcher>,
}

/// A rule a lower-cased keyword may stand for.
struct Owner {
    /// The rule's index in [`RULES`].
    rule: usize,
    /// The keyword as written, for a case-sensitive rule (`None`: any case).
    exact: Option<&'static str>,
}

fn keyword_automaton() -> Option<(AhoCorasick, Vec<Vec<Owner>>)> {
    let mut patterns: Vec<String> = Vec::new();
    let mut owners: Vec<Vec<Owner>> = Vec::new();
    for (rule, def) in RULES.iter().enumerate() {
        for kw in def.info.keywords {
            let owner = Owner { rule, exact: def.info.case_sensitive.then_some(*kw) };
            let lower = kw.to_ascii_lowercase();
            match patterns.iter().position(|p| *p == lower) {
                Some(at) => owners[at].push(owner),
                None => {
                    patterns.push(lower);
                    owners.push(vec![owner]);
                }
            }
        }
    }
    let ac = AhoCorasick::new(&patterns).ok()?;
    Some((ac, owners))
}

impl Scanner {
    fn global() -> &'static Scanner {
        static SCANNER: LazyLock<Scanner> = LazyLock::new(Scanner::new);
        &SCANNER
    }

    fn new() -> Self {
        let regexes = RULES
            .iter()
            .map(|r| match &r.matcher {
                Matcher::Regex { pattern, .. } => Regex::new(pattern).ok(),
                Matcher::PrivateKey => Regex::new(rules::PRIVATE_KEY_HEADER).ok(),
                Matcher::Generic => Regex::new(rules::GENERIC_PATTERN).ok(),
            })
            .collect();
        let keywords = keyword_automaton();
        let packed = keywords.as_ref().and_then(|_| {
            let mut builder = aho_corasick::packed::Config::new().builder();
            for def in RULES {
                for kw in def.info.keywords {
                    builder.add(kw.to_ascii_lowercase());
                }
            }
            builder.build()
        });
        Self { regexes, keywords, packed }
    }

    /// Which rules have a keyword in `content`, and where the generic rule's keywords are. A fast
    /// non-overlapping search finds keywords; every occurrence of a keyword is either found by it
    /// or overlaps one found, so an overlapping search over the found ones' neighbourhoods (a
    /// keyword's length either side) sees every keyword that occurs, at a fraction of an
    /// overlapping search over everything.
    fn candidates(&self, content: &[u8]) -> Candidates {
        let mut found_here = Candidates { wanted: vec![false; RULES.len()], generic_at: Vec::new() };
        let Some((ac, owners)) = &self.keywords else { return found_here };
        let lower = content.to_ascii_lowercase();
        let reach = ac.max_pattern_len().saturating_sub(1);
        let mut mark = |range: Range<usize>| {
            for m in ac.find_overlapping_iter(&lower[range.clone()]) {
                let at = range.start + m.start()..range.start + m.end();
                for owner in &owners[m.pattern().as_usize()] {
                    if owner.exact.is_none_or(|kw| content[at.clone()] == *kw.as_bytes()) {
                        found_here.wanted[owner.rule] = true;
                        if matches!(RULES[owner.rule].matcher, Matcher::Generic) {
                            found_here.generic_at.push(at.start);
                        }
                    }
                }
            }
        };
        // The neighbourhood being gathered: touching ones are searched as one.
        let mut pending: Option<Range<usize>> = None;
        let found: Box<dyn Iterator<Item = aho_corasick::Match>> = match &self.packed {
            Some(packed) => Box::new(packed.find_iter(&lower)),
            None => Box::new(ac.find_iter(&lower)),
        };
        for m in found {
            let near = m.start().saturating_sub(reach)..(m.end() + reach).min(content.len());
            match &mut pending {
                Some(p) if near.start <= p.end => p.end = near.end,
                _ => {
                    if let Some(p) = pending.replace(near) {
                        mark(p);
                    }
                }
            }
        }
        if let Some(p) = pending {
            mark(p);
        }
        found_here
    }

    /// The secrets in `content`, a window of a file starting at `origin`, that start before
    /// byte `keep_before` of the window (the later ones are left to the next window).
    fn scan_window(&self, path: &str, content: &[u8], origin: Origin, keep_before: usize) -> Vec<SecretFinding> {
        let Candidates { wanted, mut generic_at } = self.candidates(content);
        if !wanted.contains(&true) {
            return Vec::new();
        }
        let ctx = Ctx { content, kind: allow::file_kind(path) };
        // (rule index, hit), in rule priority order.
        let mut kept: Vec<(usize, Hit)> = Vec::new();
        let mut hits = Vec::new();
        for (i, rule) in RULES.iter().enumerate() {
            let Some(re) = self.regexes.get(i).and_then(Option::as_ref) else { continue };
            if !wanted[i] {
                continue;
            }
            hits.clear();
            match &rule.matcher {
                Matcher::Regex { check, .. } => rules::regex_hits(re, *check, &ctx, &mut hits),
                Matcher::PrivateKey => rules::private_key_hits(re, content, &mut hits),
                Matcher::Generic => {
                    rules::generic_hits(re, &ctx, &keyword_lines(content, std::mem::take(&mut generic_at)), &mut hits)
                }
            }
            for hit in hits.drain(..) {
                if !kept.iter().any(|(_, k)| overlaps(&k.secret, &hit.secret)) {
                    kept.push((i, hit));
                }
            }
        }
        if kept.is_empty() {
            return Vec::new();
        }
        let lines = text::Lines::new(content);
        let secrets: Vec<Range<usize>> = kept.iter().map(|(_, h)| h.secret.clone()).collect();
        kept.iter()
            .filter(|(_, hit)| hit.anchor < keep_before)
            .map(|(i, hit)| {
                let info = &RULES[*i].info;
                let line_index = lines.index_of(hit.anchor);
                let line_range = lines.range(line_index, content);
                let end_index = lines.index_of(hit.end.saturating_sub(1).max(hit.anchor));
                SecretFinding {
                    rule_id: info.id.to_owned(),
                    category: info.category.to_owned(),
                    title: info.title.to_owned(),
                    severity: info.severity,
                    path: path.to_owned(),
                    line: to_u32(origin.lines + line_index + 1),
                    column: to_u32(
                        hit.anchor.saturating_sub(line_range.start)
                            + 1
                            + if line_index == 0 { origin.column } else { 0 },
                    ),
                    end_line: to_u32(origin.lines + end_index + 1),
                    redacted_match: redact(content, line_range, &hit.secret, &secrets),
                    fingerprint: fingerprint(info.id, &hit.value),
                }
            })
            .collect()
    }
}

/// What the keyword prefilter found in a window.
struct Candidates {
    /// Per rule: whether one of its keywords occurs.
    wanted: Vec<bool>,
    /// Where the generic rule's keywords start.
    generic_at: Vec<usize>,
}

/// The lines of `content` (without their newline) that hold a byte of `at`, in order, once each.
fn keyword_lines(content: &[u8], mut at: Vec<usize>) -> Vec<Range<usize>> {
    let mut lines: Vec<Range<usize>> = Vec::new();
    at.sort_unstable();
    for pos in at {
        if lines.last().is_some_and(|l| l.contains(&pos)) {
            continue;
        }
        let start = memchr::memrchr(b'\n', &content[..pos]).map_or(0, |nl| nl + 1);
        let end = memchr::memchr(b'\n', &content[pos..]).map_or(content.len(), |nl| pos + nl);
        lines.push(start..end);
    }
    lines
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn fingerprint(rule_id: &str, value: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0u8]);
    h.update(value);
    hex::encode(h.finalize())
}

/// The bytes of `secret` that [`shown_chars`] leaves visible (none if it is not UTF-8).
fn visible_prefix(secret: &[u8]) -> usize {
    let Ok(text) = std::str::from_utf8(secret) else { return 0 };
    let shown = shown_chars(text.chars().count());
    text.char_indices().nth(shown).map_or(text.len(), |(at, _)| at)
}

/// Render `line` with every secret overlapping it masked; `own` is the finding's secret, which
/// is appended (masked) when it starts after the line (private key bodies).
fn redact(content: &[u8], line: Range<usize>, own: &Range<usize>, all: &[Range<usize>]) -> Redacted {
    // The window of the line to show.
    let focus_start = own.start.clamp(line.start, line.end);
    let focus_end = own.end.clamp(line.start, line.end);
    let from = focus_start.saturating_sub(CONTEXT_BYTES).max(line.start);
    let to = focus_end.saturating_add(CONTEXT_BYTES).min(line.end);
    let mut out: Vec<u8> = Vec::with_capacity(to - from + 16);
    if from > line.start {
        out.extend_from_slice("…".as_bytes());
    }
    let mut at = from;
    let mut masked: Vec<&Range<usize>> = all.iter().filter(|s| s.start < to && s.end > from).collect();
    masked.sort_by_key(|s| s.start);
    for s in masked {
        let start = s.start.max(at);
        if start >= to {
            break;
        }
        push_clean(&mut out, &content[at..start]);
        let keep_end = s.start + visible_prefix(&content[s.clone()]);
        if start < keep_end {
            push_clean(&mut out, &content[start..keep_end.min(to)]);
        }
        if s.end > keep_end.max(start) {
            out.extend_from_slice(MASK.as_bytes());
        }
        at = s.end.min(to).max(start);
    }
    push_clean(&mut out, &content[at.min(to)..to]);
    if to < line.end {
        out.extend_from_slice("…".as_bytes());
    }
    if own.start >= line.end {
        let keep = &content[own.start..own.start + visible_prefix(&content[own.clone()])];
        out.push(b' ');
        push_clean(&mut out, keep);
        out.extend_from_slice(MASK.as_bytes());
    }
    Redacted(String::from_utf8_lossy(&out).into_owned())
}

/// Copy bytes, replacing ASCII control characters (terminal escapes) with `?`.
fn push_clean(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend(bytes.iter().map(|&b| if b.is_ascii_control() && b != b'\t' { b'?' } else { b }));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules whose keywords occur, found the slow obvious way.
    fn naive_candidates(content: &[u8]) -> Vec<bool> {
        let lower = content.to_ascii_lowercase();
        let has = |hay: &[u8], kw: &[u8]| hay.windows(kw.len()).any(|w| w == kw);
        RULES
            .iter()
            .map(|r| {
                r.info.keywords.iter().any(|kw| {
                    if r.info.case_sensitive {
                        has(content, kw.as_bytes())
                    } else {
                        has(&lower, kw.to_ascii_lowercase().as_bytes())
                    }
                })
            })
            .collect()
    }

    #[test]
    fn the_prefilter_sees_every_keyword_even_overlapping_and_in_any_case() {
        let scanner = Scanner::new();
        let pieces: Vec<&str> = RULES.iter().flat_map(|r| r.info.keywords.iter().copied()).collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            usize::try_from(seed >> 33).unwrap() % n
        };
        for _ in 0..3000 {
            let mut text = Vec::new();
            for _ in 0..next(8) {
                let piece = pieces[next(pieces.len())].as_bytes();
                // A keyword cut short or whole, in its case or flipped, glued to the last.
                let piece = &piece[..piece.len() - next(2).min(piece.len() - 1)];
                let flip = next(3) == 0;
                text.extend(
                    piece.iter().map(|b| if flip { b ^ (0x20 * u8::from(b.is_ascii_alphabetic())) } else { *b }),
                );
                if next(2) == 0 {
                    text.push(b"x_ \n-."[next(6)]);
                }
            }
            assert_eq!(scanner.candidates(&text).wanted, naive_candidates(&text), "{}", String::from_utf8_lossy(&text));
        }
    }

    #[test]
    fn every_generic_match_lies_on_a_line_with_a_generic_keyword() {
        let scanner = Scanner::new();
        let re = Regex::new(rules::GENERIC_PATTERN).unwrap();
        let pieces = [
            "Passwd",
            "pass",
            "PWD",
            "secret",
            "API.Key",
            "apikey",
            "api-key",
            "x_token",
            "a.token",
            "b-token",
            "Private-Key",
            "privatekey",
            "private_key",
            "passphrase",
            "db",
            " ",
            "\n",
            "=",
            ":",
            "\"",
            "'",
            "s3cr3tV4lue9",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |n: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            usize::try_from(seed >> 33).unwrap() % n
        };
        let mut matched = 0;
        for _ in 0..3000 {
            let text: Vec<u8> = (0..next(12)).flat_map(|_| pieces[next(pieces.len())].bytes()).collect();
            let lines = keyword_lines(&text, scanner.candidates(&text).generic_at);
            for m in re.captures_iter(&text) {
                let key = m.get(1).unwrap();
                matched += 1;
                assert!(
                    lines.iter().any(|l| l.start <= key.start() && m.get(4).unwrap().end() <= l.end),
                    "{:?}",
                    String::from_utf8_lossy(&text)
                );
            }
        }
        assert!(matched > 300, "{matched}");
    }

    #[test]
    fn every_rule_compiles_and_ids_are_unique() {
        let scanner = Scanner::new();
        for (rule, re) in RULES.iter().zip(&scanner.regexes) {
            assert!(re.is_some(), "rule {} does not compile", rule.info.id);
            assert!(!rule.info.keywords.is_empty(), "rule {} has no keyword", rule.info.id);
        }
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.info.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len(), "duplicate rule id");
        assert!(scanner.keywords.is_some());
    }

    #[test]
    fn redaction_masks_every_secret_on_the_line() {
        let line = b"a=AKIA1234567890ABCDEF b=short123 c";
        let all = [2..22, 25..33];
        let r = redact(line, 0..line.len(), &(2..22), &all);
        assert_eq!(r.as_str(), "a=AKIA***** b=***** c");
    }
}
