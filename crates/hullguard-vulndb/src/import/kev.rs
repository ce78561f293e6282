//! Import of the CISA Known Exploited Vulnerabilities (KEV) catalog, the JSON
//! file CISA publishes as `known_exploited_vulnerabilities.json`.
//!
//! The catalog's top level (`catalogVersion`, `dateReleased`, `count`,
//! `vulnerabilities`) must be there and agree with itself (`count` equals the
//! number of entries), or the whole file is an error. Each entry is checked
//! on its own: its `cveID` must have the CVE id shape, `dateAdded` and
//! `dueDate` must be calendar dates `YYYY-MM-DD` and
//! `knownRansomwareCampaignUse` must be `Known` or `Unknown`. An entry that
//! fails is listed in [`Kev::rejected`] and the others are kept.

use std::path::Path;

use hullguard_report::time::is_date;
use serde::Deserialize;

use super::{ImportError, MAX_RECORD_BYTES, read_file_capped};

/// The most entries one catalog may have (the real one has under 2,000).
pub const MAX_KEV_ENTRIES: usize = 1 << 16;

/// The CISA KEV catalog.
#[derive(Debug)]
pub struct Kev {
    /// `catalogVersion`, e.g. `2025.08.25`.
    pub catalog_version: String,
    /// `dateReleased`, as given, e.g. `2025-08-25T17:04:19.9796Z`.
    pub date_released: String,
    /// The valid entries, in the catalog's order.
    pub entries: Vec<KevEntry>,
    /// The entries that were rejected, one error each, in the catalog's order.
    pub rejected: Vec<ImportError>,
}

impl Kev {
    /// The entry of `cve`, if the catalog lists it.
    pub fn get(&self, cve: &str) -> Option<&KevEntry> {
        self.entries.iter().find(|e| e.cve == cve)
    }
}

/// One entry of the KEV catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KevEntry {
    /// `cveID`, e.g. `CVE-2021-44228`.
    pub cve: String,
    /// `vendorProject`, e.g. `Apache`.
    pub vendor: String,
    /// `product`, e.g. `Log4j2`.
    pub product: String,
    /// `vulnerabilityName`.
    pub name: String,
    /// `dateAdded`, `YYYY-MM-DD`.
    pub date_added: String,
    /// `dueDate`, `YYYY-MM-DD`.
    pub due_date: String,
    /// `knownRansomwareCampaignUse` is `Known` (false for `Unknown`).
    pub known_ransomware: bool,
    /// `shortDescription`.
    pub description: String,
    /// `requiredAction`.
    pub required_action: String,
    /// `notes` (empty if none).
    pub notes: String,
    /// `cwes`, e.g. `CWE-502` (empty if none).
    pub cwes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCatalog {
    catalog_version: String,
    date_released: String,
    count: usize,
    vulnerabilities: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEntry {
    #[serde(rename = "cveID")]
    cve_id: String,
    vendor_project: String,
    product: String,
    vulnerability_name: String,
    date_added: String,
    short_description: String,
    required_action: String,
    due_date: String,
    known_ransomware_campaign_use: Option<String>,
    notes: Option<String>,
    cwes: Option<Vec<String>>,
}

/// Whether `id` has the shape of a CVE id: `CVE-YYYY-N…` with 4 to 19 digits
/// after the year.
pub fn is_cve_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("CVE-") else { return false };
    let Some((year, number)) = rest.split_once('-') else { return false };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    year.len() == 4 && digits(year) && (4..=19).contains(&number.len()) && digits(number)
}

