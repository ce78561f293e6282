//! Suppressing findings: the ignore file (`--ignorefile .hullguardignore`)
//! and VEX documents (`--vex`, OpenVEX and CycloneDX JSON).
//!
//! [`parse_ignore`] and [`parse_vex`] read the inputs once, and fail with a
//! one-line [`SuppressError`] (`FILE:LINE: problem`) on anything they cannot
//! read. [`apply`] then moves every finding they cover (of every kind: the
//! ignore file names vulnerabilities, checks and secret rules; VEX speaks of
//! vulnerabilities only) from [`Report::findings`] to [`Report::suppressed`],
//! and returns one
//! warning per line for everything that did not work out: expired entries,
//! entries and statements that matched no finding, unknown VEX statuses.
//!
//! # The ignore file
//!
//! YAML, one entry per vulnerability to ignore:
//!
//! ```yaml
//! vulnerabilities:
//!   - id: CVE-2020-14343          # required: the finding's id or any of its aliases (GHSA-…, PYSEC-…)
//!     package: PyYAML             # optional: a package name, or a purl (`pkg:pypi/pyyaml`, `pkg:pypi/pyyaml@5.3.1`)
//!     path: /usr/local/lib/**     # optional: a glob on the file the package was found in
//!     object: Deployment/prod/*   # optional, manifest findings: a glob on kind/namespace/name
//!     expires: 2027-01-31         # optional: from this day on (UTC) the entry no longer applies
//!     reason: not reachable in our deployment
//! ```
//!
//! - `id` is compared case-insensitively with the finding's id and aliases.
//! - `package` without `pkg:` is a package name, compared case-insensitively
//!   with the installed package's name and its source package (so `openssl`
//!   covers `libssl3` on Debian). With `pkg:` it is a purl, matched as VEX
//!   products are (below): without a version it covers every version.
//! - `path`: `*` matches within one path segment, `?` one character of a
//!   segment, `**` any number of characters across segments (`/a/**/b` also
//!   matches `/a/b`). A path ending in `/` covers everything below it. The
//!   leading `/` is optional on both sides.
//! - `expires`: an entry is applied while `today < expires`; from that day on
//!   it is skipped and [`apply`] warns that it expired.
//! - Unknown keys are errors, so that a misspelt `expire:` never silently
//!   keeps a finding ignored forever.
//! - Misconfiguration and secret findings are suppressed by the same entries:
//!   `id` is the check id (`HG-DF-012`), its concept key (`df-run-cd`) or the
//!   secret rule id (`aws-access-key-id`); `path` is matched against the
//!   finding's file or image path; an entry with a `package` never covers
//!   them. `object` scopes an entry to Kubernetes objects (`kind/namespace/name`,
//!   `kind/name` without a namespace) or compose services (`service/NAME`); an
//!   entry with an `object` covers only manifest findings. VEX statements apply to vulnerabilities only.
//!
//! A file whose first line (after comments and blank lines) does not start
//! with `vulnerabilities:`, `---`, `%YAML` or `{` is read in the plain form
//! other scanners' users know: one id per line, `#` starts a comment, and an
//! optional ` exp:YYYY-MM-DD` suffix sets `expires`:
//!
//! ```text
//! # accepted risk, see JIRA-123
//! CVE-2020-14343
//! GHSA-xvch-5gv4-984h exp:2027-01-31
//! ```
//!
//! # VEX
//!
//! [`parse_vex`] recognises OpenVEX (a JSON object whose `@context` names
//! `openvex`; v0.2.0 and the older v0.0.x string forms) and CycloneDX VEX (a
//! JSON object with `"bomFormat": "CycloneDX"` and `vulnerabilities`).
//!
//! A statement covers a finding when one of its vulnerability ids (OpenVEX
//! `vulnerability.name`, `@id`, `aliases`; CycloneDX `id` and
//! `references[].id`) equals the finding's id or one of its aliases, and one
//! of its products covers the finding's package:
//!
//! - a product with subcomponents covers exactly the packages its
//!   subcomponents name;
//! - otherwise a package purl (OpenVEX `@id` or `identifiers.purl`,
//!   CycloneDX `affects[].ref` as a purl, as the `bom-ref` of a component with
//!   a purl, or as a BOM-Link whose fragment is a purl) covers the package
//!   with that purl. Purls are compared by type, namespace and name
//!   (case-insensitively; PyPI names normalised), ignoring qualifiers and
//!   subpath; a purl without a version covers every version, and the name may
//!   also be the finding's source package;
//! - otherwise a product that names the image (`pkg:oci/…`, `pkg:docker/…`,
//!   CycloneDX `metadata.component`) or any other non-package product covers
//!   every package of the target;
//! - a CycloneDX ref that is neither a purl nor a `bom-ref` of the document
//!   covers nothing (and is named in the warning).
//!
//! Of the statements that cover a finding, the latest decides (statement
//! timestamp, else the document's; undated statements count as oldest, ties
//! go to the later document and statement), so a newer `affected` overrides
//! an older `not_affected`. Because the dates decide, [`parse_vex`] rejects a
//! document with a timestamp that is not RFC 3339 (`yesterday`, `2099-99-99`,
//! hour 25) or lies more than a day in the future.
//!
//! Only `not_affected` (OpenVEX and CycloneDX) and CycloneDX `false_positive`
//! suppress. OpenVEX `fixed` and CycloneDX `resolved` /
//! `resolved_with_pedigree` say the product contains a fix: if the scanner
//! still sees the vulnerable version installed, the statement and the image
//! disagree, and the finding stays visible rather than trusting the older
//! claim. A vendor who patched a package in place without changing its
//! version should say `not_affected` (justification `vulnerable_code_not_present`).
//! `affected` / `exploitable` and `under_investigation` / `in_triage` leave
//! the finding shown. CycloneDX vulnerabilities without `analysis.state` are
//! not VEX statements and are skipped.

