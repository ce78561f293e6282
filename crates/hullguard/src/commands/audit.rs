//! `hullguard host`, `containers` and `seccomp audit`: the run-time audit. The library
//! (hullguard-host) reads the facts and runs the checks; this command applies the ignore file
//! and filters of every scan (hullguard-scan's policy), renders the report and maps the gate
//! (`warn` findings only: `manual` ones say what to check and never fail it) to the exit code.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use hullguard_host::containers::{DaemonContext, check, check_daemon, location};
use hullguard_host::engine::{ContainerFacts, DaemonFacts, Engine};
use hullguard_host::hostfs::HostFacts;
use hullguard_host::report::{AuditReport, EngineSummary};
use hullguard_host::{Audit, daemon, seccomp};
use hullguard_policy::InputKind;
use hullguard_report::gate::Gate;
use hullguard_report::{CheckStatus, Location, Report};
use hullguard_scan::{Policy, ScanOptions, ScanRequest, Scanners, Target};
use serde_json::Value;

use crate::cli::{AuditArgs, AuditFormat, Compliance, ContainerScanner, ContainersArgs, HostArgs};
use crate::output::{table_style, warn, write_report};

fn policy(args: &AuditArgs) -> Policy {
    Policy {
        ignorefile: args.ignorefile.clone(),
        severity: args.severity.clone(),
        gate: Gate { fail_on: args.fail_on, exit_code: args.exit_code },
        ..Policy::default()
    }
}

fn summary(engine: &DaemonFacts) -> EngineSummary {
    let text = |k: &str| engine.version.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    EngineSummary {
        host: engine.host.clone(),
        server_version: text("Version"),
        api_version: engine.api_version.clone(),
    }
}

/// The audit of the daemon (through the Engine when `with_engine`) and of the files below
/// `root`, with the facts it was made of.
pub fn host_audit(root: &Path, with_engine: bool) -> Result<(Audit, Option<DaemonFacts>, HostFacts)> {
    let facts = HostFacts::read(root);
    let engine = if with_engine { Some(Engine::connect()?.daemon()?) } else { None };
    Ok((daemon::check(engine.as_ref(), &facts), engine, facts))
}

/// The audit of the running containers named (every one, and the daemon-wide container checks,
/// when none is named).
pub fn containers_audit(names: &[String]) -> Result<(Audit, DaemonFacts, Vec<ContainerFacts>)> {
    let engine = Engine::connect()?;
    let daemon_facts = engine.daemon()?;
    let (containers, warnings) = engine.containers(names)?;
    // The daemon-wide no-new-privileges default is only in daemon.json (the Engine does not say).
    let mut host = HostFacts { root: "/".into(), ..HostFacts::default() };
    let daemon_json = host.read_text("/etc/docker/daemon.json").and_then(|t| serde_json::from_str::<Value>(&t).ok());
    let nnp = daemon_json.as_ref().and_then(|j| j.get("no-new-privileges")).and_then(Value::as_bool);
    let context = DaemonContext::from_info(&daemon_facts.info, nnp == Some(true));
    let mut audit = Audit { warnings, ..Audit::default() };
    if names.is_empty() {
        audit.extend(check_daemon(&daemon_facts.info));
    }
    for c in &containers {
        audit.extend(check(c, context));
    }
    Ok((audit, daemon_facts, containers))
}

/// Run `host`: the daemon (through the Engine, unless `--no-engine`) and the files below `--host-root`.
pub fn host(args: &HostArgs, quiet: bool) -> Result<ExitCode> {
    if !args.host_root.is_dir() {
        return Err(anyhow!("--host-root {}: not a directory", args.host_root.display()));
    }
    let policies = args.policy.load()?;
    let (audit, engine, facts) = host_audit(&args.host_root, !args.no_engine)?;
    let mut report =
        AuditReport::new(format!("docker host {}", args.host_root.display()), engine.as_ref().map(summary), audit);
    if let Some(policies) = &policies {
        let document = daemon::policy_input(engine.as_ref(), &facts);
        let at = Location::Host { source: "engine".to_owned(), field: None };
        report.findings.extend(policies.evaluate(InputKind::Host, &document, &at)?);
    }
    finish(report, &args.audit, quiet, false)
}

