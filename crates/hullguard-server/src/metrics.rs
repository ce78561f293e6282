//! The Prometheus metrics of `/metrics`, in one registry per server (no global state, so tests
//! run several servers in one process): scans by result, scan duration, findings by severity per
//! image, database age, queue depth, re-scans, webhook failures.

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
    /// Webhook deliveries that failed (each attempt).
    pub webhook_failures: Counter,
    /// Events given up on after every attempt (dead letters).
    pub webhook_dead_letters: Counter,
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
        let webhook_failures = Counter::default();
        registry.register("webhook_failures", "Webhook deliveries that failed, each attempt", webhook_failures.clone());
        let webhook_dead_letters = Counter::default();
        registry.register(
            "webhook_dead_letters",
            "Events a webhook did not take after every attempt",
            webhook_dead_letters.clone(),
        );
        Metrics {
            registry,
            scans,
            scan_seconds,
            findings,
            db_age_seconds,
            queue_depth,
            rescanned,
            webhook_failures,
            webhook_dead_letters,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every series name in the exposition: the name of each sample line.
    fn exported(metrics: &Metrics) -> std::collections::BTreeSet<String> {
        let text = metrics.encode().unwrap();
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|l| l.split(['{', ' ']).next().unwrap().to_string())
            .collect()
    }

    /// The `hullguard_…` names a PromQL expression reads.
    fn read_by(expr: &str) -> Vec<&str> {
        expr.match_indices("hullguard_")
            .map(|(at, _)| {
                let rest = &expr[at..];
                let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
                &rest[..end]
            })
            .collect()
    }

    #[test]
    fn the_grafana_dashboard_reads_only_exported_series() {
        let metrics = Metrics::default();
        metrics.scan("new");
        metrics.scan_seconds.observe(0.01);
        metrics.image_findings("sha256:x", &BTreeMap::new());
        let exported = exported(&metrics);
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/grafana/hullguard-server.json");
        let dashboard: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut read = Vec::new();
        for panel in dashboard["panels"].as_array().unwrap() {
            for target in panel["targets"].as_array().unwrap() {
                read.extend(read_by(target["expr"].as_str().unwrap()).into_iter().map(String::from));
            }
        }
        read.sort();
        read.dedup();
        let missing: Vec<&String> = read.iter().filter(|n| !exported.contains(*n)).collect();
        assert!(missing.is_empty(), "the dashboard reads {missing:?}, not in {exported:?}");
        // Every metric is on the dashboard.
        for family in ["scans_total", "scan_duration_seconds_bucket", "findings", "db_age_seconds", "queue_depth"] {
            assert!(read.contains(&format!("hullguard_{family}")), "{family} has no panel");
        }
        for counter in ["rescanned_inventories", "webhook_failures", "webhook_dead_letters"] {
            assert!(read.contains(&format!("hullguard_{counter}_total")), "{counter} has no panel");
        }
    }
}
