//! CVSS severity of CVEs from CVE JSON 5.x records (the CNA container and
//! CISA's "Vulnrichment" ADP container), a stand-in for the NVD's scores.
//!
//! Two inputs give the same [`CveSeverity`]:
//!
//! - a full CVE JSON 5.x record ([`parse_cve_record`], [`read_cve_record`]),
//!   as in `cisagov/vulnrichment` or `CVEProject/cvelistV5`: the metrics of
//!   `containers.cna` and of the `containers.adp` entry whose
//!   `providerMetadata.shortName` is `CISA-ADP`;
//! - the derived JSON-lines extract of such records
//!   ([`parse_extract_line`], [`read_extract`], [`read_extract_gz`]): one
//!   object a line with `id`, `state`, `published`, `cna` and `cisa_adp`
//!   (each `{cvssV3_1: {vectorString, baseScore, …}, …}`) and `kev`.
//!
//! For each CVSS version the CNA's vector is preferred, CISA ADP's is the
//! fall-back, and for 3.x a `cvssV3_1` before a `cvssV3_0` of the same
//! source; the first metric of a kind in a container counts. Each
//! [`ScoredVector`] says which source it came from, since a CNA may give only
//! a 4.0 vector while CISA adds a 3.1 one. Vectors are checked: the prefix
//! must match the metric's version, 3.x and 4.0 vectors must score with
//! [`crate::severity::cvss_score`], and the score given must lie in 0–10. A
//! record whose vector fails is rejected with an error naming the CVE.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::Deserialize;

use super::kev::is_cve_id;
use super::{ImportError, MAX_RECORD_BYTES, MAX_RECORDS, MAX_TOTAL_BYTES, read_file_capped};
use crate::advisory::{Severity, SeverityKind};
use crate::severity::{Level, MAX_VECTOR_LEN, cvss_score};

/// The longest line of an extract, in bytes (real lines are under 2 KiB).
pub const MAX_LINE_BYTES: u64 = 1 << 20;

/// Where a CVSS vector came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CvssSource {
    /// The CVE Numbering Authority's own container.
    Cna,
    /// CISA's ADP ("Vulnrichment") container.
    CisaAdp,
}

impl CvssSource {
    /// `cna` or `cisa-adp`.
    pub fn as_str(self) -> &'static str {
        match self {
            CvssSource::Cna => "cna",
            CvssSource::CisaAdp => "cisa-adp",
        }
    }
}

/// A CVSS vector with the base score its source gives.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredVector {
    /// The vector, e.g. `CVSS:3.1/AV:N/AC:L/…` (CVSS 2.0 has no prefix).
    pub vector: String,
    /// The base score the source gives (`baseScore`), 0–10.
    pub score: f64,
    /// Who gave it.
    pub source: CvssSource,
}

/// The CVSS ratings of one CVE.
#[derive(Debug, Clone, PartialEq)]
pub struct CveSeverity {
    /// The CVE id.
    pub cve: String,
    /// The record's state: `PUBLISHED` or `REJECTED`.
    pub state: String,
    /// When the CVE was published, if the record says.
    pub published: Option<String>,
    /// The CVSS 2.0 vector, kept as given (not scored or checked further).
    pub cvss_v2: Option<ScoredVector>,
    /// The CVSS 3.1 (or else 3.0) vector.
    pub cvss_v3: Option<ScoredVector>,
    /// The CVSS 4.0 vector.
    pub cvss_v4: Option<ScoredVector>,
    /// The date CISA added the CVE to the KEV catalog, if it did.
    pub kev: Option<String>,
}

impl CveSeverity {
    /// Whether any CVSS vector (2.0, 3.x or 4.0) is given.
    pub fn has_vector(&self) -> bool {
        self.cvss_v2.is_some() || self.cvss_v3.is_some() || self.cvss_v4.is_some()
    }

    /// The 3.x and 4.0 vectors as ratings of the advisory model (the model has
    /// no kind for CVSS 2.0).
    pub fn severities(&self) -> Vec<Severity> {
        let v3 = self.cvss_v3.iter().map(|v| Severity { kind: SeverityKind::CvssV3, score: v.vector.clone() });
        let v4 = self.cvss_v4.iter().map(|v| Severity { kind: SeverityKind::CvssV4, score: v.vector.clone() });
        v3.chain(v4).collect()
    }

    /// The level of the CVSS 3.x score, or else of the 4.0 score, or else
    /// [`Level::Unknown`].
    pub fn level(&self) -> Level {
        self.cvss_v3.as_ref().or(self.cvss_v4.as_ref()).map_or(Level::Unknown, |v| Level::from_score(v.score))
    }
}

/// What a bulk read of an extract produced.
#[derive(Debug, Default)]
pub struct CveSeverities {
    /// The valid records, in line order.
    pub records: Vec<CveSeverity>,
    /// The lines that were rejected, one error each, in line order.
    pub rejected: Vec<ImportError>,
}

/// One metric as CVE JSON 5.x writes it (other fields ignored).
#[derive(Debug, Clone, Deserialize)]
struct RawMetric {
    #[serde(rename = "vectorString")]
    vector: String,
    #[serde(rename = "baseScore")]
    score: f64,
}

