//! `hullguard k8s PATH…` and the manifests `hullguard config` finds: read the files, let
//! `hullguard-manifest` check them, and report through the misconfiguration report of `config`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use hullguard_lint::{Found, OtherFiles, ReportArgs, check_skip_names};
use hullguard_manifest::{files, k8s};

/// Arguments of `hullguard k8s`.
#[derive(clap::Args)]
pub struct K8sArgs {
    /// Manifest files (YAML or JSON, multi-document streams, `List` kinds) or directories;
    /// `-` reads standard input (`helm template … | hullguard k8s -`).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Report, ignore file and gate.
    #[command(flatten)]
    pub report: ReportArgs,
    /// Honour no `hullguard.dev/ignore` annotation: objects cannot exempt themselves (central policy).
    #[arg(long)]
    pub no_inline_ignores: bool,
}

/// The manifest scanner `config` plugs into its walk.
pub struct Manifests {
    /// `--no-inline-ignores`.
    pub no_inline_ignores: bool,
}

impl OtherFiles for Manifests {
    fn wants(&self, path: &Path) -> bool {
        files::is_kubernetes_file(path)
    }

    fn scan(&self, paths: &[PathBuf], report: &ReportArgs) -> Result<Found> {
        let mut contents = Vec::with_capacity(paths.len());
        for p in paths {
            contents.push((p.display().to_string(), files::read(p)?));
        }
        let inputs: Vec<k8s::Input<'_>> = contents.iter().map(|(name, bytes)| k8s::Input { name, bytes }).collect();
        let settings = k8s::Settings {
            skip: report.skip_checks.clone(),
            trusted_registries: report.trusted_registries.clone(),
            no_inline_ignores: self.no_inline_ignores,
        };
        let scan = k8s::scan(&inputs, &settings);
        Ok(Found { findings: scan.findings, suppressed: scan.suppressed, warnings: scan.warnings })
    }
}

/// Runs `hullguard k8s`.
///
/// # Errors
///
/// An unknown `--skip-check`, a path that cannot be read, the output failing.
pub fn run_k8s(args: &K8sArgs) -> Result<ExitCode> {
    check_skip_names(&args.report)?;
    let mut paths = Vec::new();
    for p in &args.paths {
        files::walk(p, &files::is_manifest_name, &mut paths)?;
    }
    let scanner = Manifests { no_inline_ignores: args.no_inline_ignores };
    let found = scanner.scan(&paths, &args.report)?;
    let target = args.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" ");
    hullguard_lint::report(&args.report, &target, &paths, found)
}
