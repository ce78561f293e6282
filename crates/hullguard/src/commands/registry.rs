//! `registry scan HOST[/PREFIX]`: every repository of the catalog (below PREFIX, matching
//! `--repos`), every tag (matching `--tags`, or the `--latest N`), each distinct manifest digest
//! scanned once through the one engine; one report per image and a summary table.

use std::collections::{BTreeMap, HashSet};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use globset::{GlobBuilder, GlobMatcher};
use hullguard_image::SourceSpec;
use hullguard_image::source::registry::{Reference, RegistrySpec, Repository, catalog, reference};
use hullguard_report::Severity;
use hullguard_report::render::{table, write_json};
use hullguard_report::text::escape_control;
use hullguard_scan::{ScanRequest, Target};

use crate::cli::{RegistryArgs, ScanArgs, ScanFormat, Scanner};
use crate::output::{report_writer, table_style, warn};

/// Arguments of `registry scan`.
#[derive(Args)]
pub struct RegistryScanArgs {
    /// The registry, and optionally a repository prefix: HOST[:PORT][/PREFIX].
    #[arg(value_name = "HOST[/PREFIX]")]
    target: String,
    /// Only repositories matching this glob (`*` stops at `/`, `**` does not).
    #[arg(long, value_name = "GLOB")]
    repos: Option<String>,
    /// Only tags matching this glob.
    #[arg(long, value_name = "GLOB", conflicts_with = "latest")]
    tags: Option<String>,
    /// Only the N last tags of each repository in version order (numbers compared as numbers).
    #[arg(long, value_name = "N")]
    latest: Option<usize>,
    /// Scan at most this many images (distinct digests).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    max_images: usize,
    #[command(flatten)]
    cache: crate::cli::CacheArgs,
    /// Scanners to run: vuln, misconfig, secret.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "vuln")]
    scanners: Vec<Scanner>,
    /// Evaluate this trust policy for each image too.
    #[arg(long, value_name = "FILE")]
    trust_policy: Option<PathBuf>,
    #[command(flatten)]
    registry: RegistryArgs,
    #[command(flatten)]
    scan: ScanArgs,
}

fn glob(pattern: &str, flag: &str) -> Result<GlobMatcher> {
    Ok(GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .with_context(|| format!("{flag} {pattern:?}"))?
        .compile_matcher())
}

/// One image scanned.
struct Scanned {
    /// `host/repo:tag`, and the other tags of the same digest.
    names: Vec<String>,
    digest: String,
    report: hullguard_report::Report,
    tripped: bool,
}

