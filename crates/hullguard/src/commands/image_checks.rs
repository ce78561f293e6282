//! The misconfiguration and secret scanners of `hullguard image --scanners`: one pass over every
//! layer (deleted files included) collecting each layer's entries, the account files the checks
//! read, and the secrets in every regular file; then the image checks over config, history and
//! files. `fs --scanners secret` walks a source tree with the same scanner.

use std::io::Read;

use anyhow::Result;
use hullguard_checks::image::{
    ACCOUNT_FILES, FactsVisitor, Fate, FileFates, ImageFacts, LayerListing, MAX_ACCOUNT_FILE, check_image,
};
use hullguard_image::{EntryKind, EntryVisitor, LayerEntry, MergedFs, ReadOptions, read_image};
use hullguard_report::{Finding, Location};
use hullguard_secrets::SecretFinding;

use crate::cli::ImageRequest;
use crate::output::progress;

/// What the pass collects per layer.
pub struct Collected {
    listing: LayerListing,
    secrets: Vec<SecretFinding>,
}

/// The entry visitor: entries and account files for the checks, secrets for the secret scanner.
struct Visitor {
    facts: FactsVisitor,
    secrets: Option<Vec<SecretFinding>>,
}

fn io(entry: &LayerEntry, e: &std::io::Error) -> hullguard_image::Error {
    hullguard_image::Error::io(entry.path.as_str(), e)
}

impl EntryVisitor for Visitor {
    type Output = Collected;

    fn entry(&mut self, entry: &LayerEntry, content: &mut dyn Read) -> hullguard_image::Result<()> {
        let Some(found) = self.secrets.as_mut().filter(|_| entry.kind == EntryKind::File) else {
            return self.facts.entry(entry, content);
        };
        // Account files are read for the checks first, then scanned with the rest of the file.
        let mut head = Vec::new();
        if ACCOUNT_FILES.contains(&entry.path.as_str()) {
            content.take(MAX_ACCOUNT_FILE as u64).read_to_end(&mut head).map_err(|e| io(entry, &e))?;
        }
        let scanned =
            hullguard_secrets::scan_reader(&entry.path, &mut (&head[..]).chain(content)).map_err(|e| io(entry, &e))?;
        if let Some(why) = scanned.skipped {
            tracing::debug!("secret scan skipped /{}: {why}", entry.path);
        }
        found.extend(scanned.findings);
        self.facts.entry(entry, &mut &head[..])
    }

    fn finish(self) -> Collected {
        Collected { listing: self.facts.finish(), secrets: self.secrets.unwrap_or_default() }
    }
}

/// Runs the misconfiguration checks (`misconfig`) and the secret scanner (`secret`) over the image
/// of `request`; `reference` is what the user named (for the latest-tag check).
pub fn scan_image(
    request: &ImageRequest,
    reference: &str,
    misconfig: bool,
    secret: bool,
    quiet: bool,
) -> Result<Vec<Finding>> {
    let source = request.spec.open(request.platform.clone(), &request.limits)?;
    let (bar, tick) = progress(quiet, &format!("checking {}", source.name()));
    let options = ReadOptions { limits: request.limits.clone(), progress: Some(tick) };
    let read = read_image(source.as_ref(), &options, || Visitor {
        facts: FactsVisitor::default(),
        secrets: secret.then(Vec::new),
    });
    bar.finish_and_clear();
    let read = read?;
    let mut findings = Vec::new();
    let layers: Vec<&[LayerEntry]> = read.layers.iter().map(|l| l.output.listing.entries.as_slice()).collect();
    if misconfig {
        let fs = MergedFs::build(&read.meta.source, layers.iter().copied())?;
        let mut facts = ImageFacts::from_meta(&read.meta).with_layers(layers.iter().copied()).with_fs(&fs);
        // What the user named, else the image's own name (a layout or archive named without a ref).
        let named =
            if reference.is_empty() && !read.meta.names.is_empty() { read.meta.display_name() } else { reference };
        if !named.is_empty() {
            facts = facts.with_reference(named);
        }
        let accounts = |name: &str| {
            read.layers.iter().rev().find_map(|l| l.output.listing.account_files.get(name).map(Vec::as_slice))
        };
        facts = facts.with_accounts(hullguard_checks::image::AccountFiles {
            passwd: accounts("etc/passwd"),
            shadow: accounts("etc/shadow"),
            group: accounts("etc/group"),
        });
        findings.extend(check_image(&facts, &[] as &[&str]));
    }
    if secret {
        findings.extend(config_secrets(&read.meta.config));
        let fates = FileFates::new(&layers);
        for (index, layer) in read.layers.iter().enumerate() {
            for s in &layer.output.secrets {
                let mut finding = s.to_finding();
                let fate = fates.fate(&s.path, index, false);
                finding.location = Location::Image { layer: Some(index), path: Some(format!("/{}", s.path)) };
                finding.description =
                    format!("{} at /{}:{}:{}; {}", s.title, s.path, s.line, s.column, fate.describe(index));
                if fate != Fate::Present {
                    finding.fix = Some(
                        "Deleting a file in a later layer does not remove it from the image: rebuild without it \
                         (multi-stage build or BuildKit secret mounts), then revoke the secret"
                            .to_owned(),
                    );
                }
                findings.push(finding);
            }
        }
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok(findings)
}

/// Secrets in the image config: each ENV entry, label and history `created_by` is scanned as a
/// line of its own, and reported at its config field.
fn config_secrets(config: &hullguard_image::spec::ImageConfig) -> Vec<Finding> {
    let mut texts: Vec<(String, String)> = Vec::new();
    for env in config.config.env.iter().flatten() {
        let key = env.split_once('=').map_or(env.as_str(), |(k, _)| k);
        texts.push((format!("config.Env[{key}]"), env.clone()));
    }
    for (key, value) in config.config.labels.iter().flatten() {
        texts.push((format!("config.Labels[{key}]"), format!("{key}={value}")));
    }
    for (i, h) in config.history.iter().enumerate() {
        if let Some(created_by) = &h.created_by {
            texts.push((format!("history[{i}].created_by"), created_by.clone()));
        }
    }
    let mut out = Vec::new();
    for (field, text) in texts {
        for s in hullguard_secrets::scan(&field, text.as_bytes()) {
            let mut finding = s.to_finding();
            finding.location = Location::ConfigField { field: field.clone() };
            finding.description =
                format!("{} in the image config ({field}): every copy of the image carries it", s.title);
            out.push(finding);
        }
    }
    out
}

/// Folders of a source tree never scanned for secrets: version control and dependency trees
/// (their own allow-list applies inside images, where they are what ships).
const SKIP_DIRS: [&str; 5] = [".git", ".hg", ".svn", "node_modules", "target"];

/// The secrets in every regular file under `dir` (symbolic links not followed), as findings with
/// `Location::File` paths relative to `dir`, sorted.
pub fn scan_tree(dir: &std::path::Path) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(&current)
            .map_err(|e| anyhow::anyhow!("{}: {e}", current.display()))?
            .filter_map(std::result::Result::ok)
            .collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                if !SKIP_DIRS.contains(&entry.file_name().to_string_lossy().as_ref()) {
                    stack.push(path);
                }
                continue;
            }
            if !kind.is_file() {
                continue;
            }
            let relative = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            let mut file = std::fs::File::open(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            let scanned = hullguard_secrets::scan_reader(&relative, &mut file)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            if let Some(why) = scanned.skipped {
                tracing::debug!("secret scan skipped {relative}: {why}");
            }
            findings.extend(scanned.findings.iter().map(SecretFinding::to_finding));
        }
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok(findings)
}