use std::cmp::Ordering;
use std::collections::HashMap;

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use serde::Deserialize;

use crate::time::{Instant, is_date, now, parse_rfc3339};
use crate::yaml::{YamlSource, too_deep_line};
use crate::{Finding, Location, Report, Suppressed, VulnDetail};
use hullguard_inventory::Purl;

/// The largest ignore file or VEX document read.
const MAX_INPUT_BYTES: usize = 32 << 20;
/// The deepest YAML indentation accepted (deeper nesting is not an ignore file).
const MAX_YAML_INDENT: usize = 200;

/// An ignore file or VEX document that cannot be read. Its `Display` is one
/// line, `FILE:LINE: problem`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}: {problem}")]
pub struct SuppressError {
    /// The file, as named by the caller.
    pub origin: String,
    /// The 1-based line of the problem (1 for problems of the whole document).
    pub line: usize,
    /// What is wrong, on one line.
    pub problem: String,
}

impl SuppressError {
    fn new(origin: &str, line: usize, problem: impl Into<String>) -> Self {
        let problem: String = problem.into();
        let problem = problem.split_whitespace().collect::<Vec<_>>().join(" ");
        Self { origin: origin.to_owned(), line: line.max(1), problem }
    }
}

/// A parsed ignore file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreFile {
    /// The file, as named by the caller (used in reasons and warnings).
    pub origin: String,
    /// The entries, in file order.
    pub entries: Vec<IgnoreEntry>,
}

/// One entry of an ignore file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreEntry {
    /// The 1-based line the entry starts on.
    pub line: usize,
    /// The vulnerability id or alias.
    pub id: String,
    /// Package scope: a name, or a purl when it starts with `pkg:`.
    pub package: Option<String>,
    /// Path scope: a glob on the finding's path.
    pub path: Option<String>,
    /// Object scope (manifest findings): a glob on `kind/namespace/name` (`Deployment/prod/*`).
    pub object: Option<String>,
    /// `YYYY-MM-DD`: from that day on the entry no longer applies.
    pub expires: Option<String>,
    /// Why it is ignored.
    pub reason: Option<String>,
}

impl IgnoreEntry {
    /// The id with its scopes, for warnings.
    fn describe(&self) -> String {
        let mut scope = Vec::new();
        if let Some(p) = &self.package {
            scope.push(format!("package {p}"));
        }
        if let Some(p) = &self.path {
            scope.push(format!("path {p}"));
        }
        if let Some(o) = &self.object {
            scope.push(format!("object {o}"));
        }
        if scope.is_empty() { self.id.clone() } else { format!("{} ({})", self.id, scope.join(", ")) }
    }

    /// Whether the entry covers `f` (ignoring expiry): its id is the finding's id, one of a
    /// vulnerability's aliases or a check's concept key; its package scope (vulnerabilities only)
    /// names the package, its source package or its purl; its path glob matches the finding's
    /// file or image path; its object glob (manifest findings only) matches `kind/namespace/name`.
    fn covers(&self, f: &Finding) -> bool {
        if let Some(glob) = &self.object {
            let Location::Manifest { object, .. } = &f.location else { return false };
            if !glob_match(glob, object) {
                return false;
            }
        }
        let concept = f.concept.as_deref().is_some_and(|c| self.id.trim().eq_ignore_ascii_case(c));
        if !concept && !has_id(f, std::slice::from_ref(&self.id)) {
            return false;
        }
        if let Some(p) = &self.package {
            let Some(v) = f.vuln() else { return false };
            let ok = if starts_with_ignore_case(p, "pkg:") {
                purl_covers(p, v)
            } else {
                p.eq_ignore_ascii_case(&v.package)
                    || v.source_package.as_deref().is_some_and(|s| p.eq_ignore_ascii_case(s))
            };
            if !ok {
                return false;
            }
        }
        let path = f.location.glob_subject();
        self.path.as_deref().is_none_or(|glob| glob_match(glob, path.strip_prefix("./").unwrap_or(path)))
    }
}

/// The warnings for ignore-file entries that expired or matched nothing.
fn entry_warnings(entries: &[IgnoreEntry], expired: &[bool], used: &[bool], origin: &str) -> Vec<String> {
    let mut warnings = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let expires = e.expires.as_deref().unwrap_or_default();
        if expired[i] {
            warnings.push(format!("{origin}:{}: {} expired on {expires} and no longer applies", e.line, e.describe()));
        } else if !used[i] {
            warnings.push(format!("{origin}:{}: {} matched no finding", e.line, e.describe()));
        }
    }
    warnings
}

/// The ignore files looked for in the working directory when none is named, in order: our own,
/// then Trivy's (plain ids, `#` comments, `exp:` dates), so a Trivy user's file keeps working.
pub const DEFAULT_IGNORE_FILES: [&str; 2] = [".hullguardignore", ".trivyignore"];

/// Reads the ignore file `named`, else the first of [`DEFAULT_IGNORE_FILES`] that exists in the
/// working directory; `None` when there is none.
///
/// # Errors
/// A [`SuppressError`] for a file that cannot be read or parsed.
pub fn load_ignore(named: Option<&std::path::Path>) -> Result<Option<IgnoreFile>, SuppressError> {
    let found = DEFAULT_IGNORE_FILES.iter().map(std::path::Path::new).find(|p| p.is_file());
    let Some(path) = named.or(found) else { return Ok(None) };
    let origin = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| SuppressError::new(&origin, 1, e.to_string()))?;
    parse_ignore(&bytes, &origin).map(Some)
}

