//! The Prometheus metrics of `/metrics`, in one registry per server (no global state, so tests
//! run several servers in one process): scans by result, scan duration, findings by severity per
//! image, database age, queue depth, re-scans.

use std::collections::BTreeMap;

use hullguard_report::Severity;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The label of a scan's outcome.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    /// `new` (matched now), `stored` (the stored scan of the same digest and database), `failed`.
    pub result: String,
}

/// The labels of an image's finding count.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FindingLabels {
    /// The image's digest.
    pub image: String,
    /// The severity.
    pub severity: String,
}

/// Every metric the server exports.
pub struct Metrics {
    registry: Registry,
    /// Scans by result.
    pub scans: Family<ResultLabel, Counter>,
    /// How long a submission took to answer.
    pub scan_seconds: Histogram,
    /// Findings of each image's last scan, by severity.
    pub findings: Family<FindingLabels, Gauge>,
    /// Seconds since the database in use was built.
    pub db_age_seconds: Gauge,
    /// Submissions being matched now.
    pub queue_depth: Gauge,
    /// Inventories re-matched after database changes.
    pub rescanned: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("hullguard");
        let scans = Family::<ResultLabel, Counter>::default();
        registry.register("scans", "Scans by result", scans.clone());
        let scan_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 16));
        registry.register("scan_duration_seconds", "Time to answer a scan submission", scan_seconds.clone());
        let findings = Family::<FindingLabels, Gauge>::default();
        registry.register("findings", "Findings of each image's last scan by severity", findings.clone());
        let db_age_seconds = Gauge::default();
        registry.register(
            "db_age_seconds",
            "Seconds since the vulnerability database was built",
            db_age_seconds.clone(),
        );
        let queue_depth = Gauge::default();
        registry.register("queue_depth", "Scan submissions being matched", queue_depth.clone());
        let rescanned = Counter::default();
        registry.register("rescanned_inventories", "Inventories re-matched after a database change", rescanned.clone());
        Metrics { registry, scans, scan_seconds, findings, db_age_seconds, queue_depth, rescanned }
    }
}

impl Metrics {
    /// Counts a scan of `result`.
    pub fn scan(&self, result: &str) {
        self.scans.get_or_create(&ResultLabel { result: result.to_owned() }).inc();
    }

    /// Sets the finding counts of image `digest` to `summary`.
    pub fn image_findings(&self, digest: &str, summary: &BTreeMap<Severity, usize>) {
        for severity in Severity::ALL {
            let n = summary.get(&severity).copied().unwrap_or(0);
            let labels = FindingLabels { image: digest.to_owned(), severity: severity.as_str().to_owned() };
            self.findings.get_or_create(&labels).set(i64::try_from(n).unwrap_or(i64::MAX));
        }
    }

    /// The text exposition format.
    ///
    /// # Errors
    ///
    /// When encoding fails (it does not, writing to a string).
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}