/// The metric kinds read, in order of preference within a source.
const KINDS: [&str; 4] = ["cvssV4_0", "cvssV3_1", "cvssV3_0", "cvssV2_0"];

/// A metric found in a record: its kind (one of [`KINDS`]) and source.
struct Found {
    kind: &'static str,
    source: CvssSource,
    metric: RawMetric,
}

/// Picks the preferred metric of each version and checks it.
fn assemble(
    cve: String,
    state: String,
    published: Option<String>,
    kev: Option<String>,
    found: Vec<Found>,
) -> Result<CveSeverity, String> {
    if !is_cve_id(&cve) {
        return Err(format!("bad CVE id {:?}", cve.chars().take(64).collect::<String>()));
    }
    if state != "PUBLISHED" && state != "REJECTED" {
        return Err(format!("{cve}: unknown state {:?}", state.chars().take(64).collect::<String>()));
    }
    // Sources in order (CNA first), then kinds in order within a source.
    let pick = |kinds: &[&str]| -> Result<Option<ScoredVector>, String> {
        let mut candidates: Vec<&Found> = found.iter().filter(|f| kinds.contains(&f.kind)).collect();
        candidates.sort_by_key(|f| (f.source, kinds.iter().position(|k| *k == f.kind)));
        let Some(best) = candidates.first() else { return Ok(None) };
        check(&cve, best)?;
        Ok(Some(ScoredVector { vector: best.metric.vector.clone(), score: best.metric.score, source: best.source }))
    };
    Ok(CveSeverity {
        cvss_v2: pick(&["cvssV2_0"])?,
        cvss_v3: pick(&["cvssV3_1", "cvssV3_0"])?,
        cvss_v4: pick(&["cvssV4_0"])?,
        cve,
        state,
        published: published.filter(|p| !p.is_empty()),
        kev: kev.filter(|k| !k.is_empty()),
    })
}

/// Checks one metric of `cve`.
fn check(cve: &str, found: &Found) -> Result<(), String> {
    let RawMetric { vector, score } = &found.metric;
    let at = format!("{cve}: {} {}", found.source.as_str(), found.kind);
    if vector.is_empty() || vector.len() > MAX_VECTOR_LEN {
        return Err(format!("{at}: empty or over-long vector"));
    }
    if !score.is_finite() || !(0.0..=10.0).contains(score) {
        return Err(format!("{at}: base score {score} out of 0-10"));
    }
    let prefix = match found.kind {
        "cvssV3_1" => "CVSS:3.1/",
        "cvssV3_0" => "CVSS:3.0/",
        "cvssV4_0" => "CVSS:4.0/",
        _ => return Ok(()),
    };
    if !vector.starts_with(prefix) {
        return Err(format!("{at}: vector does not start with {prefix}"));
    }
    cvss_score(vector).map_err(|e| format!("{at}: {e}"))?;
    Ok(())
}

