//! The scan engine every front end calls (the CLI today; the server and webhook later): a
//! [`ScanRequest`] (target, scanners, options, policy) in, one [`ScanResult`] out (target
//! metadata, inventory, findings, warnings, timings). Each target is read once: an image's
//! layers stream through one visitor running every analyzer ([`layer`]), their results cached by
//! blob digest ([`DirCache`]); a source tree is walked once ([`tree`]). The library never prints:
//! warnings come back as data, progress through a callback. Vulnerabilities are matched by a
//! [`Matcher`]: the local database ([`LocalDb`]) or a server's ([`scan_with`]).

mod cache;
pub mod compare;
mod image;
pub mod layer;
mod policy;
pub mod render;
pub mod stage;
pub mod tree;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use hullguard_checks::image::FilesOfInterest;
use hullguard_image::layer::LayerResult;
use hullguard_image::{ImageMeta, ImageRead, LayerCache, Limits, MergedFs, Platform, ReadOptions};
use hullguard_image::{SourceSpec, read_image_cached};
use hullguard_inventory::sbom::read_sbom;
use hullguard_inventory::{GO_SYMBOLS_ANALYZER, Inventory, builtin, merge_in};
use hullguard_report::{Finding, Report};
use hullguard_vulndb::db::Db;
pub use hullguard_vulndb::detect::Target as DetectTarget;
use hullguard_vulndb::detect::{detect, empty_report};

pub use cache::DirCache;
pub use policy::{IGNORE_UNFIXED_REASON, Policy, ReachabilityMode, filter, suppress};

/// What to scan.
#[derive(Debug, Clone)]
pub enum Target {
    /// An image (or `dir:` root filesystem); `reference` is what the user named, for the
    /// latest-tag check (empty: not known).
    Image {
        /// Where the image is.
        spec: SourceSpec,
        /// The platform wanted of a multi-platform image.
        platform: Option<Platform>,
        /// The name the user gave.
        reference: String,
    },
    /// A source tree (`fs DIR`): lockfiles, Dockerfiles, files for secrets.
    Tree(PathBuf),
    /// A CycloneDX or SPDX JSON document.
    Sbom(PathBuf),
}

/// Which scanners run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scanners {
    /// Known vulnerabilities of the inventory.
    pub vuln: bool,
    /// Misconfigurations (image checks; Dockerfiles of a tree).
    pub misconfig: bool,
    /// Secrets in files and the image config.
    pub secret: bool,
}

/// How to scan.
#[derive(Clone, Default)]
pub struct ScanOptions {
    /// Caps against hostile input.
    pub limits: Limits,
    /// The layer cache directory (`None`: no cache).
    pub cache_dir: Option<PathBuf>,
    /// The vulnerability database (`None`: the default location).
    pub db: Option<PathBuf>,
    /// Suppression, filters and gate.
    pub policy: Policy,
    /// Called with the number of bytes read, as they are read.
    pub progress: Option<Arc<dyn Fn(u64) + Send + Sync>>,
    /// The largest SBOM read (`--max-sbom-size`); 0 means the default, 1 GiB.
    pub max_sbom_bytes: u64,
    /// Detectors over every finding of the scanners (the trust policy, custom Rego policies):
    /// what they return joins the findings before suppression and the gate.
    pub findings_detectors: Vec<FindingsDetector>,
}

/// A detector that sees the scanners' findings, the inventory and the image, and adds its own
/// (an error fails the scan: a custom policy over its time limit).
pub type FindingsDetector = Arc<dyn Fn(&DetectorInput<'_>) -> Result<Vec<Finding>> + Send + Sync>;

/// What a [`FindingsDetector`] sees of a finished scan.
pub struct DetectorInput<'a> {
    /// The shown name of the target.
    pub name: &'a str,
    /// Every finding of the scanners.
    pub findings: &'a [Finding],
    /// What is installed.
    pub inventory: &'a Inventory,
    /// The image's verified description (`None` for trees and SBOMs).
    pub image: Option<&'a ImageMeta>,
    /// The final filesystem's files of interest (empty for trees and SBOMs).
    pub files: &'a FilesOfInterest,
}