/// Run `containers`: every running container, or those named, and with `--scanners vuln` the
/// images they run.
pub fn containers(args: &ContainersArgs, quiet: bool) -> Result<ExitCode> {
    let policies = args.policy.load()?;
    let (audit, daemon_facts, containers) = containers_audit(&args.containers)?;
    let mut report = AuditReport::new("containers", Some(summary(&daemon_facts)), audit);
    if let Some(policies) = &policies {
        let documents: Vec<_> = containers.iter().map(|c| (c.inspect.clone(), location(&c.inspect, ""))).collect();
        report.findings.extend(policies.evaluate_all(InputKind::Container, &documents)?);
    }
    let mut tripped = false;
    if args.scanners.contains(&ContainerScanner::Vuln) {
        // One scan per image id, whatever the number of containers running it.
        let mut images: BTreeMap<String, String> = BTreeMap::new();
        for c in &containers {
            let id = c.inspect.get("Image").and_then(Value::as_str).unwrap_or_default();
            let name = c.inspect.pointer("/Config/Image").and_then(Value::as_str).unwrap_or(id);
            if !id.is_empty() {
                images.entry(id.to_owned()).or_insert_with(|| name.to_owned());
            }
        }
        for (id, name) in images {
            let target = Target::Image {
                spec: hullguard_image::SourceSpec::parse(&format!("docker:{id}"))?,
                platform: None,
                reference: name.clone(),
            };
            let options = ScanOptions {
                db: args.db.clone(),
                cache_dir: hullguard_scan::DirCache::default_dir(),
                policy: policy(&args.audit),
                ..ScanOptions::default()
            };
            let scanners = Scanners { vuln: true, ..Scanners::default() };
            let result = hullguard_scan::scan(&ScanRequest { target, scanners, options })?;
            warn(&result.warnings, quiet);
            warn(&result.gate_warnings, false);
            tripped |= result.tripped;
            let mut image = result.report;
            image.target =
                format!("{name} ({})", id.trim_start_matches("sha256:").chars().take(12).collect::<String>());
            report.images.push(image);
        }
    }
    finish(report, &args.audit, quiet, tripped)
}

/// Run `seccomp audit PROFILE`.
pub fn seccomp(profile: &Path, args: &AuditArgs, quiet: bool) -> Result<ExitCode> {
    let name = profile.display().to_string();
    let size = std::fs::metadata(profile).map_err(|e| anyhow!("{name}: {e}"))?.len();
    if size > hullguard_host::hostfs::MAX_FILE {
        return Err(anyhow!("{name}: {size} bytes, over the {} byte cap", hullguard_host::hostfs::MAX_FILE));
    }
    let bytes = std::fs::read(profile).map_err(|e| anyhow!("{name}: {e}"))?;
    let audit = seccomp::audit_profile(&bytes, &name)?;
    finish(AuditReport::new(name, None, audit), args, quiet, false)
}

/// Applies the ignore file and `--severity` to the report's findings, orders them, renders the
/// report and returns the gate's exit code (on `warn` findings; `already_tripped`: a scan of the
/// same run failed it).
fn finish(mut report: AuditReport, args: &AuditArgs, quiet: bool, already_tripped: bool) -> Result<ExitCode> {
    let policy = policy(args);
    let mut shown = Report::new(report.target.clone());
    shown.findings = std::mem::take(&mut report.findings);
    let suppress_warnings = hullguard_scan::suppress(&mut shown, &policy)?;
    let (mut manual, warned): (Vec<_>, Vec<_>) =
        shown.findings.drain(..).partition(|f| f.status == Some(CheckStatus::Manual));
    shown.findings = warned;
    let tripped = hullguard_scan::filter(&mut shown, &policy) || already_tripped;
    manual.retain(|f| policy.severity.is_empty() || policy.severity.contains(&f.severity));
    report.findings = shown.findings;
    report.findings.extend(manual);
    report.suppressed = shown.suppressed;
    report.order(args.compliance == Some(Compliance::CisDocker));
    warn(&report.warnings, quiet);
    warn(&suppress_warnings, false);
    let text = match args.format {
        AuditFormat::Json => report.to_json(),
        AuditFormat::Table => report.to_table(table_style(args.output.as_deref())),
        AuditFormat::Sarif => report.to_sarif(env!("CARGO_PKG_VERSION")),
        AuditFormat::Html => report.to_html().map_err(|e| anyhow!(e))?,
    };
    write_report(&text, args.output.as_deref())?;
    Ok(if tripped { ExitCode::from(policy.gate.code()) } else { ExitCode::SUCCESS })
}
