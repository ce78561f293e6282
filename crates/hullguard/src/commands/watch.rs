//! `hullguard watch`: reads the rules, runs the watch (hullguard-watch), writes alerts to stdout
//! and what it saw to stderr. `hullguard seccomp record`: the recorder of hullguard-watch (a
//! running container, or `-- docker run …` from its start), its profile written as JSON.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use hullguard_watch::{SourceChoice, rules, seccomp};

use crate::cli::{SeccompRecordArgs, WatchArgs, WatchSource};

pub fn run(args: &WatchArgs) -> Result<ExitCode> {
    let rules = match &args.rules {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| anyhow!("{}: {e}", path.display()))?;
            rules::parse(&path.display().to_string(), &text)
        }
        None => rules::parse("default rules", rules::DEFAULT),
    }
    .map_err(|e| anyhow!(e))?;
    let options = hullguard_watch::Options {
        rules,
        rules_file: args.rules.clone(),
        window: Duration::from_secs(args.window),
        source: match args.source {
            WatchSource::Auto => SourceChoice::Auto,
            WatchSource::Ebpf => SourceChoice::Ebpf,
            WatchSource::Proc => SourceChoice::Proc,
        },
        webhook: args.webhook.clone(),
        server: args.server.clone().zip(args.token.clone()).map(|(url, token)| hullguard_watch::Server { url, token }),
        metrics_addr: args.metrics_addr,
    };
    let until = args.duration.map(|s| Instant::now() + Duration::from_secs(s));
    let stop = || until.is_some_and(|t| Instant::now() >= t);
    let stats = hullguard_watch::run(options, &mut std::io::stdout().lock(), &mut std::io::stderr(), &stop)?;
    eprintln!("{} events, {} alerts, {} dropped", stats.events, stats.alerts, stats.dropped);
    Ok(ExitCode::SUCCESS)
}

pub fn record(args: &SeccompRecordArgs, quiet: bool) -> Result<ExitCode> {
    let seen = match &args.container {
        Some(container) => {
            let duration = args.duration.unwrap_or(Duration::from_secs(60));
            let (pid, pidns) = seccomp::container_pidns(container)?;
            if !quiet {
                eprintln!("recording container {container} (pid {pid}) for {}s", duration.as_secs());
            }
            seccomp::record(pidns, duration)?
        }
        None => {
            let run = seccomp::record_run(&args.docker_run, args.duration.map(|d| Instant::now() + d))?;
            if !quiet {
                let how = run.status.map_or_else(|| "still running".to_owned(), |s| s.to_string());
                eprintln!(
                    "recorded container {} from its start (docker run: {how})",
                    run.container.get(..12).unwrap_or(&run.container)
                );
            }
            run.syscalls
        }
    };
    let profile = seccomp::profile(&seen);
    let mut text = serde_json::to_string_pretty(&profile)?;
    text.push('\n');
    crate::output::write_report(&text, args.output.as_deref())?;
    if !quiet {
        eprintln!(
            "{} syscalls recorded, {} in the profile",
            seen.len(),
            profile["syscalls"][0]["names"].as_array().map_or(0, Vec::len)
        );
    }
    Ok(ExitCode::SUCCESS)
}