/// Parses a KEV catalog from JSON; `origin` names it in errors.
///
/// # Errors
///
/// [`ImportError::Syntax`] when the bytes are not JSON of the catalog's shape,
/// or the catalog's version or release date is empty or malformed or `count`
/// disagrees with the entries, and
/// [`ImportError::TooLarge`] over [`MAX_KEV_ENTRIES`] entries. Bad entries
/// are not errors: they are listed in [`Kev::rejected`].
pub fn parse_catalog(bytes: &[u8], origin: &str) -> Result<Kev, ImportError> {
    let raw: RawCatalog = serde_json::from_slice(bytes).map_err(|source| ImportError::Syntax {
        origin: origin.to_owned(),
        format: "a KEV catalog",
        problem: source.to_string(),
    })?;
    let malformed =
        |problem: String| ImportError::Syntax { origin: origin.to_owned(), format: "a KEV catalog", problem };
    if raw.vulnerabilities.len() > MAX_KEV_ENTRIES {
        return Err(ImportError::TooLarge { origin: origin.to_owned(), limit: format!("{MAX_KEV_ENTRIES} entries") });
    }
    let version = &raw.catalog_version;
    if version.is_empty() || version.len() > 64 || !version.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(malformed(format!("bad catalogVersion {:?}", cut(version))));
    }
    if !raw.date_released.get(..10).is_some_and(is_date) {
        return Err(malformed(format!("bad dateReleased {:?}", cut(&raw.date_released))));
    }
    if raw.count != raw.vulnerabilities.len() {
        return Err(malformed(format!("count is {} but there are {} entries", raw.count, raw.vulnerabilities.len())));
    }
    let mut entries = Vec::with_capacity(raw.vulnerabilities.len());
    let mut rejected = Vec::new();
    for (index, value) in raw.vulnerabilities.into_iter().enumerate() {
        match convert_entry(value) {
            Ok(entry) => entries.push(entry),
            Err(problem) => rejected.push(malformed(format!("vulnerabilities[{index}]: {problem}"))),
        }
    }
    Ok(Kev { catalog_version: raw.catalog_version, date_released: raw.date_released, entries, rejected })
}

/// At most 64 characters of `s`, for error messages.
fn cut(s: &str) -> String {
    s.chars().take(64).collect()
}

/// Validates one entry; the error says what is wrong.
fn convert_entry(value: serde_json::Value) -> Result<KevEntry, String> {
    let id = value.get("cveID").and_then(serde_json::Value::as_str).map(cut);
    let raw: RawEntry = serde_json::from_value(value).map_err(|e| match &id {
        Some(id) => format!("{id}: {e}"),
        None => e.to_string(),
    })?;
    let id = raw.cve_id;
    if !is_cve_id(&id) {
        return Err(format!("bad cveID {:?}", cut(&id)));
    }
    for (field, date) in [("dateAdded", &raw.date_added), ("dueDate", &raw.due_date)] {
        if !is_date(date) {
            return Err(format!("{id}: bad {field} {:?}", cut(date)));
        }
    }
    let known_ransomware = match raw.known_ransomware_campaign_use.as_deref() {
        Some("Known") => true,
        Some("Unknown") | None => false,
        Some(other) => return Err(format!("{id}: bad knownRansomwareCampaignUse {:?}", cut(other))),
    };
    Ok(KevEntry {
        cve: id,
        vendor: raw.vendor_project,
        product: raw.product,
        name: raw.vulnerability_name,
        date_added: raw.date_added,
        due_date: raw.due_date,
        known_ransomware,
        description: raw.short_description,
        required_action: raw.required_action,
        notes: raw.notes.unwrap_or_default(),
        cwes: raw.cwes.unwrap_or_default(),
    })
}

/// Reads a KEV catalog file (at most [`MAX_RECORD_BYTES`]).
///
/// # Errors
///
/// As [`parse_catalog`], and when the file cannot be read or is too large.
pub fn read_catalog(path: &Path) -> Result<Kev, ImportError> {
    let bytes = read_file_capped(path, MAX_RECORD_BYTES)?;
    parse_catalog(&bytes, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_ids() {
        assert!(is_cve_id("CVE-2021-44228"));
        assert!(is_cve_id("CVE-1999-0001"));
        assert!(!is_cve_id("CVE-2021-123"));
        assert!(!is_cve_id("cve-2021-44228"));
        assert!(!is_cve_id("CVE-21-44228"));
        assert!(!is_cve_id("CVE-2021-4422x"));
        assert!(!is_cve_id("CVE-2021-44228 "));
    }
}
