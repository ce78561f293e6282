//! The misconfiguration and secret findings of an image, from what the single layer pass
//! collected: the image checks over config, history and files (account files taken from the
//! final filesystem, whiteouts honoured), and the secrets of every layer with their fate.

use hullguard_checks::image::{
    AccountFiles, Fate, FileFates, FilesOfInterest, ImageFacts, check_image, paths_of_interest,
};
use hullguard_image::{ImageRead, LayerEntry, MergedFs};
use hullguard_report::{Finding, Location};

use crate::layer::AnalyzedLayer;

/// The misconfiguration checks' findings (`misconfig`) and the secret scanner's (`secret`) over
/// `read`, whose final filesystem is `fs`; `reference` is what the user named (for the
/// latest-tag check).
pub fn findings(
    read: &ImageRead<AnalyzedLayer>,
    fs: &MergedFs,
    reference: &str,
    misconfig: bool,
    secret: bool,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let layers: Vec<&[LayerEntry]> = read.layers.iter().map(|l| l.output.inventory.entries.as_slice()).collect();
    if misconfig {
        let mut facts = ImageFacts::from_meta(&read.meta).with_layers(layers.iter().copied()).with_fs(fs);
        // What the user named, else the image's own name (a layout or archive named without a ref).
        let named =
            if reference.is_empty() && !read.meta.names.is_empty() { read.meta.display_name() } else { reference };
        if !named.is_empty() {
            facts = facts.with_reference(named);
        }
        let accounts = |path: &str| final_account_file(read, fs, path);
        facts = facts.with_accounts(AccountFiles {
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
    findings
}

/// The contents of the account file at `path` (`etc/passwd`) in the final filesystem: the copy
/// of the layer that wrote the path last, unless deleted.
fn final_account_file<'r>(read: &'r ImageRead<AnalyzedLayer>, fs: &MergedFs, path: &str) -> Option<&'r [u8]> {
    let layer = fs.get(path)?.layer;
    read.layers.get(layer)?.output.account_files.get(path).map(Vec::as_slice)
}

/// The files of interest of the final filesystem for custom policies: `/etc/passwd` and
/// `/etc/group` as text (never `/etc/shadow`, whose hashes are secrets), and the paths of interest
/// from the merged metadata.
pub fn files_of_interest(read: &ImageRead<AnalyzedLayer>, fs: &MergedFs) -> FilesOfInterest {
    let text = ["etc/passwd", "etc/group"]
        .into_iter()
        .filter_map(|path| {
            let bytes = final_account_file(read, fs, path)?;
            Some((format!("/{path}"), String::from_utf8_lossy(bytes).into_owned()))
        })
        .collect();
    let (paths, paths_truncated) = paths_of_interest(fs);
    FilesOfInterest { text, paths, paths_truncated }
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