/// Reads an ignore file, YAML or plain (see the module docs).
///
/// # Errors
/// A [`SuppressError`] naming the line for invalid UTF-8, YAML syntax,
/// unknown keys, missing ids and malformed dates.
pub fn parse_ignore(bytes: &[u8], origin: &str) -> Result<IgnoreFile, SuppressError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(SuppressError::new(origin, 1, format!("larger than {MAX_INPUT_BYTES} bytes")));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
            return Err(SuppressError::new(origin, line, "not valid UTF-8"));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#'));
    let yaml = first.is_some_and(|l| {
        l.starts_with("vulnerabilities:") || l.starts_with("---") || l.starts_with("%YAML") || l.starts_with('{')
    });
    let entries = if yaml { ignore_from_yaml(text, origin)? } else { ignore_from_plain(text, origin)? };
    Ok(IgnoreFile { origin: origin.to_owned(), entries })
}

/// Reads the plain form: `ID [exp:YYYY-MM-DD]` per line.
fn ignore_from_plain(text: &str, origin: &str) -> Result<Vec<IgnoreEntry>, SuppressError> {
    let mut entries = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let content = match raw.find('#') {
            Some(i) => &raw[..i],
            None => raw,
        };
        let mut words = content.split_whitespace();
        let Some(id) = words.next() else { continue };
        if id.contains(':') {
            return Err(SuppressError::new(
                origin,
                line,
                format!(
                    "`{id}` is not a vulnerability id (a YAML ignore file starts with `vulnerabilities:`; \
                     the plain form has one id per line, optionally followed by ` exp:YYYY-MM-DD`)"
                ),
            ));
        }
        let expires = match words.next() {
            None => None,
            Some(w) => {
                let Some(date) = w.strip_prefix("exp:") else {
                    return Err(SuppressError::new(
                        origin,
                        line,
                        format!("unexpected `{w}` after `{id}` (expected ` exp:YYYY-MM-DD` or nothing)"),
                    ));
                };
                if !is_date(date) {
                    return Err(SuppressError::new(origin, line, format!("`{date}` is not a date (YYYY-MM-DD)")));
                }
                Some(date.to_owned())
            }
        };
        if let Some(w) = words.next() {
            return Err(SuppressError::new(origin, line, format!("unexpected `{w}` (one id per line)")));
        }
        entries.push(IgnoreEntry {
            line,
            id: id.to_owned(),
            package: None,
            path: None,
            object: None,
            expires,
            reason: None,
        });
    }
    Ok(entries)
}

/// Reads the YAML form.
fn ignore_from_yaml(text: &str, origin: &str) -> Result<Vec<IgnoreEntry>, SuppressError> {
    if let Some(line) = too_deep_line(text, MAX_YAML_INDENT) {
        return Err(SuppressError::new(origin, line, format!("nested deeper than {MAX_YAML_INDENT} columns")));
    }
    let docs = MarkedYaml::load_from_str(text)
        .map_err(|e| SuppressError::new(origin, e.marker().line(), format!("invalid YAML: {}", e.info())))?;
    if let Some(second) = docs.get(1) {
        return Err(SuppressError::new(origin, second.span.start.line(), "more than one YAML document"));
    }
    let Some(doc) = docs.first() else { return Ok(Vec::new()) };
    let src = YamlSource::new(text);
    let map = match &doc.data {
        YamlData::Mapping(map) => map,
        YamlData::Value(Scalar::Null) => return Ok(Vec::new()),
        _ => {
            return Err(SuppressError::new(
                origin,
                doc.span.start.line(),
                "expected a mapping with a `vulnerabilities` list",
            ));
        }
    };
    let mut entries = Vec::new();
    for (key, value) in map {
        let line = key.span.start.line();
        match src.scalar(key).as_deref() {
            Some("vulnerabilities") => {}
            other => {
                return Err(SuppressError::new(
                    origin,
                    line,
                    format!("unknown key `{}` (expected `vulnerabilities`)", other.unwrap_or("?")),
                ));
            }
        }
        let list = match &value.data {
            YamlData::Sequence(list) => list.as_slice(),
            YamlData::Value(Scalar::Null) => &[],
            _ => return Err(SuppressError::new(origin, line, "`vulnerabilities` must be a list of entries")),
        };
        for item in list {
            entries.push(ignore_entry_from_yaml(&src, item, origin)?);
        }
    }
    Ok(entries)
}

/// Reads one entry of the `vulnerabilities` list.
fn ignore_entry_from_yaml(
    src: &YamlSource<'_>,
    item: &MarkedYaml<'_>,
    origin: &str,
) -> Result<IgnoreEntry, SuppressError> {
    let line = item.span.start.line();
    let YamlData::Mapping(map) = &item.data else {
        return Err(SuppressError::new(
            origin,
            line,
            "each entry must be a mapping with an `id` (and optionally package, path, expires, reason)",
        ));
    };
    let mut entry =
        IgnoreEntry { line, id: String::new(), package: None, path: None, object: None, expires: None, reason: None };
    for (key, value) in map {
        let key_line = key.span.start.line();
        let name = src.scalar(key).unwrap_or_default();
        let slot = match name.as_str() {
            "id" => None,
            "package" => Some(&mut entry.package),
            "path" => Some(&mut entry.path),
            "object" => Some(&mut entry.object),
            "expires" => Some(&mut entry.expires),
            "reason" => Some(&mut entry.reason),
            _ => {
                return Err(SuppressError::new(
                    origin,
                    key_line,
                    format!("unknown key `{name}` (expected id, package, path, object, expires, reason)"),
                ));
            }
        };
        if !src.is_scalar(value) {
            return Err(SuppressError::new(origin, key_line, format!("`{name}` must be a single value")));
        }
        let text = src.scalar(value).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        if name == "expires"
            && let Some(date) = &text
            && !is_date(date)
        {
            return Err(SuppressError::new(origin, key_line, format!("`{date}` is not a date (YYYY-MM-DD)")));
        }
        match slot {
            Some(slot) => *slot = text,
            None => match text {
                Some(id) => entry.id = id,
                None => return Err(SuppressError::new(origin, key_line, "`id` is empty")),
            },
        }
    }
    if entry.id.is_empty() {
        return Err(SuppressError::new(origin, line, "entry has no `id`"));
    }
    Ok(entry)
}