/// The SBOM size cap when none is set.
pub const DEFAULT_MAX_SBOM_BYTES: u64 = 1 << 30;

/// A scan to run.
#[derive(Clone)]
pub struct ScanRequest {
    /// What to scan.
    pub target: Target,
    /// Which scanners run.
    pub scanners: Scanners,
    /// How.
    pub options: ScanOptions,
}

/// How long each stage took.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Reading the target and running the analyzers.
    pub read: Duration,
    /// Opening the database and matching the inventory.
    pub detect: Duration,
    /// The whole scan.
    pub total: Duration,
}

/// What reading a target gave, before vulnerability matching and policy.
#[derive(Debug)]
pub struct Collected {
    /// The shown name of the target.
    pub name: String,
    /// The image's verified description (`None` for trees and SBOMs).
    pub image: Option<ImageMeta>,
    /// What is installed.
    pub inventory: Inventory,
    /// Misconfigurations and secrets, sorted.
    pub findings: Vec<Finding>,
    /// Problems met on the way (the inventory's first).
    pub warnings: Vec<String>,
    /// The final filesystem's files of interest ([`DetectorInput::files`]).
    pub files: FilesOfInterest,
}

/// The outcome of a scan.
#[derive(Debug)]
pub struct ScanResult {
    /// The shown name of the target.
    pub name: String,
    /// The image's verified description (`None` for trees and SBOMs).
    pub image: Option<ImageMeta>,
    /// What is installed.
    pub inventory: Inventory,
    /// The findings of every scanner, after suppression and filters.
    pub report: Report,
    /// Warnings, in the order met (database, inventory, linter).
    pub warnings: Vec<String>,
    /// Warnings of the suppression (an expired ignore entry, a VEX statement that matched
    /// nothing): they change what the gate sees, so a quiet run still shows them.
    pub gate_warnings: Vec<String>,
    /// Whether the policy's gate trips.
    pub tripped: bool,
    /// Stage times.
    pub timings: Timings,
}

/// Opens the database at `path` or the default location; with the warning its data age calls for.
pub fn open_db(path: Option<&Path>) -> Result<(Db, Option<String>)> {
    let path = match path {
        Some(p) => p.to_owned(),
        None => hullguard_vulndb::db::default_path()
            .ok_or_else(|| anyhow!("no vulnerability database location: set --db, HULLGUARD_DB or HOME"))?,
    };
    let db = Db::open(&path)?;
    let warning = db.info()?.stale_data_warning(std::time::SystemTime::now());
    Ok((db, warning))
}

/// What matches an inventory against vulnerability data: the local database file
/// ([`LocalDb`]), or a hullguard server holding one (client mode).
pub trait Matcher {
    /// Makes the matcher ready (opens the database, reaches the server) and returns the warnings
    /// that come with its data (stale data). Called before an image is read, so that a missing
    /// database fails before a long read.
    fn prepare(&mut self) -> Result<Vec<String>>;
    /// The unfiltered vulnerability report of `inventory`.
    fn detect(&mut self, target: &DetectTarget, inventory: &Inventory) -> Result<Report>;
}

/// The database file at `path` (`None`: the default location), opened by [`Matcher::prepare`].
pub struct LocalDb {
    path: Option<PathBuf>,
    db: Option<Db>,
}

impl LocalDb {
    /// A matcher over the database at `path`, not yet opened.
    pub fn new(path: Option<PathBuf>) -> Self {
        LocalDb { path, db: None }
    }
}

impl Matcher for LocalDb {
    fn prepare(&mut self) -> Result<Vec<String>> {
        let (db, warning) = open_db(self.path.as_deref())?;
        self.db = Some(db);
        Ok(warning.into_iter().collect())
    }

    fn detect(&mut self, target: &DetectTarget, inventory: &Inventory) -> Result<Report> {
        let db = self.db.as_ref().ok_or_else(|| anyhow!("the database was not opened"))?;
        Ok(detect(target, inventory, db)?)
    }
}

/// Runs the scan of `request`: read the target once, match its inventory, apply the policy.
pub fn scan(request: &ScanRequest) -> Result<ScanResult> {
    scan_with(request, &mut LocalDb::new(request.options.db.clone()))
}