/// Run `registry scan`.
pub fn scan(args: &RegistryScanArgs, quiet: bool) -> Result<ExitCode> {
    if !matches!(args.scan.format, ScanFormat::Table | ScanFormat::Json) {
        bail!("registry scan writes table or json (one report per image)");
    }
    let (host, prefix) = match args.target.split_once('/') {
        Some((h, p)) => (h, Some(p.trim_end_matches('/'))),
        None => (args.target.as_str(), None),
    };
    let options = args.registry.options()?;
    let repos = args.repos.as_deref().map(|g| glob(g, "--repos")).transpose()?;
    let tags = args.tags.as_deref().map(|g| glob(g, "--tags")).transpose()?;
    let cache = args.cache.dir();
    let results = match &cache {
        Some(dir) => ResultCache::open(dir, args)?,
        None => None,
    };
    let mut repositories = catalog(host, &options)?;
    repositories.retain(|r| {
        prefix.is_none_or(|p| r == p || r.starts_with(&format!("{p}/"))) && repos.as_ref().is_none_or(|g| g.is_match(r))
    });
    repositories.sort();
    let mut scanned: Vec<Scanned> = Vec::new();
    // Each image's scan warns of the same things (an old database, say): each said once.
    let mut warned: HashSet<String> = HashSet::new();
    let mut warn_once = |warnings: &[String], quiet: bool| {
        warn(warnings.iter().filter(|w| warned.insert((*w).clone())), quiet);
    };
    let mut by_digest: BTreeMap<String, usize> = BTreeMap::new();
    for repository in &repositories {
        let name = format!("{host}/{repository}");
        let spec = RegistrySpec {
            reference: Reference {
                registry: host.to_string(),
                repository: repository.clone(),
                tag: None,
                digest: None,
            },
            name: name.clone(),
            options: options.clone(),
        };
        let client = Repository::open(&spec)?;
        let mut listed: Vec<String> = client
            .tags()?
            .into_iter()
            .filter(|t| !reference::is_artifact_tag(t) && tags.as_ref().is_none_or(|g| g.is_match(t)))
            .collect();
        listed.sort_by_key(|t| reference::natural_key(t));
        if let Some(n) = args.latest {
            listed.drain(..listed.len().saturating_sub(n));
        }
        for tag in listed {
            let shown = format!("{name}:{tag}");
            let Some(manifest) = client.manifest(&tag)? else { continue };
            let digest = manifest.digest.to_string();
            if let Some(&i) = by_digest.get(&digest) {
                scanned[i].names.push(shown);
                continue;
            }
            if scanned.len() >= args.max_images {
                warn(
                    [format!("{host}: more than {} images; the rest is not scanned (--max-images)", args.max_images)],
                    false,
                );
                break;
            }
            let mut image = spec.clone();
            image.reference.digest = Some(manifest.digest.clone());
            image.name = format!("{name}@{digest}");
            let request = crate::cli::ImageRequest {
                spec: SourceSpec::Registry(Box::new(image)),
                platform: None,
                limits: hullguard_image::Limits::default(),
            };
            if let Some(hit) = results.as_ref().and_then(|r| r.get(&digest)) {
                warn_once(&hit.warnings, quiet);
                by_digest.insert(digest.clone(), scanned.len());
                scanned.push(Scanned { names: vec![shown], digest, report: hit.report, tripped: hit.tripped });
                continue;
            }
            let mut scan_options = super::scan::options(&args.scan, cache.as_deref(), request.limits.clone())?;
            if let Some(path) = &args.trust_policy {
                scan_options.findings_detectors.push(super::trust::policy_detector(path, &request.spec, &shown)?);
            }
            let target = Target::Image { spec: request.spec, platform: None, reference: shown.clone() };
            let result = hullguard_scan::scan(&ScanRequest {
                target,
                scanners: super::scan::scanners(&args.scanners),
                options: scan_options,
            })
            .with_context(|| shown.clone())?;
            warn_once(&result.warnings, quiet);
            warn_once(&result.gate_warnings, false);
            if let Some(r) = &results {
                r.put(
                    &digest,
                    &Stored { report: result.report.clone(), tripped: result.tripped, warnings: result.warnings },
                );
            }
            by_digest.insert(digest.clone(), scanned.len());
            scanned.push(Scanned { names: vec![shown], digest, report: result.report, tripped: result.tripped });
        }
    }
    render(&scanned, &args.scan)?;
    let tripped = scanned.iter().any(|s| s.tripped);
    Ok(if tripped { ExitCode::from(args.scan.exit_code.unwrap_or(1)) } else { ExitCode::SUCCESS })
}

/// What a scan of one image left: its report, whether it tripped the gate, its warnings.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    report: hullguard_report::Report,
    tripped: bool,
    warnings: Vec<String>,
}

/// Reports of earlier scans by manifest digest (`CACHE/results/`), under a key of everything
/// else a report depends on: the hullguard version, the database file (path, size, mtime), the
/// scanners and the scan policy (filters, gate, stage, baseline) with the contents of the ignore
/// and VEX files. A manifest digest fixes the config and every layer, so a second scan of an
/// unchanged registry reads each report instead of scanning again. Not used with a trust
/// policy or Rego policies (signatures and policy files change apart from the image).
struct ResultCache {
    dir: PathBuf,
    salt: String,
}