/// The document format of a [`Vex`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VexFormat {
    /// OpenVEX JSON.
    OpenVex,
    /// CycloneDX JSON with `vulnerabilities[].analysis`.
    CycloneDx,
}

/// What a VEX statement says about its products.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VexStatus {
    /// Not affected (OpenVEX and CycloneDX `not_affected`): suppresses.
    NotAffected,
    /// Wrongly associated with the component (CycloneDX `false_positive`): suppresses.
    FalsePositive,
    /// Affected (OpenVEX `affected`, CycloneDX `exploitable`).
    Affected,
    /// Fixed in the product (OpenVEX `fixed`, CycloneDX `resolved`, `resolved_with_pedigree`).
    Fixed,
    /// Being analysed (OpenVEX `under_investigation`, CycloneDX `in_triage`).
    UnderInvestigation,
    /// A status neither format defines; the statement is ignored with a warning.
    Unknown,
}

impl VexStatus {
    /// Whether findings covered by a statement with this status are suppressed.
    pub const fn suppresses(self) -> bool {
        matches!(self, Self::NotAffected | Self::FalsePositive)
    }

    fn from_openvex(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "not_affected" => Self::NotAffected,
            "affected" => Self::Affected,
            "fixed" => Self::Fixed,
            "under_investigation" => Self::UnderInvestigation,
            _ => Self::Unknown,
        }
    }

    fn from_cyclonedx(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "not_affected" => Self::NotAffected,
            "false_positive" => Self::FalsePositive,
            "exploitable" => Self::Affected,
            "resolved" | "resolved_with_pedigree" => Self::Fixed,
            "in_triage" => Self::UnderInvestigation,
            _ => Self::Unknown,
        }
    }
}

/// What a VEX product or subcomponent refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VexTarget {
    /// The image or another non-package product: every package of the target.
    Image,
    /// One package, by purl (a purl without version: every version).
    Purl(String),
    /// A reference that could not be resolved to a package (covers nothing).
    Unresolved(String),
}

/// A product of a VEX statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexProduct {
    /// The product as written (`@id`, `affects[].ref`), for messages.
    pub id: String,
    /// What it refers to.
    pub target: VexTarget,
    /// When not empty, the product covers only these packages.
    pub subcomponents: Vec<VexTarget>,
}

impl VexProduct {
    fn covers(&self, f: &VulnDetail) -> bool {
        if self.subcomponents.is_empty() {
            target_covers(&self.target, f)
        } else {
            self.subcomponents.iter().any(|t| target_covers(t, f))
        }
    }
}

fn target_covers(t: &VexTarget, f: &VulnDetail) -> bool {
    match t {
        VexTarget::Image => true,
        VexTarget::Purl(p) => purl_covers(p, f),
        VexTarget::Unresolved(_) => false,
    }
}

/// One VEX statement: vulnerability + products + status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexStatement {
    /// Where it is in the document (`statements[2]`, `vulnerabilities[0]`).
    pub position: String,
    /// The vulnerability's main id.
    pub vulnerability: String,
    /// Every id of the vulnerability (main id first, then aliases).
    pub ids: Vec<String>,
    /// The products it is about.
    pub products: Vec<VexProduct>,
    /// The status.
    pub status: VexStatus,
    /// The status as written.
    pub status_text: String,
    /// The machine-readable justification (OpenVEX `justification`, CycloneDX `analysis.justification`).
    pub justification: Option<String>,
    /// The free-text explanation (OpenVEX `impact_statement`, CycloneDX `analysis.detail`).
    pub impact_statement: Option<String>,
    /// When the statement was made (RFC 3339), its own or its document's.
    pub timestamp: Option<String>,
}

impl VexStatement {
    /// Whether the statement is about `f`: a vulnerability with one of its ids, in one of its
    /// products.
    fn covers(&self, f: &Finding) -> bool {
        f.vuln().is_some_and(|v| has_id(f, &self.ids) && self.products.iter().any(|p| p.covers(v)))
    }

    fn reason(&self, origin: &str) -> String {
        match self.justification.as_deref().or(self.impact_statement.as_deref()) {
            Some(why) => format!("vex: {} ({why}) from {origin}", self.status_text),
            None => format!("vex: {} from {origin}", self.status_text),
        }
    }
}

/// A parsed VEX document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vex {
    /// The file, as named by the caller.
    pub origin: String,
    /// Its format.
    pub format: VexFormat,
    /// Its statements, in document order.
    pub statements: Vec<VexStatement>,
}

