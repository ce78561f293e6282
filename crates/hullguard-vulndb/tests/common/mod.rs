//! Shared by the tests that read the recorded OSV API answers.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::PathBuf;

/// The shared vulndata folder.
pub fn vulndata() -> PathBuf {
    let shared = std::env::var_os("HULLGUARD_SHARED")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")), PathBuf::from);
    shared.join("vulndata")
}

/// `(ecosystem, package, version)` → recorded vuln ids.
pub type Recorded = BTreeMap<(String, String, String), BTreeSet<String>>;

/// The `body: |` block scalars of a go-vcr cassette, in order.
fn bodies(yaml: &str) -> Vec<String> {
    let lines: Vec<&str> = yaml.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let indent = line.len() - line.trim_start().len();
        i += 1;
        if !line.trim_start().starts_with("body: |") {
            continue;
        }
        let mut body = String::new();
        while i < lines.len() && (lines[i].trim().is_empty() || lines[i].len() - lines[i].trim_start().len() > indent) {
            body.push_str(lines[i]);
            body.push('\n');
            i += 1;
        }
        out.push(body);
    }
    out
}

/// The recorded queries of every cassette in the ecosystems `wanted`.
pub fn recorded(wanted: &[&str]) -> Recorded {
    let path = vulndata().join("samples/osv-scanner-api-cassettes.tar.gz");
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut recorded = Recorded::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if !entry.path().unwrap().to_string_lossy().ends_with(".yaml") {
            continue;
        }
        let mut yaml = String::new();
        entry.read_to_string(&mut yaml).unwrap();
        let bodies = bodies(&yaml);
        for pair in bodies.chunks_exact(2) {
            let (Ok(request), Ok(response)) = (
                serde_json::from_str::<serde_json::Value>(&pair[0]),
                serde_json::from_str::<serde_json::Value>(&pair[1]),
            ) else {
                continue;
            };
            let (Some(queries), Some(results)) = (request["queries"].as_array(), response["results"].as_array()) else {
                continue;
            };
            for (query, result) in queries.iter().zip(results) {
                let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
                let (Some(ecosystem), Some(name), Some(version)) =
                    (text(&query["package"]["ecosystem"]), text(&query["package"]["name"]), text(&query["version"]))
                else {
                    continue;
                };
                if !wanted.contains(&ecosystem.as_str()) {
                    continue;
                }
                let ids = result["vulns"].as_array().into_iter().flatten().filter_map(|v| text(&v["id"]));
                recorded.entry((ecosystem, name, version)).or_default().extend(ids);
            }
        }
    }
    recorded
}
