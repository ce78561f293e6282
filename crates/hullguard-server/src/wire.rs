//! The JSON bodies of the API (`/api/v1`), one definition for the server and its client; every
//! one is described in `docs/openapi.json`.

use std::collections::BTreeMap;

use hullguard_inventory::Inventory;
use hullguard_inventory::format::go_symbols::GoSymbols;
use hullguard_report::Severity;
use serde::{Deserialize, Serialize};

/// `POST /api/v1/scans`: an inventory hullguard read (client mode), or an SBOM of any tool.
#[derive(Debug, Serialize, Deserialize)]
pub struct ScanSubmission {
    /// The image (or document) name shown in reports.
    #[serde(default)]
    pub name: String,
    /// The image config digest (`sha256:…`), when the target is an image: the scan's identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_digest: Option<String>,
    /// The history `created_by` of each layer, by layer index.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layer_created_by: Vec<Option<String>>,
    /// What is installed (the inventory as client mode sends it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<Inventory>,
    /// The functions of each Go binary of the inventory, by path (client mode with reachability):
    /// what the Go findings' reachability verdicts are decided on.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub go_symbols: BTreeMap<String, GoSymbols>,
    /// Whether Go findings get reachability verdicts (`--reachability` not `off`).
    #[serde(default)]
    pub reachability: bool,
    /// A CycloneDX or SPDX JSON document instead of `inventory`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sbom: Option<serde_json::Value>,
    /// A registry image reference the server pulls and scans instead (`name` is then ignored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// A scan: one inventory matched against one database version.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scan {
    /// The scan's id.
    pub id: i64,
    /// The image's digest: its config digest, else the SHA-256 of its inventory.
    pub digest: String,
    /// The name it was submitted under.
    pub name: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// The build time of the database it was matched against (its version).
    pub db_built: String,
    /// When it was made (RFC 3339).
    pub created: String,
    /// Shown findings per severity.
    pub summary: BTreeMap<Severity, usize>,
    /// Findings known to be exploited (CISA KEV).
    pub kev: usize,
    /// Why it failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// An image of `GET /api/v1/images`: its last scan's counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Image {
    /// The image's digest.
    pub digest: String,
    /// The name it was last submitted under.
    pub name: String,
    /// Its last scan.
    pub last_scan: Scan,
}

/// A finding of `GET /api/v1/findings`: a vulnerability of a stored image.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredFinding {
    /// The image's digest.
    pub digest: String,
    /// The image's name.
    pub image: String,
    /// Vulnerability id.
    pub vulnerability: String,
    /// Package name.
    pub package: String,
    /// Installed version.
    pub installed: String,
    /// The lowest fixed version, when known.
    pub fixed: Option<String>,
    /// Severity.
    pub severity: Severity,
    /// Known to be exploited.
    pub kev: bool,
    /// The file the package was found in.
    pub path: String,
    /// When the finding was first seen on this image (RFC 3339).
    pub first_seen: String,
}

/// An event: what changed in a stored image's findings when the advisories changed, a review
/// the admission webhook denied or admitted in audit mode, or a runtime alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Increasing id: the cursor of `GET /api/v1/events?since=`.
    pub id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// `new_finding`, `fixed_upstream` (a fix version appeared) or `withdrawn` (the advisory no
    /// longer matches); `admission_denied` or `admission_audited` (admitted in audit mode);
    /// `runtime_alert` (posted by `hullguard watch --server`).
    pub kind: String,
    /// The image's digest (empty for admission events).
    pub digest: String,
    /// The image's name (empty for admission events).
    pub image: String,
    /// Vulnerability id (empty for admission events).
    pub vulnerability: String,
    /// Package name (empty for admission events).
    pub package: String,
    /// The fixed version (for `fixed_upstream`; for `new_finding` when known).
    pub fixed: Option<String>,
    /// The database version that brought the change (that was in use, for admission events).
    pub db_built: String,
    /// The review, for admission events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admission: Option<Admission>,
    /// The alert (Falco's JSON shape, as `hullguard watch` writes it), for `runtime_alert` events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<serde_json::Value>,
}