/// Reads an OpenVEX or CycloneDX VEX JSON document (see the module docs).
///
/// # Errors
/// A [`SuppressError`] naming the line for invalid JSON, documents that are
/// neither format, CycloneDX without `vulnerabilities`, and fields of the
/// wrong shape.
pub fn parse_vex(bytes: &[u8], origin: &str) -> Result<Vex, SuppressError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(SuppressError::new(origin, 1, format!("larger than {MAX_INPUT_BYTES} bytes")));
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<') {
        return Err(SuppressError::new(origin, 1, "XML VEX is not supported; use OpenVEX or CycloneDX JSON"));
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| json_error(origin, &e))?;
    let Some(obj) = value.as_object() else {
        return Err(SuppressError::new(origin, 1, "not a VEX document: expected a JSON object"));
    };
    let is_openvex = match obj.get("@context") {
        Some(serde_json::Value::String(s)) => s.to_ascii_lowercase().contains("openvex"),
        Some(serde_json::Value::Array(a)) => {
            a.iter().any(|v| v.as_str().is_some_and(|s| s.to_ascii_lowercase().contains("openvex")))
        }
        _ => false,
    };
    if is_openvex {
        let doc: OvDoc = serde_json::from_slice(bytes).map_err(|e| json_error(origin, &e))?;
        let times = Timestamps { text: bytes, origin, now: now() };
        return openvex(doc, origin, &times);
    }
    if obj.get("bomFormat").and_then(|v| v.as_str()) == Some("CycloneDX") {
        if !obj.contains_key("vulnerabilities") {
            return Err(SuppressError::new(
                origin,
                1,
                "CycloneDX document without `vulnerabilities`: an SBOM, not a VEX document",
            ));
        }
        let doc: CdxDoc = serde_json::from_slice(bytes).map_err(|e| json_error(origin, &e))?;
        let times = Timestamps { text: bytes, origin, now: now() };
        return cyclonedx(doc, origin, &times);
    }
    Err(SuppressError::new(
        origin,
        1,
        "not a VEX document: neither OpenVEX (`@context` naming openvex) nor CycloneDX (`\"bomFormat\": \"CycloneDX\"`)",
    ))
}

/// A serde_json error as `origin:line: message`, without serde's position suffix.
fn json_error(origin: &str, e: &serde_json::Error) -> SuppressError {
    let msg = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let msg = msg.strip_suffix(&suffix).unwrap_or(&msg);
    let msg = if msg.contains("untagged enum VulnerabilityField") {
        "`vulnerability` must be a string or an object with a `name`"
    } else if msg.contains("untagged enum ComponentField") {
        "a product or subcomponent must be a string or an object with `@id` or `identifiers`"
    } else {
        msg
    };
    let prefix = if e.is_syntax() || e.is_eof() { "invalid JSON: " } else { "" };
    SuppressError::new(origin, e.line(), format!("{prefix}{msg}"))
}

/// The most a VEX timestamp may lie ahead of this machine's clock.
const MAX_CLOCK_SKEW_SECS: i64 = 86_400;

/// Checks the timestamps of one VEX document, which decide which statement wins: an invalid or
/// future date would let an old `not_affected` override a newer `affected`.
struct Timestamps<'a> {
    /// The document as read, to name the line of a bad value.
    text: &'a [u8],
    origin: &'a str,
    now: Instant,
}

impl Timestamps<'_> {
    /// `value` of `field` must be an RFC 3339 timestamp (or date) at most a day from now.
    fn check(&self, field: &str, value: Option<&str>) -> Result<(), SuppressError> {
        let Some(value) = value else { return Ok(()) };
        let problem = match parse_rfc3339(value) {
            None => "is not an RFC 3339 timestamp",
            Some((secs, _)) if secs > self.now.0.saturating_add(MAX_CLOCK_SKEW_SECS) => "is in the future",
            Some(_) => return Ok(()),
        };
        let written = serde_json::to_string(value).unwrap_or_default();
        let line = self
            .text
            .windows(written.len().max(1))
            .position(|w| w == written.as_bytes())
            .map_or(1, |at| self.text[..at].iter().filter(|&&b| b == b'\n').count() + 1);
        Err(SuppressError::new(self.origin, line, format!("{field}: `{value}` {problem}")))
    }
}

#[derive(Deserialize)]
struct OvDoc {
    timestamp: Option<String>,
    statements: Option<Vec<OvStatement>>,
}