impl ResultCache {
    fn open(cache: &std::path::Path, args: &RegistryScanArgs) -> Result<Option<Self>> {
        if args.trust_policy.is_some() || !args.scan.policy.policy_dirs.is_empty() {
            return Ok(None);
        }
        let db = args.scan.db.clone().or_else(hullguard_vulndb::db::default_path);
        let db_stamp = db.as_deref().and_then(|p| std::fs::metadata(p).ok()).map(|m| (m.len(), m.modified().ok()));
        let mut salt = format!(
            "{}\n{db:?} {db_stamp:?}\n{:?}\n{:?}",
            env!("CARGO_PKG_VERSION"),
            args.scanners,
            super::scan::policy(&args.scan)?
        );
        let files = args.scan.vex.iter().cloned().chain(match &args.scan.ignorefile {
            Some(f) => vec![f.clone()],
            None => hullguard_report::suppress::DEFAULT_IGNORE_FILES.iter().map(PathBuf::from).collect(),
        });
        for file in files {
            let contents = std::fs::read(&file).unwrap_or_default();
            salt.push_str(&format!("\n{} {}", file.display(), hullguard_image::Digest::of(&contents)));
        }
        Ok(Some(ResultCache { dir: cache.join("results"), salt }))
    }

    fn path(&self, digest: &str) -> PathBuf {
        let key = hullguard_image::Digest::of(format!("{}\n{digest}", self.salt).as_bytes());
        self.dir.join(format!("{}.json", key.as_str().trim_start_matches("sha256:")))
    }

    /// The stored scan of `digest`; `None` when there is none or it does not read.
    fn get(&self, digest: &str) -> Option<Stored> {
        serde_json::from_slice(&std::fs::read(self.path(digest)).ok()?).ok()
    }

    /// Keep the scan of `digest` (a failure to write only loses the saving).
    fn put(&self, digest: &str, stored: &Stored) {
        let path = self.path(digest);
        let temp = path.with_extension(format!("tmp{}", std::process::id()));
        let written = std::fs::create_dir_all(&self.dir)
            .and_then(|()| std::fs::write(&temp, serde_json::to_vec(stored).unwrap_or_default()))
            .and_then(|()| std::fs::rename(&temp, &path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            tracing::debug!(%e, "result cache: {} not written", path.display());
        }
    }
}

/// The severities of the summary table, most severe first.
const COLUMNS: [Severity; 5] = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Unknown];

fn render(scanned: &[Scanned], args: &ScanArgs) -> Result<()> {
    let mut out = report_writer(args.output.as_deref())?;
    match args.format {
        ScanFormat::Json => {
            /// One image of the JSON output: its first name, every tag naming it, its manifest
            /// digest and its report (as `image -f json` writes it).
            #[derive(serde::Serialize)]
            struct Image<'a> {
                image: &'a str,
                tags: &'a [String],
                digest: &'a str,
                report: &'a hullguard_report::Report,
            }
            #[derive(serde::Serialize)]
            struct Images<'a> {
                images: Vec<Image<'a>>,
            }
            let images = scanned
                .iter()
                .map(|s| Image { image: &s.names[0], tags: &s.names, digest: &s.digest, report: &s.report })
                .collect();
            write_json(&mut *out, &Images { images })?;
        }
        _ => {
            for s in scanned {
                writeln!(out, "== {} ({})", escape_control(&s.names.join(", ")), s.digest)?;
                table::write(&s.report, table_style(args.output.as_deref()), &mut out)?;
                writeln!(out)?;
            }
            writeln!(out, "Summary: {} image{}", scanned.len(), if scanned.len() == 1 { "" } else { "s" })?;
            let width = scanned.iter().map(|s| s.names[0].len()).max().unwrap_or(5).max(5);
            let heads: Vec<String> = COLUMNS.iter().map(|c| format!("{:>8}", c.as_str())).collect();
            writeln!(out, "{:<width$}  {:<19}  {}", "IMAGE", "DIGEST", heads.join(""))?;
            for s in scanned {
                let counts: Vec<String> =
                    COLUMNS.iter().map(|c| format!("{:>8}", s.report.summary.get(c).copied().unwrap_or(0))).collect();
                let short = s.digest.get(..19).unwrap_or(&s.digest);
                writeln!(out, "{:<width$}  {short:<19}  {}", escape_control(&s.names[0]), counts.join(""))?;
            }
        }
    }
    Ok(out.flush()?)
}
