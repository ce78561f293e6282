//! `fs DIR`: a source tree walked once, through the hardened tree walker (symbolic links
//! recorded, never followed; files opened without following links), with one skip list. Each
//! regular file is read once: its lockfile packages, its Dockerfile checks and its secrets.

use std::path::Path;

use anyhow::{Result, anyhow};
use hullguard_checks::dockerfile::{Settings, check_dockerfile};
use hullguard_image::layer::walk_tree;
use hullguard_image::{EntryKind, EntryVisitor, ErrorKind, LayerEntry, Limits};
use hullguard_inventory::{Inventory, add_lockfile, add_lockfile_problem};
use hullguard_lint::{MAX_FILE, is_dockerfile_name};
use hullguard_report::Finding;
use hullguard_secrets::SecretFinding;

use crate::Scanners;
use crate::layer::Replay;

/// Directories of a source tree never descended into: version control metadata, installed
/// dependencies and build output (their lockfiles describe other projects; their files are not
/// the project's own).
pub const SKIP_DIRS: [&str; 7] = [".git", ".hg", ".svn", ".venv", "node_modules", "target", "vendor"];

/// What a source tree holds.
#[derive(Debug, Default)]
pub struct TreeScan {
    /// What its lockfiles pin.
    pub inventory: Inventory,
    /// Dockerfile misconfigurations and secrets, sorted.
    pub findings: Vec<Finding>,
    /// The linter's warnings.
    pub warnings: Vec<String>,
}

/// The entry visitor of the walk.
struct TreeVisitor {
    scanners: Scanners,
    out: TreeScan,
}

impl EntryVisitor for TreeVisitor {
    type Output = TreeScan;

    fn entry(&mut self, entry: &LayerEntry, content: &mut dyn std::io::Read) -> hullguard_image::Result<()> {
        if entry.kind != EntryKind::File {
            return Ok(());
        }
        let name = entry.path.rsplit('/').next().unwrap_or(&entry.path);
        let io = |e: std::io::Error| hullguard_image::Error::io(entry.path.as_str(), &e);
        let mut replay = Replay::new(content);
        if let Some(format) = hullguard_lockfile::detect(name) {
            let shown = format!("/{}", entry.path);
            let limit = hullguard_lockfile::MAX_INPUT_BYTES;
            let size = usize::try_from(entry.size).unwrap_or(usize::MAX);
            if size > limit {
                // Refused on its size, never read into memory.
                let problem = hullguard_lockfile::Error::TooLarge { format, size, limit };
                add_lockfile_problem(&mut self.out.inventory, &shown, &problem);
            } else {
                match replay.whole() {
                    Ok(bytes) => add_lockfile(&mut self.out.inventory, &shown, format, bytes),
                    Err(e) => self.out.inventory.warnings.push(format!("{shown}: {e}")),
                }
            }
        }
        if self.scanners.misconfig && is_dockerfile_name(name) {
            if entry.size > MAX_FILE {
                return Err(hullguard_image::Error::new(
                    ErrorKind::Limit,
                    entry.path.as_str(),
                    format!("{} bytes, over the {MAX_FILE} byte limit for build files", entry.size),
                ));
            }
            let (found, warned) = check_dockerfile(replay.whole().map_err(io)?, &entry.path, &Settings::default());
            self.out.findings.extend(found);
            self.out.warnings.extend(warned.into_iter().map(|w| format!("{}: {w}", entry.path)));
        }
        if self.scanners.secret {
            let scanned = hullguard_secrets::scan_reader(&entry.path, &mut replay.rest()).map_err(io)?;
            if let Some(why) = scanned.skipped {
                tracing::debug!("secret scan skipped {}: {why}", entry.path);
            }
            self.out.findings.extend(scanned.findings.iter().map(SecretFinding::to_finding));
        }
        Ok(())
    }

    fn finish(mut self) -> TreeScan {
        self.out.inventory.packages.sort();
        self.out.inventory.packages.dedup();
        self.out.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.out
    }
}

/// Scans the tree at `dir` in one walk: the inventory of its lockfiles always, its Dockerfiles
/// with `misconfig`, every file for secrets with `secret`.
pub fn scan(dir: &Path, scanners: Scanners, limits: &Limits) -> Result<TreeScan> {
    let meta = std::fs::symlink_metadata(dir).map_err(|e| anyhow!("{}: {e}", dir.display()))?;
    if !meta.is_dir() {
        return Err(anyhow!("{}: not a directory", dir.display()));
    }
    let mut visitor = TreeVisitor { scanners, out: TreeScan::default() };
    walk_tree(dir, limits, &SKIP_DIRS, &mut visitor)?;
    Ok(visitor.finish())
}