/// The review of an admission event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Admission {
    /// The AdmissionReview's `request.uid`.
    pub uid: String,
    /// `CREATE` or `UPDATE`.
    pub operation: String,
    /// The object's namespace.
    pub namespace: String,
    /// The object's kind (`Deployment`).
    pub kind: String,
    /// The object's name.
    pub name: String,
    /// Who asked (`request.userInfo.username`).
    pub user: String,
    /// One line per failing rule, as the review's message or warnings say it.
    pub reasons: Vec<String>,
}

/// `GET /api/v1/events`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Events {
    /// The events after `since`, oldest first.
    pub events: Vec<Event>,
    /// The `since` of the next poll.
    pub next: i64,
}

/// `GET /api/v1/images/{digest}/history`.
#[derive(Debug, Serialize, Deserialize)]
pub struct History {
    /// The image's digest.
    pub digest: String,
    /// Its scans, oldest first.
    pub scans: Vec<Scan>,
    /// Its events, oldest first.
    pub events: Vec<Event>,
}

/// `GET /api/v1/db`: the database the server matches with.
#[derive(Debug, Serialize, Deserialize)]
pub struct DbState {
    /// Its build time (the version scans are keyed by).
    pub built: String,
    /// Its newest record's date.
    pub newest_data: Option<String>,
    /// Advisories it holds.
    pub advisories: usize,
    /// The warnings a scan with it carries (stale data).
    pub warnings: Vec<String>,
}

/// `POST /api/v1/db`: the outcome of re-reading the database file.
#[derive(Debug, Serialize, Deserialize)]
pub struct Rescan {
    /// The database now used.
    pub built: String,
    /// Whether it differs from the one before (then every stored inventory was re-matched).
    pub changed: bool,
    /// Inventories re-matched.
    pub rescanned: usize,
    /// Events recorded.
    pub events: usize,
    /// How long the re-match took, in seconds.
    pub seconds: f64,
}

/// `POST /api/v1/tokens` (admin): a new token.
#[derive(Debug, Serialize, Deserialize)]
pub struct TokenRequest {
    /// A name for it (who uses it).
    pub name: String,
    /// `read`, `scan` or `admin`.
    pub scope: String,
}

/// A created token: the secret is shown once and stored only hashed.
#[derive(Debug, Serialize, Deserialize)]
pub struct CreatedToken {
    /// Its name.
    pub name: String,
    /// Its scope.
    pub scope: String,
    /// The bearer token.
    pub token: String,
}

/// An error body: one line saying what is wrong.
#[derive(Debug, Serialize, Deserialize)]
pub struct ApiError {
    /// The problem.
    pub error: String,
}

/// `POST /api/v1/webhooks` (admin): a subscription to every event.
#[derive(Debug, Serialize, Deserialize)]
pub struct WebhookRequest {
    /// Where each event is POSTed (`http://` or `https://`).
    pub url: String,
    /// The HMAC-SHA256 key of the `X-Hullguard-Signature` header.
    pub secret: String,
}

/// A webhook subscription (its secret is never shown again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// Its id.
    pub id: i64,
    /// Where events go.
    pub url: String,
    /// When it was made (RFC 3339).
    pub created: String,
    /// The id of the last event delivered or dead-lettered; it gets the events after it.
    pub delivered_through: i64,
}

/// An event a webhook did not take after every attempt.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeadLetter {
    /// Its id.
    pub id: i64,
    /// The webhook's id.
    pub webhook: i64,
    /// Where it was sent.
    pub url: String,
    /// The event, as the body that was sent.
    pub event: Event,
    /// How many times it was sent.
    pub attempts: u32,
    /// The last failure.
    pub error: String,
    /// When it was given up (RFC 3339).
    pub at: String,
}
