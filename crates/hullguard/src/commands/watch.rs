//! `hullguard watch`: reads the rules, runs the watch (hullguard-watch), writes alerts to stdout
//! and what it saw to stderr.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use hullguard_watch::rules;

use crate::cli::WatchArgs;

pub fn run(args: &WatchArgs) -> Result<ExitCode> {
    let rules = match &args.rules {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| anyhow!("{}: {e}", path.display()))?;
            rules::parse(&path.display().to_string(), &text)
        }
        None => rules::parse("default rules", rules::DEFAULT),
    }
    .map_err(|e| anyhow!(e))?;
    let until = args.duration.map(|s| Instant::now() + Duration::from_secs(s));
    let stop = || until.is_some_and(|t| Instant::now() >= t);
    let stats = hullguard_watch::run(rules, Duration::from_secs(args.window), &mut std::io::stdout().lock(), &stop)?;
    eprintln!("{} events, {} alerts, {} dropped by the kernel", stats.events, stats.alerts, stats.dropped);
    Ok(ExitCode::SUCCESS)
}
