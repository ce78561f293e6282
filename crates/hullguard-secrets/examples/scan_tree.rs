//! Scan directory trees with [`hullguard_secrets::scan_reader`] and report findings and throughput.
//!
//! `cargo run --release -p hullguard-secrets --example scan_tree -- DIR… [--quiet] [--no-path-allowlist]`
//!
//! `--no-path-allowlist` hands the scanner only the file name (under a neutral directory), so the
//! path allow-list does not apply but the file kind (by extension) still does: for surveying
//! what the allow-list hides.
//! Symlinks are not followed. Prints every finding (`path:line:column rule redacted`), then a
//! summary line with the count of skipped (binary, allow-listed) files.

#![allow(clippy::print_stdout, reason = "a command-line tool")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use hullguard_secrets::scan_reader;

#[derive(Default)]
struct Totals {
    files: u64,
    bytes: u64,
    skipped: u64,
    by_rule: BTreeMap<String, u64>,
}

fn walk(dir: &Path, opts: (bool, bool), totals: &mut Totals) {
    let (quiet, no_allow) = opts;
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if meta.is_dir() {
            walk(&path, opts, totals);
        } else if meta.is_file() {
            let Ok(mut file) = std::fs::File::open(&path) else { continue };
            totals.files += 1;
            totals.bytes += meta.len();
            let shown = path.to_string_lossy();
            let given = if no_allow {
                format!("survey/{}", path.file_name().unwrap_or_default().to_string_lossy())
            } else {
                shown.to_string()
            };
            let Ok(scanned) = scan_reader(&given, &mut file) else { continue };
            totals.skipped += u64::from(scanned.skipped.is_some());
            for f in scanned.findings {
                *totals.by_rule.entry(f.rule_id.clone()).or_default() += 1;
                if !quiet {
                    println!("{shown}:{}:{} {} {}", f.line, f.column, f.rule_id, f.redacted_match);
                }
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quiet = args.iter().any(|a| a == "--quiet");
    let no_allow = args.iter().any(|a| a == "--no-path-allowlist");
    let mut totals = Totals::default();
    let started = Instant::now();
    for dir in args.iter().filter(|a| !a.starts_with("--")) {
        walk(Path::new(dir), (quiet, no_allow), &mut totals);
    }
    let secs = started.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let mb = totals.bytes as f64 / 1e6;
    let findings: u64 = totals.by_rule.values().sum();
    println!(
        "files {} ({} skipped), {:.1} MB in {:.2} s = {:.0} MB/s; findings {} {:?}",
        totals.files,
        totals.skipped,
        mb,
        secs,
        mb / secs,
        findings,
        totals.by_rule
    );
}