#[derive(Deserialize)]
struct OvStatement {
    vulnerability: VulnerabilityField,
    products: Option<Vec<ComponentField>>,
    subcomponents: Option<Vec<ComponentField>>,
    status: String,
    justification: Option<String>,
    impact_statement: Option<String>,
    timestamp: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum VulnerabilityField {
    Name(String),
    Object {
        name: String,
        #[serde(rename = "@id")]
        id: Option<String>,
        aliases: Option<Vec<String>>,
    },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ComponentField {
    Id(String),
    Object {
        #[serde(rename = "@id")]
        id: Option<String>,
        identifiers: Option<OvIdentifiers>,
        subcomponents: Option<Vec<ComponentField>>,
    },
}

#[derive(Deserialize)]
struct OvIdentifiers {
    purl: Option<String>,
}

impl ComponentField {
    /// The written id and the purl, if any.
    fn id_and_purl(&self) -> (String, Option<String>) {
        match self {
            Self::Id(s) => (s.clone(), is_purl(s).then(|| s.clone())),
            Self::Object { id, identifiers, .. } => {
                let purl =
                    identifiers.as_ref().and_then(|i| i.purl.clone()).or_else(|| id.clone().filter(|s| is_purl(s)));
                (id.clone().or_else(|| purl.clone()).unwrap_or_default(), purl)
            }
        }
    }

    fn subcomponent_target(&self) -> VexTarget {
        match self.id_and_purl() {
            (_, Some(purl)) => VexTarget::Purl(purl),
            (id, None) => VexTarget::Unresolved(id),
        }
    }
}

fn openvex(doc: OvDoc, origin: &str, times: &Timestamps<'_>) -> Result<Vex, SuppressError> {
    let Some(statements) = doc.statements else {
        return Err(SuppressError::new(origin, 1, "OpenVEX document without `statements`"));
    };
    times.check("timestamp", doc.timestamp.as_deref())?;
    let mut out = Vec::new();
    for (i, s) in statements.into_iter().enumerate() {
        times.check(&format!("statements[{i}].timestamp"), s.timestamp.as_deref())?;
        let (vulnerability, ids) = match s.vulnerability {
            VulnerabilityField::Name(n) => (n.clone(), vec![n]),
            VulnerabilityField::Object { name, id, aliases } => {
                let mut ids = vec![name.clone()];
                ids.extend(id);
                ids.extend(aliases.unwrap_or_default());
                (name, ids)
            }
        };
        let shared: Vec<VexTarget> =
            s.subcomponents.unwrap_or_default().iter().map(ComponentField::subcomponent_target).collect();
        let mut products: Vec<VexProduct> = s
            .products
            .unwrap_or_default()
            .iter()
            .map(|p| {
                let (id, purl) = p.id_and_purl();
                let target = match purl {
                    Some(purl) if !is_image_purl(&purl) => VexTarget::Purl(purl),
                    _ => VexTarget::Image,
                };
                let mut subcomponents = match p {
                    ComponentField::Object { subcomponents: Some(subs), .. } => {
                        subs.iter().map(ComponentField::subcomponent_target).collect()
                    }
                    _ => Vec::new(),
                };
                subcomponents.extend(shared.iter().cloned());
                VexProduct { id, target, subcomponents }
            })
            .collect();
        if products.is_empty() && !shared.is_empty() {
            // v0.0.x style: statement-level subcomponents without products.
            products.push(VexProduct { id: String::new(), target: VexTarget::Image, subcomponents: shared });
        }
        out.push(VexStatement {
            position: format!("statements[{i}]"),
            vulnerability,
            ids,
            products,
            status: VexStatus::from_openvex(&s.status),
            status_text: s.status,
            justification: s.justification.filter(|j| !j.trim().is_empty()),
            impact_statement: s.impact_statement.filter(|j| !j.trim().is_empty()),
            timestamp: s.timestamp.or_else(|| doc.timestamp.clone()),
        });
    }
    Ok(Vex { origin: origin.to_owned(), format: VexFormat::OpenVex, statements: out })
}

#[derive(Deserialize)]
struct CdxDoc {
    metadata: Option<CdxMetadata>,
    components: Option<Vec<CdxComponent>>,
    vulnerabilities: Option<Vec<CdxVulnerability>>,
}

#[derive(Deserialize)]
struct CdxMetadata {
    timestamp: Option<String>,
    component: Option<CdxComponent>,
}

#[derive(Deserialize)]
struct CdxComponent {
    #[serde(rename = "bom-ref")]
    bom_ref: Option<String>,
    purl: Option<String>,
    components: Option<Vec<CdxComponent>>,
}

#[derive(Deserialize)]
struct CdxVulnerability {
    id: String,
    references: Option<Vec<CdxReference>>,
    analysis: Option<CdxAnalysis>,
    affects: Option<Vec<CdxAffects>>,
    updated: Option<String>,
    published: Option<String>,
}

#[derive(Deserialize)]
struct CdxReference {
    id: Option<String>,
}

#[derive(Deserialize)]
struct CdxAnalysis {
    state: Option<String>,
    justification: Option<String>,
    detail: Option<String>,
    #[serde(rename = "lastUpdated")]
    last_updated: Option<String>,
    #[serde(rename = "firstIssued")]
    first_issued: Option<String>,
}

#[derive(Deserialize)]
struct CdxAffects {
    #[serde(rename = "ref")]
    reference: String,
}

/// Collects `bom-ref → purl` of `components` and their nested components.
fn collect_refs(components: &[CdxComponent], refs: &mut HashMap<String, Option<String>>) {
    for c in components {
        if let Some(r) = &c.bom_ref {
            refs.insert(r.clone(), c.purl.clone());
        }
        collect_refs(c.components.as_deref().unwrap_or_default(), refs);
    }
}

fn cyclonedx(doc: CdxDoc, origin: &str, times: &Timestamps<'_>) -> Result<Vex, SuppressError> {
    let mut refs = HashMap::new();
    collect_refs(doc.components.as_deref().unwrap_or_default(), &mut refs);
    let (doc_time, root) = match doc.metadata {
        Some(m) => (m.timestamp, m.component.and_then(|c| c.bom_ref)),
        None => (None, None),
    };
    times.check("metadata.timestamp", doc_time.as_deref())?;
    let resolve = |r: &str| -> VexTarget {
        if root.as_deref() == Some(r) {
            return VexTarget::Image;
        }
        let purl = if is_purl(r) {
            Some(r.to_owned())
        } else if let Some(found) = refs.get(r) {
            found.clone()
        } else {
            // BOM-Link `urn:cdx:serial/version#bom-ref`: usable when the bom-ref is a purl.
            r.split_once('#').and_then(|(_, frag)| Purl::from_uri_fragment(frag).ok()).map(Purl::into_string)
        };
        match purl {
            Some(p) if is_image_purl(&p) => VexTarget::Image,
            Some(p) => VexTarget::Purl(p),
            None => VexTarget::Unresolved(r.to_owned()),
        }
    };
    let mut out = Vec::new();
    for (i, v) in doc.vulnerabilities.unwrap_or_default().into_iter().enumerate() {
        let Some(analysis) = v.analysis else { continue };
        let Some(state) = analysis.state else { continue };
        for (field, value) in [
            ("analysis.lastUpdated", &analysis.last_updated),
            ("analysis.firstIssued", &analysis.first_issued),
            ("updated", &v.updated),
            ("published", &v.published),
        ] {
            times.check(&format!("vulnerabilities[{i}].{field}"), value.as_deref())?;
        }
        let mut ids = vec![v.id.clone()];
        ids.extend(v.references.unwrap_or_default().into_iter().filter_map(|r| r.id));
        let products = v
            .affects
            .unwrap_or_default()
            .into_iter()
            .map(|a| VexProduct { target: resolve(&a.reference), id: a.reference, subcomponents: Vec::new() })
            .collect();
        out.push(VexStatement {
            position: format!("vulnerabilities[{i}]"),
            vulnerability: v.id,
            ids,
            products,
            status: VexStatus::from_cyclonedx(&state),
            status_text: state,
            justification: analysis.justification.filter(|j| !j.trim().is_empty()),
            impact_statement: analysis.detail.filter(|j| !j.trim().is_empty()),
            timestamp: analysis
                .last_updated
                .or(analysis.first_issued)
                .or(v.updated)
                .or(v.published)
                .or_else(|| doc_time.clone()),
        });
    }
    Ok(Vex { origin: origin.to_owned(), format: VexFormat::CycloneDx, statements: out })
}

/// Moves the findings the ignore file and VEX documents cover from
/// `report.findings` to `report.suppressed`, then calls
/// [`Report::finalize`]. Returns one-line warnings.
///
/// `today` is `YYYY-MM-DD` (UTC, see [`today_utc`]): ignore entries with
/// `expires <= today` are skipped. A finding covered by both the ignore file
/// and VEX is suppressed with the ignore file's reason; both count as having
/// matched.
///
/// Warnings, ignore file first, then each VEX document: expired entries,
/// entries that matched no finding, VEX documents without statements,
/// statements with an unknown status, and suppressing statements
/// (`not_affected`, `false_positive`) that matched no finding, with a hint
/// when the vulnerability is reported for other packages.
pub fn apply(report: &mut Report, ignore: Option<&IgnoreFile>, vex: &[Vex], today: &str) -> Vec<String> {
    let entries: &[IgnoreEntry] = ignore.map_or(&[], |i| &i.entries);
    let ignore_origin = ignore.map_or("", |i| i.origin.as_str());
    let expired: Vec<bool> = entries.iter().map(|e| e.expires.as_deref().is_some_and(|x| x <= today)).collect();
    let mut entry_used = vec![false; entries.len()];

    // Statements with a known status, oldest first: the last that covers a finding decides.
    let mut order: Vec<(Option<Instant>, usize, usize)> = Vec::new();
    for (d, doc) in vex.iter().enumerate() {
        for (s, st) in doc.statements.iter().enumerate() {
            if st.status != VexStatus::Unknown {
                order.push((st.timestamp.as_deref().and_then(parse_rfc3339), d, s));
            }
        }
    }
    order.sort_by(|a, b| a.partial_cmp(b).unwrap_or(Ordering::Equal));
    let mut stmt_used: Vec<Vec<bool>> = vex.iter().map(|d| vec![false; d.statements.len()]).collect();

    let findings = std::mem::take(&mut report.findings);
    let reported: Vec<(Vec<String>, String)> = findings
        .iter()
        .filter_map(|f| {
            let v = f.vuln()?;
            let ids = std::iter::once(&f.id).chain(&v.aliases).cloned().collect();
            Some((ids, v.purl.to_string()))
        })
        .collect();
    for f in findings {
        let mut reason = None;
        for (i, e) in entries.iter().enumerate() {
            if !expired[i] && e.covers(&f) {
                entry_used[i] = true;
                if reason.is_none() {
                    reason = Some(match &e.reason {
                        Some(r) => format!("ignorefile: {r}"),
                        None => format!("ignorefile: {ignore_origin}:{}", e.line),
                    });
                }
            }
        }
        let mut decider = None;
        for &(_, d, s) in &order {
            let st = &vex[d].statements[s];
            if st.covers(&f) {
                stmt_used[d][s] = true;
                decider = Some((d, st));
            }
        }
        if reason.is_none()
            && let Some((d, st)) = decider
            && st.status.suppresses()
        {
            reason = Some(st.reason(&vex[d].origin));
        }
        match reason {
            Some(reason) => report.suppressed.push(Suppressed { id: f.id.clone(), package: f.subject(), reason }),
            None => report.findings.push(f),
        }
    }
    let mut warnings = entry_warnings(entries, &expired, &entry_used, ignore_origin);
    for (d, doc) in vex.iter().enumerate() {
        if doc.statements.is_empty() {
            warnings.push(format!("{}: no VEX statements; it suppresses nothing", doc.origin));
        }
        for (s, st) in doc.statements.iter().enumerate() {
            if st.status == VexStatus::Unknown {
                warnings.push(format!(
                    "{}: {}: {} has unknown status {:?}; statement ignored",
                    doc.origin, st.position, st.vulnerability, st.status_text
                ));
            } else if st.status.suppresses() && !stmt_used[d][s] {
                warnings.push(unmatched_statement(&doc.origin, st, &reported));
            }
        }
    }
    report.suppressed.sort_by(|a, b| (&a.id, &a.package, &a.reason).cmp(&(&b.id, &b.package, &b.reason)));
    report.finalize();
    warnings
}

/// The warning for a suppressing statement that matched no finding.
/// `reported` holds each vulnerability finding's ids and its purl.
fn unmatched_statement(origin: &str, st: &VexStatement, reported: &[(Vec<String>, String)]) -> String {
    let products: Vec<&str> =
        st.products.iter().map(|p| if p.id.is_empty() { "(no product)" } else { p.id.as_str() }).collect();
    let products = if products.is_empty() { "no product".to_owned() } else { products.join(", ") };
    let mut hint: Vec<String> = Vec::new();
    for p in &st.products {
        if let VexTarget::Unresolved(r) = &p.target
            && p.subcomponents.is_empty()
        {
            hint.push(format!("`{r}` is neither a purl nor a bom-ref of this document"));
        }
    }
    let mut reported: Vec<&str> = reported
        .iter()
        .filter(|(ids, _)| ids.iter().any(|a| st.ids.iter().any(|b| a.eq_ignore_ascii_case(b.trim()))))
        .map(|(_, p)| p.as_str())
        .collect();
    reported.sort_unstable();
    reported.dedup();
    if reported.is_empty() {
        hint.push("no finding has this id or alias".to_owned());
    } else {
        hint.push(format!("it is reported for {}", reported.join(", ")));
    }
    format!(
        "{origin}: {}: {} {} for {products} matched no finding ({})",
        st.position,
        st.vulnerability,
        st.status_text,
        hint.join("; ")
    )
}

/// Whether `f`'s id or one of a vulnerability's aliases equals one of `ids` (case-insensitively).
fn has_id(f: &Finding, ids: &[String]) -> bool {
    let aliases = f.vuln().map_or(&[][..], |v| v.aliases.as_slice());
    ids.iter().any(|id| {
        let id = id.trim();
        f.id.eq_ignore_ascii_case(id) || aliases.iter().any(|a| a.eq_ignore_ascii_case(id))
    })
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

fn is_purl(s: &str) -> bool {
    starts_with_ignore_case(s.trim(), "pkg:")
}

fn is_image_purl(s: &str) -> bool {
    Purl::parse(s).is_ok_and(|p| matches!(p.parts().ty.as_str(), "oci" | "docker"))
}

/// Whether the purl `scope` covers the package of `f` (see
/// [`hullguard_inventory::PurlParts::covers`]); a scope that is not a purl covers nothing.
fn purl_covers(scope: &str, f: &VulnDetail) -> bool {
    Purl::parse(scope).is_ok_and(|scope| scope.parts().covers(&f.purl.parts(), f.source_package.as_deref()))
}

/// One element of a path glob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GlobToken {
    Char(char),
    /// `?`: one character other than `/`.
    One,
    /// `*`: any characters other than `/`.
    Star,
    /// `**`: any characters.
    Globstar,
    /// `**/`: nothing, or any characters ending with `/`.
    GlobstarSlash,
}

/// Matches `path` against `glob` (see the module docs); leading `/` ignored.
fn glob_match(glob: &str, path: &str) -> bool {
    let glob = glob.trim().trim_start_matches('/');
    let path = path.trim_start_matches('/');
    let mut tokens = Vec::new();
    let chars: Vec<char> = glob.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' if chars.get(i + 1) == Some(&'*') => {
                if chars.get(i + 2) == Some(&'/') {
                    tokens.push(GlobToken::GlobstarSlash);
                    i += 3;
                } else {
                    tokens.push(GlobToken::Globstar);
                    i += 2;
                    while chars.get(i) == Some(&'*') {
                        i += 1;
                    }
                }
            }
            '*' => {
                tokens.push(GlobToken::Star);
                i += 1;
            }
            '?' => {
                tokens.push(GlobToken::One);
                i += 1;
            }
            c => {
                tokens.push(GlobToken::Char(c));
                i += 1;
            }
        }
    }
    if glob.ends_with('/') {
        tokens.push(GlobToken::Globstar);
    }
    let text: Vec<char> = path.chars().collect();
    let n = text.len();
    // next[j]: the tokens after the current one match text[j..].
    let mut next = vec![false; n + 1];
    next[n] = true;
    for tok in tokens.iter().rev() {
        let mut cur = vec![false; n + 1];
        let mut reach = false; // some k > j with text[k-1] == '/' and next[k]
        for j in (0..=n).rev() {
            if j < n && text[j] == '/' && next[j + 1] {
                reach = true;
            }
            cur[j] = match *tok {
                GlobToken::Char(c) => j < n && text[j] == c && next[j + 1],
                GlobToken::One => j < n && text[j] != '/' && next[j + 1],
                GlobToken::Star => next[j] || (j < n && text[j] != '/' && cur[j + 1]),
                GlobToken::Globstar => next[j] || (j < n && cur[j + 1]),
                GlobToken::GlobstarSlash => next[j] || reach,
            };
        }
        next = cur;
    }
    next[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        for (glob, path, want) in [
            ("/usr/lib/*/x", "usr/lib/a/x", true),
            ("/usr/lib/*/x", "usr/lib/a/b/x", false),
            ("/usr/**/x", "usr/lib/a/b/x", true),
            ("/usr/**/x", "usr/x", true),
            ("usr/**", "usr/a/b", true),
            ("/usr/lib/", "usr/lib/a/b", true),
            ("/usr/lib", "usr/lib/a", false),
            ("*.jar", "app.jar", true),
            ("*.jar", "lib/app.jar", false),
            ("**/*.jar", "lib/app.jar", true),
            ("a?c", "abc", true),
            ("a?c", "a/c", false),
        ] {
            assert_eq!(glob_match(glob, path), want, "{glob} vs {path}");
        }
    }

    #[test]
    fn hostile_inputs_are_errors_not_panics() {
        let deep_flow = format!("vulnerabilities: {}", "[".repeat(300));
        let deep_block = format!("vulnerabilities:\n{}", "- ".repeat(300));
        let deep_json = format!("{{\"bomFormat\": \"CycloneDX\", \"vulnerabilities\": {}", "[".repeat(10_000));
        for text in [deep_flow.as_str(), deep_block.as_str(), "vulnerabilities:\n  - id: \u{e9}\n    reason: *x\n", "{"]
        {
            assert!(parse_ignore(text.as_bytes(), "f").is_err(), "{text:.40}");
        }
        for text in [deep_json.as_str(), "{\"@context\": [\"openvex\"], \"statements\": [{\"vulnerability\": {}}]}"] {
            assert!(parse_vex(text.as_bytes(), "f").is_err(), "{text:.40}");
        }
    }
}