/// [`scan`] with vulnerabilities matched by `matcher`.
pub fn scan_with(request: &ScanRequest, matcher: &mut dyn Matcher) -> Result<ScanResult> {
    let started = Instant::now();
    let options = &request.options;
    let mut warnings = Vec::new();
    let mut prepare = |warnings: &mut Vec<String>| -> Result<Duration> {
        let opened = Instant::now();
        if request.scanners.vuln {
            warnings.extend(matcher.prepare()?);
        }
        tracing::info!("opened the database in {:.1} ms", opened.elapsed().as_secs_f64() * 1000.0);
        Ok(opened.elapsed())
    };
    // An image's read is long: a missing database fails before it. A tree's or document's own
    // problems (a missing file) are named first.
    let image_target = matches!(request.target, Target::Image { .. });
    let mut detect_time = if image_target { prepare(&mut warnings)? } else { Duration::ZERO };
    let read_started = Instant::now();
    let mut collected = collect(&request.target, request.scanners, options)?;
    let read = read_started.elapsed();
    warnings.append(&mut collected.warnings);
    if !image_target {
        detect_time = prepare(&mut warnings)?;
    }
    let target = detect_target(&collected, &options.policy);
    let matched = Instant::now();
    let report = if request.scanners.vuln {
        matcher.detect(&target, &collected.inventory)?
    } else {
        empty_report(&target, &collected.inventory)
    };
    tracing::info!(
        "matched {} packages against the database in {:.1} ms",
        report.packages,
        matched.elapsed().as_secs_f64() * 1000.0
    );
    detect_time += matched.elapsed();
    let timings = Timings { read, detect: detect_time, total: Duration::ZERO };
    let mut result = finish(collected, report, warnings, options, timings)?;
    result.timings.total = started.elapsed();
    Ok(result)
}

/// What vulnerability matching needs to know of a collected target.
fn detect_target(collected: &Collected, policy: &Policy) -> DetectTarget {
    DetectTarget {
        name: collected.name.clone(),
        config_digest: collected.image.as_ref().and_then(|m| m.config_digest.as_ref().map(|d| d.as_str().to_owned())),
        layer_created_by: collected
            .image
            .as_ref()
            .map(|m| m.layers.iter().map(|l| l.created_by.clone()).collect())
            .unwrap_or_default(),
        reachability: policy.reachability != ReachabilityMode::Off,
    }
}

/// The end of every scan: the collected findings (and the findings detector's) join the
/// vulnerability `report`, then suppression, filters and the gate of the options' policy;
/// `warnings` are every warning met so far.
fn finish(
    collected: Collected,
    mut report: Report,
    warnings: Vec<String>,
    options: &ScanOptions,
    timings: Timings,
) -> Result<ScanResult> {
    let policy = &options.policy;
    report.findings.extend(collected.findings);
    let mut added = Vec::new();
    for detector in &options.findings_detectors {
        // Each detector sees the scanners' findings, not another detector's.
        added.extend(detector(&DetectorInput {
            name: &collected.name,
            findings: &report.findings,
            inventory: &collected.inventory,
            image: collected.image.as_ref(),
            files: &collected.files,
        })?);
    }
    report.findings.extend(added);
    // Suppression sees every finding of every scanner.
    let mut gate_warnings = suppress(&mut report, policy)?;
    if let Some(baseline) = &policy.baseline {
        report.carried_over = stage::carried_over(baseline, &report);
        gate_warnings.extend(report.carried_over.iter().map(|c| {
            format!(
                "{} {}: ignored at the baseline ({}), still present in {}: revisit the baseline",
                c.id, c.package, c.reason, report.target
            )
        }));
    }
    let tripped = filter(&mut report, policy);
    report.warnings = warnings.iter().chain(&gate_warnings).cloned().collect();
    report.incomplete = collected.inventory.incomplete.clone();
    Ok(ScanResult {
        name: collected.name,
        image: collected.image,
        inventory: collected.inventory,
        report,
        warnings,
        gate_warnings,
        tripped,
        timings,
    })
}

