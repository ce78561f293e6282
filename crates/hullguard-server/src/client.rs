//! Client mode: a [`Matcher`] that has a hullguard server match the inventory read here. The
//! image's layers never leave this host: only the inventory (and the image's name, config digest
//! and layer history) is sent, and the server's unfiltered report comes back for the local
//! policy and renderers, so the output is the same as a local scan with the server's database.

use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use hullguard_inventory::Inventory;
use hullguard_report::Report;
use hullguard_scan::{DetectTarget, Matcher};
use reqwest::blocking::{Client, RequestBuilder, Response};

use crate::wire::{ApiError, DbState, Scan};

/// The longest one request to the server may take.
const TIMEOUT: Duration = Duration::from_secs(300);

/// A hullguard server and the token to use.
pub struct Remote {
    base: String,
    token: String,
    http: Client,
}

impl Remote {
    /// The server at `url` (`http://host:port`), called with bearer `token`.
    ///
    /// # Errors
    ///
    /// When the HTTP client cannot be built.
    pub fn new(url: &str, token: &str) -> Result<Remote> {
        let http = Client::builder().timeout(TIMEOUT).build().context("HTTP client")?;
        Ok(Remote { base: url.trim_end_matches('/').to_owned(), token: token.to_owned(), http })
    }

    fn send(&self, request: RequestBuilder, what: &str) -> Result<Response> {
        let response = request.bearer_auth(&self.token).send().with_context(|| format!("{}: {what}", self.base))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let problem = response.json::<ApiError>().map_or_else(|_| status.to_string(), |e| e.error);
        bail!("{}: {what}: {} {problem}", self.base, status.as_u16())
    }
}

impl Matcher for Remote {
    fn prepare(&mut self) -> Result<Vec<String>> {
        let state: DbState = self.send(self.http.get(format!("{}/api/v1/db", self.base)), "database")?.json()?;
        Ok(state.warnings)
    }

    fn detect(&mut self, target: &DetectTarget, inventory: &Inventory) -> Result<Report> {
        let body = serde_json::json!({
            "name": target.name,
            "config_digest": target.config_digest,
            "layer_created_by": target.layer_created_by,
            "inventory": inventory,
            "go_symbols": inventory.go_symbols,
            "reachability": target.reachability,
        });
        let scan: Scan = self
            .send(self.http.post(format!("{}/api/v1/scans", self.base)).json(&body), "submit the inventory")?
            .json()?;
        if scan.status != "done" {
            return Err(anyhow!(
                "{}: scan {} is {}: {}",
                self.base,
                scan.id,
                scan.status,
                scan.error.unwrap_or_default()
            ));
        }
        let url = format!("{}/api/v1/scans/{}/report?format=json", self.base, scan.id);
        let mut report: Report = self.send(self.http.get(url), "the report")?.json()?;
        // The digest may be stored under another name: the report names what was asked for.
        report.target.clone_from(&target.name);
        Ok(report)
    }
}
