//! Ground truth: every layer of the `secrets-layers` test image, read in place with
//! `hullguard-image` in each of its four archive layouts, must yield exactly the secrets listed in
//! `secrets-layers.truth.json` (rule, path, line, layer, and the layer whose whiteout removed
//! it), fingerprints included, and nothing else.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use hullguard_image::{EntryKind, EntryVisitor, LayerEntry, Limits, ReadOptions, SourceSpec, read_image};
use hullguard_secrets::{SecretFinding, scan_reader};
use sha2::{Digest, Sha256};

/// `$HULLGUARD_SHARED/images` (default: `shared/` beside the repositories).
fn images() -> PathBuf {
    std::env::var_os("HULLGUARD_SHARED")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"), PathBuf::from)
        .join("images")
}

/// What one layer yields: its secrets and its whiteouts (deleted path, or hidden directory).
#[derive(Default)]
struct LayerSecrets {
    findings: Vec<SecretFinding>,
    whiteouts: Vec<String>,
    opaque_dirs: Vec<String>,
    files_scanned: usize,
}

#[derive(Default)]
struct Visitor {
    out: LayerSecrets,
}

impl EntryVisitor for Visitor {
    type Output = LayerSecrets;

    fn entry(&mut self, entry: &LayerEntry, content: &mut dyn Read) -> hullguard_image::Result<()> {
        match &entry.kind {
            EntryKind::File => {
                let scanned = scan_reader(&format!("/{}", entry.path), content).map_err(|e| {
                    hullguard_image::Error::new(hullguard_image::ErrorKind::Io, entry.path.clone(), e.to_string())
                })?;
                self.out.files_scanned += 1;
                self.out.findings.extend(scanned.findings);
            }
            EntryKind::Whiteout(path) => self.out.whiteouts.push(format!("/{path}")),
            EntryKind::Opaque(dir) => self.out.opaque_dirs.push(format!("/{dir}/")),
            _ => {}
        }
        Ok(())
    }

    fn finish(self) -> LayerSecrets {
        self.out
    }
}

/// (rule id, path, line, end line, layer, removed in layer, fingerprint)
type Row = (String, String, u32, u32, usize, Option<usize>, String);

fn fingerprint(rule: &str, value: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule.as_bytes());
    h.update([0u8]);
    h.update(value.as_bytes());
    hex::encode(h.finalize())
}

fn scan_archive(spec: &str) -> (Vec<Row>, Vec<SecretFinding>, usize) {
    let source = SourceSpec::parse(spec).unwrap().open(None, &Limits::default()).unwrap();
    let read = read_image(source.as_ref(), &ReadOptions::default(), Visitor::default).unwrap();
    let layers: Vec<&LayerSecrets> = read.layers.iter().map(|l| l.output.as_ref()).collect();
    let mut rows = Vec::new();
    let mut all = Vec::new();
    let mut files = 0;
    for (index, layer) in layers.iter().enumerate() {
        files += layer.files_scanned;
        for f in &layer.findings {
            let removed = layers.iter().enumerate().skip(index + 1).find_map(|(later, l)| {
                let gone =
                    l.whiteouts.contains(&f.path) || l.opaque_dirs.iter().any(|d| f.path.starts_with(d.as_str()));
                gone.then_some(later)
            });
            rows.push((f.rule_id.clone(), f.path.clone(), f.line, f.end_line, index, removed, f.fingerprint.clone()));
            all.push(f.clone());
        }
    }
    rows.sort();
    (rows, all, files)
}

fn truth_rows() -> Vec<Row> {
    let text = std::fs::read_to_string(images().join("secrets-layers.truth.json")).unwrap();
    let truth: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut rows: Vec<Row> = truth["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let kind = s["type"].as_str().unwrap();
            let rule = kind.split(" (").next().unwrap().to_owned();
            let line = u32::try_from(s["line"].as_u64().unwrap()).unwrap();
            let end_line = s["end_line"].as_u64().map_or(line, |e| u32::try_from(e).unwrap());
            let removed = s["removed_in_layer"].as_u64().map(|l| usize::try_from(l).unwrap());
            // The private key has no `value` in the truth file: its fingerprint is checked
            // across archives below instead.
            let fp = s["value"].as_str().map_or_else(String::new, |v| fingerprint(&rule, v));
            (
                rule,
                s["path"].as_str().unwrap().to_owned(),
                line,
                end_line,
                s["layer"].as_u64().unwrap() as usize,
                removed,
                fp,
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn secrets_layers_matches_truth_in_every_archive_layout() {
    let want = truth_rows();
    assert_eq!(want.len(), 7);
    let mut key_fingerprints = BTreeSet::new();
    for archive in [
        "secrets-layers.docker-uncompressed.tar",
        "secrets-layers.docker.tar",
        "secrets-layers.docker25.tar",
        "secrets-layers.oci.tar",
    ] {
        let path = images().join(archive);
        let prefix = if archive.contains("oci") { "oci-archive" } else { "docker-archive" };
        let (got, findings, files) = scan_archive(&format!("{prefix}:{}", path.display()));
        assert_eq!(files, 8, "{archive}: regular files scanned");
        let got_cmp: Vec<Row> = got
            .iter()
            .map(|r| {
                let mut r = r.clone();
                if r.0 == "private-key" {
                    key_fingerprints.insert(std::mem::take(&mut r.6));
                }
                r
            })
            .collect();
        assert_eq!(got_cmp, want, "{archive}");
        for f in &findings {
            // No raw secret in the output: only the first 4 characters survive.
            let json = serde_json::to_string(f).unwrap();
            for secret in ["4QWHAZHT2DO475UK", "KClhgcHdMZ9DJcJ5", "zayfLpaIhSjJbE7j", "L9BGmARJj5B4", "ri6vrqyfBBiKmz"]
            {
                assert!(!json.contains(secret), "{archive}: secret leaked in {json}");
            }
            assert!(f.redacted_match.as_str().contains("*****"), "{}", f.redacted_match);
        }
        let by_line = |line: u32, path: &str| {
            findings.iter().find(|f| f.line == line && f.path == path).map(|f| (f.column, f.redacted_match.to_string()))
        };
        assert_eq!(by_line(3, "/app/config/.env"), Some((19, "AWS_ACCESS_KEY_ID=AKIA*****".to_owned())));
        assert_eq!(
            by_line(6, "/app/config/.env"),
            Some((13, r#"DEPLOY_KEY="-----BEGIN RSA PRIVATE KEY----- MIIE*****"#.to_owned()))
        );
        assert_eq!(by_line(3, "/root/.aws/credentials"), Some((25, "aws_secret_access_key = 9jeP*****".to_owned())));
    }
    assert_eq!(key_fingerprints.len(), 1, "the private key has one fingerprint in every layout");
}