/// Reads `target` once: its inventory, and the findings of the `misconfig` and `secret`
/// scanners (`vuln` is not looked at: matching is [`scan`]'s).
pub fn collect(target: &Target, scanners: Scanners, options: &ScanOptions) -> Result<Collected> {
    match target {
        Target::Image { spec, platform, reference } => collect_image(spec, platform, reference, scanners, options),
        Target::Tree(dir) => {
            let shown = dir.display().to_string();
            let scan = tree::scan(dir, scanners, &options.limits)?;
            Ok(Collected {
                name: shown,
                image: None,
                warnings: with_unread(&scan.inventory).into_iter().chain(scan.warnings).collect(),
                inventory: scan.inventory,
                findings: scan.findings,
                files: FilesOfInterest::default(),
            })
        }
        Target::Sbom(path) => {
            let shown = path.display().to_string();
            let file = std::fs::File::open(path).with_context(|| shown.clone())?;
            let cap = if options.max_sbom_bytes == 0 { DEFAULT_MAX_SBOM_BYTES } else { options.max_sbom_bytes };
            let inventory = read_sbom(&shown, file, cap).map_err(|problem| anyhow!("{shown}: {problem}"))?;
            Ok(Collected {
                name: shown,
                image: None,
                warnings: with_unread(&inventory),
                inventory,
                findings: Vec::new(),
                files: FilesOfInterest::default(),
            })
        }
    }
}

/// The single pass over an image: every layer streamed once (or taken from the cache) through
/// [`layer::LayerAnalyzer`]; then the merge, the image checks and the secrets' fates.
fn collect_image(
    spec: &SourceSpec,
    platform: &Option<Platform>,
    reference: &str,
    scanners: Scanners,
    options: &ScanOptions,
) -> Result<Collected> {
    let source = spec.open(platform.clone(), &options.limits)?;
    let mut analyzers = builtin();
    if options.policy.reachability == ReachabilityMode::Off {
        analyzers.retain(|a| a.id() != GO_SYMBOLS_ANALYZER);
    }
    let cache = options.cache_dir.as_deref().map(|dir| DirCache::new(dir, &analyzers, scanners.secret));
    let read_options = ReadOptions { limits: options.limits.clone(), progress: options.progress.clone() };
    let read = read_image_cached(
        source.as_ref(),
        &read_options,
        || layer::LayerAnalyzer::new(&analyzers, scanners.secret),
        cache.as_ref().map(|c| c as &dyn LayerCache<layer::AnalyzedLayer>),
    )?;
    if let Some(cache) = &cache {
        let (hits, _, unhashed) = cache.counts();
        tracing::info!(
            "layer cache: {hits} of {} layers reused, {unhashed} of their blobs unchanged since proved (not hashed again)",
            read.layers.len()
        );
    }
    let inventory_read = ImageRead {
        meta: read.meta.clone(),
        layers: read
            .layers
            .iter()
            .map(|l| LayerResult { stats: l.stats.clone(), output: l.output.inventory.clone() })
            .collect(),
    };
    // One merged view of the final filesystem, for the inventory and the image checks.
    let fs = MergedFs::build(&read.meta.source, read.layers.iter().map(|l| l.output.inventory.entries.as_slice()))?;
    let inventory = merge_in(&inventory_read, &fs);
    let mut findings = Vec::new();
    if scanners.misconfig || scanners.secret {
        findings = image::findings(&read, &fs, reference, scanners.misconfig, scanners.secret);
    }
    // A root filesystem folder (its source is named `dir:…`) with nothing in it is most likely
    // not the folder meant.
    let mut warnings = with_unread(&inventory);
    if read.meta.source.starts_with("dir:") && inventory.os.is_none() && inventory.packages.is_empty() {
        warnings.push(format!("{}: no OS release and no packages found; is this a root filesystem?", read.meta.source));
    }
    let files = image::files_of_interest(&read, &fs);
    Ok(Collected {
        name: read.meta.display_name().to_owned(),
        warnings,
        image: Some(read.meta),
        inventory,
        findings,
        files,
    })
}

/// The inventory's warnings, then what it could not read that no warning says already.
fn with_unread(inventory: &Inventory) -> Vec<String> {
    let unread = inventory.incomplete.iter().filter(|i| !inventory.warnings.contains(i));
    inventory.warnings.iter().chain(unread).cloned().collect()
}