/// The metrics of one container (`{kind: metric}` objects), in order.
fn metrics_of(source: CvssSource, entries: &[serde_json::Value], found: &mut Vec<Found>) -> Result<(), String> {
    for entry in entries {
        for kind in KINDS {
            if let Some(value) = entry.get(kind) {
                let metric = RawMetric::deserialize(value).map_err(|e| format!("{} {kind}: {e}", source.as_str()))?;
                found.push(Found { kind, source, metric });
            }
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct ExtractLine {
    id: String,
    state: String,
    published: Option<String>,
    cna: Option<serde_json::Value>,
    cisa_adp: Option<serde_json::Value>,
    kev: Option<String>,
}

/// Parses one line of the severity extract; `origin` (file and line) names
/// it in errors when it has no readable id.
///
/// # Errors
///
/// [`ImportError::Syntax`] when the line is not JSON of the extract's shape,
/// or (naming the CVE) when an id, state or vector is bad.
pub fn parse_extract_line(line: &str, origin: &str) -> Result<CveSeverity, ImportError> {
    let raw: ExtractLine = serde_json::from_str(line).map_err(|source| ImportError::Syntax {
        origin: origin.to_owned(),
        format: "a severity extract line",
        problem: source.to_string(),
    })?;
    let malformed =
        |problem| ImportError::Syntax { origin: origin.to_owned(), format: "a severity extract line", problem };
    let mut found = Vec::new();
    for (source, container) in [(CvssSource::Cna, &raw.cna), (CvssSource::CisaAdp, &raw.cisa_adp)] {
        let Some(container) = container else { continue };
        let entry = std::slice::from_ref(container);
        metrics_of(source, entry, &mut found).map_err(|e| malformed(format!("{}: {e}", raw.id)))?;
    }
    assemble(raw.id, raw.state, raw.published, raw.kev, found).map_err(malformed)
}

/// Reads a severity extract, one JSON object a line (empty lines skipped);
/// `origin` names the input in errors.
///
/// # Errors
///
/// When reading fails, a line is longer than [`MAX_LINE_BYTES`] or is not
/// UTF-8, or the input has more than [`MAX_RECORDS`] lines or
/// [`MAX_TOTAL_BYTES`]; bad records do not stop the read, they are listed in
/// [`CveSeverities::rejected`].
pub fn read_extract(mut reader: impl BufRead, origin: &str) -> Result<CveSeverities, ImportError> {
    let io = |source| ImportError::Io { path: origin.into(), source };
    let mut out = CveSeverities::default();
    let mut total: u64 = 0;
    let mut line = Vec::new();
    for number in 1.. {
        line.clear();
        let read = (&mut reader).take(MAX_LINE_BYTES + 1).read_until(b'\n', &mut line).map_err(io)?;
        if read == 0 {
            break;
        }
        let at = format!("{origin}:{number}");
        if line.len() as u64 > MAX_LINE_BYTES {
            return Err(ImportError::TooLarge { origin: at, limit: format!("{MAX_LINE_BYTES} bytes a line") });
        }
        total = total.saturating_add(read as u64);
        if number > MAX_RECORDS || total > MAX_TOTAL_BYTES {
            let limit = format!("{MAX_RECORDS} lines or {MAX_TOTAL_BYTES} bytes");
            return Err(ImportError::TooLarge { origin: at, limit });
        }
        let text = std::str::from_utf8(&line)
            .map_err(|e| ImportError::Syntax { origin: at.clone(), format: "UTF-8 text", problem: e.to_string() })?
            .trim();
        if text.is_empty() {
            continue;
        }
        match parse_extract_line(text, &at) {
            Ok(record) => out.records.push(record),
            Err(e) => out.rejected.push(e),
        }
    }
    Ok(out)
}

/// Reads a gzip-compressed severity extract (`*.jsonl.gz`).
///
/// # Errors
///
/// As [`read_extract`], and when the file cannot be opened or the gzip
/// stream is broken.
pub fn read_extract_gz(path: &Path) -> Result<CveSeverities, ImportError> {
    let file = File::open(path).map_err(|source| ImportError::Io { path: path.to_owned(), source })?;
    let reader = BufReader::new(flate2::read::GzDecoder::new(file));
    read_extract(reader, &path.display().to_string())
}

#[derive(Deserialize)]
struct CveRecord {
    #[serde(rename = "cveMetadata")]
    metadata: CveMetadata,
    containers: Containers,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CveMetadata {
    cve_id: String,
    state: String,
    date_published: Option<String>,
}

#[derive(Deserialize)]
struct Containers {
    cna: Option<Container>,
    adp: Option<Vec<Container>>,
}

#[derive(Deserialize)]
struct Container {
    #[serde(rename = "providerMetadata")]
    provider: Option<ProviderMetadata>,
    metrics: Option<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
struct ProviderMetadata {
    #[serde(rename = "shortName")]
    short_name: Option<String>,
}

impl Container {
    fn is_cisa_adp(&self) -> bool {
        self.provider.as_ref().and_then(|p| p.short_name.as_deref()) == Some("CISA-ADP")
    }

    /// The `dateAdded` of an `other` metric of type `kev`.
    fn kev_date(&self) -> Option<String> {
        self.metrics.iter().flatten().filter_map(|m| m.get("other")).find_map(|other| {
            (other.get("type")?.as_str()? == "kev").then_some(())?;
            Some(other.get("content")?.get("dateAdded")?.as_str()?.to_owned())
        })
    }
}

/// Parses one CVE JSON 5.x record; `origin` (a file name) names it in
/// errors.
///
/// # Errors
///
/// [`ImportError::Syntax`] when the bytes are not a CVE record, or (naming
/// the CVE) when an id, state or vector is bad.
pub fn parse_cve_record(bytes: &[u8], origin: &str) -> Result<CveSeverity, ImportError> {
    let raw: CveRecord = serde_json::from_slice(bytes).map_err(|source| ImportError::Syntax {
        origin: origin.to_owned(),
        format: "a CVE JSON 5 record",
        problem: source.to_string(),
    })?;
    let malformed = |problem| ImportError::Syntax { origin: origin.to_owned(), format: "a CVE JSON 5 record", problem };
    let id = raw.metadata.cve_id;
    let adp = raw.containers.adp.iter().flatten().find(|c| c.is_cisa_adp());
    let mut found = Vec::new();
    for (source, container) in [(CvssSource::Cna, raw.containers.cna.as_ref()), (CvssSource::CisaAdp, adp)] {
        let metrics = container.and_then(|c| c.metrics.as_deref()).unwrap_or_default();
        metrics_of(source, metrics, &mut found).map_err(|e| malformed(format!("{id}: {e}")))?;
    }
    let kev = adp.and_then(Container::kev_date);
    assemble(id, raw.metadata.state, raw.metadata.date_published, kev, found).map_err(malformed)
}

/// Reads one CVE JSON 5.x record file (at most [`MAX_RECORD_BYTES`]).
///
/// # Errors
///
/// As [`parse_cve_record`], and when the file cannot be read or is too large.
pub fn read_cve_record(path: &Path) -> Result<CveSeverity, ImportError> {
    let bytes = read_file_capped(path, MAX_RECORD_BYTES)?;
    parse_cve_record(&bytes, &path.display().to_string())
}
